"""Request and response models of the JSON API, one module per group of users, and the one
way to read a body, a query or a path id with them.

Why pydantic (v2) rather than msgspec: the OpenAPI document is generated from these models, and
pydantic writes JSON Schema (draft 2020-12, what OpenAPI 3.1 uses) with references, enums,
bounds and nullable fields out of the box; its validation errors carry the location of each bad
value (`rows.2.name`) and a stable error type, which the API turns into a 422 naming the field
in the user's language. msgspec is faster, but its schema output and error locations are
thinner, and the API's bodies are small: the speed does not matter here, the document does.

Bodies are read in strict mode (JSON says what type a value is: "1" is not a number), queries
and path parameters in lax mode (a URL carries only text)."""

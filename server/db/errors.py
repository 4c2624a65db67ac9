"""Why a database cannot be opened by this sambang."""

from __future__ import annotations


class SchemaError(RuntimeError):
    """The database's schema and this sambang's do not match; the message says what to do."""


class SchemaOutdated(SchemaError):
    """The database is older than this sambang and was not (or cannot be) upgraded."""


class DatabaseNewer(SchemaError):
    """A newer sambang has upgraded this database; this one would misread it."""

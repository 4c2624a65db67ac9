"""Recording files: written from the relay, hashed, retained and served (a later issue)."""

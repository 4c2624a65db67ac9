"""One file per schema revision, oldest first (see README.md beside env.py)."""

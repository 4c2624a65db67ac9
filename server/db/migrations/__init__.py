"""Alembic's scripts for the schema in server/db/tables.py (run by server/db/migrate.py)."""

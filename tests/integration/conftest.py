"""The PostgreSQL database of tests/integration/test_postgres.py: one of its own per test,
dropped after."""

from tests.integration.test_postgres import postgres_url as postgres_url  # noqa: F401

"""The PostgreSQL database of tests/test_postgres.py: one of its own per test, dropped after.
(The Redis key prefix of tests/nodes.py comes from tests/conftest.py.)"""

from tests.test_postgres import postgres_url as postgres_url  # noqa: F401

"""The PostgreSQL database of tests/integration/test_postgres.py: one of its own per test,
dropped after. (The Redis key prefix of tests/nodes.py comes from tests/conftest.py.)"""

from tests.integration.test_postgres import postgres_url as postgres_url  # noqa: F401

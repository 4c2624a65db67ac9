"""The PostgreSQL database of tests/test_postgres.py: one of its own per test, dropped after;
and a Redis key prefix of its own per test (tests/nodes.py)."""

from tests.nodes import redis_prefix as redis_prefix  # noqa: F401
from tests.test_postgres import postgres_url as postgres_url  # noqa: F401

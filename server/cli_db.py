"""`sambang db`: the operator's commands for the database's schema."""

from __future__ import annotations

import argparse
import asyncio
import sys

from server.config import Config


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p_db = sub.add_parser("db", help="the database's schema")
    db_sub = p_db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="upgrade the schema to this sambang's (serve does it too)")


def run(args: argparse.Namespace, config: Config) -> int:
    from server.db import migrate

    sqlite_file = config.data_dir / "sambang.sqlite3"
    if config.database_url is None and not sqlite_file.exists():
        # A mistyped --data-dir would otherwise get a new, empty database.
        print(f"sambang: no sambang data in {config.data_dir.resolve()} "
              "(`sambang serve` makes a new one)", file=sys.stderr)
        return 2
    done = asyncio.run(migrate.upgrade(config.db_url))
    print(f"sambang: {done.describe()}")
    return 0

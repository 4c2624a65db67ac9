"""The `sambang` command."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from server import cli_db
from server.config import Config
from server.db.errors import SchemaError
from server.secret import SecretError
from signaling.turn import TurnSettingsError


def _config(args: argparse.Namespace) -> Config:
    return Config.from_env(
        host=getattr(args, "host", None), port=getattr(args, "port", None),
        data_dir=Path(args.data_dir) if args.data_dir else None,
        demo=True if getattr(args, "demo", False) else None,
    )


async def _existing_engine(config: Config) -> AsyncEngine:
    """The database of an existing installation; a wrong --data-dir is a clear error."""
    from server.db.engine import open_engine

    sqlite_file = config.data_dir / "sambang.sqlite3"
    if config.database_url is None and not sqlite_file.exists():
        print(f"sambang: no sambang data in {config.data_dir.resolve()} "
              "(start `sambang serve` there once, or give --data-dir)", file=sys.stderr)
        raise SystemExit(2)
    # Only `serve` and `db upgrade` change the schema; the others refuse another revision.
    return await open_engine(config.db_url, upgrade=False)


async def _audit_cli(engine: AsyncEngine, action: str, target: str, outcome: str = "ok") -> None:
    """Changes made at the command line are audited like any other; the actor is the machine's
    operator, whom only the machine's own login records can name."""
    import getpass as _getpass
    import time

    from server.services.audit import AuditEvent, append

    await append(engine, AuditEvent(time.time(), f"cli:{_getpass.getuser()}", "operator", action,
                                    target, outcome, "local"))


class CommandError(Exception):
    """A mistake in what the operator asked: printed, exit status 2."""


async def _facility_or_fail(engine: AsyncEngine, code: str) -> Any:
    from server.db import facility_rows

    facility = await facility_rows.facility_by_code(engine, code)
    if facility is None:
        raise CommandError(f"no facility with code {code!r}")
    return facility


def serve(args: argparse.Namespace) -> int:
    from server.app import create_app
    from signaling.logs import setup_logging

    setup_logging()
    config = _config(args)
    problem = config.cluster_problem()
    if problem is not None:
        print(f"sambang: {problem}", file=sys.stderr)
        return 2
    print(f"sambang: data in {config.data_dir.resolve()}, serving on "
          f"http://{config.host}:{config.port}", flush=True)
    try:
        web.run_app(create_app(config), host=config.host, port=config.port, print=None)
    except (SchemaError, SecretError) as exc:
        print(f"sambang: {exc}", file=sys.stderr)
        return 2
    return 0


def _password() -> str:
    # From the environment for scripts, else asked without echo; never from the command line,
    # where it would sit in the shell history and the process list.
    password = os.environ.get("SAMBANG_PASSWORD") or getpass.getpass("Password: ")
    if len(password) < 8:
        print("sambang: a password needs at least 8 characters", file=sys.stderr)
        raise SystemExit(2)
    return password


async def _staff_command(args: argparse.Namespace) -> int:
    from server.db import staff_rows
    from server.http.auth import ROLES, hash_password

    config = _config(args)
    engine = await _existing_engine(config)
    try:
        if args.staff_command == "add":
            if args.role not in ROLES:
                print(f"sambang: role must be one of {', '.join(ROLES)}", file=sys.stderr)
                return 2
            facility = await _facility_or_fail(engine, args.facility)
            if await staff_rows.staff_credentials(engine, args.username) is not None:
                print(f"sambang: {args.username} exists already", file=sys.stderr)
                return 2
            await staff_rows.create_staff(engine, facility_id=facility.id, username=args.username,
                                     full_name=args.name or args.username, role=args.role,
                                     active=True, password_hash=hash_password(_password()))
            await _audit_cli(engine, "staff.add", f"staff:{args.username}", args.role)
            print(f"sambang: added {args.role} {args.username}")
            return 0
        found = await staff_rows.staff_credentials(engine, args.username)
        if found is None:
            print(f"sambang: no staff account {args.username!r}", file=sys.stderr)
            return 2
        # Through update_staff: a new password ends the account's sessions, and the servers
        # close its open pages within a second (server/http/staff_sockets.py).
        await staff_rows.update_staff(engine, found[0].id, password_hash=hash_password(_password()))
        await _audit_cli(engine, "staff.password", f"staff:{args.username}")
        print(f"sambang: password of {args.username} changed")
        return 0
    finally:
        await engine.dispose()


async def _station_link(args: argparse.Namespace) -> int:
    from server import links
    from server.db import facility_rows

    config = _config(args)
    engine = await _existing_engine(config)
    try:
        facility = await facility_rows.facility_by_code(engine, args.facility)
        stations = await facility_rows.stations_for(engine, facility.id) if facility else []
        match = [s for s in stations if s["name"] == args.station]
        if not match:
            print(f"sambang: no station {args.station!r} at {args.facility!r}", file=sys.stderr)
            return 2
        token = await facility_rows.rotate_station_token(engine, match[0]["id"])
        if args.base_url:
            config = replace(config, public_url=args.base_url)
        print(links.link(config, links.station(token)))
        return 0
    finally:
        await engine.dispose()


ZONES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}


def facility_add(args: argparse.Namespace) -> int:
    import re
    import tomllib

    from signaling.schedule import ScheduleError, parse_schedule

    if not re.match(r"^[a-z0-9][a-z0-9-]{1,31}$", args.code):
        print("sambang: a facility code is 2-32 lowercase letters, digits or '-'",
              file=sys.stderr)
        return 2
    schedule_text, default_call, changeover = None, 600, 60
    if args.schedule:
        try:
            schedule_text = Path(args.schedule).read_text(encoding="utf-8")
            schedule = parse_schedule(tomllib.loads(schedule_text))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, ScheduleError) as exc:
            print(f"sambang: schedule {args.schedule}: {exc}", file=sys.stderr)
            return 2
        default_call = schedule.default_call_minutes * 60
        changeover = schedule.changeover_minutes * 60
    return asyncio.run(_facility_add(args, schedule_text, default_call, changeover))


async def _facility_add(args: argparse.Namespace, schedule_text: str | None,
                        default_call: int, changeover: int) -> int:
    from server.db import facility_rows

    config = _config(args)
    engine = await _existing_engine(config)
    try:
        if await facility_rows.facility_by_code(engine, args.code) is not None:
            print(f"sambang: facility {args.code!r} exists", file=sys.stderr)
            return 2
        await _audit_cli(engine, "facility.add", f"facility:{args.code}", args.zone)
        await facility_rows.create_facility(
            engine, code=args.code, name=args.name, timezone=ZONES[args.zone],
            default_call_seconds=default_call, changeover_seconds=changeover,
            grace_seconds=600, schedule_toml=schedule_text)
    finally:
        await engine.dispose()
    print(f"sambang: facility {args.code} added ({args.zone}); a running server opens its queue "
          f"within a minute. Next: `sambang staff add NAME --role admin --facility {args.code}`")
    return 0


async def _facility_set(args: argparse.Namespace) -> int:
    from server.services import facilities

    config = _config(args)
    engine = await _existing_engine(config)
    try:
        facility = await _facility_or_fail(engine, args.code)
        values: dict[str, object] = {}
        if args.recording is not None:
            values["recording"] = args.recording
        if args.retention_days is not None:
            if args.retention_days < 1:
                print("sambang: retention is at least one day", file=sys.stderr)
                return 2
            values["retention_days"] = args.retention_days
        if values:
            await _audit_cli(engine, "facility.set", f"facility:{facility.code}",
                             ",".join(f"{k}={v}" for k, v in values.items()))
            facility = await facilities.change_settings(engine, facility.id, values)
        print(f"sambang: {facility.code}: recording {facility.recording}, "
              f"kept {facility.retention_days} days (a running server takes it on within a "
              "minute)")
        return 0
    finally:
        await engine.dispose()


def inmates_import(args: argparse.Namespace) -> int:
    from server.services.inmate_register import parse_register

    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"sambang: cannot read {path}: {exc}", file=sys.stderr)
        return 2
    rows, rejected = parse_register(text)
    for item in rejected:
        print(f"sambang: line {item.line} rejected: {item.reason}", file=sys.stderr)
    if rejected:
        # A full re-import makes everyone missing from it unvisitable: applying a file with a
        # bad row would take that row's inmate off the register, so nothing is applied.
        print("sambang: nothing imported; fix the lines above and import again",
              file=sys.stderr)
        return 1
    if not rows:
        print("sambang: nothing to import", file=sys.stderr)
        return 1
    return asyncio.run(_inmates_import(args, rows))


async def _inmates_import(args: argparse.Namespace, rows: list[Any]) -> int:
    from server.services.inmate_register import apply_register

    config = _config(args)
    engine = await _existing_engine(config)
    try:
        facility = await _facility_or_fail(engine, args.facility)
        counts = await apply_register(engine, facility.id, rows)
        await _audit_cli(engine, "inmates.import", f"facility:{facility.code}",
                         ",".join(f"{k}={v}" for k, v in counts.items()))
    finally:
        await engine.dispose()
    print(f"sambang: {counts['added']} added, {counts['updated']} updated, "
          f"{counts['no_longer_visitable']} no longer visitable")
    return 0


async def _verify(args: argparse.Namespace) -> int:
    from server import cli_checks

    config = _config(args)
    engine = await _existing_engine(config)
    try:
        if args.command == "audit":
            return await cli_checks.audit_verify(engine)
        return await cli_checks.recordings_verify(engine, config.data_dir)
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sambang", description="Video visits for Lapas/Rutan")
    parser.add_argument("--data-dir", help="folder holding all state (SAMBANG_DATA_DIR)")
    sub = parser.add_subparsers(dest="command", required=True)
    p_serve = sub.add_parser("serve", help="run the server")
    p_serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    p_serve.add_argument("--port", type=int, help="port (default 8080)")
    p_serve.add_argument("--demo", action="store_true", help="seed and run the demo facility")
    p_serve.add_argument("--data-dir", dest="data_dir", default=argparse.SUPPRESS)
    p_staff = sub.add_parser("staff", help="staff accounts")
    staff_sub = p_staff.add_subparsers(dest="staff_command", required=True)
    p_add = staff_sub.add_parser("add", help="add a staff account (password asked)")
    p_add.add_argument("username")
    p_add.add_argument("--role", required=True)
    p_add.add_argument("--facility", default="demo", help="facility code")
    p_add.add_argument("--name", help="full name")
    p_pw = staff_sub.add_parser("set-password", help="set a staff password (asked)")
    p_pw.add_argument("username")
    p_link = sub.add_parser("station-link", help="print a new kiosk link for a station")
    p_link.add_argument("station", help="station name, e.g. 'Bilik 1'")
    p_link.add_argument("--facility", default="demo")
    p_link.add_argument("--base-url", help="the address stations reach the server by "
                        "(default SAMBANG_PUBLIC_URL, else http://HOST:PORT)")
    p_bench = sub.add_parser("bench", help="measure what this machine can do")
    bench_sub = p_bench.add_subparsers(dest="bench_command", required=True)
    p_relay = bench_sub.add_parser("relay", help="relay CPU, fps, latency and memory per visit")
    p_relay.add_argument("--quick", action="store_true", help="finish within a minute")
    p_relay.add_argument("--json", action="store_true", help="last line: one JSON object")
    p_relay.add_argument("--visits", help="comma-separated visit counts, e.g. 1,10,20")
    p_relay.add_argument("--out", default="bench-out", help="folder for the plot")
    p_relay.add_argument("--workers", type=int, help="relay worker processes (default: cores)")
    p_audit = sub.add_parser("audit", help="the audit log")
    audit_sub = p_audit.add_subparsers(dest="audit_command", required=True)
    audit_sub.add_parser("verify", help="check the hash chain; non-zero naming the first break")
    p_fac = sub.add_parser("facility", help="facility settings")
    fac_sub = p_fac.add_subparsers(dest="facility_command", required=True)
    p_fadd = fac_sub.add_parser("add", help="add a facility (an admin account follows)")
    p_fadd.add_argument("code", help="short code for its public link /f/CODE, e.g. lapas-serang")
    p_fadd.add_argument("--name", required=True)
    p_fadd.add_argument("--zone", choices=("WIB", "WITA", "WIT"), default="WIB")
    p_fadd.add_argument("--schedule", help="TOML schedule, as in examples/facilities/")
    p_set = fac_sub.add_parser("set", help="recording policy and retention")
    p_set.add_argument("code", help="facility code, e.g. demo")
    p_set.add_argument("--recording", choices=("off", "all", "on_demand"))
    p_set.add_argument("--retention-days", type=int, dest="retention_days")
    p_inm = sub.add_parser("inmates", help="the inmate register")
    inm_sub = p_inm.add_subparsers(dest="inmates_command", required=True)
    p_imp = inm_sub.add_parser("import", help="import or re-import the register from CSV")
    p_imp.add_argument("file", help="CSV with reg_number, full_name, block[, status]")
    p_imp.add_argument("--facility", default="demo")
    p_rec = sub.add_parser("recordings", help="recording files")
    rec_sub = p_rec.add_subparsers(dest="recordings_command", required=True)
    rec_sub.add_parser("verify", help="check every recording file against its SHA-256")
    cli_db.add_commands(sub)
    args = parser.parse_args(argv)
    try:
        return _dispatch(args)
    except (CommandError, SchemaError, TurnSettingsError) as exc:
        print(f"sambang: {exc}", file=sys.stderr)
        return 2


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "facility" and args.facility_command == "add":
        return facility_add(args)
    if args.command == "facility":
        return asyncio.run(_facility_set(args))
    if args.command == "inmates":
        return inmates_import(args)
    if args.command in ("audit", "recordings"):
        return asyncio.run(_verify(args))
    if args.command == "serve":
        return serve(args)
    if args.command == "db":
        return cli_db.run(args, _config(args))
    if args.command == "bench":
        from media.bench import main as bench_main

        counts = [int(v) for v in args.visits.split(",")] if args.visits else None
        return bench_main(args.quick, args.json, counts, Path(args.out), args.workers)
    if args.command == "staff":
        return asyncio.run(_staff_command(args))
    return asyncio.run(_station_link(args))


if __name__ == "__main__":
    raise SystemExit(main())

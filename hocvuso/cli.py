"""The `hocvuso` command: run a service, prepare topics and master data, run the local stack."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import cast

from hocvuso.domain.access import ROLES
from hocvuso.settings import DEFAULT_PORTS, Settings

SERVICES = tuple(DEFAULT_PORTS)


def _serve(args: argparse.Namespace) -> int:
    import logging

    import uvicorn

    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = Settings()
    module = importlib.import_module(f"services.{args.service}.app")
    app = module.create_app(settings)
    port = args.port or settings.port_for(args.service)
    # uvloop and httptools: the event loop and the HTTP parser in C instead of Python. No
    # access log: a line per request is a hot path at 1,000 requests/s; failures are
    # still logged by the error handlers (figures: docs/PERFORMANCE.md).
    uvicorn.run(
        app,
        host=settings.http.host,
        port=port,
        log_level=args.log_level,
        loop="uvloop",
        http="httptools",
        access_log=False,
    )
    return 0


def _topics(_: argparse.Namespace) -> int:
    from hocvuso.adapters.kafka import ensure_topics

    created = asyncio.run(ensure_topics(Settings().kafka))
    print(f"created {len(created)} topics: {', '.join(created) or '(all existed)'}")
    return 0


def _seed(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from hocvuso.adapters.kafka import ensure_topics
    from hocvuso.adapters.master_data_feed import publish_new_records
    from hocvuso.reference_data import packaged_master_data

    async def run() -> int:
        await ensure_topics(settings.kafka)
        return await publish_new_records(settings.kafka, records, "seed")

    settings = Settings()
    records = packaged_master_data(datetime.now(UTC), demo_villages=args.demo_villages)
    published = asyncio.run(run())
    print(
        f"master data: {len(records)} packaged records, {published} new on the topic"
        f" ({len(records) - published} were there already)"
    )
    return 0


def _keygen(args: argparse.Namespace) -> int:
    from hocvuso.signing import write_new_key

    path = Path(args.path)
    if path.exists():
        print(f"{path} exists; refusing to overwrite a signing key", file=sys.stderr)
        return 1
    write_new_key(path)
    print(f"wrote a new Ed25519 signing key to {path}")
    return 0


def _schemas(_: argparse.Namespace) -> int:
    from hocvuso.events.schemas import write_all

    for path in write_all():
        print(path)
    return 0


def _token(args: argparse.Namespace) -> int:
    from hocvuso.dev_identity import DevIdentity

    subs = list(args.sub or [])
    if args.subs_from:
        lines = Path(args.subs_from).read_text().splitlines()
        subs += [line.strip() for line in lines if line.strip()]
    try:
        identity = DevIdentity(Path(args.state_dir))
        tokens = identity.tokens(
            args.role, subs or [f"{args.role}-1"], args.scope, args.hours * 3600
        )
    except (FileNotFoundError, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 1
    print("\n".join(tokens))
    return 0


def _masterdata(args: argparse.Namespace) -> int:
    from hocvuso import masterdata_csv
    from hocvuso.dev_identity import DevIdentity
    from hocvuso.devstack import local_url

    state = Path(args.state_dir)
    url = args.url or local_url(state, "enrollment")
    if url is None:
        print(f"no running local stack in {state}: start one or give --url", file=sys.stderr)
        return 1
    if args.action == "export":
        print(f"{masterdata_csv.export_file(url, Path(args.file))} records written to {args.file}")
        return 0
    token = args.token or DevIdentity(state).token("province_admin", "masterdata-import")
    outcomes = masterdata_csv.import_file(url, Path(args.file), token)
    for outcome in outcomes:
        if outcome.result != "unchanged":
            print(
                f"line {outcome.line}: {outcome.what}: {outcome.result} {outcome.detail}".rstrip()
            )
    counts = {r: sum(o.result == r for o in outcomes) for r in ("changed", "unchanged", "refused")}
    print(", ".join(f"{n} {r}" for r, n in counts.items()))
    return 1 if counts["refused"] else 0


def _dev(args: argparse.Namespace) -> int:
    from hocvuso.devstack import run_forever

    return run_forever(Path(args.state_dir), demo=not args.no_demo)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hocvuso", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run one service (HTTP plus its consumers)")
    serve.add_argument("service", choices=SERVICES)
    serve.add_argument("--port", type=int, default=None)
    serve.add_argument("--log-level", default="info")
    serve.set_defaults(func=_serve)
    sub.add_parser("topics", help="create the Kafka topics (idempotent)").set_defaults(func=_topics)
    seed = sub.add_parser(
        "seed", help="publish the packaged communes and units as master data (idempotent)"
    )
    seed.add_argument(
        "--demo-villages",
        action="store_true",
        help="add three made-up villages per commune, marked synthetic (local runs, tests)",
    )
    seed.set_defaults(func=_seed)
    keygen = sub.add_parser("keygen", help="write a new Ed25519 certificate signing key")
    keygen.add_argument("path")
    keygen.set_defaults(func=_keygen)
    sub.add_parser("schemas", help="regenerate schemas/events from the event types").set_defaults(
        func=_schemas
    )
    _add_local_stack_commands(sub)
    return p


def _add_local_stack_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The commands that work on the stack `make run` started, found by its state folder."""
    token = sub.add_parser(
        "token",
        help="print bearer tokens the local stack accepts (one per account, one per line)",
    )
    token.add_argument("--role", required=True, choices=ROLES)
    token.add_argument("--scope", help="unit code (unit_manager) or commune code (commune_manager)")
    token.add_argument("--sub", action="append", help="the account; repeat for several")
    token.add_argument("--subs-from", metavar="FILE", help="accounts, one per line")
    token.add_argument("--hours", type=int, default=24, help="how long the tokens stay valid")
    token.add_argument("--state-dir", default=".run", help="where `make run` keeps its state")
    token.set_defaults(func=_token)
    master = sub.add_parser(
        "masterdata", help="export the master data to a CSV file, or import changes from one"
    )
    master.add_argument("action", choices=("export", "import"))
    master.add_argument("file", metavar="FILE.csv")
    master.add_argument("--url", help="the enrollment service (default: the local stack's)")
    master.add_argument(
        "--token", help="a bearer token for import (default: a province admin's, local stack)"
    )
    master.add_argument("--state-dir", default=".run", help="where `make run` keeps its state")
    master.set_defaults(func=_masterdata)
    dev = sub.add_parser("dev", help="start the whole local stack (what `make run` does)")
    dev.add_argument("--state-dir", default=".run")
    dev.add_argument("--no-demo", action="store_true", help="skip the demo learners")
    dev.set_defaults(func=_dev)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    command = cast(Callable[[argparse.Namespace], int], args.func)  # set by every subcommand
    return command(args)


if __name__ == "__main__":
    sys.exit(main())

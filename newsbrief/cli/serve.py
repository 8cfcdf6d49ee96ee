"""``newsbrief serve``: the JSON API and the web pages over a store, on uvicorn."""

from __future__ import annotations

import argparse
import ipaddress

from newsbrief.cli.common import add_db, add_quiet, warn
from newsbrief.errors import InputError, MissingDependency

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="serve the JSON API and the web pages over a store",
        description=(
            "Serve /api/v1 (OpenAPI at /openapi.json) and the event pages over the store. "
            "Writes (POST /api/v1/articles) need a bearer token, set with --token or the "
            "NEWSBRIEF_TOKEN environment variable; without one the server is read-only. A "
            "database this process cannot write (read-only file, folder or file system) is "
            "served read-only: pages and GET routes work, writes answer 503."
        ),
    )
    add_db(parser)
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"port (default {DEFAULT_PORT}; 0 picks a free one)")
    parser.add_argument("--token", default=None,
                        help="bearer token for writes (prefer NEWSBRIEF_TOKEN: arguments show in ps)")
    parser.add_argument("--max-body", type=int, default=None, metavar="BYTES",
                        help="largest request body accepted (default 5 MB)")
    parser.add_argument("--read-only", action="store_true",
                        help="never open the database for writing, even with a token (e.g. a "
                        "public mirror): it must exist; writes answer 503")
    add_quiet(parser)
    parser.set_defaults(handler=run)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from newsbrief.web import DEFAULT_MAX_BODY, create_app
        from newsbrief.web.app import token_from_env
    except ImportError as exc:
        raise MissingDependency(exc.name or "fastapi", "web") from None
    from newsbrief.store import default_db_path

    if not 0 <= args.port <= 65535:
        raise InputError(f"--port must be between 0 and 65535, got {args.port}")
    if args.max_body is not None and args.max_body < 1:
        raise InputError(f"--max-body must be positive, got {args.max_body}")
    token = args.token or token_from_env()
    db = args.db or default_db_path()
    if not _is_loopback(args.host):
        warn(f"serving on {args.host}, reachable from other machines"
             + ("" if token else " (read-only: no token set)"), args.quiet)
    app = create_app(db, token, max_body=args.max_body or DEFAULT_MAX_BODY,
                     read_only=args.read_only)
    if not args.quiet:
        if app.state.pool.read_only:
            why = "--read-only" if args.read_only else app.state.pool.read_only
            mode = f"read-only ({why}; writes answer 503)"
        else:
            mode = "read-write (bearer token set)" if token else "read-only (no token)"
        # Port 0: uvicorn binds a free port and prints it on its next line.
        where = f"http://{args.host}:{args.port}/" if args.port else f"{args.host}, a free port,"
        print(f"newsbrief: serving {db} on {where} {mode}", flush=True)
    uvicorn.run(
        app, host=args.host, port=args.port,
        log_level="warning" if args.quiet else "info",
        # no "server: uvicorn" header, and no client IPs trusted from proxies by default
        server_header=False, proxy_headers=False,
    )
    return 0

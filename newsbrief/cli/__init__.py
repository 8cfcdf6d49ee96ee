"""The ``newsbrief`` command: a thin layer that parses options, calls the library, renders.

Each command lives in its own module with a ``register(subparsers)`` function; library errors
become one line on stderr and the error's exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from newsbrief import __version__
from newsbrief.errors import NewsbriefError

# Modules under newsbrief.cli that each add commands.
COMMAND_MODULES = ["brief", "evaluate", "serve", "feeds", "store", "cluster", "spark"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsbrief",
        description="Turn news articles from many outlets into attributed event briefs.",
    )
    parser.add_argument("--version", action="version", version=f"newsbrief {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(f"newsbrief.cli.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except NewsbriefError as exc:
        print(f"newsbrief: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("newsbrief: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())

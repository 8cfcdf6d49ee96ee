"""Options and output helpers shared by the commands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from newsbrief.models import Problem


def add_quiet(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars or notices")


def add_db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", metavar="PATH", default=None,
        help="database file (default: the platform's user data folder, newsbrief.db)",
    )


def add_format(parser: argparse.ArgumentParser, choices: list[str], default: str) -> None:
    parser.add_argument(
        "-f", "--format", choices=choices, default=default, help=f"output format (default {default})"
    )


def warn(message: str, quiet: bool = False) -> None:
    if not quiet:
        print(f"newsbrief: warning: {message}", file=sys.stderr)


def report_problems(problems: list[Problem], quiet: bool = False) -> None:
    """Each skipped input on its own line; always shown, even with --quiet, unless empty."""
    for problem in problems:
        print(f"newsbrief: skipped {problem}", file=sys.stderr)


@contextmanager
def progress(description: str, total: int | None, quiet: bool) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on stderr, or a no-op when quiet or not on a terminal."""
    if quiet or not sys.stderr.isatty():
        yield lambda n=1: None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn()]
    if total is not None:
        columns.append(TimeRemainingColumn())
    bar = Progress(*columns, transient=True)
    with bar:
        task = bar.add_task(description, total=total)
        yield lambda n=1: bar.advance(task, n)


def write(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()

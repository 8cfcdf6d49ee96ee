"""Options and output helpers shared by the commands."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TextIO

from newsbrief.errors import InputError
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


def check_min_similarity(value: float) -> float:
    """``--min-similarity`` (of ``cluster``, ``evaluate-clusters``, ``ingest`` and
    ``spark-run``): a cosine similarity, so between 0 and 1 (NaN is refused too)."""
    if not 0 <= value <= 1:
        raise InputError("--min-similarity must be between 0 and 1")
    return value


def warn(message: str, quiet: bool = False) -> None:
    if not quiet:
        print(f"newsbrief: warning: {message}", file=sys.stderr)


#: Problems printed one per line; the rest are counted on one line (a folder of 10,000 bad
#: files printed 10,000 lines, burying everything else on the terminal).
SHOWN_PROBLEMS = 20
_LOCATION = re.compile(r"^(?:[\w.]*\[\d+\]: )+")  # "articles[3]: " in front of a reason


def problem_kind(problem: Problem) -> str:
    """The reason without its particulars: the text before the first ``:`` or `` (``, digits
    as ``N`` ("cannot read: Permission denied" -> "cannot read")."""
    reason = _LOCATION.sub("", problem.reason)
    reason = re.split(r": | \(", reason, maxsplit=1)[0].strip()
    return re.sub(r"\d[\d,]*", "N", reason) or "other"


def add_problems_file(parser: argparse.ArgumentParser) -> None:
    from newsbrief.ingest.records import MAX_PROBLEMS_PER_FILE

    parser.add_argument(
        "--problems-file", metavar="PATH", default=None,
        help=f"write every skipped input to PATH as JSON lines (source, line, reason); "
        f"stderr shows the first {SHOWN_PROBLEMS} and counts the rest. A JSON or JSONL file "
        f"lists its first {MAX_PROBLEMS_PER_FILE} bad lines, then one '... and N more bad "
        "lines or records' (the reader's cap, which bounds memory)",
    )


@contextmanager
def problems_sink(path: str | None) -> Iterator[TextIO | None]:
    """``--problems-file`` for the length of a command (``None`` without one): entered before
    any work, so that a path that cannot be written fails at once, not after a long run;
    closed however the command ends."""
    if path is None:
        yield None
        return
    try:
        sink = open(path, "w", encoding="utf-8")  # noqa: SIM115 (the with below closes it)
    except OSError as exc:
        raise InputError(f"--problems-file {path}: cannot write: {exc.strerror or exc}") from None
    with sink:
        yield sink


def write_problems(sink: TextIO | None, problems: Iterable[Problem]) -> None:
    """Append ``problems`` to the ``--problems-file`` ``sink`` (when there is one) as JSON
    lines, flushed so that a long-running command (``watch``) shows them as they happen."""
    if sink is None:
        return
    for problem in problems:
        sink.write(json.dumps({"source": problem.source, "line": problem.line,
                               "reason": problem.reason}, ensure_ascii=False) + "\n")
    sink.flush()


def report_problems(problems: list[Problem], quiet: bool = False,
                    problems_file: TextIO | None = None) -> None:
    """The first :data:`SHOWN_PROBLEMS` skipped inputs, one per line, then one line counting
    the rest by kind; always shown, even with --quiet, unless empty. ``problems_file``: every
    problem is also written there, one JSON object per line."""
    write_problems(problems_file, problems)
    for problem in problems[:SHOWN_PROBLEMS]:
        print(f"newsbrief: skipped {problem}", file=sys.stderr)
    rest = problems[SHOWN_PROBLEMS:]
    if not rest:
        return
    kinds = Counter(problem_kind(p) for p in rest).most_common()
    counted = ", ".join(f"{n:,} {kind!r}" for kind, n in kinds[:3])
    if len(kinds) > 3:
        counted += f", {sum(n for _, n in kinds[3:]):,} of {len(kinds) - 3} other kinds"
    where = f"; all in {problems_file.name}" if problems_file is not None else ""
    print(f"newsbrief: ... and {len(rest):,} more problems ({counted}){where}", file=sys.stderr)


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

"""``newsbrief evaluate DATASET.jsonl``: ROUGE of the summarizer against reference summaries."""

from __future__ import annotations

import argparse
import json
from contextlib import ExitStack
from pathlib import Path

from newsbrief.cli.common import (
    add_problems_file,
    add_quiet,
    problems_sink,
    progress,
    report_problems,
    write,
)
from newsbrief.config import BriefConfig
from newsbrief.errors import InputError
from newsbrief.evaluate import MODES, ROUGE_TYPES, EvaluationResult, evaluate

_NAMES = {"rouge1": "ROUGE-1", "rouge2": "ROUGE-2", "rougeLsum": "ROUGE-Lsum"}


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {value}")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="score summaries against reference summaries (ROUGE)",
        description=(
            "Summarize every cluster of an evaluation JSONL file ({\"id\", \"articles\", "
            "\"summary\"} or \"summaries\") and print ROUGE-1/2/Lsum F1 and recall "
            "(Porter stemming; several references are averaged), clusters per second and "
            "peak memory."
        ),
    )
    parser.add_argument("dataset", metavar="DATASET.jsonl", help="evaluation clusters")
    parser.add_argument("-w", "--words", type=_positive, default=None,
                        help="output length in words (default: chosen from the input; "
                             "in headline mode the headline length, default 40)")
    parser.add_argument("--mode", choices=MODES, default="summary",
                        help="score the summary (default) or the headline")
    parser.add_argument("--truncate", type=_positive, default=None, metavar="N",
                        help="cut each output to N words before scoring (WCEP: 40, DUC: 100)")
    parser.add_argument("--limit", type=_positive, default=None, metavar="K",
                        help="only the first K clusters")
    parser.add_argument("--method", default=BriefConfig().method, help="summarization method")
    parser.add_argument("--predictions", metavar="OUT.jsonl", default=None,
                        help="write {\"id\", \"summary\"} lines for scoring elsewhere")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    add_quiet(parser)
    add_problems_file(parser)
    parser.set_defaults(handler=run)


def format_result(result: EvaluationResult) -> str:
    """The human-readable table printed by the command."""
    lines = [
        f"{result.dataset}: {result.clusters} clusters, method {result.method}, "
        f"mode {result.mode}, words {result.words or 'auto'}"
        + (f", truncated to {result.truncate}" if result.truncate else "")
        + f", mean output {result.mean_words:.1f} words",
        f"{'':12}{'F1':>8}{'recall':>9}{'precision':>11}",
    ]
    for rouge_type in ROUGE_TYPES:
        lines.append(
            f"{_NAMES[rouge_type]:12}{result.f1[rouge_type]:8.2f}"
            f"{result.recall[rouge_type]:9.2f}{result.precision[rouge_type]:11.2f}"
        )
    lines.append(
        f"{result.clusters_per_second:.1f} clusters/s "
        f"({1000 * result.seconds / result.clusters:.1f} ms per cluster), "
        f"peak memory {result.peak_memory_mb:.0f} MB"
    )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    config = BriefConfig(words=args.words, method=args.method, analyze=False)
    if args.mode == "headline" and args.words is not None:
        config = config.with_(headline_words=args.words)
    if not Path(args.dataset).is_file():
        what = "a folder, not a file" if Path(args.dataset).is_dir() else "no such file"
        raise InputError(f"{args.dataset}: {what}")
    # One cluster per non-empty line: counting them gives the progress bar its total.
    try:
        with open(args.dataset, "rb") as handle:
            total = sum(1 for line in handle if line.strip())
    except OSError as exc:  # e.g. no read permission
        raise InputError(f"{args.dataset}: cannot read: {exc.strerror or exc}") from None
    total = min(total, args.limit) if args.limit else total
    with problems_sink(args.problems_file) as sink:
        try:
            with ExitStack() as stack:
                predictions = (
                    stack.enter_context(open(args.predictions, "w", encoding="utf-8"))
                    if args.predictions else None
                )
                advance = stack.enter_context(progress("Evaluating", total, args.quiet))
                result = evaluate(
                    args.dataset, config, mode=args.mode, truncate=args.truncate,
                    limit=args.limit, progress=advance, predictions=predictions,
                )
        except OSError as exc:
            raise InputError(f"{args.predictions}: cannot write: {exc.strerror or exc}") from None
        report_problems(list(result.problems), args.quiet, sink)
    write(json.dumps(result.to_dict(), indent=2) if args.json else format_result(result))
    return 0

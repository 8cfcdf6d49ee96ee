"""``newsbrief brief PATH...``: brief the articles under the given files and folders."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from newsbrief.cli.common import (
    add_format,
    add_problems_file,
    add_quiet,
    problems_sink,
    progress,
    report_problems,
    write,
)
from newsbrief.config import NER_WORDS, BriefConfig
from newsbrief.errors import InputError, NoUsableInput
from newsbrief.models import Article, Problem
from newsbrief.pipeline import brief_documents, load_articles, prepare_articles
from newsbrief.render import render


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "brief",
        help="brief the articles in files and folders (txt, html, json, jsonl)",
        description="Read articles about one event and print an attributed brief.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files or folders (recursive)")
    parser.add_argument("-w", "--words", type=int, default=None,
                        help="summary length in words (default: chosen from the input)")
    parser.add_argument("--headline-words", type=int, default=40, help="headline length (default 40)")
    parser.add_argument("--method", default=BriefConfig().method, help="summarization method")
    parser.add_argument("--no-analysis", action="store_true",
                        help="skip entities, quotes, timeline and disagreements")
    parser.add_argument("--ner-words", type=int, default=NER_WORDS, metavar="N",
                        help="words the entity model reads per event; past that a sample of "
                             f"sentences (default {NER_WORDS}; 0: read everything)")
    add_format(parser, ["markdown", "json", "html"], "markdown")
    add_quiet(parser)
    add_problems_file(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.ner_words < 0:
        raise InputError(f"--ner-words must not be negative, got {args.ner_words}")
    for option, value in (("--words", args.words), ("--headline-words", args.headline_words)):
        if value is not None and value < 1:  # 0 divided by zero in the headline model
            raise InputError(f"{option} must be at least 1, got {value}")
    config = BriefConfig(
        words=args.words, headline_words=args.headline_words, method=args.method,
        analyze=not args.no_analysis, ner_words=args.ner_words or None,
    )
    if args.method:
        from newsbrief.summarize import get_summarizer

        get_summarizer(args.method)  # an unknown name fails here, before any file is read
    with problems_sink(args.problems_file) as sink:
        return _brief(args, config, sink)


def _brief(args: argparse.Namespace, config: BriefConfig, sink: TextIO | None) -> int:
    if config.analyze and config.ner_process:
        from newsbrief.analyze import nlp, worker

        if nlp.model_installed():
            worker.start()  # the model loads while the articles are read and cleaned
    articles, problems = load_articles(args.paths)
    report_problems(problems, args.quiet, sink)
    with progress("Cleaning", len(articles), args.quiet) as advance:
        documents = prepare_articles(articles, advance)
    kept = {d.id for d in documents}
    report_problems(
        [Problem(_where(a), "no article text left after removing boilerplate")
         for a in articles if a.id not in kept],
        args.quiet, sink,
    )
    if not documents:
        raise NoUsableInput("no usable articles in " + ", ".join(args.paths))
    with progress(f"Briefing {len(documents)} articles", None, args.quiet):
        result = brief_documents(documents, config)  # seconds for a big event: show it works
    write(render(result, args.format))
    return 0


def _where(article: Article) -> str:
    """The file, and the record's id where one file holds many articles (JSON, WARC)."""
    if not article.path:
        return article.id
    if article.id == Path(article.path).stem:
        return article.path
    return f"{article.path} (article {article.id})"

"""How many quotations get a speaker, and which speakers a change of the rules moves, to read.

Reads a cluster file (default ../shared/eval/multinews-dev.jsonl), annotates each cluster
once with the entity model and finds its quotations (``newsbrief.analyze.quotes.find_quotes``),
one mention per quotation per article. Prints how many mentions have a speaker.

With ``--against REV``, the quotes module of that git revision (e.g. ``HEAD~1``) reads the
same annotations too, and every mention whose speaker differs is printed with its paragraph,
so that a change of the rules can be read mention by mention; ``--sample N --seed S`` draws
N clusters at random instead of reading them all.

    python benchmarks/quote_speakers.py [FILE] [--sample 60 --seed 7] [--against HEAD~1]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType

from newsbrief.analyze import quotes
from newsbrief.analyze.entities import build_index
from newsbrief.analyze.nlp import annotate
from newsbrief.ingest import article_from_record
from newsbrief.models import Article
from newsbrief.pipeline import prepare_articles

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "eval" / "multinews-dev.jsonl"


def _module_at(revision: str) -> ModuleType:
    """``newsbrief.analyze.quotes`` as it was at a git revision."""
    source = subprocess.run(
        ["git", "show", f"{revision}:newsbrief/analyze/quotes.py"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "quotes_before.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("quotes_before", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["quotes_before"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--sample", type=int, default=0, help="N clusters drawn at random")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--against", metavar="REV", help="compare with this git revision")
    args = parser.parse_args()
    clusters = [json.loads(line) for line in args.file.read_text(encoding="utf-8").splitlines()]
    if args.sample:
        clusters = random.Random(args.seed).sample(clusters, args.sample)
    before = _module_at(args.against) if args.against else None
    mentions = attributed = attributed_before = changed = 0
    for cluster in clusters:
        articles = [
            a
            for i, record in enumerate(cluster["articles"])
            if isinstance(
                a := article_from_record(record, default_id=f"{cluster['id']}/{i}"), Article
            )
        ]
        annotated = annotate(prepare_articles(articles))
        index = build_index(annotated)
        for item in annotated:
            now = quotes.find_quotes(item, index)
            mentions += len(now)
            attributed += sum(1 for q in now if q.speaker)
            if before is None:
                continue
            then = {q.start: q.speaker for q in before.find_quotes(item, index)}
            attributed_before += sum(1 for speaker in then.values() if speaker)
            text = item.document.text
            for q in now:
                if then.get(q.start, q.speaker) != q.speaker:
                    changed += 1
                    start = text.rfind("\n", 0, q.start) + 1
                    end = text.find("\n", q.end)
                    end = len(text) if end < 0 else end
                    print(f"{item.id}: {then[q.start]!r} -> {q.speaker!r}: {q.text[:70]}")
                    print(f"    {text[max(start, q.start - 300) : min(end, q.end + 150)]}")
    print(f"{len(clusters)} clusters, {mentions} quote mentions, {attributed} with a speaker")
    if before is not None:
        print(f"at {args.against}: {attributed_before} with a speaker; {changed} changed")


if __name__ == "__main__":
    main()

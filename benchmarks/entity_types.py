"""List the entities whose type their contexts changed from the model's label, to read.

Reads a cluster file (default ../shared/eval/multinews-dev.jsonl), annotates each cluster
once with the entity model, and builds its entities twice: as the analysis does, and with
the context rule (``newsbrief.analyze.entities._place_label``) switched off, which leaves the
model's most common label. Prints every entity whose type differs, with a few of its
contexts, and the counts.

    python benchmarks/entity_types.py [FILE] [--limit N]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from newsbrief.analyze import entities
from newsbrief.analyze.nlp import annotate
from newsbrief.ingest import article_from_record
from newsbrief.models import Article
from newsbrief.pipeline import prepare_articles

DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "multinews-dev.jsonl"


def _contexts(annotated, index, name: str, limit: int = 2) -> list[str]:  # type: ignore[no-untyped-def]
    texts = {a.id: a.document.text for a in annotated}
    found = []
    for doc, spans in index._by_span.items():
        for start, end, span_name in spans:
            if span_name == name and len(found) < limit:
                text = texts[doc]
                found.append(
                    " ".join(f"{text[max(0, start - 40) : start]}[{text[start:end]}]"
                             f"{text[end : end + 30]}".split())
                )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--limit", type=int, default=0, help="only the first N clusters")
    args = parser.parse_args()
    rule = entities._place_label
    totals: Counter[str] = Counter()
    changes: Counter[str] = Counter()
    lines = args.file.read_text(encoding="utf-8").splitlines()
    for line in lines[: args.limit or None]:
        cluster = json.loads(line)
        articles = [
            a
            for i, record in enumerate(cluster["articles"])
            if isinstance(
                a := article_from_record(record, default_id=f"{cluster['id']}/{i}"), Article
            )
        ]
        annotated = annotate(prepare_articles(articles))
        index = entities.build_index(annotated)
        entities._place_label = lambda *args, **kwargs: None  # type: ignore[assignment]
        try:
            model = {e.name: e.type for e in entities.build_index(annotated).entities}
        finally:
            entities._place_label = rule
        for entity in index.entities:
            totals[model[entity.name]] += 1
            if entity.type != model[entity.name]:
                changes[f"{model[entity.name]} -> {entity.type}"] += 1
                print(f"{cluster['id']}: {entity.name}: {model[entity.name]} -> {entity.type}")
                for context in _contexts(annotated, index, entity.name):
                    print(f"    {context}")
    print(f"entities by the model's label: {dict(totals)}")
    print(f"changed: {sum(changes.values())} {dict(changes)}")


if __name__ == "__main__":
    main()

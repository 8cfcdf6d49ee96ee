"""Worst case of one huge article: time and memory to clean and brief it.

    python benchmarks/brief_size.py 200000      # characters; add --analysis for the full brief

Builds one article of the given length from random words of seed 000 (sentences of 8 to 25
words, four to a paragraph), then times ``prepare_articles`` and ``brief_documents`` and
prints the process's peak RSS. The figures set ``MAX_ARTICLE_CHARS`` (newsbrief/ingest/text.py).
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from pathlib import Path

from newsbrief.config import BriefConfig
from newsbrief.models import Article
from newsbrief.pipeline import brief_documents, prepare_articles

SEED = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds" / "000_63619180b1ce8ac3.txt"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("chars", type=int)
    parser.add_argument("--analysis", action="store_true")
    args = parser.parse_args()
    rng = random.Random(1)
    words = SEED.read_text(encoding="utf-8").split()
    sentences, size = [], 0
    while size < args.chars:
        sentence = " ".join(rng.choice(words) for _ in range(rng.randint(8, 25))) + "."
        sentences.append(sentence)
        size += len(sentence) + 1
    text = "\n".join(" ".join(sentences[i:i + 4]) for i in range(0, len(sentences), 4))
    start = time.perf_counter()
    documents = prepare_articles([Article(id="big", title="Big", text=text)])
    cleaned = time.perf_counter() - start
    print(f"chars {len(text)} sentences {len(documents[0].sentences)} prepare {cleaned:.1f}s",
          flush=True)
    start = time.perf_counter()
    brief = brief_documents(documents, BriefConfig(analyze=args.analysis))
    print(f"brief {time.perf_counter() - start:.1f}s summary words {len(brief.summary_text.split())} "
          f"maxrss MB {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}")


if __name__ == "__main__":
    main()

"""Sentence splitters on hand-labelled boundaries: nupunkt, pysbd, syntok, blingfire.

Gold data (tests/data/):
- ``segment_seeds_gold.json``: the prose lines of the five seed articles with their sentence
  boundaries, labelled by hand. Scored two ways: line by line (newsbrief splits paragraphs
  first), and with each article's lines joined by spaces (text whose paragraph breaks were
  lost, where curly quotes at paragraph ends are the hard part).
- ``segment_cases.json``: hand-written cases with abbreviations ("U.S.", "Mr", "No.", "Sen.",
  "a.m."), initials and quotes.

A boundary is the whitespace-word index where a sentence starts (the first sentence of a
text is not counted). Prints boundary precision/recall/F1 per set and splitter, the number
of texts split exactly right, and the time to split the seeds' text repeated ``--repeat``
times (one paragraph per line, as newsbrief calls it).

    python benchmarks/bench_segment.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
SEEDS = ROOT.parent / "shared" / "seeds"
_BULLET = re.compile(r"^[•·▪●*]\s*")

Splitter = Callable[[str], list[str]]


def load_seed_lines() -> dict[str, list[tuple[str, list[int]]]]:
    """{seed file: [(line text, gold boundary word indices)]} from the hand labels."""
    gold = json.loads((DATA / "segment_seeds_gold.json").read_text(encoding="utf-8"))["seeds"]
    out = {}
    for name, labels in gold.items():
        lines = [line.strip() for line in (SEEDS / name).read_text(encoding="utf-8").splitlines()
                 if line.strip()]
        chosen = []
        for index in labels["lines"]:
            text = _BULLET.sub("", lines[index])
            starts = [w for w, _ in labels["splits"].get(str(index), [])]
            for w, word in labels["splits"].get(str(index), []):
                assert text.split()[w] == word, (name, index, w, word)
            chosen.append((text, starts))
        out[name] = chosen
    return out


def load_cases() -> list[tuple[str, list[int]]]:
    cases = json.loads((DATA / "segment_cases.json").read_text(encoding="utf-8"))["cases"]
    out = []
    for sentences in cases:
        starts, count = [], 0
        for sentence in sentences[:-1]:
            count += len(sentence.split())
            starts.append(count)
        out.append((" ".join(sentences), starts))
    return out


def boundaries(text: str, sentences: list[str]) -> list[int]:
    """Word indices where the 2nd, 3rd, ... sentences start."""
    starts, cursor = [], 0
    for sentence in sentences:
        sentence = sentence.strip()
        if not sentence:
            continue
        at = text.find(sentence, cursor)
        if at < 0:  # a splitter that normalises text: fall back to its first word
            at = text.find(sentence.split()[0], cursor)
        starts.append(len(text[:at].split()))
        cursor = max(at, cursor) + 1
    return sorted({s for s in starts if s > 0})


def splitters() -> dict[str, Splitter]:
    found: dict[str, Splitter] = {}
    import nupunkt

    found["nupunkt 0.8"] = lambda t: [t[s:e] for s, e in nupunkt.sent_spans(t)]
    try:
        import pysbd

        segmenter = pysbd.Segmenter(language="en", clean=False)
        found["pysbd 0.3"] = segmenter.segment
    except ImportError:
        pass
    try:
        from syntok import segmenter as syntok_segmenter

        def syntok_split(text: str) -> list[str]:
            return ["".join(t.spacing + t.value for t in sentence).strip()
                    for paragraph in syntok_segmenter.analyze(text) for sentence in paragraph]

        found["syntok 1.4"] = syntok_split
    except ImportError:
        pass
    try:
        import blingfire

        found["blingfire 0.1"] = lambda t: blingfire.text_to_sentences(t).split("\n")
    except ImportError:
        pass
    return found


def score(split: Splitter, items: list[tuple[str, list[int]]]) -> tuple[float, float, float, int]:
    tp = fp = fn = exact = 0
    for text, gold in items:
        got = set(boundaries(text, split(text)))
        want = set(gold)
        tp += len(got & want)
        fp += len(got - want)
        fn += len(want - got)
        exact += got == want
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, exact


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    seed_lines = load_seed_lines()
    per_line = [item for lines in seed_lines.values() for item in lines]
    joined = []
    for lines in seed_lines.values():
        starts, offset = [], 0
        for line, gold in lines:
            if offset:
                starts.append(offset)
            starts.extend(offset + g for g in gold)
            offset += len(line.split())
        joined.append((" ".join(line for line, _ in lines), starts))
    cases = load_cases()
    sets = {"seed paragraphs": per_line, "seeds joined": joined, "hand-written cases": cases}
    for name, items in sets.items():
        n_bounds = sum(len(g) for _, g in items)
        print(f"{name}: {len(items)} texts, {n_bounds} boundaries")
    corpus = [line for line, _ in per_line] * args.repeat
    chars = sum(len(line) for line in corpus)
    print(f"speed: {len(corpus)} paragraphs, {chars} characters\n")
    header = "".join(f"{name[:18]:>22}" for name in sets)
    print(f"{'splitter':16}{header} {'time':>9}")
    print(f"{'':16}" + "".join(f"{'P / R / F1 (exact)':>22}" for _ in sets))
    for name, split in splitters().items():
        cells = []
        for items in sets.values():
            p, r, f, exact = score(split, items)
            cells.append(f"{p:.2f}/{r:.2f}/{f:.3f} ({exact:>2})")
        started = time.perf_counter()
        for line in corpus:
            split(line)
        elapsed = time.perf_counter() - started
        print(f"{name:16}" + "".join(f"{c:>22}" for c in cells) + f" {elapsed * 1000:7.0f}ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())

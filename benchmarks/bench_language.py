"""Language identification: py3langid as shipped against newsbrief's array walk of its model.

Both classify the first 1,500 characters of each text (what ``detect_language`` reads) with
normalised probabilities. Texts:
- every article of the evaluation sets (``../shared/eval/``: clustering-dev, WikiRef220,
  Multi-News dev, WCEP dev and train; English);
- with ``--catalogs DIR`` (e.g. ``/usr/share/locale``, where a Debian machine keeps the
  translated messages of its programs), up to 6 texts of 1,500 characters per locale, made
  of the translated strings of ``gtk30-properties.mo`` and ``glib20.mo``: real text in
  about a hundred languages, though not news.

Prints, per set, how many texts get the same language, the largest difference in
probability, whether the decision of ``detect_language`` (language, or none under 0.5)
ever differs, and the CPU milliseconds per text of each.

    python benchmarks/bench_language.py [--catalogs /usr/share/locale] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gettext
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
EVAL = ROOT.parent / "shared" / "eval"

from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

from newsbrief.ingest.language import SAMPLE_CHARS, _identifier

_FORMAT = re.compile(r"%[-#0-9.]*[a-zA-Z]|\{\w*\}")


def eval_texts() -> list[str]:
    texts = []
    for name in ("clustering-dev.jsonl", "clustering-wikiref220.jsonl"):
        texts += [json.loads(line)["text"] for line in (EVAL / name).open(encoding="utf-8")]
    for name in ("multinews-dev.jsonl", "wcep-dev.jsonl", "wcep-train.jsonl"):
        for line in (EVAL / name).open(encoding="utf-8"):
            texts += [a["text"] for a in json.loads(line)["articles"]]
    return texts


def catalog_texts(folder: Path, per_locale: int = 6) -> list[str]:
    texts = []
    for locale in sorted(p for p in folder.iterdir() if p.is_dir()):
        strings = []
        for domain in ("gtk30-properties", "glib20"):
            path = locale / "LC_MESSAGES" / f"{domain}.mo"
            if not path.is_file():
                continue
            try:
                with path.open("rb") as handle:
                    catalog = gettext.GNUTranslations(handle)._catalog
            except (OSError, ValueError, IndexError) as exc:  # a few ship a broken header
                print(f"skipped {path}: {exc!r}", file=sys.stderr)
                continue
            strings += [_FORMAT.sub("", v) for k, v in catalog.items()
                        if k and isinstance(v, str) and len(v) > 25 and v != k]
        text = ""
        made = 0
        for string in strings:
            text += string.rstrip(".") + ". "
            if len(text) >= SAMPLE_CHARS:
                texts.append(text)
                text, made = "", made + 1
                if made == per_locale:
                    break
    return texts


def compare(name: str, texts: list[str], repeat: int, theirs: LanguageIdentifier) -> None:
    ours = _identifier()
    samples = [t[:SAMPLE_CHARS] for t in texts]
    results = {}
    for label, identifier in (("py3langid", theirs), ("newsbrief", ours)):
        identifier.classify(samples[0])
        start = time.process_time()
        for _ in range(repeat):
            out = [identifier.classify(s) for s in samples]
        results[label] = (out, 1000 * (time.process_time() - start) / repeat / len(samples))
    (theirs_out, theirs_ms), (ours_out, ours_ms) = results["py3langid"], results["newsbrief"]

    def decision(language: str, probability: float) -> str | None:
        return language if probability >= 0.5 else None

    same = sum(a[0] == b[0] for a, b in zip(theirs_out, ours_out))
    largest = max(abs(a[1] - b[1]) for a, b in zip(theirs_out, ours_out))
    decided = sum(decision(*a) == decision(*b) for a, b in zip(theirs_out, ours_out))
    languages = len({decision(*a) for a in theirs_out})
    print(f"{name}: {len(samples)} texts, {languages} languages decided; same language "
          f"{same}, same decision {decided}, largest probability difference {largest:.1e}; "
          f"py3langid {theirs_ms:.3f} ms, newsbrief {ours_ms:.3f} ms per text "
          f"({theirs_ms / ours_ms:.1f}x)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--catalogs", type=Path, default=None,
                        help="a locale folder of gettext catalogs (e.g. /usr/share/locale)")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes over each set")
    args = parser.parse_args(argv)
    start = time.process_time()
    _identifier()
    print(f"newsbrief identifier loaded in {time.process_time() - start:.2f} CPU s")
    theirs = LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)
    compare("evaluation articles", eval_texts(), args.repeat, theirs)
    if args.catalogs:
        compare(f"catalogs under {args.catalogs}", catalog_texts(args.catalogs), args.repeat,
                theirs)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Compare HTML article extractors on the hand-written pages in tests/data/html/.

Each page has a ``.expected.json`` beside it: the article's body paragraphs, title, date and
site name, and strings of site chrome (cookie banner, share bar, related links, comments,
footer) that must not come out. For every extractor this prints, summed over the pages:
body-word recall and precision (bag of lower-cased words against the expected paragraphs),
how many chrome strings leaked, whether title/date/site name are right (where the tool gives
them), and the median time per page.

    python benchmarks/bench_extract.py [--repeat 20]

readability-lxml, jusText and resiliparse are only needed here (``pip install
readability-lxml justext resiliparse``); a missing one is reported and skipped.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from newsbrief.ingest.decode import decode_bytes
from newsbrief.ingest.html import declared_charset

PAGES = Path(__file__).resolve().parents[1] / "tests" / "data" / "html"
WORD = re.compile(r"\w+", re.UNICODE)
logging.disable(logging.CRITICAL)

Result = dict  # {"text": str, "title": str|None, "date": str|None, "sitename": str|None}


def trafilatura_extractor(precision: bool) -> Callable[[str], Result]:
    from trafilatura import bare_extraction

    def run(html: str) -> Result:
        doc = bare_extraction(html, include_comments=False, include_tables=False,
                              with_metadata=True, favor_precision=precision)
        return {"text": doc.text or "", "title": doc.title, "date": doc.date,
                "sitename": doc.sitename}

    return run


def newsbrief_extractor() -> Callable[[str], Result]:
    """What ``newsbrief brief`` keeps: trafilatura (favor_precision), then newsbrief.clean."""
    from newsbrief.clean import clean_article
    from newsbrief.ingest import article_from_html

    def run(html: str) -> Result:
        article = article_from_html(html, article_id="page")
        text = clean_article(article).text if not hasattr(article, "reason") else ""
        return {"text": text, "title": article.title, "date": article.published,
                "sitename": article.outlet}

    return run


def readability_extractor() -> Callable[[str], Result]:
    import lxml.html
    from readability import Document

    def run(html: str) -> Result:
        doc = Document(html)
        body = lxml.html.fromstring(doc.summary())
        paragraphs = [p.text_content() for p in body.iter("p", "li", "h1", "h2", "h3")]
        return {"text": "\n".join(paragraphs), "title": doc.short_title(), "date": None,
                "sitename": None}

    return run


def justext_extractor() -> Callable[[str], Result]:
    import justext

    def run(html: str) -> Result:
        lang = "French" if " la " in html and " le " in html else "English"
        paragraphs = justext.justext(html, justext.get_stoplist(lang))
        text = "\n".join(p.text for p in paragraphs if not p.is_boilerplate)
        return {"text": text, "title": None, "date": None, "sitename": None}

    return run


def resiliparse_extractor() -> Callable[[str], Result]:
    from resiliparse.extract.html2text import extract_plain_text

    def run(html: str) -> Result:
        text = extract_plain_text(html, main_content=True)
        return {"text": text, "title": None, "date": None, "sitename": None}

    return run


def words(text: str) -> Counter[str]:
    return Counter(w.lower() for w in WORD.findall(text))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="timing runs per page")
    args = parser.parse_args()
    pages = []
    for path in sorted(PAGES.glob("*.html")):
        data = path.read_bytes()
        expected = json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))
        pages.append((path.name, decode_bytes(data, declared_charset(data)), expected))
    factories = {
        "trafilatura 2 (favor_precision)": lambda: trafilatura_extractor(True),
        "trafilatura 2 (default)": lambda: trafilatura_extractor(False),
        "newsbrief (trafilatura + clean)": newsbrief_extractor,
        "readability-lxml": readability_extractor,
        "jusText": justext_extractor,
        "resiliparse (main_content)": resiliparse_extractor,
    }
    print(f"{len(pages)} pages: {', '.join(name for name, _, _ in pages)}\n")
    print(f"{'extractor':32} {'recall':>7} {'prec.':>7} {'chrome':>7} {'title':>6} "
          f"{'date':>5} {'site':>5} {'ms/page':>8}")
    for name, factory in factories.items():
        try:
            extract = factory()
        except ImportError as exc:
            print(f"{name:32} skipped ({exc.name} not installed)")
            continue
        found = expected_total = extracted_total = leaks = 0
        titles = dates = sites = 0
        times = []
        for _, html, expected in pages:
            result = extract(html)
            gold = words("\n".join(expected["body"]))
            got = words(result["text"])
            found += sum((gold & got).values())
            expected_total += sum(gold.values())
            extracted_total += sum(got.values())
            leaks += sum(1 for noise in expected["noise"] if noise.lower() in result["text"].lower())
            titles += (result["title"] or "").strip() == expected["title"]
            dates += (result["date"] or "")[:10] == expected["date"]
            sites += (result["sitename"] or "") == expected["sitename"]
            for _ in range(args.repeat):
                started = time.perf_counter()
                extract(html)
                times.append(time.perf_counter() - started)
        n = len(pages)
        print(f"{name:32} {found / expected_total:7.3f} {found / max(1, extracted_total):7.3f} "
              f"{leaks:7d} {titles:>4}/{n} {dates:>3}/{n} {sites:>3}/{n} "
              f"{1000 * statistics.median(times):8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

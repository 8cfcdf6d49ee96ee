"""Property-based fuzzing (hypothesis) of every reader and of the pipeline: for any input, a
reader returns only its documented outcomes (an article or a named Problem, a parsed feed or a
FeedParseError) and never raises anything else.

This is the small CI profile (``NEWSBRIEF_FUZZ_EXAMPLES``, default 40 inputs per reader; the
pipeline gets a quarter of that, each example builds a brief). benchmarks/fuzz_readers.py runs
the same strategies and checks with 10,000 inputs per reader and reports time and memory.
The strategies and checks live in tests/fuzz_inputs.py.
"""

from __future__ import annotations

import os

import pytest
from fuzz_inputs import TARGETS, check_html, check_json_file, check_record, check_text
from hypothesis import HealthCheck, given, settings

EXAMPLES = int(os.environ.get("NEWSBRIEF_FUZZ_EXAMPLES", "40"))

settings.register_profile(
    "newsbrief-ci",
    max_examples=EXAMPLES,
    deadline=None,  # first calls load models (trafilatura, nupunkt): timing is benchmarks' job
    derandomize=True,  # the same inputs on every CI run: a red build is reproducible
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
CI = settings.get_profile("newsbrief-ci")


def _fuzz(name: str, examples: int):
    target = TARGETS[name]

    @settings(CI, max_examples=examples)
    @given(target.strategy)
    def run(data: object) -> None:
        target.check(data)

    return run


@pytest.mark.parametrize("name", [n for n in TARGETS if n != "pipeline"])
def test_reader_never_crashes(name):
    _fuzz(name, EXAMPLES)()


def test_pipeline_never_crashes():
    _fuzz("pipeline", max(5, EXAMPLES // 4))()


# --- regressions found by the fuzzer and the nasty corpus, kept as plain examples -------------

def test_record_with_huge_or_odd_timestamps_is_a_problem_not_a_crash():
    for value in (10**20, -10**20, float("nan"), float("inf"), 1e308):
        check_record({"text": "The council met on Tuesday. It voted.", "date": value})


def test_json_file_of_nested_arrays_and_bare_values():
    check_json_file(b"[" * 100_000 + b"]" * 100_000)
    check_json_file(b'[1, "a", null]\n{"articles": 5}\n{"articles": [1, {"text": 2}]}')


def test_text_and_html_with_bidi_controls_and_nul():
    check_text("Title\u202e\n\nBody\x00 with\u2028 odd\u200b characters. Another one.".encode())
    check_html(b"<html><body><p>\x00\x00\x00</p><script>alert(1)</script></body></html>")


def test_warc_header_line_without_colon_is_a_problem():
    """warcio raised AttributeError on this input (found by the fuzzer)."""
    import io

    from newsbrief.ingest.warc import articles_from_warc

    for engine in ("fastwarc", "warcio"):
        problems: list = []
        assert list(articles_from_warc(io.BytesIO(b"WARC/1.0\nWARC-Type:response"), problems,
                                       name="x.warc", engine=engine)) == []
        assert [p.source for p in problems] == ["x.warc"], engine
        assert problems[0].reason.startswith(("unreadable WARC data", "no HTML pages")), engine


def test_record_title_with_newlines_is_one_line():
    from newsbrief.ingest import article_from_record

    article = article_from_record({"title": "Envoy \n to\r\nvisit ", "text": "It was held."},
                                  default_id="r")
    assert article.title == "Envoy to visit"


def test_feed_with_bad_encoding_declaration_is_a_parse_error():
    """feedparser raised UnicodeDecodeError / ValueError here (found by the fuzzer)."""
    from newsbrief.feeds import FeedParseError, parse_feed

    for data in (b'<?encoding="\x80"?>', b'<?encoding="\x00"?>'):
        with pytest.raises(FeedParseError, match="cannot parse feed"):
            parse_feed(data, url="http://news.example/feed")


def test_cluster_with_no_articles_is_named():
    """A cluster record whose ``articles`` list is empty was skipped silently (fuzzer)."""
    from pathlib import Path

    from newsbrief.ingest.records import articles_from_json_file

    problems: list = []
    data = b'{"id": "c1", "articles": [], "text": {"a": null}}'
    assert articles_from_json_file(Path("c.json"), data, problems) == []
    assert [p.reason for p in problems] == ["field 'articles' is an empty list"]

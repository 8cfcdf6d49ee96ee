"""WARC/WARC.gz reading: archives written here with warcio from HTML pages written here."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

warcio = pytest.importorskip("warcio")
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsbrief.cluster import parse_day
from newsbrief.ingest import read_paths
from newsbrief.ingest.warc import articles_from_warc, crawl_date, is_warc

PARAGRAPHS = [
    ("The city council of Riverton voted on Tuesday to close the old harbour bridge to lorries "
     "after engineers found cracks in two of its steel supports."),
    ("The mayor, Ellen Marsh, said the bridge would stay open to cars and buses while repairs "
     "were planned, and that a detour for heavy traffic would be signposted by Friday."),
    ("Local hauliers warned that the detour adds twenty minutes to every delivery to the port, "
     "and asked the council to publish the engineers' report in full."),
    "Repairs are expected to cost about four million pounds and to take most of next year.",
]


def page(title: str, paragraphs: list[str], date: str | None = None) -> str:
    meta = f'<meta property="article:published_time" content="{date}">' if date else ""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<html><head><title>{title}</title>{meta}</head><body>"
        "<nav><a href='/'>Home</a> <a href='/news'>News</a> <a href='/sport'>Sport</a></nav>"
        f"<article><h1>{title}</h1>{body}</article>"
        "<footer>Copyright Riverton Gazette</footer></body></html>"
    )


def write_warc(path: Path, gz: bool) -> None:
    """Four responses: two articles, an image, a 404; plus a request record."""
    second = [p.replace("Riverton", "Riverton town") for p in reversed(PARAGRAPHS)]
    records = [
        ("https://gazette.example/bridge", "200 OK", "text/html; charset=utf-8",
         page("Harbour bridge closed to lorries", PARAGRAPHS, "2024-03-05").encode()),
        # No date in the page and a Latin-1 body declared only in the HTTP header.
        ("https://herald.example/bridge-detour", "200 OK", "text/html; charset=iso-8859-1",
         page("Détour for lorries after bridge cracks", second).encode("latin-1")),
        ("https://gazette.example/logo.png", "200 OK", "image/png", b"\x89PNG\r\n\x1a\n" * 10),
        ("https://gazette.example/missing", "404 Not Found", "text/html",
         page("Not found", ["This page does not exist any more, sorry about that."]).encode()),
    ]
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=gz)
        for i, (url, status, ctype, body) in enumerate(records):
            http = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
            record = writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), http_headers=http,
                warc_headers_dict={"WARC-Date": f"2024-03-0{6 + i}T10:00:00Z"},
            )
            writer.write_record(record)
        request = writer.create_warc_record(
            "https://gazette.example/bridge", "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n"),
        )
        writer.write_record(request)


@pytest.fixture(params=[True, False], ids=["warc.gz", "warc"])
def archive(request, tmp_path: Path) -> Path:
    path = tmp_path / ("crawl.warc.gz" if request.param else "crawl.warc")
    write_warc(path, gz=request.param)
    return path


@pytest.mark.parametrize("engine", ["fastwarc", "warcio"])
def test_html_responses_become_articles(archive: Path, engine: str) -> None:
    pytest.importorskip(engine)
    problems: list = []
    articles = list(articles_from_warc(archive, problems, engine=engine))
    assert [a.url for a in articles] == [
        "https://gazette.example/bridge", "https://herald.example/bridge-detour",
    ]
    first, second = articles
    assert first.title == "Harbour bridge closed to lorries"
    assert "cracks in two of its steel supports" in first.text
    assert "Home" not in first.text and "Copyright" not in first.text
    assert first.published == "2024-03-05"
    # No date in the page: the crawl date of the record stands in, in UTC and saying so.
    assert second.published == "2024-03-07T10:00:00+00:00"
    # The charset came from the HTTP header only.
    assert second.title.startswith("Détour")
    assert first.path == str(archive)
    assert len({a.id for a in articles}) == 2 and all(len(a.id) == 36 for a in articles)
    assert problems == []


def test_both_engines_agree(archive: Path) -> None:
    pytest.importorskip("fastwarc")
    fast = list(articles_from_warc(archive, [], engine="fastwarc"))
    slow = list(articles_from_warc(archive, [], engine="warcio"))
    assert fast == slow


def test_read_paths_walks_warc_files(tmp_path: Path) -> None:
    folder = tmp_path / "crawl"
    folder.mkdir()
    write_warc(folder / "a.warc.gz", gz=True)
    (folder / "notes.txt").write_text("Bridge notes\n\n" + " ".join(PARAGRAPHS))
    result = read_paths([folder])
    assert [a.path for a in result.articles] == [str(folder / "a.warc.gz")] * 2 + [
        str(folder / "notes.txt")
    ]
    assert result.problems == []


@pytest.mark.parametrize("engine", ["fastwarc", "warcio"])
def test_truncated_archive_keeps_what_was_read(tmp_path: Path, engine: str) -> None:
    pytest.importorskip(engine)
    whole = tmp_path / "whole.warc.gz"
    write_warc(whole, gz=True)
    data = whole.read_bytes()
    # Each record is its own gzip member: cut the archive inside the second one.
    second = data.index(b"\x1f\x8b", 10)
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: second + 200])
    problems: list = []
    articles = list(articles_from_warc(cut, problems, engine=engine))
    assert [a.url for a in articles] == ["https://gazette.example/bridge"]


def test_page_without_article_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "nav.warc"
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=False)
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        body = b"<html><head><title>Home</title></head><body></body></html>"
        writer.write_record(writer.create_warc_record(
            "https://x.example/", "response", payload=io.BytesIO(body), http_headers=http,
        ))
    problems: list = []
    assert list(articles_from_warc(path, problems)) == []
    assert len(problems) == 1
    assert str(problems[0]).startswith(f"{path}#") and "no article text" in str(problems[0])


def test_missing_file_and_suffixes(tmp_path: Path) -> None:
    problems: list = []
    assert list(articles_from_warc(tmp_path / "absent.warc", problems)) == []
    assert "cannot read" in str(problems[0])
    assert is_warc("s3a://bucket/CC-NEWS-2024.warc.gz") and is_warc("x.WARC")
    assert not is_warc("x.gz")


def test_copyright_year_does_not_replace_the_crawl_date(tmp_path: Path) -> None:
    """A page with no date but "© 2024" in its footer was dated 2024-01-01 (htmldate's
    copyright fallback), so the record's WARC-Date never stood in for it."""
    html = page("Harbour bridge closed to lorries", PARAGRAPHS).replace(
        "Copyright Riverton Gazette", "© 2024 Riverton Gazette. All rights reserved.")
    path = tmp_path / "one.warc"
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=False)
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(
            "https://gazette.example/bridge", "response", payload=io.BytesIO(html.encode()),
            http_headers=http, warc_headers_dict={"WARC-Date": "2024-03-06T10:00:00Z"}))
    problems: list = []
    articles = list(articles_from_warc(path, problems))
    assert problems == [] and [a.published for a in articles] == ["2024-03-06T10:00:00+00:00"]


def test_crawl_date_says_it_is_utc_and_compares_as_an_instant(tmp_path: Path) -> None:
    """WARC-Date is UTC ("...Z"), but the "Z" was cut off and the time stored naive, which
    reads as the outlet's own clock; HTML dates keep their offset and record timestamps say
    "+00:00". WARC 1.1 also allows fractions of a second."""
    html = page("Harbour bridge closed to lorries", PARAGRAPHS)
    path = tmp_path / "late.warc"
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=False)
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        for n, stamp in enumerate(["2024-03-07T23:30:00Z", "2024-03-08T01:15:30.123456Z"]):
            writer.write_record(writer.create_warc_record(
                f"https://gazette.example/{n}", "response", payload=io.BytesIO(html.encode()),
                http_headers=http, warc_headers_dict={"WARC-Date": stamp}))
    problems: list = []
    dates = [a.published for a in articles_from_warc(path, problems)]
    assert problems == []
    assert dates == ["2024-03-07T23:30:00+00:00", "2024-03-08T01:15:30+00:00"]
    # Downstream reads the same instant as before: a Seoul page stamped 08:00+09:00 on the
    # 8th (23:00 UTC on the 7th) is earlier than the crawl at 23:30 UTC.
    assert parse_day("2024-03-08T08:00:00+09:00") < parse_day(dates[0]) < parse_day(dates[1])
    assert crawl_date("2024-03-07") == "2024-03-07"  # a day stays a day
    assert crawl_date("2024-03-07T10:00:00+01:00") == "2024-03-07T10:00:00+01:00"
    assert crawl_date("yesterday") is None and crawl_date(None) is None

"""The JSON API over a real uvicorn server on a loopback port, driven with httpx.

The database is a real store holding the five seed articles and the articles of a few events
of the clustering dev set, so search, pagination and briefs run on real data.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from conftest import dev_article_lines

from newsbrief.config import BriefConfig
from newsbrief.ingest import article_from_record, read_paths
from newsbrief.store import Store
from newsbrief.web import create_app
from newsbrief.web.server import running_server

TOKEN = "test-token-5f0c2a"
MAX_BODY = 256 * 1024  # small, so the oversized-body tests stay fast


def eval_articles(eval_dir: Path, events: int, skip: int = 0) -> list:
    """The articles of ``events`` labelled events of the clustering dev set."""
    by_label: dict[str, list] = defaultdict(list)
    for line in dev_article_lines(eval_dir):
        record = json.loads(line)
        by_label[record["label"]].append(record)
    labels = list(by_label)[skip:skip + events]
    return [article_from_record(r, default_id=r["id"]) for label in labels
            for r in by_label[label]]


@pytest.fixture(scope="module")
def db_path(tmp_path_factory, seeds_dir, eval_dir) -> Path:
    path = tmp_path_factory.mktemp("web-api") / "news.db"
    with Store(path) as store:
        store.add_articles(read_paths([seeds_dir]).articles)
        store.add_articles(eval_articles(eval_dir, 6))
    return path


@pytest.fixture(scope="module")
def base_url(db_path):
    with running_server(create_app(db_path, TOKEN, max_body=MAX_BODY)) as url:
        yield url


@pytest.fixture(scope="module")
def readonly_url(db_path):
    with running_server(create_app(db_path)) as url:
        yield url


@pytest.fixture()
def client(base_url):
    with httpx.Client(base_url=base_url, timeout=30) as c:
        yield c


AUTH = {"Authorization": f"Bearer {TOKEN}"}


def assert_error(response: httpx.Response, status: int, code: str | None = None,
                 field: str | None = None) -> dict:
    """The one error shape, and nothing in it that leaks the server's internals."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) >= {"status", "code", "message", "field"}
    assert error["status"] == status
    if code:
        assert error["code"] == code
    if field:
        assert error["field"] == field, error
    assert "Traceback" not in response.text and "newsbrief/" not in response.text
    return error


def seed_event_id(client: httpx.Client) -> str:
    items = client.get("/api/v1/events", params={"q": "North Korea envoy"}).json()["items"]
    assert items, "the seed event is not found by search"
    return items[0]["id"]


# ---- reading ----------------------------------------------------------------------------

def test_healthz_and_security_headers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["counts"]["articles"] >= 5 + 6
    assert body["read_only"] is False  # a writable database (written with the token)
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"


def test_openapi_documents_the_api(client):
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    assert {"/api/v1/events", "/api/v1/events/{event_id}", "/api/v1/articles",
            "/api/v1/articles/{article_id}", "/healthz"} <= set(paths)
    body = paths["/api/v1/articles"]["post"]["requestBody"]["content"]
    assert {"application/json", "text/html"} <= set(body)
    params = {p["name"] for p in paths["/api/v1/events"]["get"]["parameters"]}
    assert params == {"since", "q", "limit", "cursor"}
    assert not any(p.startswith(("/events", "/articles")) for p in paths)  # pages stay out


def test_events_newest_first_with_id_and_headline(client):
    items = client.get("/api/v1/events", params={"limit": 200}).json()["items"]
    assert len(items) >= 2
    assert all(item["id"] and isinstance(item["headline"], str) for item in items)
    keys = [item["last_published"] or item["updated_at"] for item in items]
    assert keys == sorted(keys, reverse=True)


def test_pagination_walks_every_event_once(client):
    everything = [i["id"] for i in client.get("/api/v1/events", params={"limit": 200})
                  .json()["items"]]
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = client.get("/api/v1/events", params=params).json()
        assert len(page["items"]) <= 3
        seen += [i["id"] for i in page["items"]]
        cursor, pages = page["next_cursor"], pages + 1
        if cursor is None:
            break
        assert pages < 50
    assert seen == everything
    assert pages == -(-len(everything) // 3)


def test_search_uses_full_text(client):
    found = client.get("/api/v1/events", params={"q": "envoy"}).json()["items"]
    assert any("Korea" in item["headline"] for item in found)
    assert client.get("/api/v1/events", params={"q": "qwxzzy"}).json()["items"] == []
    # FTS5 operators and quotes in the query are words, not syntax
    tricky = client.get("/api/v1/events", params={"q": '"envoy" NOT ( OR *'})
    assert tricky.status_code == 200


def test_since_filters_and_is_validated(client):
    assert client.get("/api/v1/events", params={"since": "2999-01-01"}).json()["items"] == []
    assert_error(client.get("/api/v1/events", params={"since": "last tuesday"}), 422,
                 "invalid_input", "since")


@pytest.mark.parametrize("params, field", [
    ({"limit": 0}, "limit"), ({"limit": 10_000}, "limit"), ({"limit": "ten"}, "limit"),
    ({"cursor": "not-a-cursor"}, "cursor"), ({"q": "x" * 501}, "q"),
])
def test_bad_list_parameters_name_the_field(client, params, field):
    assert_error(client.get("/api/v1/events", params=params), 422, "invalid_input", field)


def test_event_has_the_whole_brief(client):
    event_id = seed_event_id(client)
    body = client.get(f"/api/v1/events/{event_id}").json()
    assert body["event"]["id"] == event_id
    brief = body["brief"]
    assert {"articles", "headline", "summary", "duplicate_groups", "entities", "quotes",
            "timeline", "disagreements"} <= set(brief)
    ids = {a["id"] for a in brief["articles"]}
    assert len(ids) == 5
    assert brief["summary"] and all(set(s["sources"]) <= ids for s in brief["summary"])
    # the two outlets carrying one AFP wire story form a duplicate group
    assert any(len(g["members"]) >= 2 for g in brief["duplicate_groups"])


def test_article_has_cleaned_text_and_offsets(client):
    event_id = seed_event_id(client)
    article_id = client.get(f"/api/v1/events/{event_id}").json()["brief"]["articles"][0]["id"]
    article = client.get(f"/api/v1/articles/{article_id}").json()
    assert article["id"] == article_id and article["sentences"]
    for s in article["sentences"]:
        assert article["text"][s["start"]:s["end"]] == s["text"]


@pytest.mark.parametrize("path", [
    "/api/v1/events/no-such-event", "/api/v1/articles/no-such-article", "/api/v1/nothing",
])
def test_unknown_ids_are_404(client, path):
    assert_error(client.get(path), 404, "not_found")


def test_pages_answer_errors_with_an_escaped_html_page(client):
    response = client.get("/events/<script>alert(1)</script>", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "<script>alert" not in response.text and "&lt;script&gt;alert(1)" in response.text
    assert 'data-code="not_found"' in response.text


def test_wrong_method_is_405_in_the_same_shape(client):
    response = client.delete("/api/v1/events")
    assert_error(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "GET, HEAD"  # HEAD is answered like GET


# ---- writing ----------------------------------------------------------------------------

ARTICLE = {
    "title": "Harbour bridge reopens after storm repairs",
    "text": ("The harbour bridge reopened to traffic on Monday after three weeks of repairs "
             "to storm damage, the city transport office said.\n\nEngineers replaced two "
             "cables and resurfaced the deck, the office said in a statement. Commuters had "
             "used ferries while the bridge was closed."),
    "outlet": "Harbour Gazette",
    "published": "2024-03-04",
    "url": "https://gazette.example/bridge-reopens",
}


def test_writes_refused_on_a_read_only_server(readonly_url):
    response = httpx.post(f"{readonly_url}/api/v1/articles", json=ARTICLE, headers=AUTH)
    assert_error(response, 403, "read_only")


@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Bearer wrong-token"}, {"Authorization": f"Basic {TOKEN}"},
    {"Authorization": "Bearer"},
])
def test_writes_need_the_bearer_token(client, headers):
    before = client.get("/healthz").json()["counts"]["articles"]
    response = client.post("/api/v1/articles", json=ARTICLE, headers=headers)
    assert_error(response, 401, "unauthorized", "Authorization")
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert client.get("/healthz").json()["counts"]["articles"] == before


def test_ingest_json_article_then_read_it_back(client):
    response = client.post("/api/v1/articles", json=ARTICLE, headers=AUTH)
    assert response.status_code == 201, response.text
    added = response.json()["added"]
    assert len(added) == 1
    article_id, event_id = added[0]["article_id"], added[0]["event_id"]
    stored = client.get(f"/api/v1/articles/{article_id}").json()
    assert stored["outlet"] == "Harbour Gazette" and stored["event_id"] == event_id
    assert "resurfaced the deck" in stored["text"]
    brief = client.get(f"/api/v1/events/{event_id}").json()["brief"]
    assert article_id in {a["id"] for a in brief["articles"]}
    found = client.get("/api/v1/events", params={"q": "harbour bridge"}).json()["items"]
    assert event_id in {item["id"] for item in found}
    again = client.post("/api/v1/articles", json=[ARTICLE], headers=AUTH)
    assert again.status_code == 200 and again.json()["added"] == []
    assert again.json()["skipped"]


def test_search_finds_a_word_inside_japanese_text(client):
    """`q` could not find a word inside a run of Chinese or Japanese text (FTS5's unicode61
    made the whole run one token)."""
    response = client.post("/api/v1/articles", headers=AUTH, json={
        "title": "大阪で新しい国際空港が開業", "language": "ja", "outlet": "Kansai Shimbun",
        "text": ("大阪湾に建設された新しい国際空港が月曜日に開業した。初日には約三万人の旅客が"
                 "利用し、出発ロビーは朝から混雑した。市内と空港を結ぶ鉄道も同じ日に運行を"
                 "始めた。")})
    assert response.status_code == 201, response.text
    event_id = response.json()["added"][0]["event_id"]
    for words in ("空港", "国際空港", "大阪 開業"):
        found = client.get("/api/v1/events", params={"q": words}).json()["items"]
        assert [item["id"] for item in found] == [event_id], words
    assert client.get("/api/v1/events", params={"q": "港空"}).json()["items"] == []


def _added_id(client, **fields: str | None) -> str:
    """Post ``ARTICLE`` with ``fields`` changed (a new text: not a repeat); the stored id."""
    response = client.post("/api/v1/articles", json=dict(ARTICLE, url=None, **fields),
                           headers=AUTH)
    assert response.status_code == 201, response.text
    return response.json()["added"][0]["article_id"]


def test_ids_with_slashes_and_hashes_round_trip(client):
    article_id = _added_id(client, id="wire/2024 #7?", title="Tram line extended to the airport",
                           text="The tram line was extended to the airport on Friday, the "
                                "operator said. Trams will run every ten minutes.")
    assert article_id.startswith("wire/2024 #7?")
    quoted = quote(article_id, safe="")
    assert client.get(f"/api/v1/articles/{quoted}").json()["id"] == article_id
    page = client.get(f"/articles/{quoted}")
    assert page.status_code == 200 and "Tram line extended" in page.text


HTML_PAGE = b"""<!doctype html><html><head><meta charset="utf-8">
<title>Volcano erupts near village | Island Times</title>
<meta property="og:site_name" content="Island Times"></head>
<body><nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>Volcano erupts near mountain village</h1>
<p>A volcano erupted near a mountain village on Sunday, sending ash several kilometres into
the sky, the national geology institute said.</p>
<p>About two hundred residents were moved to a school in the valley as a precaution, the
regional governor told reporters on Sunday evening.</p>
<p>The institute said the eruption was the strongest recorded at the volcano in forty years
and warned that further explosions were possible in the coming days.</p>
<script>document.title = "owned";</script>
</article><footer>Copyright Island Times</footer></body></html>"""


def test_ingest_html_body(client):
    response = client.post(
        "/api/v1/articles", content=HTML_PAGE,
        params={"url": "https://islandtimes.example/volcano"},
        headers=AUTH | {"Content-Type": "text/html; charset=utf-8"},
    )
    assert response.status_code == 201, response.text
    article_id = response.json()["added"][0]["article_id"]
    stored = client.get(f"/api/v1/articles/{article_id}").json()
    assert "Volcano erupts" in stored["title"]
    assert "two hundred residents" in stored["text"]
    assert "owned" not in stored["text"] and "Copyright" not in stored["text"]
    assert stored["url"] == "https://islandtimes.example/volcano"


def test_html_source_url_must_be_http(client):
    response = client.post("/api/v1/articles", content=HTML_PAGE, params={"url": "file:///etc/x"},
                           headers=AUTH | {"Content-Type": "text/html"})
    assert_error(response, 422, "invalid_input", "url")


def test_html_without_an_article_is_422(client):
    response = client.post("/api/v1/articles", content=b"<html><body><nav>x</nav></body></html>",
                           headers=AUTH | {"Content-Type": "text/html"})
    assert_error(response, 422, "invalid_input", "body")


@pytest.mark.parametrize("body, field", [
    (b'{"title": "x", "text": ', "body"),
    (b"\xff\xfe\xff not json", "body"),
])
def test_malformed_json_is_400(client, body, field):
    response = client.post("/api/v1/articles", content=body,
                           headers=AUTH | {"Content-Type": "application/json"})
    assert_error(response, 400, "bad_json", field)


@pytest.mark.parametrize("payload, field", [
    ({"title": "no text"}, "text"),
    ({"text": 42}, "text"),
    ({"text": "   "}, "text"),
    ({"text": "Fine text here.", "url": "javascript:alert(1)"}, "url"),
    ({"text": "Fine text here.", "colour": "blue"}, "colour"),
    ([ARTICLE, {"text": "ok text."}, {"title": "missing"}], "[2].text"),
    ([], "body"),
    ("just a string", "body"),
])
def test_invalid_articles_name_the_field(client, payload, field):
    before = client.get("/healthz").json()["counts"]["articles"]
    response = client.post("/api/v1/articles", json=payload, headers=AUTH)
    assert_error(response, 422, "invalid_input", field)
    assert client.get("/healthz").json()["counts"]["articles"] == before


def test_unsupported_content_type_is_415(client):
    response = client.post("/api/v1/articles", content=b"plain words",
                           headers=AUTH | {"Content-Type": "text/plain"})
    assert_error(response, 415, "unsupported_media_type", "Content-Type")


def test_oversized_body_is_413(client):
    article = dict(ARTICLE, text="word " * (MAX_BODY // 5 + 10))
    response = client.post("/api/v1/articles", json=article, headers=AUTH)
    assert_error(response, 413, "body_too_large", "body")


def test_oversized_chunked_body_is_413(client):
    def chunks():  # no Content-Length: the server must count as it reads
        for _ in range(MAX_BODY // 8192 + 4):
            yield b" " * 8192

    response = client.post("/api/v1/articles", content=chunks(),
                           headers=AUTH | {"Content-Type": "application/json"})
    assert_error(response, 413, "body_too_large", "body")


def test_unexpected_errors_hide_details(db_path):
    app = create_app(db_path)

    def broken():
        raise RuntimeError("secret detail at /srv/newsbrief/private.py")

    app.state.pool.get = broken
    with running_server(app) as url:
        for path in ("/api/v1/events", "/"):
            response = httpx.get(f"{url}{path}")
            assert response.status_code == 500
            assert "secret" not in response.text and "private.py" not in response.text
            assert response.headers["x-content-type-options"] == "nosniff"
            if path.startswith("/api/"):
                assert response.json()["error"]["code"] == "internal_error"
            else:  # a page answers with the error page (docs/web.md, Errors); it was JSON
                assert response.headers["content-type"].startswith("text/html")
                assert 'data-code="internal_error"' in response.text


# ---- concurrency and the command ---------------------------------------------------------

def test_reads_go_on_while_another_process_ingests(tmp_path, seeds_dir, eval_dir):
    path = tmp_path / "busy.db"
    with Store(path, config=BriefConfig(analyze=False)) as store:
        store.add_articles(read_paths([seeds_dir]).articles)
    records = [a.to_dict() for a in eval_articles(eval_dir, 4, skip=20)]
    source = tmp_path / "more.json"
    source.write_text(json.dumps(records), encoding="utf-8")
    script = textwrap.dedent(f"""
        import json
        from newsbrief.config import BriefConfig
        from newsbrief.models import Article
        from newsbrief.store import Store
        records = json.load(open({str(source)!r}, encoding="utf-8"))
        # many small write transactions; analysis off, as it only slows the writer down
        config = BriefConfig(analyze=False)
        with Store({str(path)!r}, config=config, batch_size=1) as store:
            store.add_articles([Article.from_dict(r) for r in records])
    """)
    with running_server(create_app(path)) as url, httpx.Client(base_url=url) as c:
        writer = subprocess.Popen([sys.executable, "-c", script])
        statuses = []
        while writer.poll() is None:
            statuses += [c.get("/api/v1/events").status_code, c.get("/healthz").status_code]
            time.sleep(0.01)
        assert writer.returncode == 0
        assert statuses and set(statuses) == {200}
        assert c.get("/healthz").json()["counts"]["articles"] == 5 + len(records)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_command_with_token_from_environment(db_path, tmp_path):
    port = _free_port()
    env = dict(os.environ, NEWSBRIEF_TOKEN="env-token-1")
    server = subprocess.Popen(
        [sys.executable, "-c", "import sys; from newsbrief.cli import main; sys.exit(main())",
         "serve", "--db", str(db_path), "--port",
         str(port), "--quiet"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{port}"
        # Generous waits: the first POST loads the NLP models, slow on a busy 2-core machine.
        for _ in range(600):
            try:
                if httpx.get(f"{url}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        else:
            pytest.fail(f"newsbrief serve did not start: {server.stderr.read1().decode()}")
        post = httpx.post(f"{url}/api/v1/articles", json=[ARTICLE], timeout=60,
                          headers={"Authorization": "Bearer env-token-1"})
        assert post.status_code in (200, 201), post.text
        assert httpx.post(f"{url}/api/v1/articles", json=[ARTICLE], timeout=60,
                          headers={"Authorization": "Bearer other"}).status_code == 401
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_serve_rejects_a_bad_port(capsys):
    from newsbrief.cli import main

    assert main(["serve", "--port", "70000"]) == 2
    assert "--port must be between 0 and 65535" in capsys.readouterr().err


# ---- regressions from an adversarial audit of the web layer ------------------------------

def _tampered_cursor(client: httpx.Client, seq: object) -> str:
    """A real next_cursor with its tie-breaking number replaced (the cursor is base64 JSON)."""
    import base64

    cursor = client.get("/api/v1/events", params={"limit": 1}).json()["next_cursor"]
    key, _ = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    raw = json.dumps([key, seq]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize("seq", [10**30, float("inf")])
def test_cursor_with_a_number_sqlite_cannot_bind_is_422(client, seq):
    # Was a 500 (OverflowError binding the number): a tampered cursor is the client's input.
    cursor = _tampered_cursor(client, seq)
    assert_error(client.get("/api/v1/events", params={"cursor": cursor}), 422,
                 "invalid_input", "cursor")
    page = client.get("/", params={"cursor": cursor})
    assert page.status_code == 422 and 'data-code="invalid_input"' in page.text


def test_since_whose_utc_instant_leaves_years_1_to_9999_is_still_an_instant(client):
    # Valid ISO 8601 times: converted to UTC they fall before year 1 / after year 9999. They
    # were a 422 saying "not an ISO 8601 date or time", with field "q" when q was given.
    everything = client.get("/api/v1/events", params={"limit": 200}).json()["items"]
    early = client.get("/api/v1/events", params={"limit": 200,
                                                  "since": "0001-01-01T00:00:00+01:00"})
    assert early.status_code == 200, early.text
    assert early.json()["items"] == everything
    late = client.get("/api/v1/events", params={"since": "9999-12-31T23:59:59-01:00",
                                                "q": "envoy"})
    assert late.status_code == 200, late.text
    assert late.json()["items"] == []
    found = client.get("/api/v1/events", params={"since": "0001-01-01T00:00:00+01:00",
                                                 "q": "envoy"}).json()["items"]
    assert found and found == client.get("/api/v1/events", params={"q": "envoy"}).json()["items"]


@pytest.mark.parametrize("path", ["/healthz", "/api/v1/events", "/"])
def test_head_is_answered_like_get_without_a_body(client, path):
    # Was 405 on every route (FastAPI routes GET only); RFC 9110 makes HEAD mandatory.
    head, get = client.head(path), client.get(path)
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["content-length"] == str(len(get.content))
    assert "script-src 'self'" in head.headers["content-security-policy"]
    assert client.get("/healthz").status_code == 200  # the connection is still usable


def _replace_database(path: Path, new: Path) -> None:
    """Move ``new`` over ``path``, as restoring a backup does (old WAL files go with it)."""
    os.replace(new, path)
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def test_a_replaced_database_file_is_served_and_a_deleted_one_is_503(tmp_path, seeds_dir):
    # Each worker's connection kept reading the file it had opened: after the file was
    # replaced the server served the old data while the (lazily opened) writer wrote into the
    # new file, so a 201 article then read back as 404; after deletion /healthz still said ok.
    path, new = tmp_path / "live.db", tmp_path / "restored.db"
    config = BriefConfig(analyze=False)
    with Store(path, config=config) as store:
        store.add_articles(read_paths([seeds_dir]).articles)
    with Store(new, config=config) as store:
        store.add_articles(read_paths([seeds_dir]).articles[:2])
    with running_server(create_app(path, TOKEN, config=config)) as url, \
            httpx.Client(base_url=url, timeout=30) as c:
        assert c.get("/healthz").json()["counts"]["articles"] == 5
        _replace_database(path, new)
        assert c.get("/healthz").json()["counts"]["articles"] == 2
        added = c.post("/api/v1/articles", json=ARTICLE, headers=AUTH)
        assert added.status_code == 201, added.text
        article_id = added.json()["added"][0]["article_id"]
        assert c.get(f"/api/v1/articles/{quote(article_id, safe='')}").status_code == 200
        assert c.get("/healthz").json()["counts"]["articles"] == 3
        path.unlink()
        assert_error(c.get("/healthz"), 503, "unavailable")
        assert str(tmp_path) not in c.get("/healthz").text
    assert not path.exists()  # a deleted database is not silently recreated empty


def test_a_blank_id_is_no_id(client):
    """An id of spaces was stored as it came: an article named "   "."""
    article_id = _added_id(client, id="   ", title="Ferry timetable changes",
                           text="The ferry timetable changes on Monday, the operator said. "
                                "Boats will leave every forty minutes in the morning.")
    assert article_id.strip() and article_id == article_id.strip()


def test_an_event_listed_before_its_brief_answers_its_articles_not_404(tmp_path, seeds_dir):
    """/api/v1/events listed an event whose brief was not built yet (ingest --refresh none,
    or while the ingest that found it runs) and /api/v1/events/{id} answered 404 for it. Now
    200 with "brief": null, "brief_pending": true and its articles, as the event page shows
    them; once the brief is built, the brief, with "brief_pending": false."""
    path = tmp_path / "pending.db"
    config = BriefConfig(analyze=False, method="lead")
    seeds = read_paths([seeds_dir]).articles
    with Store(path, config=config) as store:
        report = store.add_articles(seeds, refresh="none")
    (event_id,) = report.events_created
    with running_server(create_app(path, config=config)) as url, \
            httpx.Client(base_url=url, timeout=30) as c:
        assert [e["id"] for e in c.get("/api/v1/events").json()["items"]] == [event_id]
        response = c.get(f"/api/v1/events/{quote(event_id, safe='')}")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["brief"] is None and body["brief_pending"] is True
        assert body["event"]["id"] == event_id and body["event"]["article_count"] == 5
        assert [a["id"] for a in body["articles"]] == [a.id for a in seeds]
        assert {a["title"] for a in body["articles"]} == {a.title for a in seeds}
        assert all("path" not in a for a in body["articles"])  # no server file paths
        page = c.get(f"/events/{quote(event_id, safe='')}")
        assert page.status_code == 200
        assert page.text.count('href="/articles/') == len(body["articles"])

        with Store(path, config=config) as store:
            assert store.refresh_briefs() == 1
        body = c.get(f"/api/v1/events/{quote(event_id, safe='')}").json()
        assert body["brief_pending"] is False and "articles" not in body
        assert len(body["brief"]["articles"]) == 5 and body["brief"]["headline"]
        assert_error(c.get("/api/v1/events/e999"), 404, "not_found")


# ---- a database served read-only ---------------------------------------------------------

# `newsbrief serve` in a child process. With "nobody" it first serves a writable copy and
# reads its pages, so that every lazy import is done (the interpreter's own library may be
# unreadable to nobody), then, as root (CI containers), drops to uid/gid 65534, to which the
# modes apply; any other user is denied by the modes alone.
_SERVE = """
import json, os, shutil, sys, urllib.request
from newsbrief.cli import build_parser, main
from newsbrief.web import create_app
from newsbrief.web.server import running_server
db, warm, user = sys.argv[1:4]
if user == "nobody":
    build_parser()
    shutil.copy(db, warm)
    with running_server(create_app(warm)) as url:
        read = lambda path: urllib.request.urlopen(url + path).read()
        event = json.loads(read("/api/v1/events"))["items"][0]["id"]
        for path in ("/", "/events/" + event, "/api/v1/events/" + event, "/healthz"):
            read(path)
    if os.geteuid() == 0:
        os.setgid(65534); os.setuid(65534)
sys.exit(main(sys.argv[4:]))
"""


def _serve(db: Path, *options: str, user: str = "") -> tuple[subprocess.Popen, str]:
    """Start ``newsbrief serve --db db`` on a free port (the token in NEWSBRIEF_TOKEN);
    returns the process and its base URL once /healthz answers."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", _SERVE, str(db), str(db.parent.parent / "warm.db"), user,
         "serve", "--db", str(db), "--port", str(port), *options],
        env=dict(os.environ, NEWSBRIEF_TOKEN=TOKEN, PYTHONPATH=str(Path(__file__).parents[1])),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(f"{url}/healthz").status_code == 200:
                return server, url
        except httpx.TransportError:
            time.sleep(0.05)
    server.kill()
    _, err = server.communicate(timeout=10)
    pytest.fail(f"newsbrief serve did not start (exit {server.returncode}): {err[-2000:]}")


def _stop(server: subprocess.Popen) -> str:
    """Stop the server (Ctrl-C) and return its stdout."""
    server.send_signal(signal.SIGINT)
    out, _ = server.communicate(timeout=20)
    return out


def _check_read_only(url: str, event_id: str, why: str) -> None:
    """Pages and reads answer; a write, even with the token, is a 503 saying why."""
    with httpx.Client(base_url=url, timeout=30) as c:
        health = c.get("/healthz").json()
        articles = health["counts"]["articles"]
        assert health["status"] == "ok" and health["read_only"] is True
        assert event_id in [e["id"] for e in c.get("/api/v1/events").json()["items"]]
        assert c.get(f"/api/v1/events/{quote(event_id, safe='')}").json()["brief"]["summary"]
        assert c.get("/").status_code == 200
        page = c.get(f"/events/{quote(event_id, safe='')}")
        assert page.status_code == 200 and 'href="/articles/' in page.text
        post = c.post("/api/v1/articles", json=ARTICLE, headers=AUTH)
        error = assert_error(post, 503, "read_only_database")
        assert error["message"] == f"the database is read-only, writes are refused: {why}"
        assert c.get("/healthz").json()["counts"]["articles"] == articles


def test_a_database_the_server_cannot_write_is_served_read_only(readonly_folder):
    """`newsbrief serve` on a database in a folder its user may not write refused to start
    (the pool opened a writer first); now it serves it read-only, says so at startup, and
    answers writes 503, writing nothing: no -wal or -shm appears beside the database."""
    db = readonly_folder
    server, url = _serve(db, user="nobody")
    try:
        _check_read_only(url, "e1", "the server cannot write the database file")
    finally:
        out = _stop(server)
    assert out.splitlines()[0] == (
        f"newsbrief: serving {db} on {url}/ read-only (the server cannot write the "
        "database file; writes answer 503)")
    assert sorted(p.name for p in db.parent.iterdir()) == ["news.db"]


def test_serve_read_only_never_writes_a_writable_database(tmp_path, seeds_dir):
    """--read-only serves a writable database as the unwritable one above (a public mirror,
    token or not); it must exist (not created), and an old schema is named, not migrated."""
    db = tmp_path / "store" / "news.db"
    db.parent.mkdir()
    with Store(db, config=BriefConfig(analyze=False, method="lead")) as store:
        (event_id,) = store.add_articles(read_paths([seeds_dir]).articles).events_created
    server, url = _serve(db, "--read-only")
    try:
        _check_read_only(url, event_id, "the server was started read-only")
    finally:
        out = _stop(server)
    assert out.splitlines()[0] == (
        f"newsbrief: serving {db} on {url}/ read-only (--read-only; writes answer 503)")

    from newsbrief.cli import main
    from newsbrief.errors import StoreError

    missing = tmp_path / "missing.db"
    with pytest.raises(StoreError, match="no such database"):
        create_app(missing, TOKEN, read_only=True)
    assert main(["serve", "--db", str(missing), "--read-only", "--port", "0"]) == 3
    assert not missing.exists()
    old = tmp_path / "old.db"
    Store(old, migrate_to=1).close()
    with pytest.raises(StoreError, match="open it once for writing to migrate"):
        create_app(old, read_only=True)

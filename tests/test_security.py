"""Hostile text through the web pages and the API, in headless Chromium: a corpus of XSS
payloads (script tags, event-handler attributes, javascript: and data: URLs, SVG, broken and
mutation markup, template syntax, Unicode tricks) inside titles, bodies, outlet names, ids and
URLs, stored through the library and through the API, then opened page by page.

Nothing may run (no dialog, no console line with the marker, no page error, no CSP violation:
a violation would mean markup reached the page unescaped and only the policy stopped it),
no element may carry an event-handler attribute, and every link must be http(s). Every
response sends a Content-Security-Policy and ``X-Content-Type-Options: nosniff``; the bearer
token is compared in constant time; error responses carry no stack trace or file path.
"""

from __future__ import annotations

import hmac
import os
import re
import sqlite3
from pathlib import Path

import httpx
import pytest

from newsbrief.models import Article
from newsbrief.store import Store
from newsbrief.web import create_app
from newsbrief.web.server import running_server

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("NEWSBRIEF_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
TOKEN = "s3cret-token-for-tests"
M = "NBXSS"  # the marker every payload would print or alert if it ran

PAYLOADS = [
    f"<script>alert('{M}1');window.__nbxss=1</script>",
    f"<img src=x onerror=\"alert('{M}2');window.__nbxss=1\">",
    f"<svg onload=alert('{M}3')>",
    f"<svg><script>alert('{M}4')</script></svg>",
    f"\"><script>console.log('{M}5')</script>",
    f"'><img src=x onerror=console.log('{M}6')>",
    f"<iframe src=\"javascript:alert('{M}7')\"></iframe>",
    f"<a href=\"javascript:alert('{M}8')\">click me</a>",
    f"</title><script>alert('{M}9')</script>",
    f"</textarea></script><script>alert('{M}10')</script>",
    f"<math><mtext><table><mglyph><style><img src=x onerror=alert('{M}11')>",
    f"<!--<img src=x onerror=alert('{M}12')>-->",
    f"<scr<script>ipt>alert('{M}13')</script>",
    f"<details open ontoggle=alert('{M}14')>",
    f"<input autofocus onfocus=alert('{M}15')>",
    f"<meta http-equiv=refresh content=\"0;url=javascript:alert('{M}16')\">",
    f"<base href=\"javascript:alert('{M}17')//\">",
    f"\u202e<script>alert('{M}18')</script>\u202d",
    f"＜script＞alert('{M}19')＜/script＞",
    f"<scr\u200bipt>alert('{M}20')</scr\u200bipt>",
    f"<img src=x onerror=\"&#97;lert('{M}21')\">",
    f"<object data=\"data:text/html,<script>alert('{M}22')</script>\"></object>",
    "{{ 7*7 }} {% if true %}JINJA{% endif %} ${7*7}",
    f"<style>body{{background:url(\"javascript:alert('{M}23')\")}}</style>",
]
URLS = [
    f"javascript:alert('{M}')", "JaVaScRiPt:alert(1)", " javascript:alert(1)",
    "java\tscript:alert(1)", "java\nscript:alert(1)", "\x00javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)",
    "j\u0430vascript:alert(1)", "ｊａｖａｓｃｒｉｐｔ:alert(1)", "&#106;avascript:alert(1)",
    "https:alert(1)", "//evil.example/x", "https://ok.example/\"onmouseover=\"alert(1)",
    "https://ok.example/<script>alert(1)</script>",
]


def body(payload: str) -> str:
    """A text that cleaning keeps: sentences around the payload."""
    return (f"The city council said on Tuesday that the message {payload} was posted on its "
            "website comment form. Officials removed the message within an hour, a council "
            "spokesman said on Tuesday. The comment form was closed while the website software "
            "was updated, the spokesman added.")


def hostile_articles() -> list[Article]:
    out = []
    for i, payload in enumerate(PAYLOADS):
        out.append(Article(
            id=f"x{i}" if i % 3 else f"x{i}\"><script>alert('{M}id')</script>",
            title=f"Council warns about {payload}",
            text=body(payload),
            outlet=PAYLOADS[(i + 5) % len(PAYLOADS)],
            published=f"2024-05-{1 + i % 28:02d}",
            url=URLS[i % len(URLS)],
            author=PAYLOADS[(i + 9) % len(PAYLOADS)],
        ))
    return out


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    path = tmp_path_factory.mktemp("security") / "news.db"
    with Store(path) as store:
        store.add_articles(hostile_articles()[:16])
    app = create_app(path, TOKEN)
    with running_server(app) as url:
        # The rest through the API, the way a remote writer would send them.
        api_items = [{"id": a.id, "title": a.title, "text": a.text, "outlet": a.outlet,
                      "author": a.author, "published": a.published,
                      "url": f"https://ok.example/a{i}?x=\"><script>alert(1)</script>"}
                     for i, a in enumerate(hostile_articles()[16:])]
        response = httpx.post(f"{url}/api/v1/articles", json=api_items, timeout=120,
                              headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 201, response.text
        yield {"url": url, "path": path, "app": app}


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"chromium not found at {CHROMIUM}: install Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def page_urls(served) -> list[str]:
    base = served["url"]
    events = httpx.get(f"{base}/api/v1/events?limit=100").json()["items"]
    with sqlite3.connect(served["path"]) as conn:
        article_ids = [r[0] for r in conn.execute("SELECT id FROM articles")]
    assert len(article_ids) == len(PAYLOADS) and events
    from urllib.parse import quote

    return ([f"{base}/", f"{base}/?q=council", f"{base}/?q={quote(PAYLOADS[0])}"]
            + [f"{base}/events/{quote(e['id'], safe='')}" for e in events]
            + [f"{base}/articles/{quote(a, safe='')}" for a in article_ids])


CHECK_DOM = """() => {
  const all = Array.from(document.querySelectorAll('*'));
  return {
    handlers: all.flatMap(el => Array.from(el.attributes).filter(a => a.name.startsWith('on'))
                                   .map(a => el.tagName + ' ' + a.name)),
    protocols: Array.from(document.querySelectorAll('a[href], area[href]')).map(a => a.protocol),
    inline_scripts: document.querySelectorAll('script:not([src])').length,
    foreign: Array.from(document.querySelectorAll('script[src], iframe, object, embed, base, '
                                                  + 'meta[http-equiv], img, svg image'))
               .map(el => el.outerHTML.slice(0, 80)),
    flag: typeof window.__nbxss,
  };
}"""


def test_hostile_text_runs_nothing_and_links_are_http(served, browser):
    context = browser.new_context()
    page = context.new_page()
    console, dialogs, errors = [], [], []
    page.on("console", lambda m: console.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    urls = page_urls(served)
    shown = ""
    try:
        for url in urls:
            response = page.goto(url)
            assert response.status == 200, url
            # Open every "sources" toggle so text revealed by script is rendered too.
            for toggle in page.locator(".cite-toggle").all()[:50]:
                toggle.click()
            dom = page.evaluate(CHECK_DOM)
            assert dom["handlers"] == [], (url, dom["handlers"])
            assert set(dom["protocols"]) <= {"http:", "https:"}, (url, dom["protocols"])
            assert dom["inline_scripts"] == 0, url
            # Only our own script file; no frames, objects, bases, refreshes or images.
            assert all("/static/newsbrief.js" in el for el in dom["foreign"]), (url, dom)
            assert dom["flag"] == "undefined", url
            shown += page.locator("body").inner_text()
    finally:
        context.close()
    assert dialogs == [] and errors == []
    assert not [m for m in console if M in m or "Content Security Policy" in m], console
    # The payloads are shown as text (escaped), not dropped, and templates are not evaluated.
    assert "<script>alert('NBXSS1');window.__nbxss=1</script>" in shown
    assert "onerror=" in shown and "<svg onload=" in shown
    assert "{{ 7*7 }}" in shown and "JINJA" not in shown.replace("{% if true %}JINJA", "")


def test_api_returns_hostile_text_unchanged_as_json(served):
    base = served["url"]
    with sqlite3.connect(served["path"]) as conn:
        rows = conn.execute("SELECT id, title, outlet FROM articles").fetchall()
    from urllib.parse import quote

    for article_id, title, outlet in rows:
        response = httpx.get(f"{base}/api/v1/articles/{quote(article_id, safe='')}")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/json")
        data = response.json()
        assert data["title"] == title and data["outlet"] == outlet


def test_javascript_urls_are_refused_by_the_api(served):
    for url in URLS[:12]:
        response = httpx.post(f"{served['url']}/api/v1/articles",
                              json={"text": body("plain"), "url": url},
                              headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 422, url
        assert response.json()["error"]["field"].endswith("url")


def test_every_response_has_csp_and_nosniff(served):
    base = served["url"]
    requests = [
        ("GET", "/"), ("GET", "/?q=<script>"), ("GET", "/api/v1/events"),
        ("GET", "/static/newsbrief.css"), ("GET", "/static/newsbrief.js"),
        ("GET", "/static/favicon.svg"), ("GET", "/openapi.json"), ("GET", "/healthz"),
        ("GET", "/nowhere"), ("GET", "/api/v1/events/nope"), ("GET", "/events/nope"),
        ("GET", "/api/v1/events?limit=-1"), ("DELETE", "/api/v1/events"),
        ("POST", "/api/v1/articles"),
    ]
    for method, path in requests:
        response = httpx.request(method, base + path)
        csp = response.headers.get("content-security-policy", "")
        script_src = re.search(r"script-src ([^;]*)", csp)
        assert script_src and "'unsafe-inline'" not in script_src.group(1), (path, csp)
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp, path
        assert response.headers.get("x-content-type-options") == "nosniff", path


def test_token_is_compared_in_constant_time(served, monkeypatch):
    from newsbrief.web import api

    seen, real = [], hmac.compare_digest

    def spy(a, b):
        seen.append((a, b))
        return real(a, b)

    monkeypatch.setattr(api.hmac, "compare_digest", spy)
    base, answers = served["url"], []
    for token in ("x" * len(TOKEN), TOKEN[:-1] + "X", "short", TOKEN + "longer"):
        response = httpx.post(f"{base}/api/v1/articles", json={"text": body("t")},
                              headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
        answers.append(response.json())
    # Every wrong token, whatever its length or where it differs, went through
    # hmac.compare_digest and got the same answer.
    assert [a for a, _ in seen] == [t.encode() for t in ("x" * len(TOKEN), TOKEN[:-1] + "X",
                                                          "short", TOKEN + "longer")]
    assert all(b == TOKEN.encode() for _, b in seen)
    assert all(a == answers[0] for a in answers)


LEAK = re.compile(r"Traceback|File \"|site-packages|/work/|/tmp/|\.py\b|sqlite3\.|Error:")


def test_error_responses_carry_no_stack_trace_or_path(served, tmp_path):
    base = served["url"]
    auth = {"Authorization": f"Bearer {TOKEN}"}
    cases = [
        httpx.get(f"{base}/api/v1/events/nope"),
        httpx.get(f"{base}/events/%3Cscript%3E"),
        httpx.get(f"{base}/api/v1/events?cursor=not-a-cursor"),
        httpx.get(f"{base}/api/v1/events?since=yesterday"),
        httpx.get(f"{base}/api/v1/events?limit=abc"),
        httpx.put(f"{base}/api/v1/events"),
        httpx.post(f"{base}/api/v1/articles", content=b"{broken", headers={
            **auth, "Content-Type": "application/json"}),
        httpx.post(f"{base}/api/v1/articles", content=b"\xff\xfe\x00", headers={
            **auth, "Content-Type": "application/json"}),
        httpx.post(f"{base}/api/v1/articles", content=b"x", headers={
            **auth, "Content-Type": "image/png"}),
        httpx.post(f"{base}/api/v1/articles", json=[{"text": 5}] * 3, headers=auth),
        httpx.post(f"{base}/api/v1/articles", content=b"<html><body></body></html>",
                   headers={**auth, "Content-Type": "text/html"}),
    ]
    for response in cases:
        assert 400 <= response.status_code < 600
        assert not LEAK.search(response.text), (response.request.url, response.text[:300])
    # A database that breaks under a running server: 503 in the one error shape, no path.
    broken = tmp_path / "broken.db"
    with Store(broken):
        pass
    app = create_app(broken)
    with running_server(app) as url:
        broken.write_bytes(b"this is not a database" * 100)
        for suffix in ("-wal", "-shm"):
            Path(f"{broken}{suffix}").unlink(missing_ok=True)
        for path in ("/api/v1/events", "/"):
            response = httpx.get(url + path)
            assert response.status_code >= 500, (path, response.status_code)
            assert not LEAK.search(response.text) and str(broken) not in response.text

"""The pages in a real browser: Debian's headless Chromium driven by Playwright.

Never lets Playwright download a browser: it launches /usr/bin/chromium by path. When chromium
is missing these tests fail with a message saying how to install it (scripts/test does), so
a machine without it cannot pass silently.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from newsbrief.ingest import read_paths
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
SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "screenshots" / "event.png"
MARKER = "XSS-MARKER-7731"

# An article whose text carries markup: it must show as text and run nothing.
HOSTILE = Article(
    id="hostile-1",
    title="Council finds script tags in its website comments",
    text=(
        "The city council said on Tuesday that someone had posted "
        f"<script>window.__xss = 1; alert('{MARKER}'); console.log('{MARKER}')</script> "
        "into the comment form of its website.\n\n"
        f"Officials said a second message carried <img src=x onerror=\"console.log('{MARKER}');"
        f"alert('{MARKER}')\"> and was removed within an hour, the council said.\n\n"
        "The council said no personal data had been taken and the comment form was closed "
        "while its software was updated."
    ),
    outlet="Town <b>Crier</b>",
    published="2024-05-07",
    url="javascript:alert(1)",
)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory, seeds_dir):
    path = tmp_path_factory.mktemp("web-browser") / "news.db"
    with Store(path) as store:
        store.add_articles(read_paths([seeds_dir]).articles)
        store.add_articles([HOSTILE])
    with running_server(create_app(path)) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"chromium not found at {CHROMIUM}: install Debian's chromium "
                    "(apt-get install chromium; scripts/test does this) to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Watched:
    """A page that records console messages, dialogs and page errors."""

    def __init__(self, browser, **options):
        self.context = browser.new_context(**options)
        self.page = self.context.new_page()
        self.console: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

        def on_dialog(dialog):
            self.dialogs.append(dialog.message)
            dialog.dismiss()

        self.page.on("dialog", on_dialog)

    def assert_clean(self):
        assert self.dialogs == [], self.dialogs
        assert self.errors == [], self.errors
        assert not [m for m in self.console if m.startswith("error")], self.console


@pytest.fixture()
def watched(browser):
    w = Watched(browser, viewport={"width": 1100, "height": 900})
    yield w
    w.context.close()


def open_seed_event(w: Watched, base_url: str):
    w.page.goto(f"{base_url}/?q=envoy")
    w.page.locator("a.event-link", has_text="Korea").first.click()
    w.page.wait_for_url("**/events/**")
    return w.page


def test_list_shows_events(watched, base_url):
    page = watched.page
    page.goto(base_url + "/")
    assert page.locator("h1").inner_text() == "Latest events"
    links = page.locator("a.event-link")
    assert links.count() == 2
    assert "Korea" in " ".join(links.all_inner_texts())
    watched.assert_clean()


def test_search_from_the_header(watched, base_url):
    page = watched.page
    page.goto(base_url + "/")
    page.fill("#site-q", "envoy")
    page.press("#site-q", "Enter")
    page.wait_for_url("**/?q=envoy")
    texts = page.locator("a.event-link").all_inner_texts()
    assert len(texts) == 1 and "Korea" in texts[0]
    page.fill("#site-q", "qwxzzy")
    page.press("#site-q", "Enter")
    page.wait_for_url("**/?q=qwxzzy")
    assert page.locator("a.event-link").count() == 0
    assert "No events match" in page.locator("main").inner_text()
    watched.assert_clean()


def test_event_page_sections_and_screenshot(watched, base_url):
    page = open_seed_event(watched, base_url)
    assert "Korea" in page.locator("h1.headline").inner_text()
    sentences = page.locator(".summary .cite")
    assert sentences.count() >= 3
    for i in range(sentences.count()):  # every sentence names its outlets
        assert sentences.nth(i).locator(".cite-toggle .pill").count() >= 1
    assert page.locator(".timeline svg circle").count() >= 5  # at least the 5 publications
    assert "Carried by" in page.locator(".duplicates").inner_text()
    assert page.locator(".articles li").count() == 5
    page.locator(".summary .cite-toggle").first.click()  # show one sentence's sources
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    # the top of the page: headline, summary with one sentence's sources open, timeline
    page.set_viewport_size({"width": 1100, "height": 1700})
    page.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 20_000
    watched.assert_clean()


def test_reveal_a_sentence_sources_by_click_and_keyboard(watched, base_url):
    page = open_seed_event(watched, base_url)
    first = page.locator(".summary .cite").first
    toggle, panel = first.locator(".cite-toggle"), first.locator(".sources")
    page.mouse.move(0, 0)
    assert panel.is_hidden()
    toggle.click()
    assert panel.is_visible() and toggle.get_attribute("aria-expanded") == "true"
    page.mouse.move(0, 0)
    assert panel.is_visible()  # pinned: stays open when the pointer leaves
    links = panel.locator("a.source-link")
    assert links.count() >= 1
    quoted = panel.locator("q.source-text").first.inner_text()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "false"
    page.locator("body").click(position={"x": 2, "y": 2})
    assert panel.is_hidden()

    # keyboard: tab onto the second sentence's marker, its sources show; Escape hides them
    second = page.locator(".summary .cite").nth(1)
    page.locator(".summary .cite-toggle").first.focus()
    page.keyboard.press("Tab")
    while not page.evaluate("document.activeElement.classList.contains('cite-toggle')"):
        page.keyboard.press("Tab")
    assert second.locator(".sources").is_visible()
    page.keyboard.press("Escape")
    assert second.locator(".sources").is_hidden()

    # the source link leads to the article with that sentence targeted
    toggle.click()
    links.first.click()
    page.wait_for_url("**/articles/**")
    target = page.locator(".sentence:target")
    assert target.count() == 1 and target.inner_text() == quoted
    watched.assert_clean()


def test_article_markup_shows_as_text_and_runs_nothing(watched, base_url):
    page = watched.page
    page.goto(base_url + "/?q=council")
    page.locator("a.event-link").first.click()
    page.wait_for_url("**/events/**")
    page.locator(".cite-toggle").first.click()
    body = page.locator("main").inner_text()
    assert "<script>" in body or "<img src=x" in body
    assert "Town <b>Crier</b>" in body  # the outlet's markup, as text
    page.goto(f"{base_url}/articles/hostile-1")
    text = page.locator("main").inner_text()
    assert "<script>window.__xss = 1;" in text and "<img src=x onerror=" in text
    assert page.locator("main script, main img").count() == 0
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator("a[href^='javascript:']").count() == 0
    assert not any(MARKER in m for m in watched.console)
    watched.assert_clean()


def test_phone_layout_has_no_sideways_scroll(browser, base_url):
    w = Watched(browser, viewport={"width": 390, "height": 844}, is_mobile=True,
                has_touch=True, device_scale_factor=2)
    try:
        page = open_seed_event(w, base_url)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0
        first = page.locator(".summary .cite").first
        first.locator(".cite-toggle").tap()
        assert first.locator(".sources").is_visible()
        w.assert_clean()
    finally:
        w.context.close()

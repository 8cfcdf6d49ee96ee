"""The event page's parts without a server: source sentences, the timeline chart, escaping."""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

import pytest

import newsbrief.web
from newsbrief.ingest import read_paths
from newsbrief.models import (
    ArticleRef,
    Brief,
    BriefSentence,
    Claim,
    Disagreement,
    DuplicateGroup,
    Entity,
    Quote,
    TimelineEntry,
)
from newsbrief.pipeline import brief_documents, prepare_articles
from newsbrief.store.models import EventSummary, StoredArticle
from newsbrief.web.pages import event_context, make_templates
from newsbrief.web.views import cite_all, entity_groups, parse_day, safe_url, timeline_chart

TEMPLATES = Path(newsbrief.web.__file__).parent / "templates"


@pytest.mark.parametrize("url, expected", [
    ("https://example.org/a?b=1", "https://example.org/a?b=1"),
    (" http://example.org/ ", "http://example.org/"),
    ("javascript:alert(1)", None), ("JavaScript:alert(1)", None),
    ("data:text/html,<script>x</script>", None), ("//evil.example/x", None),
    ("relative/path", None), ("https://", None), (None, None), ("", None),
])
def test_safe_url_keeps_only_absolute_http(url, expected):
    assert safe_url(url) == expected


@pytest.fixture(scope="module")
def seed_documents(seeds_dir):
    return prepare_articles(read_paths([seeds_dir]).articles)


def test_every_source_shows_a_sentence_of_that_article(seed_documents):
    brief = brief_documents(seed_documents)
    stored = {d.id: d for d in seed_documents}
    headline, summary = cite_all(brief, stored)
    assert len(summary) == len(brief.summary) and len(headline) == len(brief.headline)
    for cited, original in zip(summary, brief.summary):
        assert [line.article_id for line in cited.sources] == list(original.sources)
        assert cited.outlets  # every sentence names at least one outlet
        for line in cited.sources:
            sentences = {s.index: s.text for s in stored[line.article_id].sentences}
            if line.article_id == original.article_id:
                assert line.text == sentences[original.sentence_index]
            if line.text is not None:
                assert sentences[line.sentence_index] == line.text


def test_a_reworded_source_gets_no_quoted_sentence(seed_documents):
    doc = seed_documents[0]
    sentence = BriefSentence("Completely unrelated words about football scores tonight.",
                             (doc.id,))
    brief = Brief(articles=(ArticleRef(doc.id, doc.article.title, "Outlet A"),),
                  headline=(), summary=(sentence,))
    _, (cited,) = cite_all(brief, {doc.id: doc})
    assert cited.sources[0].text is None and cited.outlets == ("Outlet A",)


def test_timeline_chart_places_points_by_date():
    entries = (
        TimelineEntry("2017-11-17", "day", "Envoy arrives", ("a",)),
        TimelineEntry("2017-11", "month", "Party congress", ("b",)),
        TimelineEntry("2017-11-17", "day", "Talks begin", ("a",)),
        TimelineEntry("sometime", "day", "Undated", ("a",)),
    )
    refs = (ArticleRef("a", "t", "A", "2017-11-20T10:00:00"), ArticleRef("b", "t", "B", None))
    chart = timeline_chart(entries, refs)
    events = {p.number: p for p in chart.points if p.kind == "event"}
    assert set(events) == {1, 2, 3}  # numbered as listed; the undated entry is left out
    assert events[2].x < events[1].x == events[3].x  # Nov 1 before Nov 17
    assert events[1].y != events[3].y  # same day: stacked, not hidden
    (article,) = [p for p in chart.points if p.kind == "article"]
    assert article.x > events[1].x and article.y > events[1].y  # its own lane, below
    assert chart.left <= min(p.x for p in chart.points) <= max(p.x for p in chart.points) \
        <= chart.right
    assert timeline_chart((), (ArticleRef("a", "t"),)) is None
    assert chart.breaks == ()  # everything within weeks of the coverage: one linear scale
    assert parse_day("2017-02-30") is None and parse_day("2017") is not None


def test_old_background_dates_do_not_squash_the_story():
    entries = (
        TimelineEntry("1987", "year", "Background", ("a",)),
        TimelineEntry("2017-11-14", "day", "Tour ends", ("a",)),
        TimelineEntry("2017-11-17", "day", "Envoy arrives", ("a",)),
    )
    refs = (ArticleRef("a", "t", "A", "2017-11-15"), ArticleRef("b", "t", "B", "2017-11-18"))
    chart = timeline_chart(entries, refs)
    x = {p.number: p.x for p in chart.points if p.kind == "event"}
    assert x[1] < chart.breaks[0] < x[2] < x[3]
    # three days apart is still far more than a dot's width on a 720-wide chart
    assert x[3] - x[2] > 20
    assert "1987" in [label for _, label, _ in chart.ticks]


def test_entities_grouped_by_kind_people_first():
    people = Entity("Song Tao", "PERSON", (), 5, ("a",))
    groups = entity_groups([
        Entity("Beijing", "GPE", (), 9, ("a",)), Entity("Asia", "LOC", (), 2, ("a",)),
        people, Entity("Xinhua", "ORG", (), 3, ("a",)), Entity("Peng", "PERSON", (), 7, ("a",)),
    ])
    assert [kind for kind, _ in groups] == ["People", "Organisations", "Places"]
    assert [e.name for e in groups[0][1]] == ["Peng", "Song Tao"]  # most mentioned first
    assert [e.name for e in groups[2][1]] == ["Beijing", "Asia"]


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def hostile_brief() -> Brief:
    refs = (
        ArticleRef("a1", f"Title {HOSTILE}", "Outlet <b>A</b>", "2020-01-02",
                   url="javascript:alert(1)"),
        ArticleRef("a2", "Second", "Outlet B", "2020-01-03", url="https://b.example/x"),
        ArticleRef("a3", "Third", "Outlet C", "2020-01-03", duplicate_of="a2"),
    )
    return Brief(
        articles=refs,
        headline=(BriefSentence(f"Headline {HOSTILE}", ("a1", "a2"), 1.0, "a1", 0),),
        summary=(BriefSentence(f"Summary {HOSTILE}", ("a2",), 1.0, "a2", 0),),
        duplicate_groups=(DuplicateGroup("a2", ("a2", "a3"), ("Outlet B", "Outlet C")),),
        entities=(Entity(f"Name {HOSTILE}", "PERSON", ("N.",), 3, ("a1", "a2")),),
        quotes=(Quote(f"quoted {HOSTILE}", "Speaker", "s", ("a1",), "2020-01-02"),),
        timeline=(TimelineEntry("2020-01-01", "day", f"Happened {HOSTILE}", ("a1",)),),
        disagreements=(Disagreement("death toll", (
            Claim(f"12 dead {HOSTILE}", ("a1",), "2020-01-02", "12"),
            Claim("15 dead", ("a2",), "2020-01-03", "15"),
        )),),
    )


def render_event(brief: Brief) -> str:
    summary = EventSummary("e1", brief.headline_text, "2020-01-02", "2020-01-03", 3, 3, "now")
    stored = [StoredArticle(a_from(r), "", (), "h", None, "e1", "now") for r in brief.articles]
    env = make_templates(TEMPLATES).env
    return env.get_template("event.html").render(**event_context(summary, brief, stored))


def a_from(ref: ArticleRef):
    from newsbrief.models import Article

    return Article(ref.id, ref.title, "", ref.outlet, ref.published, ref.url)


def test_event_page_escapes_every_field_and_drops_unsafe_links():
    html = render_event(hostile_brief())
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "<b>A</b>" not in html and "Outlet &lt;b&gt;A&lt;/b&gt;" in html
    assert html.count("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") >= 7
    assert "javascript:" not in html
    assert 'href="https://b.example/x"' in html
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert all(h.startswith(("/", "https://", "http://", "#")) for h in hrefs), hrefs


def test_event_page_counts_outlets_of_a_copy_group_as_briefs_do():
    """"AP" and "ap " are one outlet (store.urls.outlet_key), as in Markdown and HTML briefs."""
    from dataclasses import replace

    group = DuplicateGroup("a2", ("a2", "a3"), ("AP", "ap "))
    html = render_event(replace(hostile_brief(), duplicate_groups=(group,)))
    assert "Carried by 1 outlet, 2 articles" in html
    assert "Carried by 2 outlets" not in html


def test_event_page_shows_every_section():
    html = render_event(hostile_brief())
    for heading in ("Summary", "Timeline", "Who and what", "Quotes",
                    "Where the sources disagree", "Copies of one story", "Sources"):
        assert f">{heading}</h2>" in html
    assert "Carried by 2 outlets" in html
    claims = re.search(r'<div class="claims">(.*?)</div>\s*</div>', html, re.DOTALL).group(1)
    assert claims.count('class="claim"') == 2 and "15 dead" in claims
    assert len(re.findall(r"<circle ", html)) == 1 + 3  # one dated fact, three publications
    # each cited sentence: a focusable button controlling its sources panel
    for key in re.findall(r'aria-controls="([^"]+)"', html):
        assert f'id="{key}"' in html


def test_event_listed_before_its_brief_shows_its_articles(seeds_dir, tmp_path):
    import httpx

    from newsbrief.store import Store
    from newsbrief.web import create_app
    from newsbrief.web.server import running_server

    db = tmp_path / "pending.db"
    with Store(db) as store:
        report = store.add_articles(read_paths([seeds_dir]).articles, refresh="none")
    event_id = min(report.events_created)
    with running_server(create_app(db)) as url, httpx.Client(base_url=url) as client:
        page = client.get(f"/events/{event_id}")
        assert page.status_code == 200
        assert "brief is not built yet" in page.text and "newsbrief refresh" in page.text
        assert page.text.count('href="/articles/') == 5
        # the API answers the same event too (it said 404): tests/test_web_api.py
        assert client.get(f"/api/v1/events/{event_id}").json()["brief_pending"] is True
        assert client.get("/events/no-such-event").status_code == 404


# --- big events: the page stays bounded (regressions from the 10,000-article load run) -------

def test_timeline_chart_stacks_hundreds_of_close_dates_without_overlap():
    """600 dots within a week: each sits in the lowest row free within a dot's width (the
    stacking used to compare every dot with every other: seconds for a big event's page)."""
    entries = [TimelineEntry(f"2020-01-{1 + i % 7:02d}", "day", f"fact {i}", ("a",))
               for i in range(300)]
    refs = tuple(ArticleRef(f"a{i}", "t", f"O{i}", f"2020-01-{1 + i % 5:02d}T{i % 24:02d}:00")
                 for i in range(300))
    chart = timeline_chart(entries, refs)
    assert len(chart.points) == 600
    step = 16.0
    for kind in ("event", "article"):
        pts = [p for p in chart.points if p.kind == kind]
        top = min(p.y for p in pts)
        rows: dict[float, list[float]] = {}
        for p in pts:
            rows.setdefault(p.y, []).append(p.x)
        for xs in rows.values():  # no two dots of a row closer than a dot's width
            xs.sort()
            assert all(b - a >= step for a, b in pairwise(xs))
        for p in pts:  # and no dot could have gone lower: every row below holds a near dot
            for y in (top + k * step for k in range(round((p.y - top) / step))):
                assert any(abs(p.x - x) < step for x in rows[y]), (p, y)
    assert chart.height > 300  # 300 articles on 5 days stack high


def test_big_brief_page_shows_the_best_corroborated_dates_and_quotes():
    refs = tuple(ArticleRef(f"a{i}", f"Title {i}", f"Outlet {i}", "2020-01-02")
                 for i in range(8))
    timeline = tuple(TimelineEntry(f"2019-{1 + i % 12:02d}-{1 + i % 28:02d}", "day",
                                   f"fact number {i}", tuple(f"a{k}" for k in range(1 + i % 8)))
                     for i in range(300))
    quotes = tuple(Quote(f"quote number {i}", "Speaker", "s", tuple(f"a{k}" for k in
                                                                    range(1 + i % 5)))
                   for i in range(400))
    base = hostile_brief()
    brief = Brief(articles=refs, headline=(BriefSentence("Head.", ("a0", "a3"), 1.0, "a0", 0),),
                  summary=(BriefSentence("Sum.", ("a3", "a5"), 1.0, "a3", 0),),
                  entities=base.entities, timeline=timeline, quotes=quotes)
    summary = EventSummary("e9", "Head.", "2020-01-02", "2020-01-02", 8, 8, "now")
    context = event_context(summary, brief, [])
    from newsbrief.web.pages import QUOTES_MAX, TIMELINE_MAX, cited_ids

    shown = context["timeline"]
    assert len(shown) == TIMELINE_MAX and context["timeline_total"] == 300
    # the most corroborated, in the brief's order
    assert min(len(t.sources) for t in shown) >= max(
        len(t.sources) for t in timeline if t not in shown)
    assert [timeline.index(t) for t in shown] == sorted(timeline.index(t) for t in shown)
    assert len([p for p in context["chart"].points if p.kind == "event"]) == TIMELINE_MAX
    assert len(context["quotes"]) == QUOTES_MAX and context["quotes_total"] == 400
    assert cited_ids(brief) == ["a0", "a3", "a5"]
    html = make_templates(TEMPLATES).env.get_template("event.html").render(**context)
    assert html.count('<li>\n      <time datetime="2019') == TIMELINE_MAX
    assert html.count('<figure class="quote">') == QUOTES_MAX
    assert f"of {len(timeline)}; " in html and f"of {len(quotes)}; " in html
    assert html.count('href="/api/v1/events/e9"') == 2
    small = event_context(summary, hostile_brief(), [])  # small briefs: everything shown
    assert small["timeline"] == list(hostile_brief().timeline) and small["quotes_total"] == 1


def test_event_page_reads_only_the_cited_articles(seeds_dir, tmp_path, monkeypatch):
    """The page used to read every article of the event (text and sentences, a query each);
    it needs only the sentences of the articles its headline and summary cite."""
    import httpx

    from newsbrief.store import Store
    from newsbrief.web import create_app
    from newsbrief.web.pages import cited_ids
    from newsbrief.web.server import running_server

    db = tmp_path / "cited.db"
    with Store(db) as store:
        store.add_articles(read_paths([seeds_dir]).articles)
        (event_id,) = [e.id for e in store.list_events()[0] if e.article_count == 5]
        brief = store.get_brief(event_id)
    read: list[str] = []
    original = Store.get_article

    def spy(self, article_id):
        read.append(article_id)
        return original(self, article_id)

    monkeypatch.setattr(Store, "get_article", spy)
    monkeypatch.setattr(Store, "event_articles", lambda *a: pytest.fail("read every article"))
    with running_server(create_app(db)) as url:
        page = httpx.get(f"{url}/events/{event_id}", timeout=60)
    assert page.status_code == 200
    assert read == cited_ids(brief) and set(read) <= {a.id for a in brief.articles}
    # the cited sentences are still quoted from the stored articles
    quoted = re.findall(r'<q class="source-text">(.*?)</q>', page.text)
    assert len(quoted) >= len(brief.headline) + len(brief.summary)


def test_brief_json_is_the_same_without_asdict_deep_copies():
    """The event API's brief JSON: Brief.to_dict no longer deep-copies every entity, quote,
    dated fact and claim (dataclasses.asdict); what it returns must not change."""
    import json
    from dataclasses import asdict

    brief = hostile_brief()
    expected = json.loads(json.dumps(asdict(brief)))  # tuples become lists, as in the JSON
    assert brief.to_dict()["entities"] == expected["entities"]
    assert brief.to_dict()["quotes"] == expected["quotes"]
    assert brief.to_dict()["timeline"] == expected["timeline"]
    assert brief.to_dict()["disagreements"] == expected["disagreements"]
    assert all(isinstance(e["sources"], list) for e in brief.to_dict()["entities"])
    again = Brief.from_dict(json.loads(json.dumps(brief.to_dict()))).to_dict()
    assert again == brief.to_dict()

"""A self-contained HTML page for one brief. Every piece of article text is escaped."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from newsbrief.render.markdown import carried_by, group_outlets

if TYPE_CHECKING:
    from newsbrief.models import Brief, BriefSentence

_STYLE = """
body{font:16px/1.5 system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem} .src{font-size:.75rem;vertical-align:super;color:#555}
.src a{color:#1a5fb4;text-decoration:none;margin-left:.15rem} li{margin:.3rem 0}
.meta{color:#666;font-size:.85rem}
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _refs(sources: tuple[str, ...], numbers: dict[str, int]) -> str:
    links = "".join(
        f'<a href="#a{numbers[s]}" title="{_e(s)}">[{numbers[s]}]</a>' for s in sources if s in numbers
    )
    return f'<span class="src">{links}</span>'


def _sentence(s: BriefSentence, numbers: dict[str, int]) -> str:
    return f"{_e(s.text)}{_refs(s.sources, numbers)}"


def _page_title(brief: Brief) -> str:
    """The headline, cut to 80 characters, as the page's title: a browser's tabs and history
    (and a folder of saved briefs) all said "newsbrief"."""
    headline = " ".join(" ".join(s.text for s in brief.headline).split())
    if len(headline) > 80:
        headline = headline[:79].rstrip() + "…"
    return f"{headline} · newsbrief" if headline else "newsbrief"


def to_html(brief: Brief) -> str:
    numbers = {a.id: i for i, a in enumerate(brief.articles, start=1)}
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        '<meta name=viewport content="width=device-width,initial-scale=1">',
        f"<title>{_e(_page_title(brief))}</title>",
        f"<style>{_STYLE}</style></head><body>",
        # dir=auto: an Arabic or Hebrew sentence runs right to left, its markers after it.
        f"<h1 dir=auto>{' '.join(_sentence(s, numbers) for s in brief.headline)}</h1>",
        "<h2>Summary</h2>",
    ]
    parts += [f"<p dir=auto>{_sentence(s, numbers)}</p>" for s in brief.summary]
    if brief.entities:
        parts.append("<h2>Who and what</h2>")
        if sample := brief.meta.get("ner_sample_words"):
            parts.append(f"<p class=meta>Names found in a {int(sample):,}-word sample of the "
                         "articles, counted in all of them.</p>")
        parts.append("<ul>")
        parts += [
            f"<li><b>{_e(e.name)}</b> <span class=meta>{_e(e.type)}, {e.mentions} mention{'' if e.mentions == 1 else 's'}"
            f"{'; ' + _e(e.roles[0]) if e.roles else ''}</span>"
            f"{_refs(e.sources, numbers)}</li>"
            for e in brief.entities[:20]
        ]
        parts.append("</ul>")
    if brief.quotes:
        parts.append("<h2>Quotes</h2><ul>")
        parts += [
            f"<li dir=auto><b>{_e(q.speaker or 'unattributed')}</b>: “{_e(q.text)}”{_refs(q.sources, numbers)}"
            + "".join(f"<br><span class=meta>worded differently elsewhere: “{_e(v)}”</span>" for v in q.variants)
            + "</li>"
            for q in brief.quotes
        ]
        parts.append("</ul>")
    if brief.timeline:
        parts.append("<h2>Timeline</h2><ul>")
        parts += [
            f"<li dir=auto><time datetime=\"{_e(t.date)}\">{_e(t.date)}</time>: {_e(t.text)}{_refs(t.sources, numbers)}</li>"
            for t in brief.timeline
        ]
        parts.append("</ul>")
    if brief.disagreements:
        parts.append("<h2>Where the sources disagree</h2><ul>")
        for d in brief.disagreements:
            claims = "".join(
                f"<li>{'<b>' + _e(c.value) + '</b>: ' if c.value else ''}{_e(c.text)}{_refs(c.sources, numbers)}"
                f"{' <span class=meta>(' + _e(c.published) + ')</span>' if c.published else ''}</li>"
                for c in d.claims
            )
            parts.append(f"<li><b>{_e(d.about)}</b><ul>{claims}</ul></li>")
        parts.append("</ul>")
    if brief.duplicate_groups:
        parts.append("<h2>Copies of one story</h2><ul>")
        for g in brief.duplicate_groups:
            outlets = ", ".join(group_outlets(g)) or "outlets unknown"
            parts.append(f"<li>{carried_by(g)} ({_e(outlets)}){_refs(g.members, numbers)}</li>")
        parts.append("</ul>")
    parts.append("<h2>Sources</h2><ol>")
    for a in brief.articles:
        meta = " · ".join(_e(x) for x in (a.outlet, a.published) if x)
        link = _e(a.title or a.id)
        if a.url and a.url.lower().startswith(("http://", "https://")):
            link = f'<a href="{_e(a.url)}" rel="noopener noreferrer">{link}</a>'
        parts.append(f'<li id="a{numbers[a.id]}" dir=auto>{link} <span class=meta>{meta}</span></li>')
    parts.append("</ol></body></html>")
    return "\n".join(parts)

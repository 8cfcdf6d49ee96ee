"""The renderings keep article text as data: checked with a real CommonMark parser."""

from __future__ import annotations

from dataclasses import replace

from markdown_it import MarkdownIt

HOSTILE = ("Click [here](javascript:alert(1)) or ![pixel](https://tracker.example/p.png), "
           "*now* and `code` <b>bold</b>")


def test_markdown_keeps_article_text_literal(seed_brief):
    """Only "<" and ">" were escaped: a sentence, title, outlet or URL carrying Markdown
    became a live link, a tracking image or emphasis in any Markdown viewer."""
    first = replace(seed_brief.summary[0], text=HOSTILE)
    article = replace(seed_brief.articles[0], title="[Read this](https://evil.example)",
                      outlet="_Outlet_", url="https://news.example/a_(b)_[c]")
    brief = replace(seed_brief, summary=(first, *seed_brief.summary[1:]),
                    articles=(article, *seed_brief.articles[1:]))
    html = MarkdownIt("commonmark").render(brief.to_markdown())
    for tag in ("<a ", "<img", "<em>", "<code>", "<b>"):
        assert tag not in html, tag
    # What the reader sees is the text as the article wrote it.
    assert "Click [here](javascript:alert(1)) or ![pixel](https://tracker.example/p.png), " \
           "*now* and `code` &lt;b&gt;bold&lt;/b&gt;" in html
    assert "[Read this](https://evil.example)" in html and "_Outlet_" in html
    # The brief's own markup still works: headings and the entities' bold names.
    assert "<h1>Brief</h1>" in html and "<strong>" in html


def test_copy_groups_say_how_many_outlets_carried_the_story(seed_brief):
    """"carried by N outlets", as the issue words it: outlets compared as the store compares
    them (case and spacing folded), the article count kept where it is larger."""
    from newsbrief.models import DuplicateGroup
    from newsbrief.render.markdown import carried_by

    ids = [a.id for a in seed_brief.articles]
    three = DuplicateGroup(ids[0], tuple(ids[:3]), ("AP", "Reuters", "BBC"))
    repeat = DuplicateGroup(ids[0], tuple(ids[:3]), ("AP", "ap ", "Reuters"))
    unknown = DuplicateGroup(ids[3], tuple(ids[3:5]), ())
    assert carried_by(three) == "carried by 3 outlets"
    assert carried_by(repeat) == "carried by 2 outlets, 3 articles"
    assert carried_by(unknown) == "carried by 2 articles"
    assert carried_by(DuplicateGroup(ids[0], tuple(ids[:2]), ("AFP",))) == (
        "carried by 1 outlet, 2 articles")
    brief = replace(seed_brief, duplicate_groups=(three, repeat, unknown))
    markdown = brief.to_markdown()
    assert "- carried by 3 outlets (AP, Reuters, BBC): [^1], [^2], [^3]" in markdown
    assert "- carried by 2 outlets, 3 articles (AP, Reuters): [^1], [^2], [^3]" in markdown
    assert "- carried by 2 articles (outlets unknown): [^4], [^5]" in markdown
    html = brief.to_html()
    assert "<li>carried by 3 outlets (AP, Reuters, BBC)<span" in html
    assert "<li>carried by 2 outlets, 3 articles (AP, Reuters)<span" in html

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

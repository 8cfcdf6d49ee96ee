"""Renderings of a :class:`Brief`: JSON (the documented contract), Markdown and HTML."""

from newsbrief.render.html import to_html
from newsbrief.render.json import to_json
from newsbrief.render.markdown import to_markdown

FORMATS = {"json": to_json, "markdown": to_markdown, "html": to_html}

__all__ = ["FORMATS", "render", "to_html", "to_json", "to_markdown"]


def render(brief, fmt: str = "markdown") -> str:  # type: ignore[no-untyped-def]
    try:
        return FORMATS[fmt](brief)
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}") from None

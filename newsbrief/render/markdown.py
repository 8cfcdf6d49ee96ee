"""The Markdown rendering: sources as footnote-style markers ``[1]`` listed at the end."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from newsbrief.models import Brief, BriefSentence, DuplicateGroup


def _markers(sentence: BriefSentence, numbers: dict[str, int]) -> str:
    return "".join(f"[^{numbers[s]}]" for s in sentence.sources if s in numbers)


# Article text is untrusted: "[here](javascript:...)" or "![](https://tracker/pixel.png)" in
# a sentence must stay text in a Markdown viewer, not become a link or an image, and "*" or
# "_" must not restyle the brief. CommonMark reads a backslash before punctuation as literal.
_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]"} | {"<": "&lt;", ">": "&gt;"})


# Control characters (ESC above all) are no text: printed by `newsbrief show` they reached
# the terminal as escape sequences (an article title cleared the screen). Tab and newline stay.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def group_outlets(group: DuplicateGroup) -> list[str]:
    """The distinct outlets that carried a copy group, first spelling kept ("AP" and "ap "
    are one outlet, as the store compares them: :func:`newsbrief.store.urls.outlet_key`)."""
    from newsbrief.store.urls import distinct_outlets  # here: newsbrief.store imports this

    return distinct_outlets(group.outlets)


def carried_by(group: DuplicateGroup) -> str:
    """How many outlets carried a copy group, the one wording of briefs and their changes:
    "carried by 3 outlets", or with the article count where articles outnumber the known
    outlets ("carried by 2 outlets, 3 articles"; "carried by 3 articles" with none known)."""
    outlets, articles = len(group_outlets(group)), len(group.members)
    if not outlets:
        return f"carried by {articles} article{'s' * (articles != 1)}"
    said = f"carried by {outlets} outlet{'s' * (outlets != 1)}"
    return said if articles <= outlets else f"{said}, {articles} articles"


def md_escape(text: str) -> str:
    """``text`` as literal Markdown: no links, images, emphasis, code or HTML from it, and
    no control characters."""
    escaped = _CONTROLS.sub("", text).translate(_MD_SPECIAL)
    # At the start of a line "#" opens a heading.
    return "\\" + escaped if escaped.startswith("#") else escaped



def to_markdown(brief: Brief) -> str:
    numbers = {a.id: i for i, a in enumerate(brief.articles, start=1)}
    lines = ["# Brief", ""]
    lines.append(" ".join(md_escape(s.text) + _markers(s, numbers) for s in brief.headline))
    lines += ["", "## Summary", ""]
    for sentence in brief.summary:
        lines.append(md_escape(sentence.text) + _markers(sentence, numbers))
        lines.append("")
    if brief.entities:
        lines += ["## Who and what", ""]
        if sample := brief.meta.get("ner_sample_words"):
            note = f"_Names found in a {sample:,}-word sample of the articles, counted in all of them._"
            lines += [note, ""]
        for entity in brief.entities[:20]:
            refs = "".join(f"[^{numbers[s]}]" for s in entity.sources if s in numbers)
            role = f"; {md_escape(entity.roles[0])}" if entity.roles else ""
            lines.append(f"- **{md_escape(entity.name)}** ({entity.type}, {entity.mentions} mention{'' if entity.mentions == 1 else 's'}{role}){refs}")
        lines.append("")
    if brief.quotes:
        lines += ["## Quotes", ""]
        for quote in brief.quotes:
            refs = "".join(f"[^{numbers[s]}]" for s in quote.sources if s in numbers)
            speaker = md_escape(quote.speaker or "unattributed")
            lines.append(f"- **{speaker}**: “{md_escape(quote.text)}”{refs}")
            for variant in quote.variants:
                lines.append(f"  - worded differently elsewhere: “{md_escape(variant)}”")
        lines.append("")
    if brief.timeline:
        lines += ["## Timeline", ""]
        for entry in brief.timeline:
            refs = "".join(f"[^{numbers[s]}]" for s in entry.sources if s in numbers)
            lines.append(f"- **{entry.date}** ({entry.granularity}): {md_escape(entry.text)}{refs}")
        lines.append("")
    if brief.disagreements:
        lines += ["## Where the sources disagree", ""]
        for item in brief.disagreements:
            lines.append(f"- **{md_escape(item.about)}**")
            for claim in item.claims:
                refs = "".join(f"[^{numbers[s]}]" for s in claim.sources if s in numbers)
                when = f" (published {claim.published})" if claim.published else ""
                value = f"**{md_escape(claim.value)}**: " if claim.value else ""
                lines.append(f"  - {value}{md_escape(claim.text)}{refs}{when}")
        lines.append("")
    if brief.duplicate_groups:
        lines += ["## Copies of one story", ""]
        for group in brief.duplicate_groups:
            outlets = md_escape(", ".join(group_outlets(group))) or "outlets unknown"
            members = ", ".join(f"[^{numbers[m]}]" for m in group.members if m in numbers)
            lines.append(f"- {carried_by(group)} ({outlets}): {members}")
        lines.append("")
    lines += ["## Sources", ""]
    for article in brief.articles:
        parts = [md_escape(article.outlet or "unknown outlet"), article.published or "undated"]
        if article.duplicate_of:
            parts.append(f"copy of {md_escape(article.duplicate_of)}")
        where = md_escape(article.url or article.path or article.id)
        title = md_escape(article.title or "(untitled)")
        lines.append(f"[^{numbers[article.id]}]: {title} ({'; '.join(parts)}) {where}")
    return "\n".join(lines).rstrip() + "\n"

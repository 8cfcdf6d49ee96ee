"""What changed between two versions of an event's brief (``newsbrief show --changes``).

Sentences are matched across versions by the overlap of their content words (the same
measure :func:`newsbrief.dedup.group_sentences` uses for "the same fact"): a new-version
sentence with no match is a new fact, an old one with no match was dropped, and a matched
pair whose wording differs was replaced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from newsbrief.models import Brief

__all__ = ["BriefChanges", "brief_changes"]

_WORD = re.compile(r"\w+", re.UNICODE)
SAME_FACT = 0.65


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if len(w) > 2 or w.isdigit()}


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / max(len(a), len(b)) if a and b else 0.0


@dataclass(frozen=True, slots=True)
class BriefChanges:
    """Differences from version ``old_version`` to ``new_version`` of one event's brief."""

    event_id: str
    old_version: int | None
    new_version: int
    new_articles: tuple[str, ...]
    new_outlets: tuple[str, ...]
    new_facts: tuple[str, ...]
    dropped: tuple[str, ...]
    replaced: tuple[tuple[str, str], ...]  # (old sentence, new sentence)
    headline_changed: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "old_version": self.old_version,
            "new_version": self.new_version,
            "new_articles": list(self.new_articles),
            "new_outlets": list(self.new_outlets),
            "new_facts": list(self.new_facts),
            "dropped": list(self.dropped),
            "replaced": [{"old": a, "new": b} for a, b in self.replaced],
            "headline_changed": self.headline_changed,
        }

    def to_markdown(self) -> str:
        if self.old_version is None:
            return (f"# Changes to event {self.event_id}\n\nVersion {self.new_version} is the "
                    "first version of this brief: nothing to compare with.\n")
        lines = [(f"# Changes to event {self.event_id}: version {self.old_version} -> "
                 f"{self.new_version}"), ""]
        if not (self.new_articles or self.new_facts or self.dropped or self.replaced):
            lines.append("No change in articles or summary sentences.")
        if self.new_articles:
            lines.append(f"{len(self.new_articles)} new article(s): " + ", ".join(self.new_articles))
        if self.new_outlets:
            lines.append("New outlets: " + ", ".join(self.new_outlets))
        if self.headline_changed:
            lines.append("The headline changed.")
        for title, items in (("New facts", self.new_facts), ("Dropped", self.dropped)):
            if items:
                lines += ["", f"## {title}", ""] + [f"- {s}" for s in items]
        if self.replaced:
            lines += ["", "## Replaced", ""]
            for old, new in self.replaced:
                lines += [f"- was: {old}", f"  now: {new}"]
        return "\n".join(lines) + "\n"


def brief_changes(
    event_id: str, old: Brief | None, new: Brief, old_version: int | None, new_version: int
) -> BriefChanges:
    """Compare two versions of a brief (``old`` None: the first version)."""
    if old is None:
        return BriefChanges(event_id, None, new_version, tuple(a.id for a in new.articles),
                            tuple(dict.fromkeys(a.outlet for a in new.articles if a.outlet)),
                            tuple(s.text for s in new.summary), (), (), False)
    old_ids = {a.id for a in old.articles}
    old_outlets = {a.outlet for a in old.articles if a.outlet}
    new_articles = tuple(a.id for a in new.articles if a.id not in old_ids)
    new_outlets = tuple(dict.fromkeys(
        a.outlet for a in new.articles if a.outlet and a.outlet not in old_outlets))
    old_sents = [(s.text, _words(s.text)) for s in old.summary]
    new_sents = [(s.text, _words(s.text)) for s in new.summary]
    matched_old: set[int] = set()
    new_facts, replaced = [], []
    for text, words in new_sents:
        best, best_i = 0.0, None
        for i, (old_text, old_words) in enumerate(old_sents):
            if i in matched_old:
                continue
            score = 1.0 if old_text == text else _overlap(words, old_words)
            if score > best:
                best, best_i = score, i
        if best_i is not None and best >= SAME_FACT:
            matched_old.add(best_i)
            if old_sents[best_i][0] != text:
                replaced.append((old_sents[best_i][0], text))
        else:
            new_facts.append(text)
    dropped = tuple(t for i, (t, _) in enumerate(old_sents) if i not in matched_old)
    return BriefChanges(
        event_id, old_version, new_version, new_articles, new_outlets, tuple(new_facts),
        dropped, tuple(replaced), old.headline_text != new.headline_text,
    )

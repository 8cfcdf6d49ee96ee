"""What changed between two versions of an event's brief (``newsbrief show --changes``).

Sentences are matched across versions by the overlap of their content words (the same
measure :func:`newsbrief.dedup.group_sentences` uses for "the same fact"): a new-version
sentence with no match is a new fact, an old one with no match was dropped, and a matched
pair whose wording differs was replaced. Identical sentences are paired first and the rest
best pair first, so a sentence kept word for word is never reported as replaced by a
similar new one (and then as new itself).

The analysis is compared too: entities named by neither the name nor an alias of an old
one, quotes whose words match no old quote, timeline dates the old version did not have,
disagreements about something new, and copies of one story that are new or gained members
("carried by N outlets", in the briefs' wording: :func:`newsbrief.render.markdown.carried_by`).
A name the brief now spells differently ("Kim Jong-Un", then "Kim Jong-un") is not a new
entity.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from html import escape
from typing import Any

from newsbrief.models import Brief, DuplicateGroup, Quote
from newsbrief.render.markdown import carried_by, group_outlets, md_escape

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
    new_entities: tuple[tuple[str, str], ...] = ()  # (name, type)
    new_quotes: tuple[tuple[str | None, str], ...] = ()  # (speaker, text)
    new_dates: tuple[tuple[str, str], ...] = ()  # (date, what happened)
    new_disagreements: tuple[str, ...] = ()  # what the sources disagree about
    copies: tuple[DuplicateGroup, ...] = ()  # groups of copies that are new or grew
    # Those of ``new_facts`` that articles of the previous version already reported: new to
    # the summary (a copy or a new article shifted what it weighs), not new to the event.
    earlier_facts: tuple[str, ...] = ()
    # Articles of the previous version that are no longer in the event: the clusterer
    # decided them again and moved them to another event.
    removed_articles: tuple[str, ...] = ()
    old_headline: str = ""  # both set only when the headline changed
    new_headline: str = ""
    # The event changed after the latest version (ingested with --refresh none, or while a
    # refresh was running): what it says is not yet in any version.
    stale: bool = False

    @property
    def changed(self) -> bool:
        """Whether anything at all differs (a first version always counts as a change)."""
        return self.old_version is None or any((
            self.new_articles, self.removed_articles, self.new_facts, self.dropped,
            self.replaced,
            self.headline_changed, self.new_entities, self.new_quotes, self.new_dates,
            self.new_disagreements, self.copies))

    def to_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "old_version": self.old_version,
            "new_version": self.new_version,
            "changed": self.changed,
            "new_articles": list(self.new_articles),
            "removed_articles": list(self.removed_articles),
            "new_outlets": list(self.new_outlets),
            "new_facts": list(self.new_facts),
            "earlier_facts": list(self.earlier_facts),
            "dropped": list(self.dropped),
            "replaced": [{"old": a, "new": b} for a, b in self.replaced],
            "headline_changed": self.headline_changed,
            "old_headline": self.old_headline,
            "new_headline": self.new_headline,
            "stale": self.stale,
            "new_entities": [{"name": n, "type": t} for n, t in self.new_entities],
            "new_quotes": [{"speaker": s, "text": t} for s, t in self.new_quotes],
            "new_dates": [{"date": d, "text": t} for d, t in self.new_dates],
            "new_disagreements": list(self.new_disagreements),
            "copies": [g.to_dict() for g in self.copies],
        }

    def _parts(self, e: Callable[[str], str],
               br: str) -> tuple[str, list[str], list[tuple[str, list[str]]]]:
        """Title, notes and titled lists, every piece of article text passed through ``e``
        (the escaping of the output format); ``br`` breaks a line within an item."""
        waiting = (f"The event has changed since version {self.new_version}; the next "
                   "refresh (newsbrief ingest, any input) makes a new version.")
        if self.old_version is None:
            return (f"Changes to event {e(self.event_id)}",
                    [(f"Version {self.new_version} is the first version of this brief: "
                      "nothing to compare with.")] + ([waiting] if self.stale else []), [])
        title = (f"Changes to event {e(self.event_id)}: version {self.old_version} -> "
                 f"{self.new_version}")
        notes = [waiting] if self.stale else []
        if not self.changed:
            notes.append("No change: this version says what the previous one said.")
        if self.new_articles:
            notes.append(f"{len(self.new_articles)} new article(s): "
                         + ", ".join(e(a) for a in self.new_articles))
        if self.removed_articles:
            notes.append(f"{len(self.removed_articles)} article(s) moved to another event: "
                         + ", ".join(e(a) for a in self.removed_articles))
        if self.new_outlets:
            notes.append("New outlets: " + ", ".join(e(o) for o in self.new_outlets))
        if self.headline_changed:
            notes.append(f"The headline changed: was “{e(self.old_headline)}”, now "
                         f"“{e(self.new_headline)}”.")
        earlier = set(self.earlier_facts)
        sections: list[tuple[str, list[str]]] = [
            ("New facts", [e(s) for s in self.new_facts if s not in earlier]),
            ("Now in the summary (reported before by earlier articles)",
             [e(s) for s in self.earlier_facts]),
            ("Dropped", [e(s) for s in self.dropped]),
            ("Replaced", [f"was: {e(old)}{br}now: {e(new)}" for old, new in self.replaced]),
            ("New names", [f"{e(n)} ({e(t)})" for n, t in self.new_entities]),
            ("New quotes", [(f"{e(s)}: " if s else "") + f"“{e(t)}”" for s, t in self.new_quotes]),
            ("New dates", [f"{e(d)}: {e(t)}" for d, t in self.new_dates]),
            ("New disagreements", [e(a) for a in self.new_disagreements]),
            ("Copies", [f"{carried_by(g)} "
                        f"({e(', '.join(group_outlets(g))) or 'outlets unknown'}): "
                        + ", ".join(e(m) for m in g.members) for g in self.copies]),
        ]
        return title, notes, [(t, items) for t, items in sections if items]

    def to_markdown(self) -> str:
        """The changes as Markdown; article text is escaped (:func:`md_escape`)."""
        title, notes, sections = self._parts(md_escape, "\n  ")
        if self.old_version is None:
            return f"# {title}\n\n" + "\n\n".join(notes) + "\n"
        lines = [f"# {title}", ""] + [f"- {n}" if self.changed else n for n in notes]
        for heading, items in sections:
            lines += ["", f"## {heading}", ""] + [f"- {item}" for item in items]
        return "\n".join(lines) + "\n"

    def to_html(self) -> str:
        """The changes as a self-contained HTML page; article text is escaped."""
        title, notes, sections = self._parts(lambda t: escape(t, quote=True), "<br>")
        parts = ["<!doctype html><html lang=en><head><meta charset=utf-8>",
                 f"<title>{title}</title></head><body>", f"<h1>{title}</h1>"]
        parts += [f"<p>{n}</p>" for n in notes]
        for heading, items in sections:
            parts.append(f"<h2>{heading}</h2><ul>")
            parts += [f"<li>{item}</li>" for item in items]
            parts.append("</ul>")
        return "\n".join(parts + ["</body></html>"]) + "\n"


def _match(old: list[str], new: list[str]) -> tuple[dict[int, int], list[tuple[int, int]]]:
    """Pairs (new index -> old index): identical texts first, then by descending overlap."""
    pairs: dict[int, int] = {}
    free_old = {}
    for i, text in enumerate(old):
        free_old.setdefault(text, []).append(i)
    for j, text in enumerate(new):
        if free_old.get(text):
            pairs[j] = free_old[text].pop(0)
    used = set(pairs.values())
    old_words = [_words(t) for t in old]
    scored = sorted(
        ((_overlap(_words(text), old_words[i]), j, i)
         for j, text in enumerate(new) if j not in pairs
         for i in range(len(old)) if i not in used),
        key=lambda x: (-x[0], x[1], x[2]))
    similar = []
    for score, j, i in scored:
        if score < SAME_FACT:
            break
        if j not in pairs and i not in used:
            pairs[j] = i
            used.add(i)
            similar.append((j, i))
    return pairs, similar


def _quote_words(q: Quote) -> list[set[str]]:
    return [_words(t) for t in (q.text, *q.variants)]


def _new_copies(old: Brief, new: Brief) -> tuple[DuplicateGroup, ...]:
    """Groups of copies in ``new`` that ``old`` did not have with all their members."""
    seen = [set(g.members) for g in old.duplicate_groups]
    return tuple(g for g in new.duplicate_groups
                 if not any(set(g.members) <= members for members in seen))


def brief_changes(
    event_id: str, old: Brief | None, new: Brief, old_version: int | None, new_version: int,
    members: Mapping[str, str | None] | None = None, *, stale: bool = False,
) -> BriefChanges:
    """Compare two versions of a brief (``old`` None: the first version, all of it new).

    ``members``: every article of the event now, id -> outlet (default: ``new``'s). A brief
    of a long story lists only the articles it was made from (its first and latest ones):
    an article missing from ``new`` left the event only if it is not a member either, and
    an outlet is new only if no member left out of the brief (an earlier one) carries it.
    """
    first = old is None
    if old is None:
        old = Brief(articles=(), headline=(), summary=())
        old_version = None
    old_ids = {a.id for a in old.articles}
    new_ids = {a.id for a in new.articles}
    members = members or {}
    old_outlets = {a.outlet for a in old.articles if a.outlet} | {
        outlet for a, outlet in members.items() if outlet and a not in new_ids}
    new_articles = tuple(a.id for a in new.articles if a.id not in old_ids)
    still = new_ids | set(members)
    removed_articles = tuple(a.id for a in old.articles if a.id not in still)
    new_outlets = tuple(dict.fromkeys(
        a.outlet for a in new.articles if a.outlet and a.outlet not in old_outlets))
    old_texts = [s.text for s in old.summary]
    new_texts = [s.text for s in new.summary]
    pairs, similar = _match(old_texts, new_texts)
    new_facts = tuple(t for j, t in enumerate(new_texts) if j not in pairs)
    before = old_ids | (set(members) - new_ids)  # members left out of a long story's brief
    earlier_facts = tuple(s.text for j, s in enumerate(new.summary)
                          if j not in pairs and before.intersection(s.sources))
    matched_old = set(pairs.values())
    dropped = tuple(t for i, t in enumerate(old_texts) if i not in matched_old)
    replaced = tuple((old_texts[i], new_texts[j]) for j, i in sorted(similar))

    known_names = {n.casefold() for ent in old.entities for n in (ent.name, *ent.aliases)}
    new_entities = tuple((ent.name, ent.type) for ent in new.entities
                         if not any(n.casefold() in known_names for n in (ent.name, *ent.aliases)))
    old_quotes = [w for q in old.quotes for w in _quote_words(q)]
    old_said = {t for q in old.quotes for t in (q.text, *q.variants)}
    new_quotes = tuple((q.speaker, q.text) for q in new.quotes
                       if q.text not in old_said and not any(
                           _overlap(w, o) >= SAME_FACT
                           for w in _quote_words(q) for o in old_quotes))
    old_dates = {t.date for t in old.timeline}
    new_dates = tuple((t.date, t.text) for t in new.timeline if t.date not in old_dates)
    old_about = {d.about.casefold() for d in old.disagreements}
    new_disagreements = tuple(d.about for d in new.disagreements
                              if d.about.casefold() not in old_about)
    headline_changed = not first and old.headline_text != new.headline_text
    return BriefChanges(
        event_id, old_version, new_version, new_articles, new_outlets, new_facts, dropped,
        replaced, headline_changed, new_entities, new_quotes, new_dates, new_disagreements,
        _new_copies(old, new), earlier_facts, removed_articles,
        *((old.headline_text, new.headline_text) if headline_changed else ("", "")), stale,
    )

"""What the event page shows, computed from a Brief and the stored articles.

Plain functions and frozen dataclasses, no web framework, so they are testable on their own:
which sentence of each source article carries a brief sentence, and where each dated item sits
on the timeline chart.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from newsbrief.models import ArticleRef, Brief, BriefSentence, Entity, TimelineEntry

__all__ = [
    "Chart", "ChartPoint", "CitedSentence", "SourceLine", "cite", "cite_all", "entity_groups",
    "outlet_names", "paragraphs", "parse_day", "safe_url", "short_date", "timeline_chart",
]

_WORD = re.compile(r"\w+", re.UNICODE)
# Below this word overlap a source article is still listed, but no sentence is quoted from it.
MIN_OVERLAP = 0.3


def safe_url(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) URL, else ``None``: no javascript:, data: links."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url.strip()


@dataclass(frozen=True, slots=True)
class SourceLine:
    """One source of a brief sentence: the article and its sentence that carries the fact."""

    article_id: str
    outlet: str
    title: str
    sentence_index: int | None
    text: str | None
    url: str | None


@dataclass(frozen=True, slots=True)
class CitedSentence:
    text: str
    outlets: tuple[str, ...]
    sources: tuple[SourceLine, ...]


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


def _best_sentence(text: str, sentences: Sequence[object]) -> tuple[int, str] | None:
    """The sentence with the highest word Jaccard overlap with ``text``, if high enough."""
    target = _words(text)
    best, best_score = None, MIN_OVERLAP
    for s in sentences:
        words = _words(s.text)  # type: ignore[attr-defined]
        if not words or not target:
            continue
        score = len(words & target) / len(words | target)
        if score > best_score:
            best, best_score = s, score
    return (best.index, best.text) if best is not None else None  # type: ignore[attr-defined]


def outlet_names(refs: Sequence[ArticleRef]) -> dict[str, str]:
    """Article id -> the name to show for its source: the outlet, else the URL's host, else
    "source N" with N its number in the event's list of sources."""
    names = {}
    for number, ref in enumerate(refs, start=1):
        host = urlsplit(safe_url(ref.url) or "").hostname
        names[ref.id] = ref.outlet or (host.removeprefix("www.") if host else f"source {number}")
    return names


def cite(sentence: BriefSentence, refs: Mapping[str, ArticleRef],
         stored: Mapping[str, object], names: Mapping[str, str] | None = None) -> CitedSentence:
    """A brief sentence with, for each source article, the sentence there that carries it.

    The brief records the exact sentence only for the first source; for the others the
    sentence with the largest word overlap is shown (near copies share most words).
    """
    names = names if names is not None else outlet_names(list(refs.values()))
    lines = []
    for article_id in sentence.sources:
        ref = refs.get(article_id)
        found: tuple[int, str] | None = None
        article = stored.get(article_id)
        sentences = getattr(article, "sentences", ()) if article is not None else ()
        if article_id == sentence.article_id and sentence.sentence_index is not None:
            found = next(((s.index, s.text) for s in sentences
                          if s.index == sentence.sentence_index), None)
        if found is None:
            found = _best_sentence(sentence.text, sentences)
        lines.append(SourceLine(
            article_id=article_id,
            outlet=names.get(article_id, article_id),
            title=ref.title if ref else "",
            sentence_index=found[0] if found else None,
            text=found[1] if found else None,
            url=safe_url(ref.url) if ref else None,
        ))
    outlets = tuple(dict.fromkeys(line.outlet for line in lines))
    return CitedSentence(sentence.text, outlets, tuple(lines))


def cite_all(brief: Brief, stored: Mapping[str, object]) -> tuple[list[CitedSentence],
                                                                  list[CitedSentence]]:
    """The headline's and the summary's sentences, each with its sources."""
    refs = {r.id: r for r in brief.articles}
    names = outlet_names(brief.articles)
    return ([cite(s, refs, stored, names) for s in brief.headline],
            [cite(s, refs, stored, names) for s in brief.summary])


# spaCy's entity labels as readers say them; places of both kinds together
ENTITY_GROUPS = {
    "PERSON": "People", "ORG": "Organisations", "GPE": "Places", "LOC": "Places",
    "NORP": "Groups and nationalities", "FAC": "Buildings and facilities", "EVENT": "Events",
    "PRODUCT": "Products", "WORK_OF_ART": "Works", "LAW": "Laws",
}
_GROUP_ORDER = ["People", "Organisations", "Places", "Groups and nationalities", "Events"]


def entity_groups(entities: Sequence[Entity]) -> list[tuple[str, list[Entity]]]:
    """Entities by kind (people first), most mentioned first within each kind."""
    groups: dict[str, list[Entity]] = {}
    for entity in sorted(entities, key=lambda e: (-e.mentions, e.name)):
        name = ENTITY_GROUPS.get(entity.type, entity.type.replace("_", " ").capitalize())
        groups.setdefault(name, []).append(entity)
    rank = {name: i for i, name in enumerate(_GROUP_ORDER)}
    return sorted(groups.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0]))


# ---- the timeline chart ------------------------------------------------------------------

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def parse_day(value: str | None) -> date | None:
    """The day an ISO date, month or year starts on; ``None`` when it is not one."""
    if not value:
        return None
    match = _DATE.match(value.strip())
    if not match:
        return None
    year, month, day = match.group(1), match.group(2) or "01", match.group(3) or "01"
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class ChartPoint:
    number: int  # the timeline entry's number (1-based); 0 for an article's publication
    x: float
    y: float
    date: str
    label: str
    kind: str  # "event": a dated fact from the timeline; "article": a publication


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    lanes: tuple[tuple[str, float], ...]
    ticks: tuple[tuple[float, str, int], ...]  # (x, label, row)
    points: tuple[ChartPoint, ...]
    left: float
    right: float
    breaks: tuple[float, ...] = ()  # x of each axis break (where the time scale changes)


def _tick_label(day: date, span_days: int) -> str:
    if span_days > 3 * 366:
        return str(day.year)
    if span_days > 120:
        return day.strftime("%Y-%m")
    return day.isoformat()


# Days around the coverage kept on a linear scale; background dates (years before, say) are
# put in compressed bands at the ends so they do not squash the days the story happened.
FOCUS_BEFORE = timedelta(days=60)
FOCUS_AFTER = timedelta(days=30)
BAND_SLOT = 50.0  # width of one distinct day in a compressed band
BREAK_GAP = 22.0


class _Scale:
    """Piecewise x scale: [earlier band (ordinal)] break [focus (linear)] break [later band]."""

    def __init__(self, days: Sequence[date], published: Sequence[date], left: float,
                 right: float):
        anchor = sorted(published) or sorted(days)
        if published:
            lo, hi = anchor[0] - FOCUS_BEFORE, anchor[-1] + FOCUS_AFTER
        else:
            middle = anchor[len(anchor) // 2]
            lo, hi = middle - FOCUS_BEFORE, middle + FOCUS_BEFORE
        lo, hi = max(lo, min(days)), min(hi, max(days))
        self.earlier = sorted({d for d in days if d < lo})
        self.later = sorted({d for d in days if d > hi})
        if lo == hi:
            lo, hi = lo - timedelta(days=1), hi + timedelta(days=1)
        self.lo, self.hi = lo, hi
        budget = (right - left) * 0.3
        self.e_width = min(budget, BAND_SLOT * len(self.earlier))
        self.l_width = min(budget, BAND_SLOT * len(self.later))
        self.left, self.right = left, right
        self.f_left = left + (self.e_width + BREAK_GAP if self.earlier else 0.0)
        self.f_right = right - (self.l_width + BREAK_GAP if self.later else 0.0)

    def _band(self, items: list[date], day: date, start: float, width: float) -> float:
        if len(items) == 1:
            return start + width / 2
        return start + width * items.index(day) / (len(items) - 1)

    def x(self, day: date) -> float:
        if day < self.lo:
            return round(self._band(self.earlier, day, self.left, self.e_width), 1)
        if day > self.hi:
            return round(self._band(self.later, day, self.right - self.l_width,
                                    self.l_width), 1)
        span = (self.hi - self.lo).days
        return round(self.f_left + (self.f_right - self.f_left) * (day - self.lo).days / span, 1)

    def breaks(self) -> tuple[float, ...]:
        out = []
        if self.earlier:
            out.append(round(self.f_left - BREAK_GAP / 2, 1))
        if self.later:
            out.append(round(self.f_right + BREAK_GAP / 2, 1))
        return tuple(out)

    def ticks(self, labels: Mapping[date, str]) -> tuple[tuple[float, str, int], ...]:
        """``(x, label, row)``: the focus gets evenly spaced dates; each band day its own
        label (as precise as the date was given), on alternating rows so they do not collide."""
        span = (self.hi - self.lo).days
        count = max(2, min(5, int((self.f_right - self.f_left) // 110) + 1, span + 1))
        focus = list(dict.fromkeys(
            self.lo + timedelta(days=round(span * i / (count - 1))) for i in range(count)))
        # the edge next to a break is already marked by the break itself
        if self.earlier and len(focus) > 2:
            focus = focus[1:]
        if self.later and len(focus) > 2:
            focus = focus[:-1]
        ticks = [(self.x(d), _tick_label(d, span), 0) for d in focus]
        for band, band_width in ((self.earlier, self.e_width), (self.later, self.l_width)):
            # label every k-th day when the band was squeezed below one slot per day
            every = max(1, round(BAND_SLOT * len(band) / max(band_width, 1.0)))
            ticks += [(self.x(d), labels.get(d, d.isoformat()), i % 2)
                      for i, d in enumerate(band[::every])]
        return tuple(sorted(ticks))


def timeline_chart(entries: Sequence[TimelineEntry], refs: Sequence[ArticleRef],
                   width: int = 720) -> Chart | None:
    """Two lanes on one time axis: when things happened, and when each outlet published.

    The weeks around the coverage are drawn to scale; older background dates (and any far
    later ones) sit in compressed bands beyond an axis break, in date order. Points closer
    than a dot's width are stacked so none hides another. ``None`` when nothing is dated.
    """
    # numbers follow the order of ``entries`` so the chart matches the list printed below it
    events = [(parse_day(e.date), e.date, e.text, n) for n, e in enumerate(entries, start=1)]
    names = outlet_names(refs)
    articles = [(parse_day(r.published), r.published or "", names[r.id], 0) for r in refs]
    events = [e for e in events if e[0] is not None]
    articles = [a for a in articles if a[0] is not None]
    days = [e[0] for e in events] + [a[0] for a in articles]
    if not days:
        return None
    scale = _Scale(days, [a[0] for a in articles], 96.0, width - 34.0)  # type: ignore[misc]
    labels: dict[date, str] = {}
    for when, raw, *_ in events + articles:  # a day's label: the least precise way it was given
        text = raw.strip()[:10]
        if when not in labels or len(text) < len(labels[when]):  # type: ignore[index]
            labels[when] = text  # type: ignore[index]
    step = 16.0
    points: list[ChartPoint] = []
    lanes: list[tuple[str, float]] = []
    y = 48.0
    for kind, name, items in (("event", "happened", events), ("article", "published", articles)):
        if not items:
            continue
        # Points come in date order and the scale is monotonic, so every dot already in a row
        # lies left of x and the row's last dot is its nearest: one comparison per row, not a
        # scan of every dot placed (that was quadratic: seconds for an event of 500 dates).
        row_ends: list[float] = []
        top = y
        for when, raw, label, number in sorted(items, key=lambda item: item[0]):  # type: ignore
            x = scale.x(when)  # type: ignore[arg-type]
            # the lowest row where no dot already sits within a dot's width
            level = next((i for i, end in enumerate(row_ends) if x - end >= step), len(row_ends))
            if level == len(row_ends):
                row_ends.append(x)
            row_ends[level] = x
            points.append(ChartPoint(number, x, top + level * step, raw, label, kind))
        lanes.append((name, top))
        y = top + (len(row_ends) - 1) * step + 40.0
    return Chart(width, int(y - 20), tuple(lanes), scale.ticks(labels), tuple(points), scale.left,
                 scale.right, scale.breaks())


def paragraphs(text: str, sentences: Sequence[object]) -> list[list[tuple[int, str]]]:
    """The article's sentences grouped by paragraph, as ``(index, text)``; plain paragraphs
    of the text when it has no sentences."""
    if not sentences:
        return [[(-1, block.strip())] for block in re.split(r"\n\s*\n", text) if block.strip()]
    groups: dict[int, list[tuple[int, str]]] = {}
    for s in sentences:
        groups.setdefault(s.paragraph, []).append((s.index, s.text))  # type: ignore[attr-defined]
    return [groups[k] for k in sorted(groups)]


def short_date(value: str | None) -> str:
    """``2017-11-16T08:00:00`` -> ``2017-11-16 08:00``; other strings unchanged."""
    if not value:
        return ""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return value
    if len(value) <= 10:
        return parsed.date().isoformat()
    return parsed.strftime("%Y-%m-%d %H:%M")

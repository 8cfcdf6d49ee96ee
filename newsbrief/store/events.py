"""Event rows in SQL: their counts and times, their search row, and the newest-first list.

An event's first and last article time are the original strings of its earliest and latest
articles *as instants*: outlets write different UTC offsets, so the strings are not compared
as text (:func:`instant`). The list is ordered by :data:`EVENT_ORDER`, the expression that
migration ``0008_event_instants`` indexes, and paged by an opaque cursor over it.

Search rows (FTS5, ``unicode61`` with Porter stemming) hold headlines and titles as
:func:`search_text` writes them: Chinese and Japanese are written without spaces, and
``unicode61`` takes a whole run of ideographs and kana as one token, so no word inside it could
be found. Each ideograph or kana is indexed as a token of its own and a query's run becomes a
phrase of them (:func:`fts_query`): "地震" matches "東京で大規模な地震" as the adjacent tokens
地 震. FTS5's ``trigram`` tokenizer would find substrings too, but none shorter than three
characters, and most Chinese words have two.
"""

from __future__ import annotations

import base64
import json
import math
import re
import sqlite3
import unicodedata
from datetime import UTC, datetime
from typing import Any

from newsbrief.errors import InputError, StoreError
from newsbrief.store.db import immediate, marked
from newsbrief.store.models import EventSummary

__all__ = [
    "EVENT_COLUMNS",
    "EVENT_ORDER",
    "SEARCH_REBUILD_FLAG",
    "fts_query",
    "index_event",
    "instant",
    "list_events",
    "published_edge",
    "rebuild_search_rows",
    "retire_event_row",
    "search_text",
    "update_event_row",
]

EVENT_COLUMNS = (
    "id, headline, first_published, last_published, article_count, outlet_count, updated_at, "
    "brief_stale"
)
_WIDTH = len(EVENT_COLUMNS.split(","))  # the sort key and seq follow them in list_events

# An ISO 8601 date or date-time starts with YYYY-MM-DD; checked before julianday(), which
# would read a bare number ("2017") as a Julian day number instead of refusing it.
_ISO_GLOB = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*"


# Scripts written without spaces between words, each character indexed as a token of its own:
# Thai, Lao, Myanmar and Khmer (whose vowel and tone marks unicode61 takes for separators, so
# their words are the letters around them, as in the query), CJK ideographs (the unified
# blocks, extensions A to H, compatibility ideographs, radicals and the ideographic marks
# 々〆〇), hiragana, katakana (with the small and half-width forms). Hangul is left out:
# Korean puts spaces between words, and a query word matches as a prefix.
_SPACELESS = (
    (0x0E00, 0x0EFF), (0x1000, 0x109F), (0x1780, 0x17FF),
    (0x2E80, 0x2FDF), (0x3005, 0x3007), (0x3021, 0x3029), (0x3031, 0x3035), (0x303B, 0x303C),
    (0x3040, 0x30FF), (0x31F0, 0x31FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF),
    (0xFF66, 0xFF9F), (0x1B000, 0x1B16F), (0x20000, 0x323AF),
)
_CLASS = "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in _SPACELESS)
# A space wherever such a character touches anything but a space: idempotent, and text
# without them is returned as it is (English search rows are unchanged).
_SPLIT = re.compile(f"(?<=[{_CLASS}])(?=\\S)|(?<=\\S)(?=[{_CLASS}])")
# meta key set by migration 0011_search_cjk on a database whose search rows predate search_text.
SEARCH_REBUILD_FLAG = "search_rows_to_rebuild"


def search_text(text: str) -> str:
    """``text`` as the search index holds it: in compatibility form (NFKC: full-width
    ``"ＴＯＫＹＯ２０２０"`` is ``"TOKYO2020"``, half-width katakana full-width), then every
    ideograph and kana a word of its own (``"東京で地震"`` -> ``"東 京 で 地 震"``);
    anything else unchanged."""
    if text.isascii():  # most rows: a check in C instead of the regex's scan
        return text
    # Chinese and Japanese text writes Latin letters and digits full-width; unicode61 does
    # not fold them, so "2020" would not find "２０２０年" (UAX #15 compatibility forms).
    return _SPLIT.sub(" ", unicodedata.normalize("NFKC", text))


def instant(column: str) -> str:
    """SQL for the instant of the ISO 8601 time in ``column``, as a Julian day (UTC), or NULL.

    SQLite's date functions read ``YYYY-MM-DD[THH:MM[:SS[.fff]]]`` with an optional ``Z`` or
    ``±HH:MM`` offset and convert it to UTC; naive and date-only values are taken as UTC (as
    :func:`newsbrief.cluster.parse_day` takes them). Anything else (``+0900`` without a colon,
    free text) is NULL: not an instant. Deterministic, so usable in an index expression.
    """
    return f"(CASE WHEN {column} GLOB '{_ISO_GLOB}' THEN julianday({column}) END)"


# The event list's order (newest first): the last article's instant, else the time the event
# last changed, else 0 (never NULL, so a page boundary is one range). Migration
# 0008_event_instants indexes exactly this expression (events_recent); keep them identical.
EVENT_ORDER = (f"COALESCE({instant('e.last_published')}, {instant('e.updated_at')}, 0)")


def published_edge(last: bool) -> str:
    """SQL for the ``published`` string of the earliest (or latest) instant among the
    articles of event ``:event``. Offsets differ between outlets, so the strings are not
    compared as text: "2017-11-17T10:00:00+09:00" (01:00 UTC) is earlier than
    "2017-11-17T02:00:00Z". Values that are not instants never win over ones that are; when
    none is, the text minimum (maximum) is kept, as before. Ties: text, then arrival."""
    way = " DESC" if last else ""
    when = instant("published")
    return (f"(SELECT published FROM articles WHERE event_id = :event AND published IS NOT NULL "
            f"ORDER BY {when} IS NULL, {when}{way}, published{way}, seq{way} LIMIT 1)")


def fallback_headline(title: str, text: str) -> str:
    """An event's headline when its brief has none (an article of a few shouted words, or
    none the summarizer takes as prose): the first article's title, or the opening of its
    text; an event listed with a blank headline cannot be told from the next."""
    return title or text[:200]


def update_event_row(conn: sqlite3.Connection, event_id: str, now: str) -> None:
    """Recount the event's articles and outlets and set its first and last article time
    (the original strings of its earliest and latest articles, see :func:`published_edge`).
    Outlets are counted as the store compares them (:func:`newsbrief.store.urls.outlet_key`:
    "AP" and "ap " are one), as briefs count a copy group's outlets."""
    from newsbrief.store.urls import distinct_outlets  # here: urls imports the ingest package

    # One pass over the event's rows (its index) counts both.
    outlets = [o for (o,) in conn.execute("SELECT outlet FROM articles WHERE event_id = ?",
                                          (event_id,))]
    conn.execute(
        "UPDATE events SET article_count = :n, outlet_count = :outlets, "
        f"first_published = {published_edge(False)}, last_published = {published_edge(True)}, "
        "updated_at = :now, brief_stale = 1 WHERE events.id = :event",
        {"now": now, "event": event_id, "n": len(outlets),
         "outlets": len(distinct_outlets(outlets))},
    )


def index_event(conn: sqlite3.Connection, event_id: str, headline: str | None,
                 titles: str | None = None) -> None:
    """(Re)write the event's search row; before its first brief, the headline is the title
    (or opening) of its first article, so new events are listed and searchable at once. A
    merged or retired event gets none (its articles are searched under the live event)."""
    if headline is None:
        row = conn.execute("SELECT headline FROM events WHERE id = ?", (event_id,)).fetchone()
        headline = row[0] if row else ""
        if not headline:
            first = conn.execute(
                "SELECT title, substr(text, 1, 200) FROM articles WHERE event_id = ? "
                "ORDER BY seq LIMIT 1", (event_id,)).fetchone()
            headline = fallback_headline(*first) if first else ""
            conn.execute("UPDATE events SET headline = ? WHERE id = ?", (headline, event_id))
    if titles is None:
        titles = " | ".join(t for (t,) in conn.execute(
            "SELECT DISTINCT title FROM articles WHERE event_id = ? AND title != '' LIMIT 200",
            (event_id,)))
    # The search row's rowid is the event's seq, so replacing it is an indexed delete.
    conn.execute("DELETE FROM event_search WHERE rowid = (SELECT seq FROM events WHERE id = ?)",
                 (event_id,))
    # Only a live event is searchable: a brief refreshed under the id of an event merged or
    # retired since (refresh_briefs([id]) with an id from an earlier report) gave the dead
    # event a search row again.
    conn.execute("INSERT INTO event_search (rowid, event_id, headline, titles) "
                 "SELECT seq, id, ?, ? FROM events WHERE id = ? AND merged_into IS NULL",
                 (search_text(headline), search_text(titles), event_id))


def rebuild_search_rows(conn: sqlite3.Connection) -> int:
    """Rewrite, as :func:`search_text` writes them, the search rows of a database marked by
    migration ``0011_search_cjk`` (written before it, with runs of ideographs or kana as one
    token); returns how many changed. One transaction that also clears the mark, so it runs
    once and an interrupted rebuild is done again on the next open for writing."""
    # Looked at before taking the write lock too: every writable open comes here.
    if not marked(conn, SEARCH_REBUILD_FLAG):
        return 0
    with immediate(conn):
        if not marked(conn, SEARCH_REBUILD_FLAG):
            return 0  # done (by another process, or never needed)
        # A page of rows at a time (rowid order), so memory stays small however many events
        # there are; the regex picks the rows to change (a GLOB over the same character
        # class in SQL was about 15 times slower).
        changed, last = 0, 0
        while rows := conn.execute(
                "SELECT rowid, event_id, headline, titles FROM event_search WHERE rowid > ? "
                "ORDER BY rowid LIMIT 1000", (last,)).fetchall():
            last = rows[-1][0]
            for rowid, event_id, headline, titles in rows:
                new = tuple(search_text(t) if t else t for t in (headline, titles))
                if new == (headline, titles):
                    continue
                conn.execute("DELETE FROM event_search WHERE rowid = ?", (rowid,))
                conn.execute("INSERT INTO event_search (rowid, event_id, headline, titles) "
                             "VALUES (?, ?, ?, ?)", (rowid, event_id, *new))
                changed += 1
        conn.execute("DELETE FROM meta WHERE key = ?", (SEARCH_REBUILD_FLAG,))
    return changed


def retire_event_row(conn: sqlite3.Connection, event_id: str, now: str) -> None:
    """Empty the row of an event merged into another or left empty by moves: no articles,
    no search row, no brief to rebuild (its ``merged_into`` is the clusterer's to set)."""
    conn.execute("DELETE FROM event_search WHERE rowid = (SELECT seq FROM events WHERE id = ?)",
                 (event_id,))
    conn.execute("UPDATE events SET brief_stale = 0, article_count = 0, outlet_count = 0, "
                 "updated_at = ? WHERE id = ?", (now, event_id))


def list_events(
    conn: sqlite3.Connection, *, since: str | None = None, query: str | None = None,
    limit: int = 50, cursor: str | None = None,
) -> tuple[list[EventSummary], str | None]:
    """See :meth:`newsbrief.store.Store.list_events`."""
    if limit < 1:  # the rows are sliced with it: -1 would drop the last event
        raise InputError(f"limit must be at least 1, got {limit}")
    where = ["e.merged_into IS NULL", "e.article_count > 0"]
    params: list[Any] = []
    order = EVENT_ORDER
    # A blank query is no query, as the API reads ``q=`` and ``q=%20``: "" listed every
    # event and " " none.
    query = query.strip() if query else None
    if since:
        where.append(f"{order} >= julianday(?)")
        params.append(_utc_text(since))
    if query:
        match = fts_query(query)
        if not match:
            return [], None
        where.append("e.seq IN (SELECT rowid FROM event_search WHERE event_search MATCH ?)")
        params.append(match)
    if cursor:
        key, seq = _decode_cursor(cursor)
        where.append(f"({order} < ? OR ({order} = ? AND e.seq < ?))")
        params += [key, key, seq]
    # Without a search, walk events_recent in order; SQLite's planner prefers the
    # merged_into equality of events_order and then sorts every live event.
    table = "events e" if query else "events e INDEXED BY events_recent"
    sql = (f"SELECT {EVENT_COLUMNS}, {order}, e.seq FROM {table} WHERE "
           + " AND ".join(where) + f" ORDER BY {order} DESC, e.seq DESC LIMIT ?")
    rows = conn.execute(sql, params + [max(1, limit) + 1]).fetchall()
    items = [EventSummary(*row[:_WIDTH]) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit and items:
        last = rows[limit - 1]
        next_cursor = _encode_cursor(last[_WIDTH], last[_WIDTH + 1])
    return items, next_cursor


def query_words(text: str) -> list[str]:
    """The words of a query: runs of letters, digits and combining marks (a Thai word keeps
    its vowel and tone marks, which ``\\w`` would cut it at)."""
    words: list[str] = []
    start = None
    for at, char in enumerate(text + " "):
        if unicodedata.category(char)[0] in "LNM":
            if start is None:
                start = at
        elif start is not None:
            words.append(text[start:at])
            start = None
    return words


def fts_query(text: str) -> str:
    """User words as FTS5 string literals (AND of prefixes), so no FTS syntax leaks through.

    A word of a script written without spaces is split as :func:`search_text` splits the
    indexed text, so the literal is a phrase of single characters: "地震" must find 地 then 震,
    adjacent, and "กรุงเทพ" its letters in order wherever they stand in a run of Thai.
    """
    return " ".join('"' + search_text(w).replace('"', '""') + '"*'
                    for w in query_words(text)[:16])


def _utc_text(value: str) -> str:
    """An ISO 8601 date or time as ``YYYY-MM-DD HH:MM:SS.fff`` in UTC (naive: taken as UTC),
    for SQLite's julianday(), so a bound and the stored times are converted the same way."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InputError(f"since {value[:40]!r}: not an ISO 8601 date or time "
                         "(e.g. 2017-11-16 or 2017-11-16T08:00:00+01:00)") from None
    if moment.tzinfo is not None:
        try:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:  # valid, but its UTC instant falls outside years 1 to 9999
            moment = datetime.min if moment.year == 1 else datetime.max
    return moment.isoformat(sep=" ", timespec="milliseconds")


def _encode_cursor(key: float, seq: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([key, seq]).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[float, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key, seq = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if isinstance(key, bool) or not isinstance(key, int | float):
            # A key is the instant of EVENT_ORDER; a text one is from before migration 0008.
            raise TypeError("cursor key is not a number")
        key, seq = float(key), int(seq)
        if not math.isfinite(key) or not -(2**63) <= seq < 2**63:  # SQLite could not bind it
            raise ValueError("cursor number out of range")
        return key, seq
    except (ValueError, TypeError, OverflowError) as exc:
        raise StoreError(f"invalid cursor {cursor!r}") from exc

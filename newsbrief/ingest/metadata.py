"""What the text itself says about its outlet and date: datelines, "PUBLISHED :" stamps,
update stamps, "Beijing, China | AFP |" bylines, "By Jane Doe" lines.

Dates are parsed with dateparser (``languages`` given, which is both faster and more reliable
than auto-detection) and returned as ISO 8601 strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["LineMetadata", "parse_date", "read_metadata_line", "find_text_metadata"]

# Wire agencies and their spellings in datelines.
AGENCIES = {
    "afp": "AFP", "agence france-presse": "AFP", "ap": "AP", "associated press": "AP",
    "reuters": "Reuters", "xinhua": "Xinhua", "yonhap": "Yonhap", "dpa": "dpa", "efe": "EFE",
    "ansa": "ANSA", "upi": "UPI", "pti": "PTI", "bloomberg": "Bloomberg", "kyodo": "Kyodo",
    "tass": "TASS", "anadolu": "Anadolu", "aa": "Anadolu", "cnn": "CNN", "bbc": "BBC",
}

_MONTHS = (
    "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|"
    "july|august|september|october|november|december"
)
_ISO_DATE = r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?"
_WORD_DATE = (
    rf"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?"
    rf"(?:\d{{1,2}}\s+(?:{_MONTHS})\.?,?\s+\d{{4}}|(?:{_MONTHS})\.?\s+\d{{1,2}},?\s+\d{{4}})"
    r"(?:,?\s+\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?)?)?"
)
DATE_IN_TEXT = re.compile(rf"({_ISO_DATE}|{_WORD_DATE})", re.IGNORECASE)

# "date 2017-11-16 AFP, BEIJING" / "BEIJING, Nov 16 (Reuters) -"
_DATELINE = re.compile(
    rf"^\s*(?:date\s+)?({_ISO_DATE})\s+([A-Za-z][\w .&-]{{1,40}}?)\s*,\s*([A-Z][A-Za-z .'-]{{1,40}})\s*$",
    re.IGNORECASE,
)
_AGENCY_BAR = re.compile(r"^\s*([^|]{2,60})\|\s*([A-Za-z][\w .&-]{1,30})\s*\|\s*", re.UNICODE)
_AGENCY_PAREN = re.compile(r"^[A-Z][A-Za-z .,'-]{1,60}\(([A-Za-z][\w .&-]{1,30})\)\s*[-–—]\s*")
# Stamps such as "PUBLISHED : Saturday, 18 November, 2017, 8:09pm", "Updated: ...",
# "Güncelleme Tarihi: 21 Kasım 2017, 00:51", "Aktualisiert am ...", "Mis à jour le ...".
_STAMP = re.compile(
    r"^\s*(published|posted|updated|last updated|update|modified|date|"
    r"güncelleme tarihi|yayın tarihi|yayınlanma tarihi|aktualisiert(?: am)?|veröffentlicht(?: am)?|"
    r"mis à jour(?: le)?|publié(?: le)?|actualizado|publicado|aggiornato|pubblicato|"
    r"bijgewerkt|gepubliceerd|обновлено|опубликовано)\s*(?:on|am|le|el|il)?\s*[:：]?\s*(.+)$",
    re.IGNORECASE,
)
_UPDATE_WORDS = re.compile(
    r"update|güncelleme|aktualisiert|mis à jour|actualizado|aggiornato|bijgewerkt|обновлено",
    re.IGNORECASE,
)
_BYLINE = re.compile(
    r"^\s*(?i:by|written by|von|par|por|di)\s+([A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+){0,3})"
    r"(?:\s*(?:,|\||and|&)\s*.*)?$"
)
_NAME_LINE = re.compile(r"^\s*[A-Z][a-z'-]+(?:\s+[A-Z]\.?)?\s+[A-Z][a-z'-]+\s*$")

_STAMP_LANGUAGES = {"güncelleme": "tr", "yayın": "tr", "aktualisiert": "de", "veröffentlicht": "de",
                    "mis à jour": "fr", "publié": "fr", "actualizado": "es", "publicado": "es",
                    "aggiornato": "it", "pubblicato": "it", "bijgewerkt": "nl",
                    "gepubliceerd": "nl", "обновлено": "ru", "опубликовано": "ru"}


@lru_cache(maxsize=4096)
def parse_date(text: str, languages: tuple[str, ...] = ("en",)) -> str | None:
    """Parse an absolute date written in ``text`` into ISO 8601, or ``None``."""
    import dateparser

    cleaned = re.sub(r"(\d)\s*([ap])\.?m\.?\b", r"\1\2m", text.strip(), flags=re.IGNORECASE)
    cleaned = cleaned.strip(" ,.")
    if not cleaned or not re.search(r"\d", cleaned):
        return None
    parsed = dateparser.parse(
        cleaned,
        languages=list(languages),
        settings={"STRICT_PARSING": False, "REQUIRE_PARTS": ["day", "month", "year"],
                  "RETURN_AS_TIMEZONE_AWARE": False},
    )
    if parsed is None:
        return None
    if parsed.hour == 0 and parsed.minute == 0 and not re.search(r"\d[:.]\d\d", cleaned):
        return parsed.date().isoformat()
    return parsed.replace(second=0, microsecond=0).isoformat()


@dataclass(frozen=True, slots=True)
class LineMetadata:
    """What one line says about the article; ``kind`` is dateline/published/updated/byline."""

    kind: str
    published: str | None = None
    outlet: str | None = None
    author: str | None = None
    place: str | None = None


def _agency(name: str) -> str | None:
    key = name.strip().lower().rstrip(".")
    return AGENCIES.get(key)


def read_metadata_line(line: str) -> LineMetadata | None:
    """Recognise a line that is metadata rather than article text."""
    stripped = line.strip()
    if not stripped or len(stripped) > 160:
        return None
    if m := _DATELINE.match(stripped):
        outlet = _agency(m.group(2)) or m.group(2).strip()
        return LineMetadata("dateline", published=parse_date(m.group(1)), outlet=outlet,
                            place=m.group(3).strip().title())
    if m := _STAMP.match(stripped):
        word = m.group(1).lower()
        language = next((v for k, v in _STAMP_LANGUAGES.items() if word.startswith(k)), "en")
        value = m.group(2)
        date = parse_date(value, (language, "en") if language != "en" else ("en",))
        if date is None:
            return None
        kind = "updated" if _UPDATE_WORDS.search(word) else "published"
        return LineMetadata(kind, published=date)
    if len(stripped) < 40 and (m := DATE_IN_TEXT.fullmatch(stripped)):
        date = parse_date(m.group(1))
        if date:
            return LineMetadata("published", published=date)
    if m := _BYLINE.match(stripped):
        if len(stripped.split()) <= 8:
            return LineMetadata("byline", author=m.group(1))
    return None


def find_text_metadata(lines: list[str]) -> dict[str, str]:
    """Outlet, date and author found in the first lines of an article's text.

    A "published" stamp wins over an "updated" one; an update stamp still dates an article
    that has nothing better (seed 002 carries only "Güncelleme Tarihi").
    """
    found: dict[str, str] = {}
    updated: str | None = None
    for line in lines:
        meta = read_metadata_line(line)
        if meta is not None:
            if meta.kind == "updated":
                updated = updated or meta.published
            elif meta.published and "published" not in found:
                found["published"] = meta.published
            if meta.outlet and "outlet" not in found:
                found["outlet"] = meta.outlet
            if meta.author and "author" not in found:
                found["author"] = meta.author
            continue
        for pattern in (_AGENCY_BAR, _AGENCY_PAREN):
            if m := pattern.match(line):
                agency = _agency(m.group(m.lastindex or 1))
                if agency and "outlet" not in found:
                    found["outlet"] = agency
    if "published" not in found and updated:
        found["published"] = updated
    return found

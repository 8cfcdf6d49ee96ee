"""Sentence splitting.

Paragraphs (blank-line or single-line breaks in cleaned text) are split first, then each
paragraph with nupunkt's pretrained Punkt model (Kiss & Strunk, "Unsupervised Multilingual
Sentence Boundary Detection", Computational Linguistics 32(4), 2006), which handles "U.S.",
"Mr.", "No. 5" and curly closing quotes. It was right on all 120 hand-labelled boundaries
and the fastest of nupunkt, pysbd, syntok and blingfire (docs/segmentation.md,
benchmarks/bench_segment.py).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator

from nupunkt import sent_spans

from newsbrief.models import Sentence

__all__ = ["segment_text", "sentence_spans", "split_sentences"]

_PARAGRAPH = re.compile(r"[^\n]+")
# nupunkt considers a sentence boundary only at one of these characters (its language
# variables' sentence-end characters and the ellipsis of its period-context pattern).
_END_CHAR = re.compile("[.?!\u2026]")
_CJK_END = re.compile("[\u3002\uff01\uff1f][\u300d\u300f\u201d\u2019\uff09)]*")
# A sentence end with no space after it before a capital ("continue.The court"): paragraph
# breaks lost by a scraper or a data set. Punkt never splits there; it gets a space to judge.
# Not before an initial ("Ph.D.") nor in a web address ("www.Example", "LeanIn.Org").
_FUSED = re.compile("[.?!](?<=[a-z0-9%)\"'\u201d\u2019][.?!])(?<!www\\.)[\"'\u201d\u2019)]*"
                    "(?=[\u201c\u2018]?[A-Z\u00c0-\u00d6\u00d8-\u00de](?!\\.))"
                    "(?!(?:Com|Org|Net|Gov|Edu)\\b)")


# A sentence cannot open with a closing bracket or with a comma, semicolon or colon (after
# closing quotes): Punkt cuts after an abbreviation inside brackets ("Rep. Mark Meadows
# (R-N.C.), chairman of ...") and after "!" or "?" in a quotation ('"bravo!", a source said').
_CONTINUES = re.compile("\\s*[)\\]\"'\u201d\u2019]*\\s*[,;:)\\]]")


def _one_sentence(block: str) -> bool:
    """Whether Punkt must return ``block`` whole: no sentence-end character, or only one, as
    its last character (a break there or none gives the same single span). About 40% of the
    evaluation articles' paragraphs are such; Punkt is skipped for them."""
    found = _END_CHAR.search(block)
    return found is None or (found.start() == len(block.rstrip()) - 1)


def _spans(block: str) -> Iterator[tuple[int, int]]:
    """Sentence spans of one paragraph: Punkt's, after a cut at every ideographic full stop
    or full-width "！" "？" (and the closing quotes after it). Punkt knows only Latin
    punctuation, and Chinese and Japanese put no space after a sentence."""
    start = 0
    # Three substring tests in C first: cheaper than a regex search on every paragraph.
    if "\u3002" in block or "\uff01" in block or "\uff1f" in block:
        for cut in _CJK_END.finditer(block):
            yield from _punkt(block, start, cut.end())
            start = cut.end()
    yield from _punkt(block, start, len(block))


def _punkt(block: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    piece = block[start:end]
    if not piece.strip():
        return
    for s, e in ((0, len(piece)),) if _one_sentence(piece) else _spaced_spans(piece):
        yield start + s, start + e


def _fused_cut(piece: str, match: re.Match) -> int:
    """Where a fused sentence end is cut: after its closing quotes, but before a straight
    double quote that opens a quotation (an even number of them before it)."""
    quote = match.group().find('"')
    if quote >= 0 and piece.count('"', 0, match.start() + quote) % 2 == 0:
        return match.start() + quote
    return match.end()


def _spaced_spans(piece: str) -> list[tuple[int, int]]:
    """Punkt's spans of ``piece``, read with a space put at each fused sentence end
    (:data:`_FUSED`), so that Punkt decides there as anywhere else ("Mrs.Smith" stays one
    sentence); offsets are of ``piece`` itself."""
    cuts = [_fused_cut(piece, m) for m in _FUSED.finditer(piece)]
    if not cuts:
        return sent_spans(piece)
    spaced = " ".join(piece[a:b] for a, b in zip([0, *cuts], [*cuts, len(piece)]))
    # The space put at cut i is at cuts[i] + i in ``spaced``; an offset after k of them
    # is k more there.
    spaces = [cut + i for i, cut in enumerate(cuts)]
    return [(s - bisect_left(spaces, s), e - bisect_left(spaces, e))
            for s, e in sent_spans(spaced)]


def _joined(block: str, spans: Iterator[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """``spans`` with each one that opens like a continuation (:data:`_CONTINUES`) joined to
    the one before."""
    previous = None
    for start, end in spans:
        if previous is not None and _CONTINUES.match(block, start, end):
            previous = (previous[0], end)
            continue
        if previous is not None:
            yield previous
        previous = (start, end)
    if previous is not None:
        yield previous


def sentence_spans(text: str) -> Iterator[tuple[int, int, int]]:
    """Yield ``(start, end, paragraph)`` for every sentence of ``text``, whitespace trimmed."""
    for paragraph, match in enumerate(_PARAGRAPH.finditer(text)):
        block = match.group()
        if not block.strip():
            continue
        for start, end in _joined(block, _spans(block)):
            piece = block[start:end]
            stripped = piece.strip()
            if not stripped:
                continue
            lead = len(piece) - len(piece.lstrip())
            begin = match.start() + start + lead
            yield begin, begin + len(stripped), paragraph


def split_sentences(text: str) -> list[str]:
    """Split ``text`` into sentence strings."""
    return [text[s:e] for s, e, _ in sentence_spans(text)]


def segment_text(article_id: str, text: str) -> tuple[Sentence, ...]:
    """Split cleaned article text into :class:`Sentence` objects with offsets."""
    return tuple(
        Sentence(article_id=article_id, index=i, text=text[s:e], start=s, end=e, paragraph=p)
        for i, (s, e, p) in enumerate(sentence_spans(text))
    )

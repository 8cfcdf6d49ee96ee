"""The entity model's output kept in the store, so that a refresh reads only the new texts.

The spaCy pass is the costliest per-article part of a brief (:mod:`newsbrief.analyze.nlp`),
and its output for a text depends only on that text and the model (not on the rest of its
batch), so the store keeps it per text read: a whole cleaned article for a small event,
single sentences when the model reads a sample (past ``ner_words``). The next refresh of a
grown event finds most of its texts here, and the model reads only the others.

An entry's key is a BLAKE2b digest of :func:`newsbrief.analyze.nlp.model_identity` (model
name and version, spaCy version, output format) and the exact text; its first 8 bytes are
the row id, the other 8 are kept in the entry and checked on reading. An entry made by
another model is never found; one that does not decompress, fails the check or does not fit
its text is ignored (the text is read again and the entry replaced). Nothing stored is
trusted beyond what it can be checked against: token and mention texts are not stored but
cut from the text read, by their offsets.

Packing: per entry, the labels used (tags, part-of-speech, entity types) once, then per
token its gap after the previous token, its length and two label numbers, per mention its
gap, length and label, each column in the narrowest unsigned integer type that holds it,
compressed with zlib (RFC 1950) and a preset dictionary of the model's label names, which
short sentence entries would otherwise spell out in full.

Workers cannot write the database: the writer reads the entries an event's texts have
(:func:`known_rows`) and passes them, still packed, with the documents;
:func:`brief_reusing` (in the worker) briefs the event and returns the new entries packed,
and the writer saves them in the transaction that saves the brief (:func:`save_rows`).
"""

from __future__ import annotations

import hashlib
import sqlite3
import struct
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np

from newsbrief.analyze.nlp import Mention, Parsed, ParseMemo, Token, model_identity, plan
from newsbrief.config import BriefConfig
from newsbrief.models import Brief, Document
from newsbrief.pipeline import brief_documents
from newsbrief.store.db import select_in

__all__ = [
    "Rows",
    "brief_reusing",
    "entry_key",
    "known_rows",
    "memo_from",
    "new_rows",
    "pack",
    "save_rows",
    "unpack",
]

#: Packed entries by text read (what the writer passes to a worker).
Rows = dict[str, bytes]

_TABLE = "parsed_texts"
# The label names of the small English model (OntoNotes tags and entity types, Universal
# POS), common ones last: zlib finds back-references to the end of a dictionary cheapest.
_ZDICT = (
    b"WORK_OF_ART LANGUAGE LAW EVENT PRODUCT QUANTITY PERCENT MONEY ORDINAL FAC LOC NORP TIME "
    b"CARDINAL DATE GPE ORG PERSON INTJ SCONJ SYM X NUM PART AUX CCONJ ADV PRON PROPN ADJ VERB "
    b"DET ADP PUNCT NOUN ADD AFX FW LS NFP PDT UH XX _SP WP$ WDT WP WRB EX RBR RBS JJR JJS MD "
    b"RP PRP$ PRP POS VBP VBZ VBG VBN VBD VB HYPH -LRB- -RRB- `` '' $ : CC CD TO RB JJ DT IN "
    b"NNS NNPS NNP NN , ."
)
_HEAD = struct.Struct("<8sIIH7B")  # check, tokens, mentions, labels, column item sizes
_TYPES = {1: np.uint8, 2: np.uint16, 4: np.uint32}


def entry_key(model: str, text: str) -> tuple[int, bytes]:
    """The row id (a signed 64-bit integer) and the 8-byte check of ``text`` read by ``model``."""
    digest = hashlib.blake2b(model.encode() + b"\0" + text.encode("utf-8", "surrogatepass"),
                             digest_size=16).digest()
    return int.from_bytes(digest[:8], "little", signed=True), digest[8:]


def _narrow(values: list[int]) -> np.ndarray:
    top = max(values, default=0)
    kind = np.uint8 if top < 1 << 8 else np.uint16 if top < 1 << 16 else np.uint32
    return np.asarray(values, dtype=kind)


def pack(text: str, parsed: Parsed, check: bytes) -> bytes | None:
    """The stored form of the model's output for ``text``; None when it cannot be stored
    exactly (a token or mention whose text is not the text at its offsets, or out of order)."""
    tokens, mentions = parsed
    labels: dict[str, int] = {}
    columns: list[list[int]] = [[], [], [], [], [], [], []]
    end = 0
    for token in tokens:
        if token.start < end or not token.text or \
                text[token.start : token.start + len(token.text)] != token.text:
            return None
        columns[0].append(token.start - end)
        columns[1].append(len(token.text))
        columns[2].append(labels.setdefault(token.tag, len(labels)))
        columns[3].append(labels.setdefault(token.pos, len(labels)))
        end = token.start + len(token.text)
    end = 0
    for mention in mentions:
        if mention.start < end or mention.end < mention.start or \
                text[mention.start : mention.end] != mention.text:
            return None
        columns[4].append(mention.start - end)
        columns[5].append(mention.end - mention.start)
        columns[6].append(labels.setdefault(mention.label, len(labels)))
        end = mention.end
    if max((c for column in columns for c in column), default=0) >= 1 << 32:
        return None
    arrays = [_narrow(column) for column in columns]
    names = "\0".join(labels).encode("utf-8", "surrogatepass")
    head = _HEAD.pack(check, len(tokens), len(mentions), len(labels),
                      *(a.itemsize for a in arrays))
    body = head + struct.pack("<I", len(names)) + names + b"".join(a.tobytes() for a in arrays)
    compressor = zlib.compressobj(9, zdict=_ZDICT)
    return compressor.compress(body) + compressor.flush()


def unpack(text: str, data: bytes, check: bytes) -> Parsed | None:
    """The model's output for ``text`` from its stored form; None for an entry that does not
    decompress, was made for another text or model (``check``), or does not fit ``text``."""
    if not isinstance(data, bytes):  # a value SQLite holds as TEXT or a number: not ours
        return None
    try:
        decompressor = zlib.decompressobj(zdict=_ZDICT)
        body = decompressor.decompress(data) + decompressor.flush()
        stored, n_tokens, n_mentions, n_labels, *sizes = _HEAD.unpack_from(body)
        if stored != check or not decompressor.eof:
            return None
        at = _HEAD.size
        (length,) = struct.unpack_from("<I", body, at)
        at += 4
        labels = body[at : at + length].decode("utf-8", "surrogatepass").split("\0")
        at += length
        if len(labels) != max(n_labels, 1):
            return None
        arrays = []
        for size, count in zip(sizes, (n_tokens,) * 4 + (n_mentions,) * 3):
            arrays.append(np.frombuffer(body, dtype=_TYPES[size], count=count, offset=at)
                          .astype(np.int64))
            at += size * count
    except (zlib.error, struct.error, ValueError, KeyError, UnicodeDecodeError):
        return None
    if at != len(body) or any(a.size and a.max() >= n_labels for a in arrays[2:4] + arrays[6:]):
        return None
    gaps, lengths, tags, pos, m_gaps, m_lengths, m_labels = arrays
    if (lengths < 1).any():
        return None
    # Each token starts its gap after the end of the one before.
    ends = np.cumsum(gaps + lengths)
    starts = ends - lengths
    m_ends = np.cumsum(m_gaps + m_lengths)
    m_starts = m_ends - m_lengths
    if (ends.max(initial=0) > len(text)) or (m_ends.max(initial=0) > len(text)):
        return None
    token_tuple = tuple(
        Token(text[s:e], s, labels[p], labels[t])
        for s, e, t, p in zip(starts.tolist(), ends.tolist(), tags.tolist(), pos.tolist())
    )
    mention_tuple = tuple(
        Mention(text[s:e], labels[label], s, e)
        for s, e, label in zip(m_starts.tolist(), m_ends.tolist(), m_labels.tolist())
    )
    return token_tuple, mention_tuple


def _has_table(conn: sqlite3.Connection) -> bool:
    """Whether the database has the table (a store opened at an older schema has not)."""
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                        (_TABLE,)).fetchone() is not None


def known_rows(conn: sqlite3.Connection, documents: Sequence[Document],
               config: BriefConfig) -> tuple[str | None, Rows]:
    """The model identity and the stored entries (packed) of the texts the model would read
    to brief ``documents`` with ``config``; ``(None, {})`` when no model output is used."""
    model = model_identity() if config.analyze else None
    if model is None or not documents or not _has_table(conn):
        return model, {}
    texts = dict.fromkeys(plan(documents, config.ner_words).texts)
    by_key = {entry_key(model, text)[0]: text for text in texts}
    rows = select_in(conn, f"SELECT key, data FROM {_TABLE} WHERE key IN ({{marks}})",
                     list(by_key))
    return model, {by_key[key]: data for key, data in rows}


def memo_from(model: str, rows: Mapping[str, bytes]) -> ParseMemo:
    """A memo of the stored entries that unpack and pass their checks (the others are left
    out, so the model reads their texts again)."""
    known: dict[str, Parsed] = {}
    for text, data in rows.items():
        parsed = unpack(text, data, entry_key(model, text)[1])
        if parsed is not None:
            known[text] = parsed
    return ParseMemo(model, known)


def new_rows(memo: ParseMemo) -> list[tuple[int, bytes]]:
    """The packed ``(key, data)`` rows of what the model read during a brief."""
    rows = []
    for text, parsed in memo.added.items():
        key, check = entry_key(memo.model, text)
        data = pack(text, parsed, check)
        if data is not None:
            rows.append((key, data))
    return rows


def brief_reusing(documents: Sequence[Document], config: BriefConfig, model: str | None,
                  rows: Rows, make: Callable[..., Brief] = brief_documents,
                  ) -> tuple[Brief, list[tuple[int, bytes]]]:
    """``make`` (:func:`newsbrief.pipeline.brief_documents`) with the stored entries
    ``rows`` (from :func:`known_rows`), and the new entries to store. Safe in a worker
    process: it touches no database. Without a model (``model`` None: no analysis, or no
    model installed) ``make`` is called as ``make(documents, config)``."""
    if model is None:
        return make(documents, config), []
    memo = memo_from(model, rows)
    return make(documents, config, memo=memo), new_rows(memo)


def save_rows(conn: sqlite3.Connection, rows: Iterable[tuple[int, bytes]]) -> None:
    """Store new entries (replacing any with the same key: an entry read back as corrupt is
    rewritten). Call inside the transaction that saves the brief."""
    rows = list(rows)
    if rows and _has_table(conn):
        conn.executemany(f"INSERT OR REPLACE INTO {_TABLE} (key, data) VALUES (?, ?)", rows)

"""Turning bytes of unknown encoding into text, and refusing binary data."""

from __future__ import annotations

import codecs
import re

__all__ = ["decode_bytes", "looks_binary"]

# Control characters other than tab, newlines and form feed, and the replacement character.
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\ufffd]")

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text without a BOM shows NUL in every other byte of ASCII characters."""
    if len(data) < 4 or len(data) % 2:
        return None
    head = data[:4096]
    even, odd = head[0::2].count(0), head[1::2].count(0)
    half = len(head) // 2
    encoding = "utf-16-le" if odd > 0.4 * half and even < 0.05 * half else None
    if encoding is None and even > 0.4 * half and odd < 0.05 * half:
        encoding = "utf-16-be"
    if encoding is None:
        return None
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def looks_binary(text: str) -> bool:
    """True when decoded text is mostly control characters (an image, an archive, random bytes)."""
    sample = text[:8192]
    if not sample:
        return False
    return len(_CONTROL.findall(sample)) / len(sample) > 0.05


# WHATWG Encoding Standard: in HTTP and HTML these labels mean windows-1252, whose
# 0x80-0x9F are curly quotes and dashes rather than Latin-1's control codes.
WINDOWS_1252_LABELS = frozenset({
    "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii", "cp819",
    "ibm819", "iso_8859-1",
})


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Decode ``data``: BOM, then a declared encoding, UTF-16 sniffing, UTF-8, Windows-1252."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    if declared and declared.strip().lower() in WINDOWS_1252_LABELS:
        declared = "cp1252"
    if declared:
        try:
            return data.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return utf16
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace")

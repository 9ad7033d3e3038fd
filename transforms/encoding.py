"""Turn raw bytes into clean Unicode text, recording every repair made."""

from __future__ import annotations

import html
import re
import unicodedata

import charset_normalizer
import ftfy

# Zero-width characters and C0/C1 controls other than tab and newline carry no text.
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060-\u2064\ufeff\u00ad\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_ENTITY = re.compile(r"&(?:#\d{2,7}|#x[0-9a-fA-F]{2,6}|[a-zA-Z][a-zA-Z0-9]{1,31});")
_BINARY_PROBE = 4096
_COMMON_ENCODINGS = frozenset({
    "utf_8", "utf_16", "utf_32", "cp1252", "latin_1", "iso8859_15", "cp1250", "iso8859_2", "cp1251", "koi8_r",
    "iso8859_5", "cp1253", "cp1254", "cp1255", "cp1256", "gb18030", "gb2312", "big5", "shift_jis", "cp932",
    "euc_jp", "euc_kr", "cp949", "iso2022_jp", "mac_cyrillic", "tis_620", "cp874",
})


class UndecodableError(ValueError):
    """The bytes are not text in any encoding we can detect."""


def looks_binary(data: bytes) -> bool:
    """True when the bytes are evidently not text (NUL bytes or mostly control bytes)."""
    probe = data[:_BINARY_PROBE]
    if b"\x00" in probe:
        return True
    controls = sum(1 for b in probe if b < 9 or 13 < b < 32)
    return bool(probe) and controls / len(probe) > 0.1


def decoded_text(data: bytes) -> tuple[str, tuple[str, ...]]:
    """Decode bytes as UTF-8, else by charset detection; returns the text and the repairs made."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), ()
    except UnicodeDecodeError:
        pass
    if looks_binary(data):
        raise UndecodableError("binary content")
    best = charset_normalizer.from_bytes(data).best()
    if best is not None and best.encoding in _COMMON_ENCODINGS:
        return str(best), (f"decoded:{best.encoding}",)
    # Short Western texts are ambiguous to detection; Windows-1252 is by far the likeliest legacy encoding.
    try:
        return data.decode("cp1252"), ("decoded:cp1252",)
    except UnicodeDecodeError:
        pass
    if best is None:
        raise UndecodableError("no text encoding fits these bytes")
    return str(best), (f"decoded:{best.encoding}",)


def repaired_text(text: str) -> tuple[str, tuple[str, ...]]:
    """Repair mojibake and HTML entities, drop invisible characters, NFC; returns the text and the repairs made."""
    repairs: list[str] = []
    fixed = ftfy.fix_text(text, unescape_html=False, uncurl_quotes=False, normalization="NFC")
    if fixed != unicodedata.normalize("NFC", text):
        repairs.append("mojibake")
    if _ENTITY.search(fixed):
        unescaped = html.unescape(fixed)
        if unescaped != fixed:
            repairs.append("html_entities")
            fixed = unescaped
    cleaned = _INVISIBLE.sub("", fixed)
    if cleaned != fixed:
        repairs.append("invisible_chars")
    return unicodedata.normalize("NFC", cleaned), tuple(repairs)

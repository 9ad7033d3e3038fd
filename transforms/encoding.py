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


# UTF-8 read as Windows-1252/Latin-1: a lead byte (Â..ô) followed by what were continuation bytes.
# Only text showing this (or ligatures / full-width forms) pays for ftfy's slower full check.
_MOJIBAKE_HINT = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160"
    "\u2039\u0152\u017d\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153"
    "\u017e\u0178]|[\ufb00-\ufb06\uff01-\uff5e]"
)
# Characters a Western European text in Windows-1252 may contain beyond ASCII.
_WESTERN = re.compile("[^\x00-\x7f\u00a0-\u00ff\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160"
                      "\u2039\u0152\u017d\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161"
                      "\u203a\u0153\u017e\u0178]")
# Single-byte Latin encodings that charset detection confuses with Windows-1252 on short Western texts.
_LATIN_LOOKALIKES = frozenset({
    "cp1250", "iso8859_2", "cp1257", "iso8859_4", "iso8859_10", "iso8859_13", "cp775", "mac_latin2", "cp852",
    "cp850", "latin_1", "iso8859_15", "cp1252", "mac_roman", "cp437", "iso8859_3", "iso8859_9", "cp1254",
})
_FTFY_REPAIRS = {"fix_latin_ligatures": "ligatures", "fix_character_width": "full_width",
                 "uncurl_quotes": "quotes", "fix_line_breaks": "line_breaks", "remove_control_chars": "invisible_chars",
                 "remove_terminal_escapes": "terminal_escapes", "fix_surrogates": "surrogates",
                 "restore_byte_a0": "mojibake", "replace_lossy_sequences": "mojibake",
                 "decode_inconsistent_utf8": "mojibake", "fix_c1_controls": "mojibake",
                 "unescape_html": "html_entities"}


_CONTROL_BYTES = bytes(b for b in range(32) if b < 9 or b > 13)


class UndecodableError(ValueError):
    """The bytes are not text in any encoding we can detect."""


def looks_binary(data: bytes) -> bool:
    """True when the bytes are evidently not text (NUL bytes or mostly control bytes)."""
    probe = data[:_BINARY_PROBE]
    if b"\x00" in probe:
        return True
    controls = len(probe) - len(probe.translate(None, _CONTROL_BYTES))
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
    if best is not None and best.encoding in _COMMON_ENCODINGS and best.encoding not in _LATIN_LOOKALIKES:
        return str(best), (f"decoded:{best.encoding}",)  # a non-Latin script, or a multi-byte encoding
    # Western texts are ambiguous to detection (it often says Central European for French or Portuguese);
    # Windows-1252 is by far the likeliest legacy encoding, so it wins whenever its reading is plausible.
    try:
        western = data.decode("cp1252")
    except UnicodeDecodeError:
        western = None
    if western is not None and (best is None or not _WESTERN.search(western)):
        return western, ("decoded:cp1252",)
    if best is None:
        raise UndecodableError("no text encoding fits these bytes")
    return str(best), (f"decoded:{best.encoding}",)


def repaired_text(text: str) -> tuple[str, tuple[str, ...]]:
    """Repair mojibake and HTML entities, drop invisible characters, NFC; returns the text and the repairs made."""
    repairs: list[str] = []
    fixed = text
    if not text.isascii() and _MOJIBAKE_HINT.search(text):
        fixed, explanation = ftfy.fix_and_explain(text, unescape_html=False, uncurl_quotes=False, normalization="NFC")
        for step in explanation or ():
            action, name = step[0], step[1]
            if action == "normalize":
                label = "nfc"
            elif action in ("encode", "decode", "transcode"):
                label = "mojibake"
            else:
                label = _FTFY_REPAIRS.get(name, name)
            if label not in repairs:
                repairs.append(label)
    if _ENTITY.search(fixed):
        unescaped = html.unescape(fixed)
        if unescaped != fixed:
            repairs.append("html_entities")
            fixed = unescaped
    cleaned = _INVISIBLE.sub("", fixed)
    if cleaned != fixed and "invisible_chars" not in repairs:
        repairs.append("invisible_chars")
    if not unicodedata.is_normalized("NFC", cleaned):
        cleaned = unicodedata.normalize("NFC", cleaned)
        repairs.append("nfc")
    return cleaned, tuple(repairs)

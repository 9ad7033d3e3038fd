"""Basic text normalization: line endings, Unicode NFC and whitespace."""

from __future__ import annotations

import re
import unicodedata

_LINE_ENDINGS = re.compile(r"\r\n?|[\u2028\u2029\x85]")
_INLINE_SPACE = re.compile(r"[^\S\n]+")
_MANY_BLANK_LINES = re.compile(r"\n{3,}")


def normalized_text(text: str) -> str:
    """Text with `\\n` line endings, NFC, single spaces in lines, no trailing blanks, no run of empty lines."""
    text = _LINE_ENDINGS.sub("\n", text)
    text = unicodedata.normalize("NFC", text)
    lines = [_INLINE_SPACE.sub(" ", line).strip() for line in text.split("\n")]
    return _MANY_BLANK_LINES.sub("\n\n", "\n".join(lines)).strip("\n")

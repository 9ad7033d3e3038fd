"""Paragraph spans with exact offsets into an article's text."""

from __future__ import annotations

import re
from dataclasses import dataclass

_PARAGRAPH = re.compile(r"[^\n]+(?:\n[^\n]+)*")
_WORD = re.compile(r"\w+(?:[-'’]\w+)*")

PARAGRAPH_SEPARATOR = "\n\n"


@dataclass(frozen=True, slots=True)
class ParagraphSpan:
    """One paragraph: `text == article_text[start:end]`."""

    ordinal: int
    start: int
    end: int
    text: str
    n_words: int


def article_text(paragraphs: list[str] | tuple[str, ...]) -> str:
    """The article text: paragraphs joined by one empty line."""
    return PARAGRAPH_SEPARATOR.join(p.strip() for p in paragraphs if p.strip())


def paragraph_spans(text: str) -> list[ParagraphSpan]:
    """The paragraphs of `text` (blocks separated by empty lines), in order, with offsets."""
    spans: list[ParagraphSpan] = []
    for m in _PARAGRAPH.finditer(text):
        block = m.group()
        stripped = block.strip()
        if not stripped:
            continue
        start = m.start() + (len(block) - len(block.lstrip()))
        end = start + len(stripped)
        spans.append(ParagraphSpan(len(spans), start, end, stripped, len(_WORD.findall(stripped))))
    return spans

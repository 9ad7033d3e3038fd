"""The public entry points: `date_mentions` and `story_published_date`."""

from __future__ import annotations

import datetime
import operator
import re
from collections import Counter
from collections.abc import Sequence

from transforms.budget import UNLIMITED, Budget
from transforms.dates.resolution import _Context, _Paragraph
from transforms.dates.rules import _RULES
from transforms.dates.scanning import _CHECK_EVERY, _rule_starts
from transforms.dates.value_spans import _value_span
from transforms.dates.values import DateMention, _Timex

_LONGEST_FIRST = operator.itemgetter(0, 1, 2)  # (minus length, rule order, start)
_SET = b"\x01"
_PATTERNS = tuple(pattern for pattern, _ in _RULES)
_HANDLERS = tuple(handler for _, handler in _RULES)


_Match = tuple[int, int, int, int, re.Match[str]]  # (minus length, rule order, start, end, match)
# The rule matches of the paragraphs scanned last, by text: an article's lead is scanned for its
# publication date while it is cleaned, then again by the dates step, and the matches do not depend
# on the anchor date. Only paragraphs of ordinary length are kept (95% of the dev gold sets' are under
# 2,000 characters), so the table stays small, and it starts afresh when full.
_RECENT_MATCHES: dict[str, tuple[_Match, ...]] = {}
_RECENT_LIMIT = 256
_RECENT_MAX_CHARS = 2_000


def _rule_matches(text: str, budget: Budget) -> tuple[_Match, ...]:
    """Every rule's match at the offsets scanning proposes, longest first, ties to the earlier rule."""
    found = _RECENT_MATCHES.get(text)
    if found is not None:
        return found
    matches: list[_Match] = []
    starts = _rule_starts(text, budget)
    for n, (offset, orders) in enumerate(starts):
        if not n & _CHECK_EVERY:
            budget.check()
        for order in orders:
            # a rule reached twice at one offset ("a year ago" from "year" and "ago") finds the same
            # match twice; the copy is covered by the first below, cheaper than remembering pairs
            m = _PATTERNS[order].match(text, offset)
            if m is not None:
                end = m.end()
                if end > offset:
                    matches.append((offset - end, order, offset, end, m))
    # Longest match first, ties to the earlier rule; a rule's normalizer only runs on a match that no
    # longer one has already covered (normalizers are pure, so skipping the covered ones changes nothing).
    matches.sort(key=_LONGEST_FIRST)
    found = tuple(matches)
    if len(text) <= _RECENT_MAX_CHARS:
        if len(_RECENT_MATCHES) >= _RECENT_LIMIT:
            _RECENT_MATCHES.clear()
        _RECENT_MATCHES[text] = found
    return found


def date_mentions(text: str, anchor_date: datetime.date | None, budget: Budget = UNLIMITED) -> list[DateMention]:
    """All date/time expressions in one paragraph, sorted by start, non-overlapping.

    Args:
        text: one paragraph of article text.
        anchor_date: the article's publication date, used to resolve relative expressions
            ("on Tuesday", "last week"); None keeps unknown parts as `X`.
        budget: checked every few hundred candidates; raises `OverBudget` once spent.

    Returns:
        The mentions, longest match first among overlapping candidates, then sorted by offset.
    """
    found = _rule_matches(text, budget)
    taken: list[tuple[int, int, _Timex]] = []
    # One byte per character, set where a taken span lies: a candidate overlaps a taken span exactly when
    # a byte of its own span is set (spans are never empty), which costs its length, not the number taken.
    covered = bytearray(len(text) if found else 0)
    paragraph = _Paragraph(text)
    for n, (_, order, start, end, m) in enumerate(found):
        if not n & _CHECK_EVERY:
            budget.check()
        if covered.find(1, start, end) < 0:
            try:
                timex = _HANDLERS[order](m, _Context(paragraph, anchor_date, start, end))
            except OverflowError:  # date arithmetic past year 9999 or before year 1 ("800,000 days ago")
                timex = None
            if timex is not None:
                taken.append((start, end, timex))
                covered[start:end] = _SET * (end - start)
    taken.sort()  # by start: the spans taken never overlap, so no two share a start
    mentions = []
    for start, end, timex in taken:
        if timex.timex_type in {"DATE", "TIME"}:
            first, last, granularity = _value_span(timex.value)
        else:
            first, last, granularity = None, None, None
        relative = timex.is_relative and anchor_date is not None
        # positional arguments, in field order: keyword passing cost a third of the record's creation
        mentions.append(
            DateMention(
                start,
                end,
                text[start:end],
                timex.timex_type,
                timex.value,
                first,
                last,
                granularity,
                relative,
                anchor_date,
            )
        )
    return mentions


def story_published_date(dates: Sequence[datetime.date | None]) -> datetime.date | None:
    """The publication date to infer for undated articles of one story from its dated articles.

    Args:
        dates: publication dates of the story's other articles (None for undated ones).

    Returns:
        The most common known date (the story's main news day); ties go to the earliest date.
        None when no article of the story is dated.
    """
    counts = Counter(d for d in dates if d is not None)
    if not counts:
        return None
    return min(counts, key=lambda d: (-counts[d], d))

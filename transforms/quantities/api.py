"""The public entry point: `quantity_mentions`."""

from __future__ import annotations

from collections.abc import Sequence

from transforms.budget import UNLIMITED, Budget
from transforms.quantities.cores import _cores
from transforms.quantities.nouns import _noun_after
from transforms.quantities.ranges import (
    _bounds_joined,
    _Draft,
    _draft,
    _is_year,
    _keep_core,
    _range_between,
    _ratio_joined,
)
from transforms.quantities.rule_data import _CHECK_EVERY, _DASHES, _DIGIT_RE, _KIND_WORD, _LOWER_WORD_RE, _TRIGGER_WORDS
from transforms.quantities.tokens import _mask_non_quantities, _Tokens
from transforms.quantities.units import _attach_units
from transforms.quantities.values import QuantityMention


def quantity_mentions(text: str, blocked: Sequence[tuple[int, int]] = (),
                      budget: Budget = UNLIMITED) -> list[QuantityMention]:
    """Every number that counts or measures something in one paragraph.

    Args:
        text: the paragraph.
        blocked: character spans that hold no quantity (the date recognizer's mentions); a number
            inside one is never reported, and a counted noun stops before one.
        budget: checked every few dozen numbers; raises `OverBudget` once spent.

    Returns:
        Mentions in text order, with offsets into `text` (`text[m.start:m.end] == m.text`).
    """
    if not text or (_DIGIT_RE.search(text) is None and _TRIGGER_WORDS.isdisjoint(_LOWER_WORD_RE.findall(text.lower()))):
        return []
    budget.check()
    t = _Tokens(text)
    budget.check()
    _mask_non_quantities(t, blocked, budget)
    budget.check()
    drafts: list[_Draft] = []
    consumed = 0  # a core swallowed by the previous one ("3 dollars 50 cents") is not read again
    for n, core in enumerate(_cores(t)):
        if not n & _CHECK_EVERY:
            budget.check()
        if core.i < consumed:
            continue
        if not _attach_units(t, core) or not _keep_core(t, core):
            continue
        draft = _draft(t, core)
        consumed = draft.j
        drafts.append(draft)
    # Ranges first ("between 100 and over 600"), then paired bounds ("above 10 and below 20").
    joined: list[_Draft] = []
    for d in drafts:
        if joined:
            merged = _range_between(t, joined[-1], d) or _bounds_joined(t, joined[-1], d) \
                or _ratio_joined(t, joined[-1], d)
            if merged is not None:
                joined[-1] = merged
                continue
        joined.append(d)
    out: list[QuantityMention] = []
    for n, d in enumerate(joined):
        if not n & _CHECK_EVERY:
            budget.check()
        noun, end = _noun_after(t, d.last) if d.j == d.last.j else (None, d.j)
        if noun is not None and n + 1 < len(joined) and end > joined[n + 1].i:
            noun = None  # the "noun" is the next quantity ("12 hundreds"): mentions never overlap
        if noun is None:
            end = d.j
        if _is_year(t, d, noun):
            continue
        if d.unit == "count" and d.first is d.last and t.kind[d.first.i] == _KIND_WORD and d.first.i > 0 \
                and t.low[d.first.i - 1] in _DASHES and t.glued(d.first.i):
            continue  # "one-time", "Su-two": compounds, not counts
        start_c, end_c = t.starts[d.i], t.ends[end - 1]
        low_inc = d.low_inc if d.low is not None else None
        high_inc = d.high_inc if d.high is not None else None
        out.append(QuantityMention(start_c, end_c, text[start_c:end_c], d.low, d.high, low_inc, high_inc,
                                   d.approximate, d.vague, d.unit, noun, d.qualifier))
    return out

"""Mentions from cores: ranges joined, qualifiers read, non-quantities filtered out."""

from __future__ import annotations

from dataclasses import dataclass

from transforms.quantities.cores import _Core
from transforms.quantities.rule_data import (
    _CURRENCY_PREFIX,
    _DASHES,
    _JOINERS,
    _KIND_DIGIT,
    _KIND_WORD,
    _NOUN_STOPS,
    _NUMBER_START_WORDS,
    _POSTFIX,
    _PRONOUN_ONE_BEFORE,
    _QUALIFIERS,
)
from transforms.quantities.tokens import _is_plural, _Tokens


@dataclass(slots=True)
class _Draft:
    """A mention being assembled from one or two cores."""

    i: int
    j: int
    low: float | None
    high: float | None
    low_inc: bool | None
    high_inc: bool | None
    approximate: bool
    vague: bool
    unit: str
    qualifier: str | None
    first: _Core
    last: _Core


def _qualified(t: _Tokens, core: _Core) -> tuple[str | None, str | None, int]:
    """The qualifier kind and phrase before a core, and where it starts."""
    hit = t.match_backward(_QUALIFIERS, core.i)
    if hit is None:
        return None, None, core.i
    start, kind = hit
    phrase = " ".join(t.low[start:core.i])
    # "over" and "under" only qualify when nothing binds them to the word before ("won over 5 votes" aside).
    return kind, phrase, start


def _apply_kind(d: _Draft, kind: str | None, value_low: float, value_high: float) -> None:
    """Set the interval of a draft from a qualifier kind."""
    if kind in (None, "exact"):
        d.low, d.high, d.low_inc, d.high_inc = value_low, value_high, True, True
    elif kind == "lower_exclusive":
        d.low, d.high, d.low_inc, d.high_inc = value_low, None, False, None
    elif kind == "lower_inclusive":
        d.low, d.high, d.low_inc, d.high_inc = value_low, None, True, None
    elif kind == "upper_inclusive":
        d.low, d.high, d.low_inc, d.high_inc = None, value_high, None, True
    elif kind == "upper_exclusive":
        d.low, d.high, d.low_inc, d.high_inc = None, value_high, None, False
    elif kind == "approx_upper_exclusive":
        d.low, d.high, d.low_inc, d.high_inc = None, value_high, None, False
        d.approximate = True
    elif kind == "approx_lower_exclusive":
        d.low, d.high, d.low_inc, d.high_inc = value_low, None, False, None
        d.approximate = True
    elif kind == "approx_point":
        d.low, d.high, d.low_inc, d.high_inc = value_low, value_high, True, True
        d.approximate = True


def _draft(t: _Tokens, core: _Core) -> _Draft:
    """A single-core mention with its qualifiers before and after."""
    d = _Draft(core.i, core.j, core.low, core.high, True, True, core.approximate, core.vague, core.unit, None,
               core, core)
    kind, phrase, start = _qualified(t, core)
    if kind is not None:
        if core.vague:
            d.approximate = True
            d.qualifier, d.i = phrase, start
            if kind in ("lower_exclusive", "lower_inclusive", "approx_lower_exclusive"):
                d.high, d.high_inc = None, None
                d.low_inc = kind == "lower_inclusive"
            elif kind in ("upper_inclusive", "upper_exclusive", "approx_upper_exclusive"):
                d.low, d.low_inc = None, None
                d.high_inc = kind == "upper_inclusive"
        else:
            _apply_kind(d, kind, core.low, core.high)
            d.approximate = d.approximate or core.approximate
            d.qualifier, d.i = phrase, start
    post = t.match_forward(_POSTFIX, core.j)
    if post is not None and not core.vague:
        end, pkind = post
        if end < t.n and (t.low[end] in ("than", "to") or t.kind[end] == _KIND_DIGIT
                or t.low[end] in _NUMBER_START_WORDS
                          or t.match_forward(_CURRENCY_PREFIX, end) is not None):
            return d  # "equal to 5000 or less than 6000": the next phrase qualifies another number
        if pkind == "lower_inclusive" and d.high is not None:
            d.low, d.high, d.low_inc, d.high_inc = core.low, None, True, None
        elif pkind == "upper_inclusive" and d.low is not None:
            d.low, d.high, d.low_inc, d.high_inc = None, core.high, None, True
        elif pkind == "approx_point":
            d.approximate = True
        phrase = " ".join(t.low[core.j:end])
        d.qualifier = f"{d.qualifier} {phrase}" if d.qualifier else phrase
        d.j = end
    # "more than 5000 or equal to": the bound becomes inclusive.
    if d.j + 3 <= t.n and t.low[d.j:d.j + 3] == ["or", "equal", "to"] and not (d.j + 3 < t.n
            and t.kind[d.j + 3] == _KIND_DIGIT):
        if d.low is not None and d.high is None:
            d.low_inc = True
        elif d.high is not None and d.low is None:
            d.high_inc = True
        d.j += 3
    return d


def _range_between(t: _Tokens, a: _Draft, b: _Draft) -> _Draft | None:
    """Join two neighbouring drafts into one range when words between them say so."""
    if a.first.vague or b.first.vague:
        return None
    gap = t.low[a.j:b.i]
    opener_at = a.i - 1
    opener = t.low[opener_at] if opener_at >= 0 else ""
    qualifier_b = b.qualifier is not None and b.qualifier.split()[0] not in ("or",)
    if len(gap) != 1:
        return None
    joiner = gap[0]
    if opener in ("between", "from") and a.qualifier is None and joiner in _JOINERS[opener]:
        pass
    elif (a.qualifier is None or a.approximate and a.low == a.high) and b.qualifier is None \
            and joiner in _JOINERS["bare"]:
        if joiner in _DASHES and not (t.glued(a.j) and t.glued(b.i)) and t.kind[b.i] != _KIND_DIGIT:
            return None
        opener = ""
    else:
        return None
    if opener and opener != "between" and qualifier_b:
        return None
    lo_core, hi_core = a.first, b.last
    lo, hi = lo_core.low, hi_core.high
    # Scale and unit are often stated once: "between 5 and 10 million", "$5 to $10", "5-10 km".
    if not lo_core.scaled and hi_core.scaled:
        for scale in (1e12, 1e9, 1e6, 1e3, 100.0):
            if hi_core.high >= scale and lo * scale <= hi:
                lo *= scale
                break
    unit = a.unit if a.unit != "count" else b.unit
    if a.unit != "count" and b.unit != "count" and a.unit != b.unit:
        return None
    if lo >= hi:
        return None  # "3-1 win", "5 to 4 vote": scores and tallies, not ranges
    if lo_core.year_like and hi_core.year_like and unit == "count":
        return None  # "2014-2016" is a date span
    qualifier = opener or a.qualifier
    if b.qualifier:
        qualifier = f"{qualifier or ''} ... {joiner} {b.qualifier}".strip()
    return _Draft(a.i - (1 if opener and a.qualifier is None else 0), b.j, lo, hi, True, True,
                  a.approximate or b.approximate, False, unit,
                  qualifier, lo_core, hi_core)


def _ratio_joined(t: _Tokens, a: _Draft, b: _Draft) -> _Draft | None:
    """Join "one out of three", "1 in 5", "one over twenty" into one fraction."""
    if a.unit != "count" or b.unit != "count" or a.first is not a.last or b.first is not b.last:
        return None
    if a.qualifier is not None or a.first.vague or b.first.vague or b.first.year_like:
        return None
    gap = t.low[a.j:b.first.i]
    over = b.qualifier == "over" and a.j == b.i
    if not over and (b.qualifier is not None or gap not in (["out", "of"], ["in"])):
        return None
    num, den = a.first.low, b.first.low
    if not (0 < num <= den) and not over or den == 0:
        return None
    value = num / den
    frac = _Core(a.first.i, b.first.j, value, value, fraction=True)
    return _Draft(a.i, b.j, value, value, True, True, a.approximate, False, "fraction", None, frac, frac)


def _bounds_joined(t: _Tokens, a: _Draft, b: _Draft) -> _Draft | None:
    """Join "more than 30 and less than 40" (or the reverse order) into one interval."""
    if b.i - a.j != 1 or t.low[a.j] not in ("and", "but", ",") or "count" not in (a.unit, b.unit) and a.unit != b.unit:
        return None
    unit = b.unit if a.unit == "count" else a.unit
    if a.low is not None and a.high is None and b.low is None and b.high is not None:
        lower, upper = a, b
    elif a.low is None and a.high is not None and b.low is not None and b.high is None:
        lower, upper = b, a
    else:
        return None
    assert lower.low is not None and upper.high is not None
    if lower.low >= upper.high:
        return None
    return _Draft(a.i, b.j, lower.low, upper.high, lower.low_inc, upper.high_inc, a.approximate or b.approximate,
                  False, unit, f"{a.qualifier} ... {t.low[a.j]} {b.qualifier}", a.first, b.last)


def _keep_core(t: _Tokens, core: _Core) -> bool:
    """False for cores that are not quantities even though they read as numbers."""
    low, n = t.low, t.n
    if core.word_one and core.unit == "count" and not core.negated:
        before = low[core.i - 1] if core.i > 0 else ""
        before2 = " ".join(low[max(0, core.i - 2):core.i])
        nxt = core.j
        followed_by_of = nxt < n and low[nxt] == "of"
        if (before in _PRONOUN_ONE_BEFORE or before2 in _PRONOUN_ONE_BEFORE) and not (
                followed_by_of and before not in ("no", "the", "any", "every", "each")):
            return False
        if nxt >= n or t.kind[nxt] != _KIND_WORD:
            return False  # "working as one." / "one, ..."
        ratio = low[nxt] in ("over", "out", "in") and nxt + 1 < n and (
            t.kind[nxt + 1] == _KIND_DIGIT or low[nxt + 1] in _NUMBER_START_WORDS or low[nxt + 1] == "of")
        if low[nxt] != "of" and not ratio and (low[nxt] in _NOUN_STOPS or low[nxt].endswith("ed")
                or low[nxt] == "another"):
            return False  # "One cannot", "one even though", "one said"
    if core.needs_noun:
        nxt = core.j
        if nxt >= n or t.kind[nxt] != _KIND_WORD or (low[nxt] != "of" and low[nxt] in _NOUN_STOPS):
            return False  # "the couple", "a couple said"
    return True


def _is_year(t: _Tokens, d: _Draft, noun: str | None) -> bool:
    """True for a bare four-digit number with nothing that makes it a count: a year."""
    if not (d.first is d.last and d.first.year_like and d.unit == "count" and d.qualifier is None):
        return False
    return noun is None or not any(_is_plural(w.lower()) for w in noun.split() if w.islower())

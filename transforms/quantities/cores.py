"""Number cores: digits with separators, number words, scale words, fractions and vague words."""

from __future__ import annotations

from dataclasses import dataclass

from transforms.quantities.rule_data import (
    _ABBR_SCALES,
    _CURRENCY_PREFIX,
    _DASHES,
    _DOZENS,
    _FRACTIONS,
    _KIND_DIGIT,
    _KIND_SYMBOL,
    _KIND_WORD,
    _LETTER_SCALES,
    _MONEY_LETTER_SCALES,
    _NEGATIVE_WORDS,
    _NUMBER_START_WORDS,
    _SCALE_WORDS,
    _TENS_WORDS,
    _UNIT_WORDS,
    _VAGUE,
)
from transforms.quantities.tokens import _digit_value, _Tokens


@dataclass(slots=True)
class _Core:
    """A number read from tokens [i, j), before qualifiers; mutable while it is being built."""

    i: int
    j: int
    low: float
    high: float
    unit: str = "count"
    scaled: bool = False
    word_one: bool = False
    approximate: bool = False
    vague: bool = False
    needs_noun: bool = False
    year_like: bool = False
    fraction: bool = False
    negated: bool = False


def _number_at(t: _Tokens, i: int, money: bool) -> tuple[float, int, bool, bool] | None:
    """Read one number starting at token i.

    Returns (value, end index, whether a scale word multiplied it, whether it was a bare "one"),
    or None when no number starts there.
    """
    low, kind, raw = t.low, t.kind, t.raw
    n = t.n
    total = 0.0
    cur: float | None = None
    last = ""  # category of the previous token: a, d, u, t, h (hundred), b (big scale), and, frac
    last_scale = 1.0
    scaled = False
    j = i
    words_only = True
    while j < n and not t.masked[j]:
        w = low[j]
        k = kind[j]
        if k == _KIND_DIGIT:
            if last not in ("", "b", "and") or (last and t.glued(j)):
                break
            if last in ("b", "and") and (_digit_value(raw[j]) >= min(last_scale, 1000.0) or not raw[j].isdigit()):
                break
            cur = (cur or 0.0) + _digit_value(raw[j])
            last, words_only = "d", False
            j += 1
            # Glued or spaced abbreviations: "3k", "$2bn", "10 bln", "1,674.5 M", "$5m".
            if j < n and kind[j] == _KIND_WORD:
                scale = _ABBR_SCALES.get(w2 := low[j]) or _LETTER_SCALES.get(raw[j])
                if scale is None and money and t.glued(j):
                    scale = _MONEY_LETTER_SCALES.get(w2)
                if scale is not None and (w2 not in ("k",) or t.glued(j)):
                    total += cur * scale
                    cur, last, last_scale, scaled = None, "b", scale, True
                    j += 1
            continue
        if k != _KIND_WORD:
            # "twenty-five", "fifty - two": a dash between tens and a unit word.
            if w in _DASHES and last == "t" and j + 1 < n and low[j + 1] in _UNIT_WORDS \
                    and 0 < _UNIT_WORDS[low[j + 1]] < 10:
                j += 1
                continue
            break
        if w in ("a", "an") and last == "":
            if j + 1 < n and (low[j + 1] in _SCALE_WORDS or low[j + 1] in _DOZENS):
                cur, last = 1.0, "a"
                j += 1
                continue
            break
        if w in _UNIT_WORDS:
            v = float(_UNIT_WORDS[w])
            if last in ("", "b", "h", "and") or (last == "t" and 0 < v < 10):
                if last in ("b", "and") and v >= last_scale > 1:
                    break
                cur = (cur or 0.0) + v
                last = "u"
                j += 1
                continue
            break
        if w in _TENS_WORDS:
            if last in ("", "b", "h", "and"):
                cur = (cur or 0.0) + _TENS_WORDS[w]
                last = "t"
                j += 1
                continue
            break
        if w == "hundred" and last in ("a", "d", "u", "t"):
            cur = (cur or 1.0) * 100
            last, scaled, last_scale = "h", True, 100.0
            j += 1
            continue
        if w in _SCALE_WORDS and last in ("a", "d", "u", "t", "h"):
            scale = _SCALE_WORDS[w]
            total += (cur or 1.0) * scale
            cur, last, last_scale, scaled = None, "b", scale, True
            j += 1
            continue
        if w in _DOZENS and last in ("a", "d", "u", "t"):
            cur = (cur or 1.0) * _DOZENS[w]
            last, scaled = "h", True
            j += 1
            break
        if w == "and" and last in ("h", "b", "d", "u", "t") and j + 1 < n:
            nxt = low[j + 1]
            # "one and a half", "five and a quarter", "one million and a half".
            if nxt in ("a", "an") and j + 2 < n and low[j + 2] in _FRACTIONS and low[j + 2] not in ("second",):
                frac = 1.0 / _FRACTIONS[low[j + 2]]
                if last == "b":
                    total += frac * last_scale
                else:
                    cur = (cur or 0.0) + frac
                j += 3
                last = "frac"
                if j < n and low[j] in _SCALE_WORDS and low[j] != "hundred":
                    total = (total + (cur or 0.0)) * _SCALE_WORDS[low[j]]
                    cur, scaled = None, True
                    j += 1
                break
            mixed = _fraction_at(t, j + 1) if nxt in _UNIT_WORDS or nxt in _TENS_WORDS else None
            if mixed is not None and mixed[0] < 1:
                if last == "b":
                    total += mixed[0] * last_scale
                else:
                    cur = (cur or 0.0) + mixed[0]
                j, last = mixed[1], "frac"
                break
            if last in ("h", "b") and (nxt in _UNIT_WORDS or nxt in _TENS_WORDS or kind[j + 1] == _KIND_DIGIT):
                last = "and"
                j += 1
                continue
            break
        if w == "point" and last in ("u", "t", "d", "h", "b") and j + 1 < n and (low[j + 1] in _UNIT_WORDS
                or low[j + 1] in _TENS_WORDS):
            digits = ""
            j += 1
            while j < n and (low[j] in _UNIT_WORDS or low[j] in _TENS_WORDS or low[j] in _DASHES):
                if low[j] in _DASHES:
                    j += 1
                    continue
                if low[j] in _TENS_WORDS:
                    tens = _TENS_WORDS[low[j]]
                    if j + 2 < n and low[j + 1] in _DASHES and low[j + 2] in _UNIT_WORDS \
                            and _UNIT_WORDS[low[j + 2]] < 10:
                        digits += str(tens + _UNIT_WORDS[low[j + 2]])
                        j += 3
                        continue
                    digits += str(tens)
                else:
                    if _UNIT_WORDS[low[j]] > 9:
                        break
                    digits += str(_UNIT_WORDS[low[j]])
                j += 1
            cur = (cur or 0.0) + float("0." + digits) if digits else cur
            last = "frac"
            break
        break
    if j == i or last in ("a", "and"):
        return None
    value = total + (cur or 0.0)
    # A fraction read with a denominator word ("two thirds", "a quarter million" is handled by the caller).
    is_one = words_only and j == i + 1 and low[i] == "one"
    return value, j, scaled, is_one


def _fraction_at(t: _Tokens, i: int) -> tuple[float, int] | None:
    """A spoken fraction at token i: "a half", "two thirds", "one twenty-fifth", "half a million"."""
    low, n = t.low, t.n
    w = low[i]
    if w in ("half", "quarter") and i + 1 < n and low[i + 1] in _SCALE_WORDS and low[i + 1] != "hundred":
        return _SCALE_WORDS[low[i + 1]] / _FRACTIONS[w], i + 2
    if w == "half" and i + 2 < n and low[i + 1] in ("a", "an") and low[i + 2] in _SCALE_WORDS:
        return _SCALE_WORDS[low[i + 2]] / 2, i + 3
    numerator: float | None = None
    j = i
    if w in ("a", "an") or w == "one":
        numerator, j = 1.0, i + 1
    elif w in _UNIT_WORDS or w in _TENS_WORDS or t.kind[i] == _KIND_DIGIT:
        got = _number_at(t, i, False)
        if got is None:
            return None
        numerator, j = got[0], got[1]
    if numerator is None or j >= n or t.masked[j]:
        return None
    if low[j] in _DASHES and j + 1 < n and low[j + 1] in _FRACTIONS and numerator != 1.0:
        j += 1  # "five - eighths"
    denom_word = low[j]
    # Compound denominators: "twenty-fifth", "twenty-first".
    base = 0.0
    if denom_word in _TENS_WORDS and j + 2 < n and low[j + 1] in _DASHES and t.glued(j + 1) \
            and (low[j + 2] in _FRACTIONS or low[j + 2] in ("first", "second")):
        base, j = float(_TENS_WORDS[denom_word]), j + 2
        denom_word = low[j]
        if denom_word == "first":
            denom = base + 1
        elif denom_word == "second":
            denom = base + 2
        elif denom_word in _FRACTIONS and _FRACTIONS[denom_word] < 10:
            denom = base + _FRACTIONS[denom_word]
        else:
            return None
    elif denom_word in _FRACTIONS:
        denom = _FRACTIONS[denom_word]
    else:
        return None
    j += 1
    singular = not denom_word.endswith("s") or denom_word == "halves"
    if numerator == 1.0 and not singular and denom_word != "halves":
        return None
    if numerator != 1.0 and singular and denom_word != "half":
        return None
    # "a third" is a fraction before "of", a scale word or the end of a phrase, not in "a third time".
    if numerator == 1.0 and singular:
        nxt = low[j] if j < n else ""
        if not (nxt in ("of", "") or t.kind[j] == _KIND_SYMBOL or nxt in _SCALE_WORDS):
            return None
    value = numerator / denom
    if j < n and low[j] in _SCALE_WORDS and low[j] != "hundred":
        value *= _SCALE_WORDS[low[j]]
        j += 1
    return value, j


def _vague_at(t: _Tokens, i: int) -> tuple[float, float, int, bool] | None:
    """A vague quantifier at token i: (low, high, end index, needs a noun)."""
    hit = t.match_forward(_VAGUE, i)
    if hit is None:
        return None
    j, (lo, hi, needs_of, needs_noun) = hit
    k = j + 1 if j < t.n and t.low[j] == "," else j
    if needs_of and not (k < t.n and t.low[k] == "of"):
        return None
    # "a few" / "several" / "a couple" right after a number are not counts ("the past few years").
    if i > 0 and t.low[i - 1] in ("past", "last", "next", "first", "these", "those", "the", "every"):
        return None
    return lo, hi, j, needs_noun


def _cores(t: _Tokens) -> list[_Core]:
    """Every number core in the paragraph, left to right, not overlapping."""
    out: list[_Core] = []
    low, kind = t.low, t.kind
    n = t.n
    starts = [k for k in range(n) if kind[k] == _KIND_DIGIT or low[k] in _NUMBER_START_WORDS]
    i = 0
    for candidate in starts:
        if candidate < i:
            continue
        i = candidate
        if t.masked[i]:
            continue
        vague = _vague_at(t, i) if kind[i] == _KIND_WORD else None
        if vague is not None:
            lo, hi, j, needs_noun = vague
            approximate = True
            out.append(_Core(i, j, lo, hi, approximate=approximate, vague=True, needs_noun=needs_noun))
            i = j
            continue
        frac = _fraction_at(t, i)
        if frac is not None:
            value, j = frac
            out.append(_Core(i, j, value, value, unit="fraction" if value < 1 else "count", scaled=value >= 1000,
                             fraction=value < 1))
            i = j
            continue
        if kind[i] == _KIND_DIGIT and i + 2 < n and low[i + 1] == "/" and kind[i + 2] == _KIND_DIGIT \
                and t.glued(i + 1) and t.glued(i + 2):
            num, den = _digit_value(t.raw[i]), _digit_value(t.raw[i + 2])
            if t.raw[i].isdigit() and t.raw[i + 2].isdigit() and 0 < num < den <= 16:
                core = _Core(i, i + 3, num / den, num / den, unit="fraction", fraction=True)
                if i > 0 and low[i - 1] in ("-", "−") and t.glued(i) and (i == 1 or not t.glued(i - 1)):
                    core.i, core.low, core.high, core.negated = i - 1, -core.low, -core.high, True
                out.append(core)
            i += 3  # other slashed numbers are dates or scores
            continue
        money = t.match_backward(_CURRENCY_PREFIX, i) is not None
        got = _number_at(t, i, money)
        if got is None:
            i += 1
            continue
        value, j, scaled, is_one = got
        core = _Core(i, j, value, value, scaled=scaled, word_one=is_one)
        if low[i] in ("a", "an") and j > i + 1 and low[i + 1] in _DOZENS:
            core.approximate = True  # "a dozen" is a round figure
        raw = t.raw[i]
        core.year_like = j == i + 1 and kind[i] == _KIND_DIGIT and raw.isdigit() and len(raw) == 4 \
                and 1000 <= value <= 2100
        # A sign: "-9.5", "minus five", but not the hyphen of a range or a label ("T-72").
        if i > 0 and low[i - 1] in ("-", "−") and t.glued(i) and (i == 1 or not t.glued(i - 1)
                or kind[i - 2] == _KIND_SYMBOL and low[i - 2] not in _DASHES):
            if not (i >= 2 and kind[i - 2] == _KIND_DIGIT):
                core.low = core.high = -value
                core.i, core.negated = i - 1, True
        elif i > 0 and low[i - 1] in _NEGATIVE_WORDS:
            core.low = core.high = -value
            core.i, core.negated = i - 1, True
        out.append(core)
        i = j
    return out

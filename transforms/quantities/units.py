"""Currency, unit, age and duration words attached around a number core."""

from __future__ import annotations

from transforms.quantities.cores import _Core, _number_at
from transforms.quantities.nouns import _noun_tokens
from transforms.quantities.rule_data import (
    _AGE_ABBR,
    _AGE_PREFIX,
    _AGE_SUFFIX,
    _CURRENCY_CODES,
    _CURRENCY_PREFIX,
    _CURRENCY_SUFFIX,
    _DASHES,
    _DURATION_HEADS,
    _GLUED_ONLY,
    _KIND_DIGIT,
    _KIND_SYMBOL,
    _KIND_WORD,
    _MEASURES,
    _MILLION_CODES,
    _NOUN_STOPS,
    _NUMBER_START_WORDS,
    _PERCENT,
    _POUNDS,
    _SCALE_WORDS,
    _TIME_UNITS,
)
from transforms.quantities.tokens import _Tokens


def _attach_units(t: _Tokens, core: _Core) -> bool:
    """Read currency, percent, measurement and age words around a core; False when it is a duration."""
    low, n = t.low, t.n
    # Money before the number: "$", "US$", "£", "USD".
    pre = t.match_backward(_CURRENCY_PREFIX, core.i)
    if pre is not None:
        start, code = pre
        # Currency words before a number only in "dollar 22.5 million" style, never "dollars 50" after a number.
        if low[start] not in ("dollar", "dollars", "euro", "euros") or start == 0 or t.kind[start - 1] != _KIND_DIGIT:
            core.unit, core.i = f"currency:{code}", start
    elif core.i > 0 and t.raw[core.i - 1] in _CURRENCY_CODES:
        core.unit, core.i = f"currency:{_CURRENCY_CODES[t.raw[core.i - 1]]}", core.i - 1
    j = core.j
    if core.unit == "count":
        # Money after the number: "5 million yen", "30 MUSD", "200 EUR", "50 cents".
        if j < n and t.raw[j] in _MILLION_CODES:
            core.low *= 1e6
            core.high *= 1e6
            core.unit, core.j = f"currency:{_MILLION_CODES[t.raw[j]]}", j + 1
            return True
        if j < n and t.raw[j] in _CURRENCY_CODES and not (j + 1 < n and t.glued(j + 1)
                and t.kind[j + 1] == _KIND_DIGIT):
            core.unit, core.j = f"currency:{_CURRENCY_CODES[t.raw[j]]}", j + 1
            if core.j < n and low[core.j] in _SCALE_WORDS and not core.scaled:  # "75 USD million"
                core.low *= _SCALE_WORDS[low[core.j]]
                core.high = core.low
                core.j += 1
                core.scaled = True
            _attach_minor(t, core)
            return True
        if j < n and t.kind[j] == _KIND_SYMBOL and (symbol := _CURRENCY_PREFIX.get(low[j])) \
                and len(symbol[-1][0]) == 1 \
                and not (j + 1 < n and (t.kind[j + 1] == _KIND_DIGIT or low[j + 1] in _NUMBER_START_WORDS)):
            core.unit, core.j = f"currency:{symbol[-1][1]}", j + 1  # "10 €", "100 ₡"
            return True
        hit = t.match_forward(_CURRENCY_SUFFIX, j)
        if hit is not None:
            end, code = hit
            core.unit = f"currency:{code}" if code not in ("cent",) else "currency:cent"
            core.j = end
            _attach_minor(t, core)
            return True
        if j < n and low[j] in _POUNDS:
            sterling = j + 1 < n and low[j + 1] == "sterling"
            if core.scaled or sterling:
                core.unit, core.j = "currency:GBP", j + 2 if sterling else j + 1
                return True
            core.unit, core.j = "lb", j + 1
            return True
        hit = t.match_forward(_PERCENT, j)
        if hit is not None:
            core.j, core.unit = hit
            return True
        # Units may hang on a hyphen: "3-inch", "six-mile trip".
        k = j + 1 if j < n and low[j] in _DASHES and t.glued(j) and t.glued(j + 1) else j
        bracket = j + 2 < n and low[j] in ("(", "{", "[") and low[j + 2] in (")", "}", "]")
        hit = t.match_forward(_MEASURES, j + 1) if bracket else None
        if hit is not None and hit[0] == j + 2:
            core.j, core.unit = j + 3, hit[1]  # "20 (kg)"
            return True
        hit = t.match_forward(_MEASURES, k)
        if hit is not None:
            end, unit = hit
            spelled = low[k]
            glued = t.glued(k)
            if not (spelled in _GLUED_ONLY and not glued) and not (end < n and t.glued(end)
                    and t.kind[end] == _KIND_DIGIT):
                core.j, core.unit = end, unit
                if unit == "ft":
                    _attach_inches(t, core)
                return True
        hit = t.match_forward(_TIME_UNITS, k)
        if hit is not None:
            end, unit = hit
            # Adjectival ages: "a 66-year-old", "28 - year - old".
            if end + 1 < n and low[end] in _DASHES and low[end + 1] == "old":
                head = _noun_tokens(t, end + 2, core)
                if head and any(t.low[h] in _DURATION_HEADS for h in head):
                    return False  # "a seven-year-old war" is how long the war has lasted
                core.j, core.unit = end + 2, unit
                return True
            age = t.match_forward(_AGE_SUFFIX, end)
            if age is not None:
                core.j, core.unit = age[0], unit
                return True
            return False  # "three days": a duration, which the date recognizer owns
        age = t.match_forward(_AGE_ABBR, j)
        if age is not None:
            core.j, core.unit = age[0], "year"
            return True
        if t.match_backward(_AGE_PREFIX, core.i) is not None and not core.scaled:
            core.unit = "year"
            return True
        if j < n and low[j] in ("times", "time"):
            return False  # frequencies and multipliers ("3 times") are not counts of things
    elif core.unit.startswith("currency:"):
        # "$ 280 million" is read by the number; "US$ 5 million dollars" repeats the currency.
        hit = t.match_forward(_CURRENCY_SUFFIX, j)
        if hit is not None and hit[1] == core.unit.split(":", 1)[1]:
            core.j = hit[0]
    return True


def _attach_inches(t: _Tokens, core: _Core) -> None:
    """Fold inches into feet: "5 ft 2 in", "six feet four inches"."""
    j = core.j
    if j >= t.n or t.masked[j]:
        return
    got = _number_at(t, j, False)
    if got is None or got[2] or not 0 <= got[0] < 12:
        return
    end = got[1]
    if end < t.n and t.low[end] in ("in", "inch", "inches", '"'):
        core.low = core.high = core.low + got[0] / 12
        core.j = end + 1


def _attach_minor(t: _Tokens, core: _Core) -> None:
    """Fold minor units into a major amount: "3 dollars 50 cents", "thirteen dollars and forty-five"."""
    if core.unit in ("currency:cent", "currency:GBp") or core.scaled:
        return
    j = core.j
    if j < t.n and t.low[j] == "and":
        j += 1
    if j >= t.n or t.masked[j]:
        return
    got = _number_at(t, j, False)
    if got is None:
        return
    cents, end, scaled, _ = got
    if scaled or not 0 < cents < 100 or cents != int(cents):
        return
    if end < t.n and t.match_forward(_CURRENCY_SUFFIX, end) is not None:
        hit = t.match_forward(_CURRENCY_SUFFIX, end)
        assert hit is not None
        if hit[1] not in ("cent", "GBp"):
            return  # "50 dollar 40 rmb": two amounts
        end = hit[0]
    elif end < t.n and (t.kind[end] == _KIND_WORD and t.low[end] not in _NOUN_STOPS or t.low[end] in _DASHES):
        return
    core.low = core.high = core.low + cents / 100
    core.j = end

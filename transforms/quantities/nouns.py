"""The counted noun after a count."""

from __future__ import annotations

from transforms.quantities.cores import _Core
from transforms.quantities.rule_data import (
    _DASHES,
    _IRREGULAR_PLURALS,
    _KIND_SYMBOL,
    _KIND_WORD,
    _MONTHS,
    _NOUN_STOPS,
    _QUOTES,
)
from transforms.quantities.tokens import _is_capitalized, _is_plural, _Tokens


def _noun_tokens(t: _Tokens, j: int, core: _Core) -> list[int]:
    """Token indices of the counted noun starting at token j ("contract soldiers", "Russian men")."""
    low, raw, kind, n = t.low, t.raw, t.kind, t.n
    picked: list[int] = []
    k = j
    single = core.low == 1 and core.high == 1
    while k < n and len(picked) < 4 and not t.masked[k]:
        w = low[k]
        if kind[k] == _KIND_SYMBOL:
            if w in _QUOTES and not picked or (w in _QUOTES and k + 2 < n and low[k + 2] in _QUOTES):
                # Scare quotes inside the noun phrase ('25 "Syrian" fighters') are skipped.
                close = next((m for m in range(k + 1, min(k + 4, n)) if low[m] in _QUOTES), -1)
                if close < 0 or close + 1 >= n or kind[close + 1] != _KIND_WORD:
                    break
                k = close + 1
                continue
            break
        if kind[k] != _KIND_WORD or w in _NOUN_STOPS or w in _MONTHS and _is_capitalized(raw[k]):
            break
        if picked and w.endswith(("ed", "ing")) and w not in _IRREGULAR_PLURALS:
            break
        if picked and len(w) > 4 and w.endswith("ly") and raw[k].islower():
            break
        picked.append(k)
        # Hyphenated compounds stay whole: "pro-government", "Russian-made".
        while k + 2 < n and low[k + 1] in _DASHES and t.glued(k + 1) and t.glued(k + 2) and kind[k + 2] == _KIND_WORD:
            k += 2
            picked.append(k)
        last_word = low[k]
        if not single and raw[k].islower() and _is_plural(last_word):
            break
        if single and raw[k].islower() and not last_word.endswith(("al", "an", "ish", "ese")) and k + 1 < n \
                and (kind[k + 1] != _KIND_WORD or low[k + 1] in _NOUN_STOPS):
            break
        k += 1
    # Do not end on an adjective-like capital followed by nothing ("two Russian") — keep as is; drop
    # trailing compound-only hyphen parts.
    return picked


def _noun_after(t: _Tokens, core: _Core) -> tuple[str | None, int]:
    """The counted noun after a count and the token index where the mention ends."""
    j = core.j
    n = t.n
    if core.unit != "count" or core.fraction:
        return None, j
    k = j
    if k < n and t.low[k] == "of":
        k += 1
        if k < n and t.low[k] in ("the", "its", "his", "her", "their", "our", "these", "those", "my", "your",
                "them", "us"):
            if t.low[k] in ("them", "us"):
                return None, j
            k += 1
    picked = _noun_tokens(t, k, core)
    if not picked:
        return None, j
    words: list[str] = []
    prev_end = -1
    for p in picked:
        if prev_end >= 0 and t.starts[p] > prev_end and not (t.low[p - 1] in _DASHES and t.glued(p)):
            words.append(" ")
        elif prev_end >= 0:
            words.append(t.text[prev_end:t.starts[p]])
        words.append(t.raw[p])
        prev_end = t.ends[p]
    return "".join(words), picked[-1] + 1

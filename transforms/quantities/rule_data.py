"""Rule data from `data/rules/quantities*.yaml`: validated, then compiled into lookup tables once at import."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from transforms._data import rules

_QUALIFIER_KINDS = (
    "lower_exclusive",
    "lower_inclusive",
    "upper_inclusive",
    "upper_exclusive",
    "approx_upper_exclusive",
    "approx_lower_exclusive",
    "approx_point",
    "exact",
)
_POSTFIX_KINDS = ("lower_inclusive", "upper_inclusive", "approx_point")


def _is_number(value: Any) -> bool:
    """True for an int or float that is not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _string_list_errors(where: str, value: Any) -> list[str]:
    """Errors for a value that must be a non-empty list of non-empty strings."""
    if not isinstance(value, list) or not value:
        return [f"{where}: expected a non-empty list"]
    return [f"{where}: bad entry {v!r}" for v in value if not isinstance(v, str) or not v.strip()]


def _number_map_errors(where: str, value: Any) -> list[str]:
    """Errors for a value that must map strings to numbers."""
    if not isinstance(value, dict) or not value:
        return [f"{where}: expected a non-empty mapping"]
    return [f"{where}: bad entry {k!r}: {v!r}" for k, v in value.items() if not isinstance(k, str) or not _is_number(v)]


def rule_errors(name: str, data: Any) -> list[str]:
    """Problems found in one of the quantity rule files.

    Args:
        name: `quantities`, `quantities_units` or `quantities_words`.
        data: the parsed YAML.

    Returns:
        Human-readable errors; empty when the data is usable.
    """
    if not isinstance(data, dict):
        return [f"{name}: top level must be a mapping"]
    errors: list[str] = []
    if name == "quantities":
        words = data.get("number_words", {})
        for key in ("units", "tens", "scales", "abbreviated_scales", "letter_scales", "money_letter_scales",
                    "dozens", "fractions"):
            errors += _number_map_errors(f"number_words.{key}", words.get(key))
        errors += _string_list_errors("number_words.negative", words.get("negative"))
        quals = data.get("qualifiers", {})
        for kind in _QUALIFIER_KINDS:
            errors += _string_list_errors(f"qualifiers.{kind}", quals.get(kind))
        errors += [f"qualifiers: unknown kind {k!r}" for k in quals if k not in _QUALIFIER_KINDS]
        seen: dict[str, str] = {}
        for kind in _QUALIFIER_KINDS:
            for phrase in quals.get(kind) or []:
                if phrase in seen and seen[phrase] != kind:
                    errors.append(f"qualifier {phrase!r} is both {seen[phrase]} and {kind}")
                seen[phrase] = kind
        post = data.get("postfix_qualifiers", {})
        for kind in _POSTFIX_KINDS:
            errors += _string_list_errors(f"postfix_qualifiers.{kind}", post.get(kind))
        joiners = data.get("range_joiners", {})
        for key in ("between", "from", "bare"):
            errors += _string_list_errors(f"range_joiners.{key}", joiners.get(key))
        vague = data.get("vague")
        if not isinstance(vague, list) or not vague:
            errors.append("vague: expected a non-empty list")
        else:
            for entry in vague:
                if not isinstance(entry, dict) or not isinstance(entry.get("phrase"), str):
                    errors.append(f"vague: bad entry {entry!r}")
                elif not (_is_number(entry.get("low")) and _is_number(entry.get("high"))) \
                        or entry["low"] > entry["high"]:
                    errors.append(f"vague {entry['phrase']!r}: needs numbers low <= high")
    elif name == "quantities_units":
        for key in ("currency_prefixes", "currency_suffixes", "currency_code_aliases", "million_codes"):
            table = data.get(key)
            if not isinstance(table, dict) or not table:
                errors.append(f"{key}: expected a non-empty mapping")
                continue
            errors += [f"{key}: bad entry {k!r}" for k, v in table.items()
                       if not isinstance(k, str) or not isinstance(v, str)]
        codes = data.get("currency_codes")
        errors += _string_list_errors("currency_codes", codes)
        errors += [f"currency_codes: {c!r} is not three upper-case letters" for c in codes or []
                   if not (isinstance(c, str) and re.fullmatch(r"[A-Z]{3}", c))]
        for key in ("pounds_word", "percent", "percentage_points", "glued_only", "age_suffixes", "age_prefixes",
                    "age_abbreviations"):
            errors += _string_list_errors(key, data.get(key))
        for key in ("measures", "time_units"):
            table = data.get(key)
            if not isinstance(table, dict) or not table:
                errors.append(f"{key}: expected a non-empty mapping")
                continue
            owner: dict[str, str] = {}
            for unit, spellings in table.items():
                errors += _string_list_errors(f"{key}.{unit}", spellings)
                for s in spellings or []:
                    if s.lower() in owner and owner[s.lower()] != unit:
                        errors.append(f"{key}: {s!r} spells both {owner[s.lower()]} and {unit}")
                    owner[s.lower()] = unit
        for s in data.get("percentage_points") or []:
            if s not in (data.get("percent") or []):
                errors.append(f"percentage_points: {s!r} is not listed under percent")
    elif name == "quantities_words":
        for key in ("noun_stops", "not_plural", "irregular_plurals", "pronoun_one_before", "identifier_heads",
                    "not_identifier_capitals", "duration_heads", "ambiguous_months", "year_before", "time_suffixes"):
            errors += _string_list_errors(key, data.get(key))
            errors += [f"{key}: {v!r} is not lower-case" for v in data.get(key) or []
                       if isinstance(v, str) and v != v.lower()]
        months = data.get("months")
        if not isinstance(months, dict) or not all(isinstance(v, int) and 1 <= v <= 12 for v in months.values()):
            errors.append("months: expected names mapped to 1..12")
        else:
            errors += [f"ambiguous_months: {m!r} is not a month" for m in data.get("ambiguous_months") or []
                       if m not in months]
    else:
        errors.append(f"unknown rule file {name!r}")
    return errors


def _loaded(name: str) -> Any:
    """A rule file, refusing to start with broken rules."""
    data = rules(name)
    errors = rule_errors(name, data)
    if errors:
        raise ValueError(f"data/rules/{name}.yaml: " + "; ".join(errors[:5]))
    return data


_NUM = _loaded("quantities")
_UNITS = _loaded("quantities_units")
_WORDS = _loaded("quantities_words")

# The token pattern also defines how phrases in the rule files are split into tokens.
_TOKEN_RE = re.compile(
    r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,]\d)|\d+(?:\.\d+)?(?:[eE][-+]?\d+(?![\w.]))?|(?<![\w.])\.\d+)"
    r"|([^\W\d_]+(?:['’][^\W\d_]+)?)"
    r"|(\S)"
)
# The same pattern for ASCII text, where the letters of `[^\W\d_]` are exactly A-Z and a-z: the regex
# engine tests a range faster than Unicode categories, and most paragraphs are ASCII.
_ASCII_TOKEN_RE = re.compile(_TOKEN_RE.pattern.replace(r"[^\W\d_]", "[A-Za-z]"))
_KIND_DIGIT, _KIND_WORD, _KIND_SYMBOL = 1, 2, 3  # the group of `_TOKEN_RE` each kind matches


def _phrase(text: str) -> tuple[str, ...]:
    """Lower-case token tuple of a rule phrase."""
    return tuple(m.group(0).lower() for m in _TOKEN_RE.finditer(text))


def _phrase_table(entries: Iterable[tuple[str, Any]]) -> dict[str, list[tuple[tuple[str, ...], Any]]]:
    """Phrases indexed by first token, longest first, for forward matching."""
    table: dict[str, list[tuple[tuple[str, ...], Any]]] = {}
    for text, value in entries:
        toks = _phrase(text)
        if toks:
            table.setdefault(toks[0], []).append((toks, value))
    for options in table.values():
        options.sort(key=lambda item: -len(item[0]))
    return table


def _suffix_table(entries: Iterable[tuple[str, Any]]) -> dict[str, list[tuple[tuple[str, ...], Any]]]:
    """Phrases indexed by last token, longest first, for matching backwards from a number."""
    table: dict[str, list[tuple[tuple[str, ...], Any]]] = {}
    for text, value in entries:
        toks = _phrase(text)
        if toks:
            table.setdefault(toks[-1], []).append((toks, value))
    for options in table.values():
        options.sort(key=lambda item: -len(item[0]))
    return table


_NW = _NUM["number_words"]
_UNIT_WORDS: dict[str, int] = {k: int(v) for k, v in _NW["units"].items()}
_TENS_WORDS: dict[str, int] = {k: int(v) for k, v in _NW["tens"].items()}
_SCALE_WORDS: dict[str, float] = {k: float(v) for k, v in _NW["scales"].items()}
_ABBR_SCALES: dict[str, float] = {k: float(v) for k, v in _NW["abbreviated_scales"].items()}
_LETTER_SCALES: dict[str, float] = {k: float(v) for k, v in _NW["letter_scales"].items()}
_MONEY_LETTER_SCALES: dict[str, float] = {k: float(v) for k, v in _NW["money_letter_scales"].items()}
_DOZENS: dict[str, float] = {k: float(v) for k, v in _NW["dozens"].items()}
_FRACTIONS: dict[str, float] = {k: float(v) for k, v in _NW["fractions"].items()}
_NEGATIVE_WORDS = frozenset(_NW["negative"])

_QUALIFIERS = _suffix_table((p, kind) for kind in _QUALIFIER_KINDS for p in _NUM["qualifiers"][kind])
_POSTFIX = _phrase_table((p, kind) for kind in _POSTFIX_KINDS for p in _NUM["postfix_qualifiers"][kind])
_JOINERS: dict[str, frozenset[str]] = {k: frozenset(v) for k, v in _NUM["range_joiners"].items()}
_VAGUE = _phrase_table(
    (e["phrase"], (float(e["low"]), float(e["high"]), bool(e.get("needs_of")), bool(e.get("needs_noun"))))
    for e in _NUM["vague"]
)

_CURRENCY_PREFIX = _suffix_table((p, code) for p, code in _UNITS["currency_prefixes"].items())
_CURRENCY_SUFFIX = _phrase_table((p, code) for p, code in _UNITS["currency_suffixes"].items())
_CODE_ALIASES: dict[str, str] = dict(_UNITS["currency_code_aliases"])
_CURRENCY_CODES: dict[str, str] = {c: _CODE_ALIASES.get(c, c) for c in _UNITS["currency_codes"]}
_MILLION_CODES: dict[str, str] = dict(_UNITS["million_codes"])
_POUNDS = frozenset(_UNITS["pounds_word"])
_PERCENT = _phrase_table(
    (p, "percentage point" if p in _UNITS["percentage_points"] else "percent") for p in _UNITS["percent"]
)
_MEASURES = _phrase_table((s, unit) for unit, spellings in _UNITS["measures"].items() for s in spellings)
_GLUED_ONLY = frozenset(s.lower() for s in _UNITS["glued_only"])
_TIME_UNITS = _phrase_table((s, unit) for unit, spellings in _UNITS["time_units"].items() for s in spellings)
_AGE_SUFFIX = _phrase_table((p, True) for p in _UNITS["age_suffixes"])
_AGE_PREFIX = _suffix_table((p, True) for p in _UNITS["age_prefixes"])
_AGE_ABBR = _phrase_table((p, True) for p in _UNITS["age_abbreviations"])

_NOUN_STOPS = frozenset(_WORDS["noun_stops"])
_NOT_PLURAL = frozenset(_WORDS["not_plural"])
_IRREGULAR_PLURALS = frozenset(_WORDS["irregular_plurals"])
_PRONOUN_ONE_BEFORE = frozenset(_WORDS["pronoun_one_before"])
_IDENTIFIER_HEADS = frozenset(_WORDS["identifier_heads"])
_NOT_IDENTIFIER_CAPITALS = frozenset(_WORDS["not_identifier_capitals"])
_DURATION_HEADS = frozenset(_WORDS["duration_heads"])
_MONTHS: dict[str, int] = dict(_WORDS["months"])
_AMBIGUOUS_MONTHS = frozenset(_WORDS["ambiguous_months"])
_YEAR_BEFORE = _suffix_table((p, True) for p in _WORDS["year_before"])
_TIME_SUFFIX = _phrase_table((p, True) for p in _WORDS["time_suffixes"])

_NUMBER_START_WORDS = frozenset(
    set(_UNIT_WORDS) | set(_TENS_WORDS) | {"a", "an", "half", "quarter"} | set(_VAGUE)
)
# A paragraph with no digit and none of these words cannot hold a quantity: skip it untokenized.
_TRIGGER_WORDS = frozenset((_NUMBER_START_WORDS - {"a", "an"}) | set(_FRACTIONS) | {"dozen", "couple", "few"})
_CHECK_EVERY = 0x3F  # look at the budget once per 64 numbers
_DIGIT_RE = re.compile(r"\d")
_LOWER_WORD_RE = re.compile(r"[a-z]+")
# Runs of digits that are phone numbers, version strings, IP addresses or numeric dates.
_NON_QUANTITY_RE = re.compile(
    # The lookahead lets the scan skip every position that cannot start one of these quickly.
    r"(?=[+(\d])(?:(?<![\w.])\+\d[\d\-\u2013 ().]{6,}\d"
    r"|(?<![\w.\-])\(?\d{3}\)?[-. ]\d{3}[-.]\d{4}(?![\w-])"
    r"|(?<![\w.\-])\d{1,5}(?:-\d{1,5}){2,}(?![\w-])"
    r"|(?<![\w.])\d+(?:\.\d+){2,}(?![\w])"
    r"|(?<![\w/])\d{1,4}/\d{1,2}/\d{1,4}(?![\w/])"
    r"|(?<![\w:])\d{1,2}:\d{2}(?::\d{2})?(?![\w:]))"
)
# "1." or "2)" opening a line is a list marker.
_LIST_MARKER_RE = re.compile(r"(?m)^[ \t]*(\(?\d{1,2}[.)])[ \t]+(?=\S)")
_ORDINAL_SUFFIX = frozenset({"st", "nd", "rd", "th"})
_QUOTES = frozenset('"“”‘’\'«»')
_DASHES = frozenset({"-", "–", "—"})
_PLURAL_NOT_S_END = ("ss", "us", "is", "ous")

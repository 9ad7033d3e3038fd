"""Metadata fields made safe to store: typed, valid Unicode, without directional controls, capped.

Metadata arrives from JSON lines, sidecars, HTML and WARC headers, and any of it may be hostile: a list
where a URL belongs, a lone surrogate from a `\\udfff` escape (it cannot be written as UTF-8), a
right-to-left override in a title, two million characters of "title". Each guard returns the value to
store (None when there is none) and the repairs it made, labelled `<field>:<what>` for `articles.repairs`.
Caps, field lists and language codes are data: `data/rules/metadata.yaml`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from transforms._data import checked_rules

_SURROGATE = re.compile(r"[\ud800-\udfff]")
_BIDI_CONTROL = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
# C0 and C1 controls (tab and line breaks are whitespace, collapsed by strip or by cleaning).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LANGUAGE_SUBTAG = re.compile(r"[-_]")
REPLACEMENT = "\ufffd"


def metadata_rule_errors(data: Any) -> list[str]:
    """Problems in the metadata rules file (empty when it is valid)."""
    if not isinstance(data, Mapping):
        return ["top level must be a mapping"]
    errors: list[str] = []
    caps = data.get("caps")
    if not isinstance(caps, Mapping) or not caps:
        errors.append("caps: must map field names to positive integers")
    else:
        errors += [f"caps.{k}: must be a positive integer" for k, v in caps.items()
                   if not isinstance(v, int) or isinstance(v, bool) or v < 1]
    for key in ("integer_ids", "bidi_fields"):
        fields = data.get(key)
        if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
            errors.append(f"{key}: must be a list of field names")
        elif isinstance(caps, Mapping):
            errors += [f"{key}: {f} has no cap" for f in fields if f not in caps]
    codes = data.get("iso639_1")
    if not isinstance(codes, list) or not all(isinstance(c, str) and re.fullmatch(r"[a-z]{2}", c) for c in codes):
        errors.append("iso639_1: must be a list of two-letter lower-case codes (quote `no`)")
        codes = []
    elif len(set(codes)) != len(codes):
        errors.append("iso639_1: duplicate codes")
    withdrawn = data.get("withdrawn_iso639_1")
    if not isinstance(withdrawn, Mapping) or not all(
        isinstance(k, str) and re.fullmatch(r"[a-z]{2}", k) and v in codes for k, v in withdrawn.items()
    ):
        errors.append("withdrawn_iso639_1: must map two-letter codes to codes of iso639_1")
    return errors


def _checked() -> Mapping[str, Any]:
    return checked_rules("metadata", metadata_rule_errors)


_RULES = _checked()
CAPS: Mapping[str, int] = dict(_RULES["caps"])
_INTEGER_IDS = frozenset(_RULES["integer_ids"])
_BIDI_FIELDS = frozenset(_RULES["bidi_fields"])
_LANGUAGES = frozenset(_RULES["iso639_1"])
_WITHDRAWN: Mapping[str, str] = dict(_RULES["withdrawn_iso639_1"])


def valid_unicode(text: str) -> tuple[str, bool]:
    """`text` with lone surrogates (never valid in UTF-8) replaced by U+FFFD, and whether there were any."""
    if text.isascii() or not _SURROGATE.search(text):
        return text, False
    return _SURROGATE.sub(REPLACEMENT, text), True


def guarded_text(field: str, value: Any) -> tuple[str | None, tuple[str, ...]]:
    """A metadata text field as it may be stored, and the repairs made to it.

    Args:
        field: the field's metadata name (`title`, `url`, `source`, ...): picks its cap and rules.
        value: the value as read (any JSON type, or None).

    Returns:
        The stripped text, or None when the value is absent, empty or not a string (an integer for `id`
        and `story_id`); repairs: `<field>:not_string`, `:surrogates`, `:bidi_controls`,
        `:control_chars`, `:truncated`, `:too_large` (an integer too long to print).
    """
    if value is None:
        return None, ()
    if isinstance(value, int) and not isinstance(value, bool) and field in _INTEGER_IDS:
        try:
            value = str(value)
        except ValueError:  # past Python's 4,300-digit conversion limit: far over any cap, and unprintable
            return None, (f"{field}:too_large",)
    if not isinstance(value, str):
        return None, (f"{field}:not_string",)
    repairs: list[str] = []
    text, had_surrogates = valid_unicode(value)
    if had_surrogates:
        repairs.append(f"{field}:surrogates")
    if not text.isascii():
        if field in _BIDI_FIELDS and _BIDI_CONTROL.search(text):
            text = _BIDI_CONTROL.sub("", text)
            repairs.append(f"{field}:bidi_controls")
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
        repairs.append(f"{field}:control_chars")
    text = text.strip()
    cap = CAPS.get(field)
    if cap is not None and len(text) > cap:
        text = text[:cap].rstrip()
        repairs.append(f"{field}:truncated")
    return text or None, tuple(repairs)


def guarded_language(value: Any) -> tuple[str | None, tuple[str, ...]]:
    """The ISO 639-1 code a `language` value names (`en-GB` -> `en`), or None with a repair note.

    Returns:
        The code, or None when absent (no repair) or not a language code (`language:invalid`, or the
        repairs of `guarded_text` when it is not even usable text).
    """
    text, repairs = guarded_text("language", value)
    if text is None:
        return None, repairs
    primary = _LANGUAGE_SUBTAG.split(text, maxsplit=1)[0].lower()
    primary = _WITHDRAWN.get(primary, primary)
    if primary in _LANGUAGES:
        return primary, repairs
    return None, (*repairs, "language:invalid")

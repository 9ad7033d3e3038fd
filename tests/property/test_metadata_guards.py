"""The metadata guards take any JSON value and leave only storable, capped text without controls."""

from __future__ import annotations

from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from tests.property.checks import check_guarded, storable
from tests.property.strategies import META_FIELDS, any_text, meta_value
from transforms.metadata import CAPS, guarded_language, guarded_text, valid_unicode

_TEXT_FIELDS = tuple(f for f in CAPS if f != "language")


@st.composite
def _field_and_value(draw: st.DrawFn) -> tuple[str, Any]:
    field = draw(st.sampled_from(_TEXT_FIELDS))
    return field, draw(meta_value(field))


@given(_field_and_value())
@example(("id", 10**5000))  # an integer past Python's 4,300-digit str() limit
@example(("story_id", -(10**400)))
@example(("title", "\u202e\u2066 \x00title\x9f \u2069"))
@example(("url", " \ud800" * 3000))
def test_guarded_text_takes_any_value(case: tuple[str, Any]) -> None:
    field, value = case
    text, repairs = guarded_text(field, value)
    check_guarded(field, text)
    assert all(r.startswith(f"{field}:") for r in repairs), repairs
    if isinstance(value, str) and text is None:
        assert not value.strip() or repairs, "a non-blank string vanished without a repair note"


@given(_field_and_value())
def test_guarded_text_is_idempotent(case: tuple[str, Any]) -> None:
    field, value = case
    text, _ = guarded_text(field, value)
    assert guarded_text(field, text) == (text, ())


@given(st.one_of(meta_value("language"), st.from_regex(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8}){0,3}", fullmatch=True)))
def test_guarded_language_is_a_code_or_none(value: Any) -> None:
    code, repairs = guarded_language(value)
    check_guarded("language", code)
    assert code is None or (len(code) == 2 and code.isascii() and code.islower())
    assert code is None or guarded_language(code) == (code, ())
    if value is not None and value != "" and code is None:
        assert repairs, value


@given(any_text)
def test_valid_unicode_leaves_storable_text_of_the_same_length(text: str) -> None:
    fixed, had = valid_unicode(text)
    assert storable(fixed) and len(fixed) == len(text)
    assert had == (fixed != text)
    assert valid_unicode(fixed) == (fixed, False)


@given(st.fixed_dictionaries({}, optional={f: st.deferred(lambda f=f: meta_value(f)) for f in META_FIELDS}))
def test_every_field_guard_on_a_whole_record(record: dict[str, Any]) -> None:
    for field in META_FIELDS:
        if field == "language":
            check_guarded(field, guarded_language(record.get(field))[0])
        elif field != "published":
            check_guarded(field, guarded_text(field, record.get(field))[0])

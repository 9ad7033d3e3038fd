"""Hypothesis strategies shared by the property suite: hostile Unicode, news-like text, JSON values, files."""

from __future__ import annotations

import datetime as dt
import gzip
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st


def examples(share: float) -> int:
    """A share of the loaded profile's `max_examples`, for tests whose examples cost more than most."""
    return max(5, int(settings().max_examples * share))


# Characters that break naive text code: lone surrogates, bidi controls, zero-width and C0/C1 controls,
# line and paragraph separators, combining marks, full-width and Arabic-Indic digits, astral symbols.
_NASTY = [
    "\ud800", "\udfff", "\u202e", "\u2066", "\u200b", "\ufeff", "\u00ad", "\x00", "\x1f", "\x85", "\x9f",
    "\u2028", "\u2029", "\r", "\r\n", "\t", "\x0b", "\x0c", "\u0301", "\u00a0", "\u3000", "\uff13", "\u0663",
    "\u00bd", "\u00b2", "\U0001f600", "\U00010000", "\ufffd", "&amp;", "&#0;", "&#x110000;", "Ã©", "ﬁ",
]

_pieces = st.one_of(
    st.characters(),  # any code point but surrogates
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),  # lone surrogates
    st.sampled_from(_NASTY),
)
any_text = st.lists(_pieces, max_size=60).map("".join)
valid_text = st.text(st.characters(), max_size=80)  # what a reader can hand on: never a lone surrogate

# Pieces of news prose that reach deep into the date, quantity and place rules, including edge values.
_NEWS_PIECES = [
    "On", "on", "Tuesday", "last", "next", "week", "year", "ago", "the following day", "since", "until", "by",
    "February 14, 2018", "14 February 2018", "Feb. 29, 2019", "2018-02-14", "2/30/2020", "9999", "0000", "0",
    "December 31, 9999", "January 1, 0001", "the 1990s", "Q4", "fiscal 2019", "1800", "31/12/1799",
    "March", "Sept.", "mid-", "early", "late", "summer", "dawn", "noon", "3pm", "23:59", "24:00",
    "2,019", "800,000", "24,228", "days ago", "weeks ago", "months ago", "years ago", "decades ago", "centuries ago",
    "more than", "at least", "up to", "nearly", "about", "between", "and", "to", "-", "–", "or",
    "12", "1,200", "3.5", "1.2.3", "10^400", "1e308", "1e999", "9" * 40, "0.000001", "-7", "½", "²",
    "million", "billion", "trillion", "dozen", "hundreds", "thousands of", "per cent", "%", "$", "£", "€",
    "km", "miles", "kg", "tonnes", "mph", "°C", "people", "homes", "survivors", "a third of",
    "Paris", "London", "Ontario", "New York", "Springfield", "Georgia", "Washington", "Jordan", "Nice",
    "north of", "in", "of", "near", "New South Wales", "Sydney", "Lagos", "Mr", "Ms.", "said", "Reuters",
    "By Jane Doe", "(AP) —", "PARIS —", "Follow us", "Advertisement", "©", "http://x.com/2019/03/18/a",
    ",", ".", ";", ":", "!", "?", '"', "'", "(", ")", "/", "\n", "\n\n", " ", "  ",
]
news_piece = st.one_of(st.sampled_from(_NEWS_PIECES), st.sampled_from(_NASTY), st.text(max_size=4))
news_text = st.lists(news_piece, max_size=60).map(" ".join)
news_paragraph = st.lists(st.sampled_from(_NEWS_PIECES[:-6]), min_size=1, max_size=40).map(" ".join)
article_body = st.lists(st.one_of(news_paragraph, news_text, any_text), min_size=1, max_size=8).map("\n\n".join)

# Anchor dates: the realistic range (published dates survive bounds of 1800 .. the run's time) and the
# extremes of `datetime.date`, which relative expressions must not push out of range.
anchors = st.one_of(
    st.none(),
    st.dates(dt.date(1800, 1, 1), dt.date(2100, 12, 31)),
    st.sampled_from([dt.date.min, dt.date.max, dt.date(1, 12, 31), dt.date(9999, 1, 1)]),
)

# JSON values of every type, including what `json` reads but other parsers refuse: NaN, infinities,
# 4,000-digit integers, floats at the edge of the range, lone surrogates in strings and keys.
json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.sampled_from([10**4000, -(10**4000), 2**63, -(2**63) - 1]),
    st.floats(), any_text,
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(any_text, inner, max_size=4)),
    max_leaves=12,
)

# Every field a JSON line or sidecar may carry, and values for it: anything, or something close to right.
META_FIELDS = ("id", "url", "source", "story_id", "title", "author", "language", "published")
_NEAR_VALUES = {
    "language": st.sampled_from(["en", "en-GB", "pt_BR", "iw", "EN", "xx", "", " en ", "\u202een"]),
    "published": st.one_of(
        st.dates().map(dt.date.isoformat), st.sampled_from(["2019-02-30", "0000-00-00", "1970-01-01T00:00:00Z",
                                                             "9999-12-31", "2019-13-01", "  2019-01-01 "])),
    "url": st.sampled_from(["https://example.com/2019/03/18/story", "javascript:alert(1)", "\u202ehttps://x"]),
}


def meta_value(field: str) -> st.SearchStrategy[Any]:
    """A value for a metadata field: any JSON value, an over-long string, or a near-valid one."""
    long_text = st.integers(1, 3000).map(lambda n: ("\u202eA\x00 " * n)[: n * 3])
    return st.one_of(json_values, long_text, _NEAR_VALUES.get(field, any_text))


meta_records = st.fixed_dictionaries(
    {}, optional={**{f: st.deferred(lambda f=f: meta_value(f)) for f in META_FIELDS}, "extra": json_values},
)
jsonl_records = st.fixed_dictionaries(
    {}, optional={
        **{f: st.deferred(lambda f=f: meta_value(f)) for f in META_FIELDS},
        "text": st.one_of(article_body, json_values), "html": st.one_of(st.just("<p>" + "Words here. " * 20), any_text),
    },
)


def encoded(text: str) -> bytes:
    """UTF-8 bytes of `text`, lone surrogates written as the broken bytes some producers emit."""
    return text.encode("utf-8", "surrogatepass")


# File names for every format, plain and gzipped.
FORMAT_NAMES = ("a.txt", "a.text", "a.html", "a.htm", "a.jsonl", "a.ndjson", "a.warc", "a.src")
file_names = st.sampled_from(FORMAT_NAMES).flatmap(lambda n: st.sampled_from([n, n + ".gz", n.upper()]))


def maybe_gzipped(name: str, data: bytes) -> bytes:
    """`data` as a file named `name` holds it: gzip-compressed when the name says so."""
    return gzip.compress(data, mtime=0) if name.lower().endswith(".gz") else data

"""Readers never raise and never hand on what later steps cannot store, whatever the bytes or JSON values."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.property.checks import check_guarded, check_parsed
from tests.property.strategies import (
    any_text,
    article_body,
    encoded,
    examples,
    file_names,
    jsonl_records,
    maybe_gzipped,
    meta_records,
    valid_text,
)
from transforms.formats import (
    MULTINEWS_ARTICLE_SEP,
    MULTINEWS_NEWLINE,
    articles_from_multinews,
    parsed_file,
    sidecar_meta,
)
from transforms.metadata import guarded_text

# One well-formed file per format, for mutation: most random bytes never get past the first check.
_TXT = b"Harbour reopens\n\nThe harbour reopened on Tuesday after 3 days of storms, officials in Dover said.\n"
_HTML = (b"<html><head><title>Harbour reopens</title><meta name='date' content='2019-03-18'></head><body>"
         b"<article><h1>Harbour reopens</h1><p>The harbour reopened on Tuesday after 3 days of storms, "
         b"officials in Dover said. Ferries will resume next week.</p></article></body></html>")
_JSONL = (b'{"id": 1, "text": "The harbour reopened on Tuesday.", "published": "2019-03-18", "language": "en"}\n'
          b'{"id": "b", "html": "<html><body><article><p>More than 40 ships waited at anchor off Antwerp on '
          b'Monday, and the union said talks with employers would resume in Brussels next Tuesday.</p><p>Dock '
          b'workers extended their walkout for a second week as the port authority warned of shortages.</p>'
          b'</article></body></html>"}\n')
_SRC = (b"The harbour reopened on Tuesday. NEWLINE_CHAR NEWLINE_CHAR Ferries resume. ||||| "
        b"Ships waited off Dover.\nSecond story line ||||| more\n")


def _warc_record(headers: dict[str, bytes], http: bytes, payload: bytes) -> bytes:
    block = http + b"\r\n" + payload
    head = b"".join(k.encode() + b": " + v + b"\r\n" for k, v in headers.items())
    return b"WARC/1.0\r\n" + head + b"Content-Length: " + str(len(block)).encode() + b"\r\n\r\n" + block + b"\r\n\r\n"


_WARC = _warc_record(
    {"WARC-Type": b"response", "WARC-Record-ID": b"<urn:uuid:1>", "WARC-Date": b"2019-03-18T10:00:00Z",
     "WARC-Target-URI": b"https://example.com/2019/03/18/harbour"},
    b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n", _HTML,
)
SEEDS = {"a.txt": _TXT, "a.html": _HTML, "a.jsonl": _JSONL, "a.warc": _WARC, "a.src": _SRC}


def test_seed_files_are_read_whole() -> None:
    """The mutation test starts from files that read cleanly, so its mutants are near-valid inputs."""
    for name, data in SEEDS.items():
        articles, rejects = parsed_file(f"/in/{name}", data)
        assert articles and not rejects, (name, rejects)


@settings(max_examples=examples(2.0))
@given(file_names, st.binary(max_size=3000), st.booleans())
@example("a.txt.gz", b"\x1f\x8b\x08\x00", False)  # a gzip header and nothing after it
@example("a.jsonl", b"[" * 100_000, False)
@example("a.warc", b"WARC/1.0\r\n\r\n", False)
def test_random_bytes_in_every_format(name: str, data: bytes, compress: bool) -> None:
    data = maybe_gzipped(name, data) if compress else data
    check_parsed(parsed_file(f"/in/{name}", data), f"/in/{name}")


@st.composite
def _mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(SEEDS)))
    data = bytearray(SEEDS[name])
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        if action == "truncate":
            del data[at:]
        elif action == "delete":
            del data[at:at + draw(st.integers(1, 40))]
        elif action == "insert":
            data[at:at] = draw(st.one_of(st.binary(min_size=1, max_size=20), any_text.map(encoded)))
        elif at < len(data):
            data[at] = draw(st.integers(0, 255))
    return draw(st.sampled_from([name, name + ".gz"])), bytes(data)


@settings(max_examples=examples(2.0))
@given(_mutated())
def test_mutated_files_of_every_format(case: tuple[str, bytes]) -> None:
    name, data = case
    check_parsed(parsed_file(f"/in/{name}", maybe_gzipped(name, data)), f"/in/{name}")


# Lines no JSON writer produces but files contain: deep nesting, an integer past Python's digit limit,
# truncation, bare values, NaN, a lone surrogate written raw.
_BAD_LINES = ["[" * 50_000 + "]" * 50_000, '{"text": ' + "9" * 5000 + "}", '{"text": "cut', "42", "NaN",
              '{"text": "a\udc80b"}', '{"a":' * 3000 + "1" + "}" * 3000, '{"text": "x", "id": 1e400}']


@settings(max_examples=examples(1.0))
@given(st.lists(st.one_of(jsonl_records, st.sampled_from(_BAD_LINES)), min_size=1, max_size=6), st.booleans(),
       st.one_of(st.none(), meta_records))
def test_jsonl_fields_take_any_json_value(records: list[Any], ascii_only: bool, meta: dict[str, Any] | None) -> None:
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=ascii_only) for r in records]
    data = encoded("\n".join(lines))
    articles, rejects = parsed_file("/in/a.jsonl", data, meta)
    check_parsed((articles, rejects), "/in/a.jsonl")
    valid_utf8 = data.decode("utf-8", "replace").encode("utf-8") == data
    if valid_utf8:  # otherwise the whole file was decoded by detection, and its lines may read differently
        assert len(articles) + len(rejects) == sum(1 for line in lines if line.strip()), (articles, rejects)


@settings(max_examples=examples(1.0))
@given(st.one_of(st.binary(max_size=500), any_text.map(encoded),
                 st.sampled_from([b'{"title": ' + b"9" * 5000 + b"}", b"[" * 100_000, b"\xef\xbb\xbf{}", b"{}"])))
def test_any_sidecar_bytes_give_metadata_or_one_reject(data: bytes) -> None:
    meta, reject = sidecar_meta("/in/a.meta.json", data)
    assert (meta is None) != (reject is None)
    assert meta is None or isinstance(meta, dict)
    if reject is not None:
        check_parsed(([], [reject]), "/in/a.meta.json")


@settings(max_examples=examples(1.0))
@given(meta_records, st.booleans(), article_body)
def test_sidecar_fields_take_any_json_value(record: dict[str, Any], ascii_only: bool, body: str) -> None:
    meta, reject = sidecar_meta("/in/a.meta.json", encoded(json.dumps(record, ensure_ascii=ascii_only)))
    if reject is not None:  # raw surrogates are not UTF-8: the sidecar is refused, whole
        assert not ascii_only
        return
    assert meta is not None
    articles, rejects = parsed_file("/in/a.txt", body.encode("utf-8", "replace"), meta)
    check_parsed((articles, rejects), "/in/a.txt")
    for a in articles:
        for key, attr in (("url", "url"), ("source", "source_name"), ("story_id", "story_id"), ("author", "author")):
            stated, _ = guarded_text(key, meta.get(key))
            if stated is not None:  # metadata wins over what the content says
                assert getattr(a, attr) == stated, (key, stated, getattr(a, attr))
            check_guarded(key, getattr(a, attr))


_header_text = st.text(st.characters(exclude_characters="\r\n"), max_size=60).map(encoded)


@settings(max_examples=examples(1.0))
@given(
    _header_text, _header_text, _header_text, _header_text,
    st.one_of(st.just(_HTML), st.binary(max_size=300), any_text.map(encoded)),
    st.integers(1, 3),
)
@example(b"<x>", b"not a date", b"https://e.com/\xe2\x80\xae", b"text/html; charset=no-such-codec", _HTML, 1)
@example(b"<x>", b"9999-99-99", b"", b"text/html; charset=utf-16", _HTML, 1)
def test_warc_header_values_and_payloads(record_id: bytes, date: bytes, target: bytes, content_type: bytes,
                                         payload: bytes, copies: int) -> None:
    headers = {"WARC-Type": b"response", "WARC-Record-ID": record_id, "WARC-Date": date, "WARC-Target-URI": target}
    http = b"HTTP/1.1 200 OK\r\nContent-Type: " + content_type + b"\r\n"
    data = _warc_record(headers, http, payload) * copies
    check_parsed(parsed_file("/in/a.warc", data), "/in/a.warc")
    check_parsed(parsed_file("/in/a.warc.gz", maybe_gzipped("a.warc.gz", data)), "/in/a.warc.gz")


_multinews_piece = st.one_of(valid_text, st.sampled_from([MULTINEWS_ARTICLE_SEP, MULTINEWS_NEWLINE, "\n", " "]))


@settings(max_examples=examples(1.0))
@given(st.lists(_multinews_piece, max_size=30).map("".join))
def test_multinews_lines_of_any_text(text: str) -> None:
    articles, rejects = articles_from_multinews("/in/a.src", text)
    check_parsed((articles, rejects), "/in/a.src")
    assert articles or rejects
    for a in articles:
        assert a.story_id is not None

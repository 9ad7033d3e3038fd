"""Hostile inputs to every reader: each bad record is a reject or a repaired article, the good ones are articles.

Issue 16, part 3. The cases that used to fail a whole run (a 5,000-digit integer, 200,000-deep nesting, a lone
surrogate in a title) and the unbounded or mistyped fields (a 2,000,000-character title, a list for a URL, a
right-to-left override, an invalid language code).
"""

from __future__ import annotations

import datetime as dt
import gzip
import json

from transforms.formats import RawArticle, Reject, parsed_file, sidecar_meta
from transforms.records import article_rows, prepared_article

INGESTED = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
GOOD = "The harbour reopened on Tuesday after three weeks of repairs, the port authority said."
HUGE_INT = "9" * 5000
DEEP = "[" * 200_000 + "]" * 200_000


def _line(**fields: object) -> str:
    return json.dumps({"text": GOOD, **fields})


def _by_uri(items: list[RawArticle] | list[Reject]) -> dict[str, RawArticle | Reject]:
    return {item.source_uri.rsplit("#", 1)[-1]: item for item in items}


def _storable(raw: RawArticle) -> dict[str, object]:
    """The article's warehouse row, checked to be writable as UTF-8 (what used to fail a whole part)."""
    row = article_rows(prepared_article(raw, INGESTED), "run", INGESTED)["articles"][0]
    for value in row.values():
        if isinstance(value, str):
            value.encode("utf-8")
    return row


HOSTILE_JSONL = "\n".join([
    _line(id="good-1", title="Harbour reopens"),
    '{"id": "big", "text": "x", "views": ' + HUGE_INT + "}",
    DEEP,
    '{"id": "surrogate-title", "title": "Bad \\udfff title", "text": "' + GOOD + '"}',
    '{"id": "surrogate-text", "text": "Bad \\udfff text. ' + GOOD + '"}',
    _line(id="list-url", url=[1, 2]),
    _line(id="huge-title", title="T" * 2_000_000),
    _line(id="rlo-title", title="invoice \u202egnp.exe", author="\u202eAnn Lee", source="\u2066Example News\u2069"),
    _line(id="bad-language", language="1x"),
    _line(id="future", published="2999-01-01"),
    _line(id="ancient", published="0001-01-01"),
    _line(id=["a", "list"], title="an id that is a list"),
    _line(id=42, title="an integer id"),
    '{"id": "surrogate-html", "html": "<html><body><article><p>' + GOOD + ' \\udfff ' + GOOD
    + '</p></article></body></html>"}',
    _line(id="good-2", title="Ferries return"),
])


def test_hostile_jsonl_lines_cost_only_themselves() -> None:
    articles, rejects = parsed_file("hostile.jsonl", HOSTILE_JSONL.encode())
    bad = _by_uri(rejects)
    assert set(bad) == {"2", "3"}  # the 5,000-digit number and the deep nesting, by line number
    assert all(r.reason == "bad_json" and r.stage == "parse" for r in rejects)
    assert "4300 digits" in bad["2"].detail and "nested too deeply" in bad["3"].detail
    got = _by_uri(articles)
    assert {"good-1", "good-2"} <= set(got)
    assert len(articles) == 13
    for raw in articles:
        _storable(raw)


def test_hostile_jsonl_fields_are_repaired_and_recorded() -> None:
    articles, _ = parsed_file("hostile.jsonl", HOSTILE_JSONL.encode())
    rows = {raw.source_uri.rsplit("#", 1)[-1]: _storable(raw) for raw in articles}
    assert rows["surrogate-title"]["title"] == "Bad \ufffd title"
    assert "title:surrogates" in rows["surrogate-title"]["repairs"]
    assert rows["surrogate-text"]["text"].startswith("Bad \ufffd text.")
    assert "surrogates" in rows["surrogate-text"]["repairs"].split(",")
    assert rows["list-url"]["url"] is None and "url:not_string" in rows["list-url"]["repairs"]
    assert len(rows["huge-title"]["title"]) == 1000 and "title:truncated" in rows["huge-title"]["repairs"]
    rlo = rows["rlo-title"]
    assert (rlo["title"], rlo["author"], rlo["source_name"]) == ("invoice gnp.exe", "Ann Lee", "Example News")
    assert {"title:bidi_controls", "author:bidi_controls", "source:bidi_controls"} <= set(rlo["repairs"].split(","))
    assert rows["bad-language"]["language"] == "en"  # the invalid code is dropped; the text says English
    assert "language:invalid" in rows["bad-language"]["repairs"]
    assert rows["future"]["published_date"] is None and "published:future" in rows["future"]["repairs"]
    assert rows["ancient"]["published_date"] is None and "published:too_old" in rows["ancient"]["repairs"]
    assert rows["12"]["title"] == "an id that is a list" and "id:not_string" in rows["12"]["repairs"]
    assert rows["42"]["title"] == "an integer id"
    assert "\ufffd" in rows["surrogate-html"]["text"] and "surrogates" in rows["surrogate-html"]["repairs"]
    assert rows["good-1"]["repairs"] is None and rows["good-2"]["repairs"] is None


def test_hostile_jsonl_gzipped_behaves_the_same() -> None:
    plain = parsed_file("hostile.jsonl", HOSTILE_JSONL.encode())
    packed = parsed_file("hostile.jsonl.gz", gzip.compress(HOSTILE_JSONL.encode()))
    assert len(packed[0]) == len(plain[0]) and [r.reason for r in packed[1]] == [r.reason for r in plain[1]]


def test_a_huge_number_or_deep_nesting_in_a_sidecar_is_one_reject() -> None:
    for data in (b'{"published": "2020-01-01", "views": ' + HUGE_INT.encode() + b"}", DEEP.encode(),
                 b'{"a": ' + b'{"b": ' * 100_000 + b"1" + b"}" * 100_001):
        meta, reject = sidecar_meta("x.meta.json", data)
        assert meta is None and reject is not None and reject.reason == "bad_sidecar"
    (article,), rejects = parsed_file("x.txt", f"Harbour reopens\n\n{GOOD}\n".encode(), None)
    assert rejects == [] and article.title_in_body


def test_hostile_sidecar_fields_are_guarded() -> None:
    meta, reject = sidecar_meta("x.meta.json", json.dumps({
        "url": {"href": "https://x"}, "source": "Example \u202eNews", "language": "1x", "published": "2999-01-01",
        "story_id": [[[["deep"]]]], "title": "\udfff" * 3 + "Harbour",
    }).encode())
    assert reject is None
    (raw,), _ = parsed_file("x.txt", f"Harbour reopens\n\n{GOOD}\n".encode(), meta)
    row = _storable(raw)
    assert row["url"] is None and row["source_name"] == "Example News" and row["story_id"] is None
    assert row["title"] == "\ufffd\ufffd\ufffdHarbour" and row["published_date"] is None
    assert set(row["repairs"].split(",")) >= {
        "url:not_string", "source:bidi_controls", "language:invalid", "story_id:not_string", "title:surrogates",
        "published:future",
    }


def test_title_taken_from_a_plain_text_body_is_guarded() -> None:
    body = "\u202e" + "Headline " * 200 + "\n\n" + GOOD
    (raw,), _ = parsed_file("x.txt", body.encode())
    row = _storable(raw)
    assert len(row["title"]) <= 1000 and "\u202e" not in row["title"]
    assert {"title:bidi_controls", "title:truncated"} <= set(row["repairs"].split(","))


def test_html_metadata_is_guarded() -> None:
    """trafilatura already drops directional controls from what it extracts; length is ours to bound."""
    title = "Crane falls " * 200
    page = (
        f"<html><head><title>Crane \u202efalls {title}</title><meta name='author' content='Ines \u202eWhitlow'>"
        f"</head><body><article><h1>Crane \u202efalls {title}</h1>"
        f"<p>{GOOD} A container crane toppled onto a quay at the port on Tuesday night.</p>"
        f"<p>{GOOD} Nobody was injured, but two berths will stay closed for at least a week.</p>"
        "</article></body></html>"
    )
    (raw,), rejects = parsed_file("x.html", page.encode())
    assert rejects == []
    row = _storable(raw)
    assert "\u202e" not in row["title"] and "\u202e" not in row["author"]
    assert len(row["title"]) <= 1000 and "title:truncated" in row["repairs"]


def _warc(target: str, html: str) -> bytes:
    payload = html.encode()
    http = f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {len(payload)}\r\n\r\n".encode() + payload
    head = (f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:1>\r\n"
            f"WARC-Date: 2999-03-04T05:06:07Z\r\nWARC-Target-URI: {target}\r\n"
            f"Content-Type: application/http; msgtype=response\r\nContent-Length: {len(http)}\r\n\r\n").encode()
    return head + http + b"\r\n\r\n"


def test_warc_target_uri_and_date_are_guarded() -> None:
    html = f"<html><body><article><p>{GOOD} {GOOD}</p><p>{GOOD}</p></article></body></html>"
    (raw,), rejects = parsed_file("x.warc", _warc("https://news.example/" + "a" * 3000, html))
    assert rejects == []
    row = _storable(raw)
    assert len(row["url"]) == 2048 and "url:truncated" in row["repairs"]
    assert row["published_date"] is None and "warc_date:future" in row["repairs"]


def test_multinews_lines_with_numbers_and_escapes_are_plain_text() -> None:
    line = f"{GOOD} {HUGE_INT} |||||NEWLINE_CHAR{GOOD} \\udfff".encode()
    articles, rejects = parsed_file("x.src", line + b"\n" + GOOD.encode())
    assert rejects == [] and len(articles) == 3
    for raw in articles:
        _storable(raw)

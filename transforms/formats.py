"""Parse raw input files (bytes in memory) into raw article records, or rejects.

Every supported format from the warehouse contract lands here: plain text (with an optional sidecar),
JSON lines, HTML, WARC archives and Multi-News files, each optionally gzip-compressed. Nothing here
touches the filesystem; the flow reads the bytes and hands them over.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from transforms.encoding import UndecodableError, decoded_text, looks_binary, repaired_text
from transforms.metadata import guarded_language, guarded_text, valid_unicode

# Bounds that keep one hostile file from taking a worker down.
MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024
MAX_ARTICLE_CHARS = 1_000_000
MAX_HTML_CHARS = 8_000_000
# Decompress in slices of this size, so a bomb never costs more than `limit` plus one slice of memory.
_GUNZIP_SLICE = 16 * 1024 * 1024

MULTINEWS_ARTICLE_SEP = "|||||"
MULTINEWS_NEWLINE = "NEWLINE_CHAR"

_HTML_CONTENT_TYPE = re.compile(r"^\s*(text/html|application/xhtml\+xml)", re.I)
_CHARSET = re.compile(r"charset=[\"']?([\w.:-]+)", re.I)
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})")


@dataclass(frozen=True, slots=True)
class RawArticle:
    """One article as read from its source, before cleaning."""

    source_uri: str
    input_format: str  # txt | html | jsonl | warc | multinews
    body: str  # main text; paragraphs separated by empty lines
    title: str | None = None
    title_in_body: bool = False  # plain text: the first non-empty line of `body` is the title
    url: str | None = None
    published: dt.date | None = None
    published_source: str | None = None  # metadata | html | warc
    source_name: str | None = None
    author: str | None = None
    language: str | None = None
    story_id: str | None = None
    repairs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Reject:
    """An input, or a record inside one, that could not be processed."""

    source_uri: str
    stage: str
    reason: str
    detail: str


Parsed = tuple[list[RawArticle], list[Reject]]


class InputTooLarge(ValueError):
    """Decompressed input exceeds MAX_DECOMPRESSED_BYTES."""


def input_format(name: str) -> str | None:
    """The format a file name announces (`txt`, `html`, `jsonl`, `warc`, `multinews`), or None if unsupported."""
    lower = name.lower()
    if lower.endswith(".gz"):
        lower = lower[:-3]
    if lower.endswith(".meta.json"):
        return None
    for suffix, fmt in (
        (".txt", "txt"), (".text", "txt"), (".html", "html"), (".htm", "html"), (".jsonl", "jsonl"),
        (".ndjson", "jsonl"), (".warc", "warc"), (".src", "multinews"),
    ):
        if lower.endswith(suffix):
            return fmt
    return None


def gunzipped(data: bytes, limit: int = MAX_DECOMPRESSED_BYTES) -> bytes:
    """Decompress gzip (possibly multi-member) without ever holding more than `limit` bytes."""
    out = bytearray()
    while data:
        decomp = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        pending = data
        while pending:
            # A slice at a time: asking for `limit` at once would hold the slice and `out` together.
            out += decomp.decompress(pending, min(_GUNZIP_SLICE, limit - len(out) + 1))
            if len(out) > limit:
                raise InputTooLarge(f"more than {limit} bytes once decompressed")
            pending = decomp.unconsumed_tail
        if not decomp.eof:
            raise zlib.error("truncated gzip stream")
        data = decomp.unused_data
    return bytes(out)


def iso_date(value: Any) -> dt.date | None:
    """A calendar date from an ISO-8601 date or timestamp string (None when absent or malformed)."""
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    m = _ISO_DATE.match(value)
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def _published(value: Any) -> tuple[dt.date | None, tuple[str, ...]]:
    """A metadata `published` value as a date, with a note when one was given but cannot be read."""
    if value is None or value == "":
        return None, ()
    if not isinstance(value, str | dt.date):
        return None, ("published:not_string",)
    date = iso_date(value)
    return date, () if date is not None else ("published:malformed",)


# Metadata keys and the RawArticle fields they fill.
_META_FIELDS = (("url", "url"), ("source", "source_name"), ("story_id", "story_id"), ("title", "title"),
                ("author", "author"))


def _with_meta(article: RawArticle, meta: Mapping[str, Any] | None) -> RawArticle:
    """Apply sidecar/record metadata; metadata wins over what the content itself says.

    Every field is guarded (`transforms.metadata`): a value of the wrong type is dropped, text is made
    valid Unicode, stripped of directional controls and capped; each repair is recorded on the article.
    """
    if not meta:
        return article
    repairs: list[str] = list(article.repairs)
    changes: dict[str, Any] = {}
    for key, attr in _META_FIELDS:
        value, notes = guarded_text(key, meta.get(key))
        repairs += notes
        if value is not None:
            changes[attr] = value
    language, notes = guarded_language(meta.get("language"))
    repairs += notes
    if language is not None:
        changes["language"] = language
    published, notes = _published(meta.get("published"))
    repairs += notes
    if published is not None:
        changes["published"], changes["published_source"] = published, "metadata"
    return replace(article, **changes, repairs=tuple(dict.fromkeys(repairs)))


def _guarded_fields(article: RawArticle) -> RawArticle:
    """An article whose metadata came from the content itself (HTML, WARC headers), with the same guards."""
    repairs: list[str] = list(article.repairs)
    changes: dict[str, Any] = {}
    for key, attr in (*_META_FIELDS, ("language", "language")):
        current = getattr(article, attr)
        value, notes = guarded_language(current) if key == "language" else guarded_text(key, current)
        repairs += notes
        if value != current:
            changes[attr] = value
    if not changes and len(repairs) == len(article.repairs):
        return article
    return replace(article, **changes, repairs=tuple(dict.fromkeys(repairs)))


class _TextTooLarge(ValueError):
    """Decoded text longer than any article may be (checked before the costly repairs)."""


def _plain_text(data: bytes, limit: int | None = None) -> tuple[str, tuple[str, ...]]:
    if looks_binary(data):
        raise UndecodableError("binary content")
    text, decode_repairs = decoded_text(data)
    if limit is not None and len(text) > limit:
        raise _TextTooLarge(f"{len(text)} characters; the limit is {limit}")
    text, repairs = repaired_text(text)
    return text, decode_repairs + repairs


def _too_large(uri: str, text: str, limit: int = MAX_ARTICLE_CHARS) -> Reject | None:
    if len(text) > limit:
        return Reject(uri, "parse", "too_large", f"{len(text)} characters; the limit is {limit}")
    return None


def articles_from_txt(uri: str, data: bytes, meta: Mapping[str, Any] | None = None) -> Parsed:
    """A plain-text article (first non-empty line is the title), or a Multi-News file if it has `|||||`."""
    if MULTINEWS_ARTICLE_SEP.encode() in data:
        return articles_from_multinews(uri, _plain_text(data)[0])
    try:
        # Bound before repairing: mojibake repair of a 50 MB line takes minutes, and it would be refused anyway.
        text, repairs = _plain_text(data, MAX_ARTICLE_CHARS)
    except _TextTooLarge as exc:
        return [], [Reject(uri, "parse", "too_large", str(exc))]
    if not text.strip():
        return [], [Reject(uri, "parse", "empty", "no text in file")]
    if reject := _too_large(uri, text):
        return [], [reject]
    article = RawArticle(uri, "txt", text, title_in_body=True, repairs=repairs)
    return [_with_meta(article, meta)], []


def article_from_html(uri: str, html: str, input_fmt: str = "html") -> RawArticle | Reject:
    """Main text and metadata of a web page via trafilatura; a Reject when the page has no article."""
    import trafilatura  # imported lazily: it is slow to import and only HTML inputs need it

    if len(html) > MAX_HTML_CHARS:
        return Reject(uri, "parse", "too_large", f"{len(html)} characters of HTML; the limit is {MAX_HTML_CHARS}")
    try:
        doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False)
    except Exception as exc:  # trafilatura raises many types on broken markup
        return Reject(uri, "parse", "html_error", f"{type(exc).__name__}: {exc}"[:500])
    if doc is None:
        return Reject(uri, "parse", "no_content", "no main text found in the page")
    meta: dict[str, Any] = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    text = meta.get("text") or ""
    if not text.strip():
        return Reject(uri, "parse", "no_content", "no main text found in the page")
    body, repairs = repaired_text(text.replace("\n", "\n\n"))
    published = iso_date(meta.get("date"))
    return _guarded_fields(RawArticle(
        uri, input_fmt, body,
        title=meta.get("title") or None,
        url=meta.get("url") or None,
        published=published,
        published_source="html" if published else None,
        source_name=meta.get("sitename") or None,
        author=meta.get("author") or None,
        language=meta.get("language") or None,
        repairs=repairs,
    ))


def articles_from_html(uri: str, data: bytes, meta: Mapping[str, Any] | None = None) -> Parsed:
    """One article from an HTML page."""
    if looks_binary(data):
        return [], [Reject(uri, "parse", "binary", "file is not text")]
    html, _ = decoded_text(data)
    result = article_from_html(uri, html)
    if isinstance(result, Reject):
        return [], [result]
    return [_with_meta(result, meta)], []


def _json_value(text: str) -> tuple[Any, str | None]:
    """A JSON document's value, or None and why it cannot be read (never raises on bad input)."""
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        return None, exc.msg
    except RecursionError:  # deeply nested arrays or objects
        return None, "nested too deeply"
    except ValueError as exc:  # an integer of more than 4300 digits (Python's int conversion limit)
        return None, str(exc)[:200]


def articles_from_jsonl(uri: str, data: bytes, meta: Mapping[str, Any] | None = None) -> Parsed:
    """One article per JSON line (`text` or `html` plus optional metadata); a bad line is a reject, not a failure."""
    if looks_binary(data):
        return [], [Reject(uri, "parse", "binary", "file is not text")]
    text, _ = decoded_text(data)
    return _jsonl_records(uri, text, meta, 1)


def articles_from_jsonl_range(uri: str, data: bytes, first_line: int, meta: Mapping[str, Any] | None = None
                              ) -> Parsed:
    """The records of some whole lines of a JSONL file whose first line is line `first_line` of the file.

    The caller has checked the whole file (text, UTF-8, no byte-order mark starting these lines), so the
    records, their uris and rejects are those `articles_from_jsonl` gives for the same lines of the file.
    """
    return _jsonl_records(uri, decoded_text(data)[0], meta, first_line)


def _jsonl_records(uri: str, text: str, meta: Mapping[str, Any] | None, first_line: int) -> Parsed:
    articles: list[RawArticle] = []
    rejects: list[Reject] = []
    for line_no, line in enumerate(text.split("\n"), start=first_line):
        if not line.strip():
            continue
        record, problem = _json_value(line)
        if problem is None and not isinstance(record, dict):
            problem = "not an object"
        if problem is not None:
            rejects.append(Reject(f"{uri}#{line_no}", "parse", "bad_json", f"line {line_no}: {problem}"))
            continue
        record_id, id_repairs = guarded_text("id", record.get("id"))
        rec_uri = f"{uri}#{record_id or line_no}"
        body = record.get("text")
        html = record.get("html")
        if isinstance(body, str) and body.strip():
            if reject := _too_large(rec_uri, body):
                rejects.append(reject)
                continue
            body, had_surrogates = valid_unicode(body)
            fixed, repairs = repaired_text(body)
            repairs = ("surrogates", *repairs) if had_surrogates else repairs
            article = RawArticle(rec_uri, "jsonl", fixed, repairs=id_repairs + repairs)
        elif isinstance(html, str) and html.strip():
            html, had_surrogates = valid_unicode(html)
            result = article_from_html(rec_uri, html, "jsonl")
            if isinstance(result, Reject):
                rejects.append(result)
                continue
            repairs = ("surrogates", *result.repairs) if had_surrogates else result.repairs
            article = replace(result, repairs=id_repairs + repairs)
        else:
            rejects.append(Reject(rec_uri, "parse", "no_text", "record has neither `text` nor `html`"))
            continue
        articles.append(_with_meta(article, {**(meta or {}), **record}))
    return articles, rejects


def jsonl_record_keys(line: str, line_no: int, meta: Mapping[str, Any] | None = None) -> tuple[str, str | None] | None:
    """(record id, story id) an article from this JSONL line would get, as `articles_from_jsonl` sets them.

    The record id is what follows `#` in its `source_uri`; None when the line holds no record object.
    """
    if not line.strip():
        return None
    record, problem = _json_value(line)
    if problem is not None or not isinstance(record, dict):
        return None
    record_id, _ = guarded_text("id", record.get("id"))
    story_id, _ = guarded_text("story_id", {**(meta or {}), **record}.get("story_id"))
    return str(record_id or line_no), story_id


def articles_from_multinews(uri: str, text: str) -> Parsed:
    """Multi-News style: one story per line, `|||||` between its articles, `NEWLINE_CHAR` for newlines."""
    articles: list[RawArticle] = []
    rejects: list[Reject] = []
    for line_no, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        story_id = f"{uri.rsplit('/', 1)[-1]}:{line_no}"
        for pos, part in enumerate(line.split(MULTINEWS_ARTICLE_SEP), start=1):
            rec_uri = f"{uri}#{line_no}.{pos}"
            body = part.replace(MULTINEWS_NEWLINE, "\n").strip()
            if not body:
                continue
            if reject := _too_large(rec_uri, body):
                rejects.append(reject)
                continue
            fixed, repairs = repaired_text(body)
            articles.append(RawArticle(rec_uri, "multinews", fixed, story_id=story_id, repairs=repairs))
    if not articles and not rejects:
        rejects.append(Reject(uri, "parse", "empty", "no articles in file"))
    return articles, rejects


def _http_charset(content_type: str | None) -> str | None:
    m = _CHARSET.search(content_type or "")
    return m.group(1) if m else None


def _decode_html_bytes(payload: bytes, charset: str | None) -> str:
    if charset:
        try:
            return payload.decode(charset)
        except (LookupError, UnicodeDecodeError):
            pass
    return decoded_text(payload)[0]


def articles_from_warc(uri: str, stream: io.BufferedIOBase | io.BytesIO) -> Parsed:
    """Each HTML response record of a WARC (or WARC.gz) stream is one article; other responses are rejects."""
    from warcio.archiveiterator import ArchiveIterator

    articles: list[RawArticle] = []
    rejects: list[Reject] = []
    try:
        for record in ArchiveIterator(stream):
            if record.format != "warc":  # warcio also reads ARC, and takes any text line for an ARC header
                raise ValueError(f"not a WARC record ({record.format} format)")
            if record.rec_type != "response":
                continue
            record_id = record.rec_headers.get_header("WARC-Record-ID") or ""
            rec_uri = f"{uri}#{record_id.strip('<>')}"
            try:
                content_type = record.http_headers.get_header("Content-Type") if record.http_headers else None
                if not _HTML_CONTENT_TYPE.match(content_type or ""):
                    rejects.append(Reject(rec_uri, "parse", "not_html", f"content type {content_type!r}"))
                    continue
                payload = record.content_stream().read(MAX_HTML_CHARS + 1)
                result = article_from_html(rec_uri, _decode_html_bytes(payload, _http_charset(content_type)), "warc")
            except Exception as exc:  # one broken record must not lose the rest of the archive
                rejects.append(Reject(rec_uri, "parse", "bad_record", f"{type(exc).__name__}: {exc}"[:500]))
                continue
            if isinstance(result, Reject):
                rejects.append(result)
                continue
            target, target_repairs = guarded_text("url", record.rec_headers.get_header("WARC-Target-URI"))
            warc_date = iso_date(record.rec_headers.get_header("WARC-Date"))
            article = result if result.url else replace(result, url=target, repairs=result.repairs + target_repairs)
            if article.published is None and warc_date is not None:
                article = replace(article, published=warc_date, published_source="warc")
            articles.append(article)
    except Exception as exc:  # truncated or corrupt archive: keep what was read before the damage
        rejects.append(Reject(uri, "parse", "bad_warc", f"{type(exc).__name__}: {exc}"[:500]))
    if not articles and not rejects:
        rejects.append(Reject(uri, "parse", "empty", "no response records in archive"))
    return articles, rejects


def parsed_file(uri: str, data: bytes, meta: Mapping[str, Any] | None = None) -> Parsed:
    """Articles and rejects from one input file's bytes, dispatched on its name; never raises on bad content."""
    fmt = input_format(uri)
    if fmt is None:
        return [], [Reject(uri, "discover", "unsupported", "file type not supported")]
    try:
        if fmt == "warc":  # WARC gzip is per record: warcio reads it, and a damaged tail spares earlier records
            return articles_from_warc(uri, io.BytesIO(data))
        if uri.lower().endswith(".gz"):
            data = gunzipped(data)
        if not data.strip():
            return [], [Reject(uri, "parse", "empty", "file is empty")]
        if fmt == "txt":
            return articles_from_txt(uri, data, meta)
        if fmt == "html":
            return articles_from_html(uri, data, meta)
        if fmt == "jsonl":
            return articles_from_jsonl(uri, data, meta)
        text, _ = _plain_text(data)
        return articles_from_multinews(uri, text)
    except InputTooLarge as exc:
        return [], [Reject(uri, "parse", "too_large", str(exc))]
    except (zlib.error, EOFError) as exc:
        return [], [Reject(uri, "parse", "bad_gzip", str(exc))]
    except UndecodableError as exc:
        return [], [Reject(uri, "parse", "binary", str(exc))]
    except Exception as exc:  # a parser bug must cost one file, never the run
        return [], [Reject(uri, "parse", "error", f"{type(exc).__name__}: {exc}"[:500])]


def sidecar_meta(uri: str, data: bytes) -> tuple[dict[str, Any] | None, Reject | None]:
    """Parsed `NAME.meta.json`, or a reject explaining why it was ignored."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, Reject(uri, "parse", "bad_sidecar", str(exc)[:500])
    meta, problem = _json_value(text)
    if problem is not None:
        return None, Reject(uri, "parse", "bad_sidecar", problem)
    if not isinstance(meta, dict):
        return None, Reject(uri, "parse", "bad_sidecar", "sidecar is not a JSON object")
    return meta, None


def sidecar_name(name: str) -> str:
    """The sidecar metadata file name for an input file name (`a.txt` -> `a.meta.json`)."""
    base = name[:-3] if name.lower().endswith(".gz") else name
    stem = base.rsplit(".", 1)[0]
    return f"{stem}.meta.json"


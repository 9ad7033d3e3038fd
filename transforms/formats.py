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


def _text_field(meta: Mapping[str, Any], key: str) -> str | None:
    value = meta.get(key)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _with_meta(article: RawArticle, meta: Mapping[str, Any] | None) -> RawArticle:
    """Apply sidecar/record metadata; metadata wins over what the content itself says."""
    if not meta:
        return article
    published = iso_date(meta.get("published"))
    return replace(
        article,
        url=_text_field(meta, "url") or article.url,
        published=published or article.published,
        published_source="metadata" if published else article.published_source,
        source_name=_text_field(meta, "source") or article.source_name,
        language=_text_field(meta, "language") or article.language,
        story_id=_text_field(meta, "story_id") or article.story_id,
        title=_text_field(meta, "title") or article.title,
        author=_text_field(meta, "author") or article.author,
    )


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
    return RawArticle(
        uri, input_fmt, body,
        title=(meta.get("title") or "").strip() or None,
        url=meta.get("url") or None,
        published=published,
        published_source="html" if published else None,
        source_name=meta.get("sitename") or None,
        author=meta.get("author") or None,
        language=meta.get("language") or None,
        repairs=repairs,
    )


def articles_from_html(uri: str, data: bytes, meta: Mapping[str, Any] | None = None) -> Parsed:
    """One article from an HTML page."""
    if looks_binary(data):
        return [], [Reject(uri, "parse", "binary", "file is not text")]
    html, _ = decoded_text(data)
    result = article_from_html(uri, html)
    if isinstance(result, Reject):
        return [], [result]
    return [_with_meta(result, meta)], []


def articles_from_jsonl(uri: str, data: bytes, meta: Mapping[str, Any] | None = None) -> Parsed:
    """One article per JSON line (`text` or `html` plus optional metadata); a bad line is a reject, not a failure."""
    if looks_binary(data):
        return [], [Reject(uri, "parse", "binary", "file is not text")]
    articles: list[RawArticle] = []
    rejects: list[Reject] = []
    text, _ = decoded_text(data)
    for line_no, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            rejects.append(Reject(f"{uri}#{line_no}", "parse", "bad_json", f"line {line_no}: {exc.msg}"))
            continue
        except RecursionError:  # deeply nested arrays: one line, not the whole file
            rejects.append(Reject(f"{uri}#{line_no}", "parse", "bad_json", f"line {line_no}: nested too deeply"))
            continue
        if not isinstance(record, dict):
            rejects.append(Reject(f"{uri}#{line_no}", "parse", "bad_json", f"line {line_no}: not an object"))
            continue
        record_id = _text_field(record, "id") or str(line_no)
        rec_uri = f"{uri}#{record_id}"
        body = record.get("text")
        html = record.get("html")
        if isinstance(body, str) and body.strip():
            if reject := _too_large(rec_uri, body):
                rejects.append(reject)
                continue
            fixed, repairs = repaired_text(body)
            article = RawArticle(rec_uri, "jsonl", fixed, repairs=repairs)
        elif isinstance(html, str) and html.strip():
            result = article_from_html(rec_uri, html, "jsonl")
            if isinstance(result, Reject):
                rejects.append(result)
                continue
            article = result
        else:
            rejects.append(Reject(rec_uri, "parse", "no_text", "record has neither `text` nor `html`"))
            continue
        articles.append(_with_meta(article, {**(meta or {}), **record}))
    return articles, rejects


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
            target = record.rec_headers.get_header("WARC-Target-URI")
            warc_date = iso_date(record.rec_headers.get_header("WARC-Date"))
            article = replace(result, url=result.url or target)
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
        meta = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, Reject(uri, "parse", "bad_sidecar", str(exc)[:500])
    if not isinstance(meta, dict):
        return None, Reject(uri, "parse", "bad_sidecar", "sidecar is not a JSON object")
    return meta, None


def sidecar_name(name: str) -> str:
    """The sidecar metadata file name for an input file name (`a.txt` -> `a.meta.json`)."""
    base = name[:-3] if name.lower().endswith(".gz") else name
    stem = base.rsplit(".", 1)[0]
    return f"{stem}.meta.json"


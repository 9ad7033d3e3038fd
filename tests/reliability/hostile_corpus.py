"""Build the hostile input corpus into a directory at test time.

Nothing large or dangerous is committed: the 50 MB line and the gzip bomb are generated here, streamed so the
generator itself never holds them in memory. Each case is described by a `Case`: the path the pipeline will see
(relative to the corpus root) and the outcome the pipeline must produce for it. `README.md` beside this file lists
the cases in prose.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import pathlib
import zlib
from dataclasses import dataclass

GOOD_TEXT = (
    "Harbour reopens after storm repairs\n\n"
    "The harbour at Whitby reopened on Tuesday after three weeks of repairs, the port authority said.\n\n"
    "About 40 fishing boats had been moored upriver while engineers rebuilt a 120-metre section of the pier.\n"
)
GOOD_HTML = (
    "<!doctype html><html><head><title>Library extension opens</title></head><body><article>"
    "<h1>Library extension opens</h1>"
    "<p>The new wing of the town library opened on Saturday with space for 20,000 more books, "
    "the council said in a statement that thanked the volunteers who raised the money.</p>"
    "<p>Builders finished the work two months early, and the reading room will stay open until 9 p.m. "
    "on weekdays from next month, according to the head librarian.</p>"
    "</article></body></html>"
)

HUGE_LINE_BYTES = 50 * 1024 * 1024
BOMB_BYTES = 300 * 1024 * 1024  # above transforms.formats.MAX_DECOMPRESSED_BYTES (256 MiB)


@dataclass(frozen=True, slots=True)
class Case:
    """One hostile input and what the pipeline must do with it."""

    name: str  # path relative to the corpus root, as discovery reports it
    outcome: str  # "reject" or "article"
    stage: str | None = None  # expected reject stage (for "reject")
    reason: str | None = None  # expected reject reason (for "reject")
    note: str = ""


def _write(root: pathlib.Path, rel: str, data: bytes) -> pathlib.Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _warc_record(rec_type: str, uri: str, rec_id: str, payload: bytes, content_type: str | None) -> bytes:
    """One WARC/1.0 record; `response` records carry an HTTP message with `content_type`."""
    if rec_type == "response":
        http = (f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(payload)}\r\n\r\n"
                .encode() + payload)
        block, block_type = http, "application/http; msgtype=response"
    else:
        block, block_type = payload, "application/warc-fields"
    head = (
        f"WARC/1.0\r\nWARC-Type: {rec_type}\r\nWARC-Record-ID: <urn:uuid:{rec_id}>\r\n"
        f"WARC-Date: 2021-03-04T05:06:07Z\r\nWARC-Target-URI: {uri}\r\n"
        f"Content-Type: {block_type}\r\nContent-Length: {len(block)}\r\n\r\n"
    ).encode()
    return head + block + b"\r\n\r\n"


def _huge_line(path: pathlib.Path) -> None:
    """50 MB of words on one line, written in chunks."""
    chunk = b"word caf\xc3\x83\xc2\xa9 " * 1024 * 24  # ~340 KiB, with mojibake so repair would be costly
    with open(path, "wb") as fh:
        written = 0
        while written < HUGE_LINE_BYTES:
            fh.write(chunk)
            written += len(chunk)


def _gzip_bomb(path: pathlib.Path) -> None:
    """A ~300 KB gzip file that expands to 300 MiB of spaces, compressed in streaming fashion."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b" " * (1024 * 1024)
    with open(path, "wb") as fh:
        fh.writelines(comp.compress(block) for _ in range(BOMB_BYTES // len(block)))
        fh.write(comp.flush())


def build_hostile_corpus(root: pathlib.Path, huge: bool = True) -> list[Case]:
    """Write every hostile case (and a few good files) under `root`; returns the expected outcomes.

    Args:
        root: an empty directory to fill.
        huge: include the 50 MB single line and the gzip bomb (slow-ish to generate and to process).

    Returns:
        One `Case` per input file the pipeline should account for.
    """
    root.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []

    # Good files: the run must still process everything else.
    _write(root, "good/harbour.txt", GOOD_TEXT.encode())
    _write(root, "good/library.html", GOOD_HTML.encode())
    cases += [Case("good/harbour.txt", "article"), Case("good/library.html", "article")]

    # Binary content under a text name.
    _write(root, "binary/photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    _write(root, "binary/random.html", bytes((i * 7919 + 13) % 256 for i in range(4096)))
    _write(root, "binary/elf.jsonl", b"\x7fELF\x02\x01\x01\x00" + bytes(2000))
    cases += [
        Case("binary/photo.txt", "reject", "parse", "binary", "PNG bytes named .txt"),
        Case("binary/random.html", "reject", "parse", "binary", "pseudo-random bytes named .html"),
        Case("binary/elf.jsonl", "reject", "parse", "binary", "an ELF header and NUL bytes named .jsonl"),
    ]

    # Empty and whitespace-only files of every format.
    for rel in ("empty/empty.txt", "empty/empty.html", "empty/empty.jsonl", "empty/empty.warc", "empty/empty.src"):
        _write(root, rel, b"")
        cases.append(Case(rel, "reject", "parse", "empty", "zero bytes"))
    _write(root, "empty/blank.txt", b"  \n\n\t\r\n   \n")
    cases.append(Case("empty/blank.txt", "reject", "parse", "empty", "whitespace only"))
    _write(root, "empty/empty.txt.gz", gzip.compress(b""))
    cases.append(Case("empty/empty.txt.gz", "reject", "parse", "empty", "a valid gzip of nothing"))

    # Invalid UTF-8.
    _write(root, "encoding/latin1.txt", ("Café prices rose in Málaga\n\nThe café in Málaga raised "
                                         "prices by 5 percent on Monday, the owner said.\n").encode("latin-1"))
    cases.append(Case("encoding/latin1.txt", "article", note="not UTF-8: decoded as Windows-1252, repair recorded"))
    _write(root, "encoding/broken-utf8.txt",
           GOOD_TEXT.encode()[:60] + b"\xc3\x28\xa0\xa1\xe2\x28\xa1\xf0\x28\x8c\xbc" + GOOD_TEXT.encode()[60:])
    cases.append(Case("encoding/broken-utf8.txt", "article", note="invalid UTF-8 sequences inside UTF-8 text"))
    _write(root, "encoding/utf16.txt", GOOD_TEXT.replace("Whitby", "Scarborough").encode("utf-16"))
    cases.append(Case("encoding/utf16.txt", "reject", "parse", "binary",
                      note="UTF-16 with BOM: NUL bytes make it look binary"))
    _write(root, "encoding/bad-bytes.jsonl",
           json.dumps({"id": "ok", "text": "Ferry services resumed on Monday after the strike ended."}).encode()
           + b"\n{\"id\": \"bad\", \"text\": \"caf\xe9 \xff\xfe\"}\n")
    cases.append(Case("encoding/bad-bytes.jsonl", "article", note="a JSONL file that is not UTF-8"))

    # A 50 MB single line.
    if huge:
        path = root / "huge" / "one-line.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        _huge_line(path)
        cases.append(Case("huge/one-line.txt", "reject", "parse", "too_large", "50 MB, no newline"))

    # Gzip: truncated, not gzip at all, a bomb, trailing garbage.
    full = gzip.compress(GOOD_TEXT.encode() * 20)
    _write(root, "gzip/truncated.txt.gz", full[: len(full) // 2])
    _write(root, "gzip/not-gzip.txt.gz", GOOD_TEXT.encode())
    _write(root, "gzip/trailing-garbage.txt.gz", gzip.compress(GOOD_TEXT.encode()) + b"garbage after the stream")
    cases += [
        Case("gzip/truncated.txt.gz", "reject", "parse", "bad_gzip", "cut in the middle of the deflate stream"),
        Case("gzip/not-gzip.txt.gz", "reject", "parse", "bad_gzip", "plain text with a .gz name"),
        Case("gzip/trailing-garbage.txt.gz", "reject", "parse", "bad_gzip", "a valid member followed by junk"),
    ]
    if huge:
        path = root / "gzip" / "bomb.txt.gz"
        _gzip_bomb(path)
        cases.append(Case("gzip/bomb.txt.gz", "reject", "parse", "too_large",
                          "300 KB that expands to 300 MiB; decompression stops at 256 MiB"))

    # Malformed JSONL: bad lines are rejects, good lines are articles.
    lines = [
        json.dumps({"id": "j1", "text": "Council approves new cycle lanes\n\nThe council approved 12 km of cycle "
                    "lanes on Wednesday, to be built by 2024.", "published": "2023-05-10"}),
        "{broken",
        "[1, 2, 3]",
        "null",
        json.dumps({"id": "j2", "title": "no body"}),
        json.dumps({"id": "j3", "text": 42}),
        "[" * 100_000 + "]" * 100_000,
        json.dumps({"id": "j4", "text": "Snow closed two mountain passes on Thursday, police said.",
                    "published": "not a date", "source": ["a", "list"]}),
        "\x00\x00",
        json.dumps({"id": "j5", "html": "<html><head></head></html>"}),
    ]
    _write(root, "jsonl/malformed.jsonl", "\n".join(lines).encode() + b"\n{\"id\": \"j6\", \"text\": \"unterminated")
    cases.append(Case("jsonl/malformed.jsonl", "article",
                      note="2 good records; bad JSON, non-objects, missing/non-string text, 100k-deep nesting, "
                           "an HTML record without a body and a truncated last line are each a reject"))

    # HTML with no body, or no article in it.
    _write(root, "html/no-body.html", b"<!doctype html><html><head><title>Nothing here</title></head></html>")
    _write(root, "html/only-nav.html", b"<html><body><nav><a href='/'>Home</a> | <a href='/x'>X</a></nav></body>")
    _write(root, "html/unclosed.html", b"<html><body><div><div><div><p>" + b"<b>" * 5000)
    _write(root, "html/deep.html", b"<div>" * 20000 + b"deep" + b"</div>" * 20000)
    cases += [
        Case("html/no-body.html", "reject", "parse", "no_content", "head only"),
        Case("html/only-nav.html", "reject", "transform", "no_content",
             "navigation links only: extraction keeps the links, cleaning drops them"),
        Case("html/unclosed.html", "reject", "parse", "no_content", "5,000 unclosed tags"),
        Case("html/deep.html", "reject", "parse", "no_content", "20,000 nested divs"),
    ]

    # WARC: a non-HTML response, a non-response record, then an HTML one; and a truncated archive.
    good_rec = _warc_record("response", "https://news.example/library", "11111111-1111-1111-1111-111111111111",
                            GOOD_HTML.encode(), "text/html; charset=utf-8")
    pdf_rec = _warc_record("response", "https://news.example/report.pdf", "22222222-2222-2222-2222-222222222222",
                           b"%PDF-1.4 " + bytes(500), "application/pdf")
    info_rec = _warc_record("warcinfo", "", "33333333-3333-3333-3333-333333333333", b"software: hostile\r\n", None)
    _write(root, "warc/mixed.warc", info_rec + pdf_rec + good_rec)
    cases.append(Case("warc/mixed.warc", "article", note="the PDF response is a not_html reject; warcinfo skipped"))
    archive = good_rec + pdf_rec + good_rec.replace(b"11111111-", b"44444444-")
    _write(root, "warc/truncated.warc", archive[: len(good_rec) + len(pdf_rec) + 300])
    cases.append(Case("warc/truncated.warc", "article",
                      note="first record kept; the cut third record is a reject"))
    gz = io.BytesIO()
    for rec in (good_rec, pdf_rec):
        gz.write(gzip.compress(rec))
    gz_data = gz.getvalue()
    _write(root, "warc/truncated.warc.gz", gz_data[: len(gz_data) - 40])
    cases.append(Case("warc/truncated.warc.gz", "article",
                      note="per-record gzip: the first record survives, the cut member is a reject"))
    _write(root, "warc/garbage.warc", b"this is not a WARC file at all\n" * 10)
    cases.append(Case("warc/garbage.warc", "reject", "parse", "bad_warc", "no WARC header"))

    # Odd file names: all valid inputs.
    for rel in ("names/with spaces in name.txt", "names/ünïcödé-名前.txt", "names/-rf.txt", "names/--help.txt",
                "names/tab\tname.txt", "names/new\nline.txt", "names/quote'name\".txt", "names/UPPER.TXT",
                "names/.hidden.txt", "names/semi;colon$(x).txt"):
        _write(root, rel, GOOD_TEXT.replace("Whitby", "Whitby " + str(len(cases))).encode())
        cases.append(Case(rel, "article", note="odd name, ordinary content"))
    raw_name = os.fsencode(root / "names") + b"/latin1-\xe9t\xe9.txt"
    with open(raw_name, "wb") as fh:
        fh.write(GOOD_TEXT.replace("Whitby", "Filey").encode())
    cases.append(Case("names/latin1-\\xe9t\\xe9.txt", "reject", "discover", "bad_name",
                      "file name bytes are not UTF-8"))

    # Links: a symlink loop, a dangling link, a directory loop, a link to a good file.
    links = root / "links"
    links.mkdir()
    os.symlink("loop-b.txt", links / "loop-a.txt")
    os.symlink("loop-a.txt", links / "loop-b.txt")
    os.symlink("missing.txt", links / "dangling.txt")
    os.symlink("..", links / "parent-dir")  # a directory loop: never followed
    os.symlink("../good/harbour.txt", links / "alias.txt")
    cases += [
        Case("links/loop-a.txt", "reject", "discover", "unreadable", "symlink loop"),
        Case("links/loop-b.txt", "reject", "discover", "unreadable", "symlink loop"),
        Case("links/dangling.txt", "reject", "discover", "unreadable", "dangling symlink"),
        Case("links/alias.txt", "article", note="symlink to a good file: read like the file"),
    ]

    # Not regular files under a supported name.
    os.mkfifo(root / "special-pipe.txt")
    (root / "folder.txt").mkdir()
    cases.append(Case("special-pipe.txt", "reject", "discover", "not_a_file", "a FIFO (reading would block)"))

    # Unreadable: permissions (root reads anyway), and an I/O error that even root gets.
    locked = _write(root, "perms/locked.txt", GOOD_TEXT.replace("Whitby", "Redcar").encode())
    locked.chmod(0)
    if os.geteuid() == 0:
        cases.append(Case("perms/locked.txt", "article", note="mode 000, but root bypasses permissions"))
    else:
        cases.append(Case("perms/locked.txt", "reject", "read", "unreadable", "mode 000"))
    if os.path.exists("/proc/self/mem"):
        os.symlink("/proc/self/mem", root / "perms" / "io-error.txt")
        cases.append(Case("perms/io-error.txt", "reject", "read", "unreadable", "reading fails with EIO"))

    # Sidecars and Multi-News oddities.
    _write(root, "meta/story.txt", GOOD_TEXT.replace("Whitby", "Hull").encode())
    _write(root, "meta/story.meta.json", b"{not json")
    cases.append(Case("meta/story.txt", "article", note="bad sidecar: a bad_sidecar reject, the text is kept"))
    # Metadata that used to fail the whole run, or was stored unbounded or mistyped (issue 16).
    _write(root, "meta/huge-int.txt", GOOD_TEXT.replace("Whitby", "Grimsby").encode())
    _write(root, "meta/huge-int.meta.json", b'{"published": "2020-01-01", "views": ' + b"9" * 5000 + b"}")
    cases.append(Case("meta/huge-int.txt", "article", note="sidecar with a 5,000-digit integer: bad_sidecar"))
    _write(root, "meta/deep.txt", GOOD_TEXT.replace("Whitby", "Bridlington").encode())
    _write(root, "meta/deep.meta.json", b"[" * 200_000 + b"]" * 200_000)
    cases.append(Case("meta/deep.txt", "article", note="sidecar nested 200,000 arrays deep: bad_sidecar"))
    body = "The ferry resumed sailings on Monday after the storm, the operator said."
    fields = [
        json.dumps({"id": "f1", "title": "Ferry resumes", "text": body}),
        '{"id": "f2", "text": "x", "views": ' + "9" * 5000 + "}",
        "[" * 200_000 + "]" * 200_000,
        '{"id": "f3", "title": "Bad \\udfff title", "text": "' + body + '"}',
        json.dumps({"id": "f4", "text": body, "url": [1, 2], "title": "T" * 2_000_000, "language": "1x",
                    "published": "2999-01-01", "source": "Example \u202eNews"}),
    ]
    _write(root, "fields/hostile.jsonl", "\n".join(fields).encode())
    cases.append(Case("fields/hostile.jsonl", "article",
                      note="a 5,000-digit number and 200,000-deep nesting are bad_json lines; a lone surrogate in "
                           "a title, a list URL, a 2,000,000-character title, an RLO, language 1x and a date in "
                           "2999 are repaired articles"))
    _write(root, "multinews/separators-only.src", b"||||| ||||| |||||\n\n|||||NEWLINE_CHAR|||||\n")
    cases.append(Case("multinews/separators-only.src", "reject", "parse", "empty", "separators and nothing else"))
    _write(root, "unsupported/report.pdf", b"%PDF-1.4\n")
    cases.append(Case("unsupported/report.pdf", "reject", "discover", "unsupported", "not an input format"))
    return cases


def cleanup(root: pathlib.Path) -> None:
    """Restore permissions so a temporary directory can be removed."""
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path):
                try:
                    os.chmod(path, 0o644)
                except OSError:
                    pass

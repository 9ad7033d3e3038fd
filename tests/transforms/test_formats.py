import gzip
import io
import json

import pytest

from transforms.formats import (
    InputTooLarge,
    gunzipped,
    input_format,
    parsed_file,
    sidecar_meta,
    sidecar_name,
)

HTML_PAGE = """<html><head><title>Harbour crane collapses in gale</title>
<meta name="author" content="Ines Whitlow"><meta property="article:published_time" content="2021-11-03T08:00:00Z">
</head><body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>Harbour crane collapses in gale</h1>
<p>A container crane toppled onto a quay at the port of Rotterdam on Tuesday night as gusts of more than
110 km/h swept the Dutch coast, the port authority said.</p>
<p>Nobody was injured, but two berths will stay closed for at least a week while engineers inspect the
damaged rails, a spokesman told reporters on Wednesday morning.</p>
</article><footer>Copyright 2021 Harbour Gazette</footer></body></html>"""


@pytest.mark.parametrize("name,fmt", [
    ("a.txt", "txt"), ("b.TXT.gz", "txt"), ("c.html", "html"), ("d.htm.gz", "html"), ("e.jsonl", "jsonl"),
    ("f.warc.gz", "warc"), ("g.src", "multinews"), ("a.meta.json", None), ("h.pdf", None),
])
def test_input_format(name, fmt):
    assert input_format(name) == fmt


def test_txt_with_sidecar_metadata():
    meta = {"published": "2020-05-01T10:00:00Z", "url": "https://news.example/x", "source": "Example News"}
    arts, rejects = parsed_file("dir/x.txt", b"Title line\n\nBody text here.\n", meta)
    assert rejects == []
    (a,) = arts
    assert a.title_in_body and a.body.startswith("Title line")
    assert str(a.published) == "2020-05-01" and a.published_source == "metadata"
    assert a.url == "https://news.example/x" and a.source_name == "Example News"


def test_gzip_txt_and_bounded_decompression():
    data = gzip.compress(b"Title\n\nSome body.")
    arts, rejects = parsed_file("x.txt.gz", data)
    assert len(arts) == 1 and not rejects
    bomb = gzip.compress(b"\0" * 5_000_000)
    with pytest.raises(InputTooLarge):
        gunzipped(bomb, limit=1_000_000)


def test_truncated_gzip_is_a_reject():
    data = gzip.compress(b"Title\n\n" + b"words " * 5000)[:-40]
    arts, rejects = parsed_file("x.txt.gz", data)
    assert arts == [] and rejects[0].reason == "bad_gzip"


def test_binary_and_empty_files_are_rejects():
    assert parsed_file("x.txt", b"\x00\x01\x02binary\x00" * 50)[1][0].reason == "binary"
    assert parsed_file("x.txt", b"  \n\n ")[1][0].reason == "empty"


def test_latin1_bytes_are_decoded_and_recorded():
    arts, _ = parsed_file("x.txt", "Título\n\nLa reunión terminó en Bogotá.".encode("cp1252"))
    assert "reunión" in arts[0].body
    assert any(r.startswith("decoded:") for r in arts[0].repairs)


def test_jsonl_keeps_good_lines_and_rejects_bad_ones():
    lines = [
        json.dumps({"id": "n1", "title": "One", "text": "First story body.", "published": "2019-01-02",
                    "story_id": "s1"}),
        "{not json",
        json.dumps({"id": "n3", "title": "Three"}),
        json.dumps({"title": "Four", "html": HTML_PAGE}),
    ]
    arts, rejects = parsed_file("feed.jsonl", "\n".join(lines).encode())
    assert [a.source_uri for a in arts] == ["feed.jsonl#n1", "feed.jsonl#4"]
    assert arts[0].title == "One" and not arts[0].title_in_body and arts[0].story_id == "s1"
    assert str(arts[0].published) == "2019-01-02"
    assert arts[1].title == "Four" and "Rotterdam" in arts[1].body
    assert sorted(r.reason for r in rejects) == ["bad_json", "no_text"]
    assert rejects[0].source_uri == "feed.jsonl#2"


def test_html_page_through_trafilatura():
    arts, rejects = parsed_file("page.html", HTML_PAGE.encode())
    assert not rejects
    (a,) = arts
    assert a.title == "Harbour crane collapses in gale"
    assert a.author == "Ines Whitlow"
    assert str(a.published) == "2021-11-03" and a.published_source == "html"
    assert "Rotterdam" in a.body and "Home" not in a.body
    assert "\n\n" in a.body


def test_html_without_body_is_a_reject():
    arts, rejects = parsed_file("empty.html", b"<html><head><title>x</title></head><body></body></html>")
    assert arts == [] and rejects[0].reason == "no_content"


def test_multinews_lines_and_articles():
    text = ("First article of story one. NEWLINE_CHAR NEWLINE_CHAR It goes on. ||||| Second article of story one."
            "\nOnly article of story two.\n")
    arts, rejects = parsed_file("dir/stories.src", text.encode())
    assert not rejects
    assert [a.source_uri for a in arts] == ["dir/stories.src#1.1", "dir/stories.src#1.2", "dir/stories.src#2.1"]
    assert arts[0].story_id == arts[1].story_id != arts[2].story_id
    assert "\n" in arts[0].body and "NEWLINE_CHAR" not in arts[0].body


def _warc(records):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True)
    for uri, ctype, payload in records:
        http = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
        rec = writer.create_warc_record(uri, "response", payload=io.BytesIO(payload), http_headers=http,
                                        warc_headers_dict={"WARC-Date": "2021-11-04T09:30:00Z"})
        writer.write_record(rec)
    return buf.getvalue()


def test_warc_html_records_are_articles_and_others_rejects():
    data = _warc([
        ("https://harbour.example/crane", "text/html; charset=utf-8", HTML_PAGE.encode()),
        ("https://harbour.example/logo.png", "image/png", b"\x89PNG...."),
    ])
    arts, rejects = parsed_file("crawl.warc.gz", data)
    assert len(arts) == 1 and arts[0].url == "https://harbour.example/crane"
    assert arts[0].source_uri.startswith("crawl.warc.gz#urn:uuid:")
    assert arts[0].published_source == "html"  # the page's own date beats the crawl date
    assert [r.reason for r in rejects] == ["not_html"]


def test_truncated_warc_keeps_records_before_the_damage():
    data = _warc([("https://a.example/1", "text/html", HTML_PAGE.encode())] * 2)
    for cut in range(len(data) // 2, len(data), 37):
        arts, _ = parsed_file("crawl.warc.gz", data[:cut])
        assert len(arts) >= 1 and "Rotterdam" in arts[0].body


def test_sidecar_helpers():
    assert sidecar_name("a/b.txt") == "a/b.meta.json" and sidecar_name("b.html.gz") == "b.meta.json"
    meta, bad = sidecar_meta("b.meta.json", b'{"published": "2018-02-14"}')
    assert meta == {"published": "2018-02-14"} and bad is None
    assert sidecar_meta("b.meta.json", b"[1,2]")[1].reason == "bad_sidecar"

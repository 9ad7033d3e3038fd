"""Find input files and read them, on a local disk or any fsspec filesystem."""

from __future__ import annotations

import hashlib
import os
import posixpath
from dataclasses import dataclass

import fsspec

from transforms.encoding import looks_binary
from transforms.formats import Reject, input_format, jsonl_record_keys, sidecar_meta, sidecar_name

# Larger inputs are refused before reading (a single news file is never this big; a WARC may be).
MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_WARC_BYTES = 2 * 1024 * 1024 * 1024
# A JSON-lines file at least this big is scanned once and split into record ranges (smaller ones are batched whole).
SPLIT_MIN_BYTES = 256 * 1024
_PROBE = 4096  # bytes `looks_binary` reads of a file
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class InputFile:
    """An input file found by discovery, with the fingerprint used to skip unchanged files."""

    uri: str
    size: int
    mtime: float | None
    sidecar: str | None = None  # uri of NAME.meta.json beside it, if any
    sidecar_mtime: float | None = None

    @property
    def fingerprint(self) -> str:
        """Cheap change detector: size and modification times of the file and its sidecar."""
        return f"{self.size}:{self.mtime}:{self.sidecar_mtime}"


def filesystem(uri: str) -> tuple[fsspec.AbstractFileSystem, str, str]:
    """(filesystem, path, protocol prefix) for a local path or URI."""
    fs, path = fsspec.core.url_to_fs(uri)
    proto = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    prefix = "" if proto in ("file", "local") else f"{proto}://"
    if not prefix:
        path = os.path.abspath(path)
    return fs, path, prefix


def _printable(path: str) -> str:
    """A path that can be stored as UTF-8: undecodable name bytes become `\\xNN` escapes."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _is_utf8(path: str) -> bool:
    """True when a local path's bytes are valid UTF-8 (os.walk maps other bytes to lone surrogates)."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _local_files(root: str) -> tuple[list[tuple[str, int, float | None]], list[Reject]]:
    """Walk a local tree without following directory symlinks (no loops); unreadable entries become rejects."""
    found: list[tuple[str, int, float | None]] = []
    rejects: list[Reject] = []
    if os.path.isfile(root):
        st = os.stat(root)
        return [(root, st.st_size, st.st_mtime)], []

    def onerror(err: OSError) -> None:
        rejects.append(Reject(_printable(str(err.filename or root)), "discover", "unreadable",
                              err.strerror or str(err)))

    for dirpath, dirnames, filenames in os.walk(root, onerror=onerror, followlinks=False):
        dirnames.sort()
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            if not _is_utf8(path):
                # Every uri lands in UTF-8 Parquet columns; one such name would fail the whole batch's write.
                rejects.append(Reject(_printable(path), "discover", "bad_name", "file name is not valid UTF-8"))
                continue
            try:
                st = os.stat(path)
            except OSError as exc:  # dangling link, link loop, vanished file
                rejects.append(Reject(path, "discover", "unreadable", exc.strerror or str(exc)))
                continue
            if not os.path.isfile(path):
                rejects.append(Reject(path, "discover", "not_a_file", "not a regular file"))
                continue
            found.append((path, st.st_size, st.st_mtime))
    return found, rejects


def discovered_inputs(uri: str) -> tuple[list[InputFile], list[Reject]]:
    """Every supported input file under `uri` (recursively), sorted by uri, plus rejects for the rest."""
    fs, root, prefix = filesystem(uri)
    if not prefix:
        if not os.path.exists(root):
            raise FileNotFoundError(f"input not found: {uri}")
        entries, rejects = _local_files(root)
    else:
        rejects = []
        entries = []
        for path, info in sorted(fs.find(root, withdirs=False, detail=True).items()):
            mtime = info.get("mtime") or info.get("LastModified") or info.get("ETag")
            entries.append((path, int(info.get("size") or 0), str(mtime) if mtime is not None else None))
    by_path = {p: (size, mtime) for p, size, mtime in entries}
    inputs: list[InputFile] = []
    for path, size, mtime in entries:
        name = posixpath.basename(path)
        if name.lower().endswith(".meta.json"):
            continue
        if input_format(name) is None:
            rejects.append(Reject(prefix + path, "discover", "unsupported", "file type not supported"))
            continue
        side = posixpath.join(posixpath.dirname(path), sidecar_name(name))
        side_info = by_path.get(side)
        inputs.append(InputFile(
            prefix + path, size, mtime,
            sidecar=prefix + side if side_info else None,
            sidecar_mtime=side_info[1] if side_info else None,
        ))
    inputs.sort(key=lambda f: f.uri)
    return inputs, rejects


def read_bytes(uri: str, limit: int) -> bytes:
    """The content of a file, refusing files larger than `limit`."""
    if "://" not in uri:  # local files skip fsspec's per-call URL resolution (it dominates for small files)
        with open(uri, "rb") as fh:
            data = fh.read(limit + 1)
    else:
        fs, path, _ = filesystem(uri)
        with fs.open(path, "rb") as fh:
            data = fh.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"larger than {limit} bytes")
    return data


def input_sha256(data: bytes, sidecar: bytes | None) -> str:
    """Hash of a file's bytes and its sidecar's, the manifest's notion of 'the same input'."""
    return _with_sidecar(hashlib.sha256(data), sidecar)


def _with_sidecar(h: hashlib._Hash, sidecar: bytes | None) -> str:
    if sidecar is not None:
        h.update(b"\x00sidecar\x00")
        h.update(sidecar)
    return h.hexdigest()


@dataclass(frozen=True, slots=True)
class RecordRange:
    """One batch's share of a large JSON-lines input: its whole lines from byte `start` to byte `end`."""

    file: InputFile
    sha256: str  # of the whole file and its sidecar: the manifest's content hash of the file
    start: int
    end: int
    first_line: int  # the file's line number of the range's first line (record ids without `id` use it)
    index: int  # position among the file's ranges
    count: int  # ranges of the file

    @property
    def uri(self) -> str:
        """The input file's uri."""
        return self.file.uri


@dataclass(frozen=True, slots=True)
class Split:
    """What one scan of a large input found: its content hash, and its record ranges (none: batch it whole)."""

    file: InputFile
    sha256: str | None
    ranges: tuple[RecordRange, ...] = ()


def _open(uri: str):  # noqa: ANN202  (a binary file object, local or fsspec)
    if "://" not in uri:
        return open(uri, "rb")
    fs, path, _ = filesystem(uri)
    return fs.open(path, "rb")


def read_range(uri: str, start: int, end: int) -> bytes:
    """Bytes `start` to `end` of a file."""
    with _open(uri) as fh:
        fh.seek(start)
        return fh.read(end - start)


def _coupled(keys: list[list[str]]) -> list[tuple[int, int]]:
    """Runs of consecutive chunks (first, last) such that chunks sharing a key fall in one run."""
    span: dict[str, tuple[int, int]] = {}
    for i, chunk_keys in enumerate(keys):
        for k in chunk_keys:
            first, _ = span.get(k, (i, i))
            span[k] = (first, i)
    reach = list(range(len(keys)))  # the last chunk each chunk must share a run with
    for first, last in span.values():
        reach[first] = max(reach[first], last)
    runs, start, end = [], 0, -1
    for i in range(len(keys)):
        end = max(end, reach[i])
        if i == end:
            runs.append((start, end))
            start = i + 1
    return runs


def split_jsonl(f: InputFile, known_sha256: str | None, records_per_range: int,
                min_bytes: int = SPLIT_MIN_BYTES) -> Split | None:
    """Scan a large JSON-lines file once: its content hash and the record ranges its batches take.

    A range holds about `records_per_range` records, cut only at line starts; records that must meet in
    one batch stay together: the same record id (the within-file duplicate check) and the same story
    (`with_story_dates` shares story dates among them). A file that is not plain UTF-8 JSON lines (gzip,
    not text, another encoding, a byte-order mark inside), too small, too large or unreadable is not
    split (None): its batch reads it whole and makes the usual rejects.

    Returns:
        None (batch it whole), or the file's hash with no ranges (unchanged: `known_sha256`), or its ranges.
    """
    if (input_format(f.uri) != "jsonl" or f.uri.lower().endswith(".gz") or f.size < min_bytes
            or f.size > MAX_FILE_BYTES):
        return None
    try:
        side = read_bytes(f.sidecar, 1024 * 1024) if f.sidecar else None
        meta = sidecar_meta(f.sidecar or "", side)[0] if side is not None else None
        h = hashlib.sha256()
        starts: list[tuple[int, int]] = []  # (byte offset, line number) of each record line
        keys: list[list[str]] = []
        offset = 0
        head = b""
        with _open(f.uri) as fh:
            for line_no, line in enumerate(fh, start=1):
                h.update(line)
                if len(head) < _PROBE:
                    head += line[:_PROBE - len(head)]
                if line.startswith(_BOM) and offset > 0:
                    return None  # the whole-file reader keeps it there; a range reader would drop it
                try:
                    text = line.decode("utf-8")
                except UnicodeDecodeError:
                    return None  # decoded by charset detection over the whole file
                record = jsonl_record_keys(text.removeprefix("\ufeff") if offset == 0 else text, line_no, meta)
                if record is not None:
                    record_id, story_id = record
                    starts.append((offset, line_no))
                    keys.append([f"id:{record_id}"] + ([f"story:{story_id}"] if story_id else []))
                offset += len(line)
        sha = _with_sidecar(h, side)
    except (OSError, ValueError):
        return None
    if looks_binary(head):
        return None
    if known_sha256 == sha:
        return Split(f, sha)
    chunks = [list(range(i, min(i + records_per_range, len(starts)))) for i in range(0, len(starts),
                                                                                   records_per_range)]
    runs = _coupled([[k for r in chunk for k in keys[r]] for chunk in chunks])
    if len(runs) < 2:
        return None
    ranges = []
    for n, (first, last) in enumerate(runs):
        begin, line_no = (0, 1) if n == 0 else starts[chunks[first][0]]
        end = starts[chunks[last + 1][0]][0] if last + 1 < len(chunks) else offset
        ranges.append(RecordRange(f, sha, begin, end, line_no, n, len(runs)))
    return Split(f, sha, tuple(ranges))

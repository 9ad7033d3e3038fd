"""Find input files and read them, on a local disk or any fsspec filesystem."""

from __future__ import annotations

import hashlib
import os
import posixpath
from dataclasses import dataclass

import fsspec

from transforms.formats import Reject, input_format, sidecar_name

# Larger inputs are refused before reading (a single news file is never this big; a WARC may be).
MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_WARC_BYTES = 2 * 1024 * 1024 * 1024


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
    h = hashlib.sha256(data)
    if sidecar is not None:
        h.update(b"\x00sidecar\x00")
        h.update(sidecar)
    return h.hexdigest()

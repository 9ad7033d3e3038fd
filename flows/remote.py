"""Object storage helpers: fsspec filesystems for `s3://` (any fsspec URI) and DuckDB over them.

Credentials and the endpoint come only from the standard places the storage library reads (for S3:
`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`, `AWS_PROFILE` and `~/.aws`, and
`AWS_ENDPOINT_URL` or `AWS_ENDPOINT_URL_S3` for S3-compatible servers such as MinIO or moto). Nothing here
reads, stores or logs them; `display_uri` strips anything credential-like from a URI before it is shown.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import urllib.parse
from collections.abc import Iterator
from typing import Any

import fsspec

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")


def protocol(uri: str) -> str:
    """The fsspec protocol of a URI (`file` for plain paths)."""
    m = _SCHEME.match(uri)
    return m.group(1).lower() if m else "file"


def is_remote(uri: str) -> bool:
    """True for URIs that do not name the local disk."""
    return protocol(uri) not in ("file", "local")


def display_uri(uri: str) -> str:
    """A URI safe to print: user, password and query string (presigned tokens) removed."""
    if not is_remote(uri):
        return uri
    parts = urllib.parse.urlsplit(uri)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", ""))


def filesystem(uri: str) -> fsspec.AbstractFileSystem:
    """The fsspec filesystem of a URI, configured from the environment only."""
    fs, _ = fsspec.core.url_to_fs(uri)
    return fs


def register_filesystem(con: Any, uri: str) -> None:
    """Let a DuckDB connection read (and write) `uri`'s scheme through fsspec, without httpfs or secrets."""
    if is_remote(uri):
        con.register_filesystem(filesystem(uri))


@contextlib.contextmanager
def local_copy(uri: str, suffix: str = "") -> Iterator[str]:
    """Download one remote file to a private temporary path for the duration of the block."""
    tmp_dir = tempfile.mkdtemp(prefix="broadsheet-remote-")
    path = os.path.join(tmp_dir, f"copy{suffix}")
    try:
        fs, remote_path = fsspec.core.url_to_fs(uri)
        if not fs.exists(remote_path):
            raise FileNotFoundError(f"not found: {display_uri(uri)}")
        fs.get_file(remote_path, path)
        yield path
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)


def upload_tree(local_dir: str, uri: str) -> None:
    """Copy a local directory tree to `uri` (replacing files of the same name)."""
    fs, remote_path = fsspec.core.url_to_fs(uri)
    for dirpath, _, filenames in os.walk(local_dir):
        rel = os.path.relpath(dirpath, local_dir)
        for name in filenames:
            dest = "/".join(p for p in (remote_path.rstrip("/"), "" if rel == "." else rel, name) if p)
            fs.put_file(os.path.join(dirpath, name), dest)

"""DuckDB connections with the DuckLake, SQLite, PostgreSQL and httpfs extensions, offline.

The extensions ship as registry wheels (`duckdb-extension-<name>`, pinned to our duckdb). DuckDB only
autoloads extensions from its extension directory, and `LOAD '<file>'` needs the file to carry the
extension's internal name (`sqlite_scanner`, not `sqlite`), so each missing extension is installed once
from its wheel's file with `INSTALL '<path>'`, a local copy that never touches the network. Automatic
installation from the extension repository is switched off on every connection we open.
"""

from __future__ import annotations

import functools
import glob
import importlib
import os
import tempfile

import duckdb

# wheel name -> name DuckDB knows the extension by once installed
EXTENSIONS = {"ducklake": "ducklake", "sqlite": "sqlite_scanner", "postgres": "postgres_scanner", "httpfs": "httpfs"}


class ExtensionMissing(RuntimeError):
    """An extension wheel is not installed in this environment."""


def extension_file(name: str) -> str:
    """Path of the extension binary inside the `duckdb-extension-<name>` wheel matching our duckdb."""
    try:
        module = importlib.import_module(f"duckdb_extension_{name}")
    except ImportError:
        raise ExtensionMissing(f"the duckdb-extension-{name}=={duckdb.__version__} wheel is not installed; "
                               "run `make setup`") from None
    base = os.path.join(os.path.dirname(module.__file__ or ""), "extensions")
    exact = os.path.join(base, f"v{duckdb.__version__}", f"{name}.duckdb_extension")
    if os.path.isfile(exact):
        return exact
    found = sorted(glob.glob(os.path.join(base, "*", f"{name}.duckdb_extension")))
    if not found:
        raise ExtensionMissing(f"no {name} extension file in {base}")
    return found[-1]


def _config(extension_directory: str | None) -> dict[str, str | bool]:
    config: dict[str, str | bool] = {"autoinstall_known_extensions": False, "autoload_known_extensions": True}
    if extension_directory:
        config["extension_directory"] = extension_directory
    return config


@functools.cache
def _extension_directory() -> str | None:
    """None (DuckDB's default, shared with the user's other DuckDB clients) when it is writable, else a private one."""
    probe = duckdb.connect(config=_config(None))
    try:
        default = probe.execute("SELECT current_setting('extension_directory')").fetchone()[0] or ""
        home = os.path.expanduser("~")
        target = default or os.path.join(home, ".duckdb", "extensions")
        try:
            os.makedirs(target, exist_ok=True)
            if os.access(target, os.W_OK):
                return None
        except OSError:
            pass
    finally:
        probe.close()
    private = os.path.join(tempfile.gettempdir(), f"broadsheet-duckdb-extensions-{os.getuid()}")
    os.makedirs(private, exist_ok=True)
    return private


@functools.cache
def _installed(extension_directory: str | None) -> bool:
    """Install every extension we use from its wheel unless it is installed already (once per process)."""
    con = duckdb.connect(config=_config(extension_directory))
    try:
        have = {name for name, installed in con.execute(
            "SELECT extension_name, installed FROM duckdb_extensions()").fetchall() if installed}
        for wheel, name in EXTENSIONS.items():
            if name not in have:
                con.execute(f"INSTALL '{extension_file(wheel)}'")
    finally:
        con.close()
    return True


def connect(database: str = ":memory:", read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A new DuckDB database that can attach DuckLake catalogs (SQLite or PostgreSQL) without any download."""
    directory = _extension_directory()
    _installed(directory)
    return duckdb.connect(database, read_only=read_only, config=_config(directory))


@functools.cache
def _shared() -> duckdb.DuckDBPyConnection:
    con = connect()
    for name in ("ducklake", "sqlite_scanner"):
        con.execute(f"LOAD {name}")
    return con


def cursor() -> duckdb.DuckDBPyConnection:
    """A connection to this process's shared in-memory DuckDB, whose extensions are loaded and verified once.

    Loading an extension checks its signature over the whole file (about half a second for DuckLake), so
    every lake connection of a process shares one database; attachments are shared by its connections too.
    """
    return _shared().cursor()

"""The warehouse folder and its DuckLake: where things live, what a folder holds, and how to open it.

A warehouse folder (a local directory or an object-store prefix) holds:

    broadsheet.json      marker: what this folder is (format and version) and where its catalog lives
    catalog.sqlite       the DuckLake catalog (the default; a PostgreSQL catalog lives in its server)
    data/                Parquet data files; the catalog stores their paths relative to this folder
    _state/              the writer lock and runs' staging areas (transient)
    quarantine/<run_id>/ batches that broke a warehouse guard (key, columns, parent row)
    docs/                Data Docs of the last validation

Every connection attaches the lake with this folder's *current* `data/` as its data path, so a copied,
moved or re-mounted folder answers from wherever it is. The catalog is attached as `broadsheet` and made
the default database: `SELECT * FROM articles` works as is. Tables and views for users live in `main`;
state kept for incremental updates lives in schema `internal`.

On an object store, a SQLite catalog cannot be written in place: a writer works on a private local copy
and uploads it when its transaction has committed (one writer at a time, as the docs say); a reader
attaches a private copy of the object.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import posixpath
import shutil
import tempfile
import threading
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import duckdb
import fsspec

from warehouse.extensions import connect, cursor

FORMAT = "broadsheet-warehouse"
FORMAT_VERSION = 1
MARKER = "broadsheet.json"
SQLITE_CATALOG = "catalog.sqlite"
DATA_DIR = "data"
STATE_DIR = "_state"
LAKE = "broadsheet"  # name the catalog is attached under
INTERNAL = "internal"  # schema of the state kept for incremental updates
DATA_INLINING_ROW_LIMIT = 1000  # inserts and deletes up to this many rows stay in the catalog until `maintain`
_PASSWORD_KEYS = ("password", "passfile", "sslpassword")
# Lake connections share one DuckDB database per process (see extensions.cursor), where the lake is attached
# under one name: one lake connection is open at a time in a process, the others wait.
_ATTACHED = threading.Lock()
_HOLDER = threading.local()


class NotAWarehouse(RuntimeError):
    """The folder is not (or not yet) a Broadsheet warehouse that this version can use; nothing was changed."""


class CatalogUnusable(RuntimeError):
    """The warehouse's catalog is missing or unreadable; nothing was changed."""


def _quote(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


@dataclass(frozen=True)
class Location:
    """A warehouse root on the local disk or any fsspec filesystem."""

    uri: str
    fs: Any
    root: str
    is_local: bool
    protocol: str

    @classmethod
    def of(cls, uri: str) -> Location:
        """The location of `uri` (a path or an fsspec URI)."""
        fs, path = fsspec.core.url_to_fs(uri)
        proto = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
        local = proto in ("file", "local")
        root = posixpath.abspath(path) if local else path.rstrip("/")
        return cls(root if local else uri.rstrip("/"), fs, root, local, proto)

    def path(self, *parts: str) -> str:
        """Filesystem path of a location inside the warehouse."""
        return posixpath.join(self.root, *parts)

    def url(self, *parts: str) -> str:
        """The URL DuckDB is given for a location inside the warehouse."""
        p = self.path(*parts)
        return p if self.is_local else f"{self.protocol}://{p}"

    def display(self) -> str:
        """The location as it may be printed (no credentials, no query string)."""
        if self.is_local:
            return self.root
        parts = urllib.parse.urlsplit(self.uri)
        return urllib.parse.urlunsplit((parts.scheme, parts.hostname or "", parts.path, "", ""))


@dataclass(frozen=True)
class CatalogSpec:
    """Where a warehouse's DuckLake catalog lives: `sqlite` (inside the folder) or a PostgreSQL URI."""

    kind: str  # "sqlite" or "postgres"
    uri: str = ""  # the PostgreSQL URI as given (may hold a password: never print or store it)

    @classmethod
    def parse(cls, value: str | None) -> CatalogSpec:
        """`None`/`sqlite` -> the SQLite catalog; `postgresql://...` or `postgres://...` -> PostgreSQL."""
        if value is None or value.strip().lower() in ("", "sqlite"):
            return cls("sqlite")
        scheme = urllib.parse.urlsplit(value).scheme.lower()
        if scheme in ("postgresql", "postgres"):
            return cls("postgres", value)
        raise ValueError(f"unknown catalog {value!r}: use sqlite (the default) or a postgresql://... URI")

    def public(self) -> str:
        """The catalog as stored in the marker and printed: a PostgreSQL URI without password or secrets."""
        if self.kind == "sqlite":
            return "sqlite"
        parts = urllib.parse.urlsplit(self.uri)
        host = parts.hostname or ""
        if parts.username:
            host = f"{urllib.parse.quote(urllib.parse.unquote(parts.username))}@{host}"
        if parts.port:
            host = f"{host}:{parts.port}"
        query = urllib.parse.urlencode([(k, v) for k, v in urllib.parse.parse_qsl(parts.query)
                                        if k.lower() not in _PASSWORD_KEYS])
        return urllib.parse.urlunsplit(("postgresql", host, parts.path, query, ""))

    def same_as(self, other: CatalogSpec) -> bool:
        """True when both name the same catalog (passwords aside)."""
        return self.kind == other.kind and self.public() == other.public()


@dataclass(frozen=True)
class Marker:
    """The contents of `broadsheet.json`."""

    version: int
    catalog: str
    created_by: str
    ready: bool = True  # False from the folder's creation until its catalog exists

    def to_json(self) -> str:
        """Serialized form."""
        return json.dumps({"format": FORMAT, "version": self.version, "catalog": self.catalog,
                           "created_by": self.created_by, "ready": self.ready}, indent=1) + "\n"


class Lake:
    """One warehouse: its folder, its catalog, and connections to it.

    Args:
        warehouse: the warehouse folder (path or URI).
        catalog: `sqlite`, a `postgresql://` URI, or None for what the folder's marker says (SQLite for a new one).
        register: called with each new DuckDB connection (tests use it to add filesystems).
    """

    def __init__(self, warehouse: str, catalog: str | None = None) -> None:
        self.location = Location.of(warehouse)
        self._given_catalog = CatalogSpec.parse(catalog) if catalog is not None else None
        self._marker: Marker | None = None

    # -- what the folder holds ---------------------------------------------------------------------------

    @property
    def display(self) -> str:
        """The warehouse location as it may be printed."""
        return self.location.display()

    def read_marker(self) -> Marker | None:
        """The folder's marker, None when there is none; NotAWarehouse when it is not ours or too new."""
        loc = self.location
        path = loc.path(MARKER)
        try:
            with loc.fs.open(path, "r", encoding="utf-8") as fh:
                raw = fh.read(65536)
        except FileNotFoundError:
            return None
        except IsADirectoryError:
            raise NotAWarehouse(f"{self.display} is not a Broadsheet warehouse: {MARKER} is a directory") from None
        try:
            data = json.loads(raw)
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                raise ValueError("not a Broadsheet marker")
            version = int(data["version"])
            catalog = str(data.get("catalog") or "sqlite")
        except (ValueError, KeyError, TypeError):
            raise NotAWarehouse(f"{self.display} is not a Broadsheet warehouse: {MARKER} is not ours "
                                "(unreadable or another program's); nothing was changed") from None
        if version > FORMAT_VERSION:
            raise NotAWarehouse(f"{self.display} was written by a newer Broadsheet (warehouse format {version}; "
                                f"this version reads format {FORMAT_VERSION}): upgrade Broadsheet; "
                                "nothing was changed")
        return Marker(version, catalog, str(data.get("created_by") or ""), data.get("ready") is not False)

    def _listing(self) -> list[str] | None:
        """Names in the warehouse folder; None when the folder does not exist."""
        loc = self.location
        try:
            if not loc.fs.exists(loc.root):
                return None
            if not loc.fs.isdir(loc.root):
                raise NotAWarehouse(f"{self.display} is a file, not a warehouse folder; nothing was changed")
            return sorted(posixpath.basename(p.rstrip("/")) for p in loc.fs.ls(loc.root, detail=False))
        except PermissionError as exc:
            raise NotAWarehouse(f"{self.display} cannot be read: {exc}") from None

    def _refuse_foreign(self, names: list[str]) -> None:
        shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
        if "_state" in names and self.location.fs.exists(self.location.path("_state", "snapshot.json")):
            raise NotAWarehouse(
                f"{self.display} is a warehouse of an older Broadsheet (hand-written Parquet parts and "
                "_state/snapshot.json, before DuckLake); this version cannot use it. Run into a new folder "
                "(the inputs are re-read from --input); nothing was changed")
        raise NotAWarehouse(f"{self.display} is not a Broadsheet warehouse (no {MARKER}; it holds {shown}); "
                            "choose an empty or new folder; nothing was changed")

    def catalog(self) -> CatalogSpec:
        """The catalog this warehouse uses (the marker's, else the one given, else SQLite)."""
        marker = self._marker or self.read_marker()
        if marker is None:
            return self._given_catalog or CatalogSpec("sqlite")
        stored = CatalogSpec.parse(marker.catalog)
        given = self._given_catalog
        if given is not None and not given.same_as(stored):
            raise NotAWarehouse(f"{self.display} uses the catalog {stored.public()}, not {given.public()}; "
                                "nothing was changed")
        if given is not None:
            return given  # may carry the password the marker leaves out
        return stored

    def data_files_present(self) -> bool:
        """True when `data/` holds at least one Parquet file (published data, or a killed run's leftovers)."""
        loc = self.location
        data = loc.path(DATA_DIR)
        try:
            if not loc.fs.exists(data):
                return False
            return any(p.endswith(".parquet") for p in loc.fs.find(data))
        except OSError:
            return True  # cannot tell: assume there is data worth protecting

    def check_readable(self) -> None:
        """Raise NotAWarehouse unless this is a warehouse with a catalog (for `query`, `report`, ...)."""
        names = self._listing()
        if names is None:
            raise NotAWarehouse(f"no warehouse at {self.display} (the folder does not exist); "
                                "run `broadsheet run` first")
        marker = self.read_marker()
        if marker is None:
            if not names:
                raise NotAWarehouse(f"no warehouse at {self.display} (the folder is empty); "
                                    "run `broadsheet run` first")
            self._refuse_foreign(names)
        self._marker = marker
        self.catalog()

    def prepare(self, created_by: str) -> None:
        """Make the folder ready for a run: create a new warehouse, or check an existing one; never deletes.

        A folder that exists and holds anything but a Broadsheet warehouse is refused, as is a warehouse whose
        catalog is missing, empty or unreadable once it was created. The marker says `ready` only after the
        catalog exists, so a first run killed while creating it leaves a folder the next run completes.
        """
        names = self._listing()
        marker = self.read_marker() if names is not None else None
        if marker is None and names:
            self._refuse_foreign(names)
        if marker is None:
            spec = self._given_catalog or CatalogSpec("sqlite")
            self.location.fs.makedirs(self.location.root, exist_ok=True)
            marker = Marker(FORMAT_VERSION, spec.public(), created_by, ready=False)
            self._write_marker(marker)
        self._marker = marker
        self._check_catalog_exists()
        if not marker.ready:
            with self.writer():  # attaching creates the DuckLake catalog
                pass
            self._marker = replace(marker, ready=True)
            self._write_marker(self._marker)

    def check_preparable(self) -> None:
        """Raise NotAWarehouse where `prepare` would refuse the folder, without creating or opening anything.

        Catches what can be told from the folder alone (a file, a foreign folder, another catalog, a path under a
        file), so a command can refuse before it starts a server or takes a lock; `prepare` still checks the rest.
        """
        loc = self.location
        if loc.is_local:
            parent = loc.root
            while not os.path.lexists(parent) and posixpath.dirname(parent) != parent:
                parent = posixpath.dirname(parent)
            if parent != loc.root and not os.path.isdir(parent):
                raise NotAWarehouse(f"{self.display} cannot be created: {parent} is a file, not a folder; "
                                    "choose another path")
        names = self._listing()
        if not names:
            return
        marker = self.read_marker()
        if marker is None:
            self._refuse_foreign(names)
        self.catalog()

    def _write_marker(self, marker: Marker) -> None:
        loc = self.location
        final = loc.path(MARKER)
        tmp = f"{final}.tmp-{uuid.uuid4().hex[:8]}"
        with loc.fs.open(tmp, "w", encoding="utf-8") as fh:
            fh.write(marker.to_json())
        loc.fs.mv(tmp, final)

    def _check_catalog_exists(self) -> None:
        """Refuse when the catalog of a created warehouse is gone or is not a DuckLake catalog."""
        spec = self.catalog()
        created = self._marker is None or self._marker.ready or self.data_files_present()
        if spec.kind == "sqlite":
            loc = self.location
            exists = loc.fs.exists(loc.path(SQLITE_CATALOG))
            if exists and loc.is_local:
                with self._connection() as con:
                    _check_sqlite_catalog(con, loc.path(SQLITE_CATALOG), self.display, empty_ok=not created)
            if not exists and created:
                raise CatalogUnusable(
                    f"the catalog of {self.display} is missing ({SQLITE_CATALOG}): restore catalog.sqlite from a "
                    "backup of this folder (a copy of the whole folder is a backup), or run into a new folder; "
                    "nothing was changed or deleted")
            return
        if not self._postgres_has_lake(spec) and created:
            raise CatalogUnusable(
                f"the PostgreSQL catalog {spec.public()} of {self.display} holds no DuckLake: check the URI, or "
                "restore the database from a backup; nothing was changed")

    def _postgres_has_lake(self, spec: CatalogSpec) -> bool:
        con = connect()
        try:
            con.execute(f"ATTACH {_quote(spec.uri)} AS pg (TYPE postgres, READ_ONLY)")
            n = con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'pg' "
                            "AND table_name = 'ducklake_metadata'").fetchone()[0]
            return bool(n)
        except duckdb.Error as exc:
            raise CatalogUnusable(f"cannot reach the PostgreSQL catalog {spec.public()}: "
                                  f"{str(exc).splitlines()[0][:300]}") from None
        finally:
            con.close()

    # -- connections ------------------------------------------------------------------------------------

    def _attach_sql(self, catalog_target: str, read_only: bool) -> str:
        opts = [f"DATA_PATH {_quote(self.location.url(DATA_DIR) + '/')}", "OVERRIDE_DATA_PATH true"]
        if read_only:
            opts.append("READ_ONLY")
        else:
            opts.append(f"DATA_INLINING_ROW_LIMIT {DATA_INLINING_ROW_LIMIT}")
        return f"ATTACH {_quote('ducklake:' + catalog_target)} AS {LAKE} ({', '.join(opts)})"

    def _new_connection(self) -> duckdb.DuckDBPyConnection:
        con = cursor()
        self._register_filesystem(con)
        return con

    def _register_filesystem(self, con: duckdb.DuckDBPyConnection) -> None:
        if not self.location.is_local:
            # DuckLake reads and writes the data files through the same fsspec filesystem as everything else
            # (credentials from the environment only).
            protocols = set(self.location.fs.protocol if isinstance(self.location.fs.protocol, tuple)
                            else (self.location.fs.protocol,))
            registered = set(con.list_filesystems())
            if not protocols & registered:
                con.register_filesystem(self.location.fs)

    @contextlib.contextmanager
    def _connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if getattr(_HOLDER, "held", False):
            raise RuntimeError("a lake connection is already open in this thread: close it first")
        with _ATTACHED:
            _HOLDER.held = True
            con = self._new_connection()
            # Attachments belong to the process-wide DuckDB instance: one left behind by a block that failed
            # half-way must not make this attach fail ("already exists"). The lock makes it ours to drop.
            _release(con)
            try:
                yield con
            finally:
                _HOLDER.held = False
                _release(con)
                con.close()

    @contextlib.contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection with the lake attached read-only as the default database."""
        self.check_readable()
        with self._connection() as con, self._attached_read_only(con):
            yield con

    @contextlib.contextmanager
    def query_reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection for SQL typed by users: the lake attached read-only, in a DuckDB of its own, locked down.

        Once the lake is attached, the connection may open no file but the lake's data files (DuckLake reads them
        through it) and its catalog, may not spill to disk, install or load extensions, or change any setting.
        That cannot be undone in a DuckDB database, so this one is private to the block and closed after it; the
        process's shared database (`cursor()`) is untouched. Writes *into* the data folder stay possible at this
        level (DuckLake needs the folder), so callers still admit only query statements (`warehouse.user_sql`).
        """
        self.check_readable()
        spec = self.catalog()
        con = connect()
        try:
            for name in ("ducklake", "sqlite_scanner", "postgres_scanner" if spec.kind == "postgres" else ""):
                if name:
                    con.execute(f"LOAD {name}")
            self._register_filesystem(con)
            with self._attached_read_only(con):
                data = self.location.url(DATA_DIR) + "/"
                con.execute(f"SET allowed_directories = [{_quote(data)}]")
                con.execute("SET temp_directory = ''")
                con.execute("SET enable_external_access = false")
                con.execute("SET lock_configuration = true")
                yield con
        finally:
            con.close()

    @contextlib.contextmanager
    def _attached_read_only(self, con: duckdb.DuckDBPyConnection) -> Iterator[None]:
        spec = self.catalog()
        if spec.kind == "postgres":
            self._attach(con, "postgres:" + spec.uri, read_only=True)
            yield
        elif self.location.is_local:
            path = self.location.path(SQLITE_CATALOG)
            if not os.path.exists(path):
                raise CatalogUnusable(f"the catalog of {self.display} is missing ({SQLITE_CATALOG}): restore it "
                                      "from a backup of this folder, or run into a new folder")
            _check_sqlite_catalog(con, path, self.display)
            self._attach(con, "sqlite:" + path, read_only=True)
            yield
        else:
            with self._remote_catalog_copy(con) as path:
                self._attach(con, "sqlite:" + path, read_only=True)
                try:
                    yield
                finally:  # before the private copy is deleted: a lake left attached to it breaks later queries
                    con.execute("USE memory")
                    con.execute(f"DETACH {LAKE}")

    @contextlib.contextmanager
    def writer(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection with the lake attached read-write (created on first use); call `prepare` first.

        For a SQLite catalog on an object store the catalog is a private local copy that is uploaded when
        the block ends without an error.
        """
        spec = self.catalog()
        with self._connection() as con:
            if spec.kind == "postgres":
                self._attach(con, "postgres:" + spec.uri, read_only=False)
                yield con
            elif self.location.is_local:
                self._attach(con, "sqlite:" + self.location.path(SQLITE_CATALOG), read_only=False)
                yield con
            else:
                with self._remote_catalog_copy(con, missing_ok=True) as path:
                    self._attach(con, "sqlite:" + path, read_only=False)
                    try:
                        yield con
                    finally:  # detached before the private copy goes, and before it is uploaded
                        con.execute("USE memory")
                        con.execute(f"DETACH {LAKE}")
                    self._upload_catalog(path)

    def _attach(self, con: duckdb.DuckDBPyConnection, target: str, read_only: bool) -> None:
        try:
            con.execute(self._attach_sql(target, read_only))
        except duckdb.Error as exc:
            raise CatalogUnusable(f"cannot open the catalog of {self.display}: {str(exc).splitlines()[0][:300]}; "
                                  "nothing was changed") from None
        con.execute(f"USE {LAKE}")

    @contextlib.contextmanager
    def _remote_catalog_copy(self, con: duckdb.DuckDBPyConnection, missing_ok: bool = False) -> Iterator[str]:
        tmp_dir = tempfile.mkdtemp(prefix="broadsheet-catalog-")
        path = os.path.join(tmp_dir, SQLITE_CATALOG)
        try:
            remote = self.location.path(SQLITE_CATALOG)
            if self.location.fs.exists(remote):
                self.location.fs.get_file(remote, path)
                _check_sqlite_catalog(con, path, self.display, empty_ok=missing_ok)
            elif not missing_ok:
                raise CatalogUnusable(f"the catalog of {self.display} is missing ({SQLITE_CATALOG})")
            yield path
        finally:
            shutil.rmtree(tmp_dir, ignore_errors=True)

    def _upload_catalog(self, path: str) -> None:
        """Publish a locally written SQLite catalog to the object store in one PUT (atomic per object)."""
        self.location.fs.put_file(path, self.location.path(SQLITE_CATALOG))

    # -- paths ------------------------------------------------------------------------------------------

    def state_path(self, *parts: str) -> str:
        """A path under `_state/` (lock, staging)."""
        return self.location.path(STATE_DIR, *parts)


def _release(con: duckdb.DuckDBPyConnection) -> None:
    """End any transaction this cursor left open and detach the lake, ignoring what is already gone."""
    with contextlib.suppress(duckdb.Error):
        con.execute("ROLLBACK")
    with contextlib.suppress(duckdb.Error):
        con.execute("USE memory")
    with contextlib.suppress(duckdb.Error):
        con.execute(f"DETACH DATABASE IF EXISTS {LAKE}")


_SQLITE_HEADER = b"SQLite format 3\x00"


def _check_sqlite_catalog(con: duckdb.DuckDBPyConnection, path: str, display: str, empty_ok: bool = False,
                          recover: bool = True) -> None:
    """Refuse a catalog file that is not SQLite or holds no DuckLake; an empty file only when `empty_ok`.

    The check goes through DuckDB's own SQLite (its sqlite extension), never Python's sqlite3 module: a second
    copy of SQLite in the process would drop the POSIX locks DuckDB's copy holds on the same file when it
    closes. With `recover`, the file is opened read-write, so SQLite rolls back the hot journal a commit
    killed halfway leaves (a read-only open cannot, and would refuse the file for good).
    """
    try:
        with open(path, "rb") as fh:
            header = fh.read(len(_SQLITE_HEADER))
    except OSError as exc:
        raise CatalogUnusable(f"the catalog of {display} ({SQLITE_CATALOG}) is unreadable ({exc}): restore it from a "
                              "backup of this folder, or run into a new folder; nothing was changed") from None
    if not header:
        if empty_ok:
            return  # a first run killed while SQLite created the file: DuckLake initializes it on attach
        raise CatalogUnusable(f"the catalog of {display} ({SQLITE_CATALOG}) is empty: restore it from a backup of "
                              "this folder, or run into a new folder; nothing was changed")
    if header != _SQLITE_HEADER:
        raise CatalogUnusable(f"the catalog of {display} ({SQLITE_CATALOG}) is not a SQLite database: restore it from "
                              "a backup of this folder, or run into a new folder; nothing was changed")
    alias = "broadsheet_catalog_check"
    try:
        con.execute(f"ATTACH {_quote(path)} AS {alias} (TYPE sqlite{'' if recover else ', READ_ONLY'})")
        try:
            found = con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = ? "
                                "AND table_name = 'ducklake_metadata'", [alias]).fetchone()[0]
        finally:
            con.execute(f"DETACH {alias}")
    except duckdb.Error as exc:
        raise CatalogUnusable(f"the catalog of {display} ({SQLITE_CATALOG}) is unreadable "
                              f"({str(exc).splitlines()[0][:200]}): restore it from a backup of this folder, or run "
                              "into a new folder; nothing was changed") from None
    if not found:
        raise CatalogUnusable(f"the catalog of {display} ({SQLITE_CATALOG}) is not a DuckLake catalog: restore it "
                              "from a backup of this folder, or run into a new folder; nothing was changed")


def utc_now() -> dt.datetime:
    """The current time in UTC (IO layer only: transforms never read the clock)."""
    return dt.datetime.now(dt.timezone.utc)

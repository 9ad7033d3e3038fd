"""A throwaway PostgreSQL server for tests, from the binaries of Debian's `postgresql` package.

`running_postgres()` runs initdb into a new temporary directory, starts `postgres` listening on 127.0.0.1 only
(no Unix socket) with trust authentication and durability off, waits until it accepts connections, and on
exit stops it (fast shutdown) and removes the directory. initdb and postgres refuse to run as root, so as root
they run as the `postgres` system user the package creates. The pytest fixtures that wrap it are in
tests/integration/conftest.py.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flows.serve import free_port
from tests.integration import start_process, stop_processes, wait_until

HOST = "127.0.0.1"
SUPERUSER = "postgres"
SERVICE_ACCOUNT = "postgres"  # the system user Debian's package creates; runs the server when we are root
DEBIAN_ROOT = pathlib.Path("/usr/lib/postgresql")
BINDIR_ENV = "BROADSHEET_PG_BINDIR"  # another installation's bin directory (not Debian's layout)
START_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 15.0
START_ATTEMPTS = 3  # a free port can be taken between choosing it and the server binding it
# The cluster is thrown away at the end of the session, so nothing needs to survive a crash.
SERVER_SETTINGS = {
    "listen_addresses": HOST,
    "unix_socket_directories": "",  # TCP only: no socket path length limit, no /var/run/postgresql needed
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}
_DATABASE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class PostgresUnavailable(Exception):
    """The server cannot be started on this machine (binaries or service account missing): tests skip."""


@dataclass(frozen=True)
class PostgresServer:
    """A running server: where it listens, its superuser, and the client binaries to reach it."""

    bindir: pathlib.Path
    port: int
    data_dir: pathlib.Path
    log_path: pathlib.Path
    host: str = HOST
    user: str = SUPERUSER

    def uri(self, dbname: str = "postgres") -> str:
        """libpq connection URI for a database on this server."""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{dbname}"

    def conninfo(self, dbname: str = "postgres") -> str:
        """libpq key=value connection string for a database on this server."""
        return f"host={self.host} port={self.port} user={self.user} dbname={dbname}"

    def run_client(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run one of the server's client programs (psql, createdb, pg_isready, ...) against it."""
        return subprocess.run([str(self.bindir / program), "-h", self.host, "-p", str(self.port),
                               "-U", self.user, *args],
                              env=_client_env(), capture_output=True, text=True, check=check, timeout=60)

    def accepts_connections(self) -> bool:
        """True once the server answers and is past startup."""
        return self.run_client("pg_isready", "-q", check=False).returncode == 0

    def create_database(self, name: str) -> PostgresDatabase:
        """Create an empty database owned by the superuser."""
        if not _DATABASE_NAME.fullmatch(name):
            raise ValueError(f"not a plain lowercase database name: {name!r}")
        self.run_client("createdb", name)
        return PostgresDatabase(self, name)

    def drop_database(self, name: str) -> None:
        """Drop a database, disconnecting whoever is still connected; best effort."""
        self.run_client("dropdb", "--if-exists", "--force", name, check=False)


@dataclass(frozen=True)
class PostgresDatabase:
    """One database on a running server."""

    server: PostgresServer
    name: str

    @property
    def uri(self) -> str:
        """`postgresql://USER@127.0.0.1:PORT/NAME`."""
        return self.server.uri(self.name)

    @property
    def conninfo(self) -> str:
        """`host=127.0.0.1 port=PORT user=USER dbname=NAME`."""
        return self.server.conninfo(self.name)


def find_bindir() -> pathlib.Path:
    """The directory holding initdb and postgres.

    `$BROADSHEET_PG_BINDIR` when set, else the newest Debian `/usr/lib/postgresql/N/bin`, else the PATH.

    Raises:
        PostgresUnavailable: no server binaries were found.
    """
    candidates: list[pathlib.Path] = []
    if os.environ.get(BINDIR_ENV):
        candidates.append(pathlib.Path(os.environ[BINDIR_ENV]))
    debian = [p for p in DEBIAN_ROOT.glob("*/bin") if p.parent.name.isdigit()]
    candidates += sorted(debian, key=lambda p: int(p.parent.name), reverse=True)
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(pathlib.Path(on_path).resolve().parent)  # /usr/local/bin/initdb may be a symlink
    for bindir in candidates:
        if all(os.access(bindir / program, os.X_OK) for program in ("initdb", "postgres", "pg_isready")):
            return bindir
    raise PostgresUnavailable(f"no PostgreSQL server binaries (initdb, postgres) under {DEBIAN_ROOT}/*/bin, "
                              f"${BINDIR_ENV} or the PATH: install Debian's `postgresql` package")


def _service_account() -> dict[str, Any]:
    """`Popen` arguments that run initdb and postgres as a non-root user (none needed when we are not root)."""
    if os.geteuid() != 0:
        return {}
    try:
        account = pwd.getpwnam(SERVICE_ACCOUNT)
    except KeyError:
        raise PostgresUnavailable(f"running as root and there is no `{SERVICE_ACCOUNT}` user to run "
                                  "the server as (initdb refuses root)") from None
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


def _client_env() -> dict[str, str]:
    """This environment without PG* variables, so a developer's PGHOST or PGPASSWORD cannot redirect clients."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PG")}


def _server_env() -> dict[str, str]:
    """The client environment in the C locale: a locale the machine has not generated makes initdb fail."""
    return {**_client_env(), "LC_ALL": "C", "LANG": "C"}


def _initdb(bindir: pathlib.Path, data_dir: pathlib.Path, account: dict[str, Any]) -> None:
    """Create the cluster: trust authentication, UTF-8 in the C locale, no fsync."""
    result = subprocess.run([str(bindir / "initdb"), "-D", str(data_dir), "-U", SUPERUSER, "--auth=trust",
                             "--encoding=UTF8", "--locale=C", "--no-sync"],
                            env=_server_env(), cwd=data_dir.parent, capture_output=True, text=True,
                            timeout=120, check=False, **account)
    if result.returncode != 0:
        raise RuntimeError(f"initdb failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")


def _stop(proc: subprocess.Popen) -> None:
    """Fast shutdown (SIGINT: disconnect clients, checkpoint, exit), then anything left in its process group."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(STOP_TIMEOUT_SECONDS)
    stop_processes(proc)


def _start(server: PostgresServer, account: dict[str, Any], timeout: float) -> subprocess.Popen | None:
    """Start postgres and wait until it accepts connections; None when its port was taken meanwhile."""
    settings = [arg for key, value in SERVER_SETTINGS.items() for arg in ("-c", f"{key}={value}")]
    proc = start_process([str(server.bindir / "postgres"), "-D", str(server.data_dir), "-p", str(server.port),
                          *settings], server.log_path, env=_server_env(), cwd=server.data_dir.parent, **account)
    try:
        wait_until(lambda: proc.poll() is not None or server.accepts_connections(), timeout,
                   "PostgreSQL to accept connections", interval=0.1, log_path=server.log_path)
    except BaseException:
        _stop(proc)
        raise
    if proc.poll() is None:
        return proc
    log = server.log_path.read_text(errors="replace")
    if "could not bind" in log:
        return None
    raise RuntimeError(f"postgres exited with {proc.returncode}:\n{log[-3000:]}")


@contextlib.contextmanager
def running_postgres(start_timeout: float = START_TIMEOUT_SECONDS) -> Iterator[PostgresServer]:
    """Start a throwaway PostgreSQL server on 127.0.0.1 and a free port; stop it and delete its files on exit.

    Args:
        start_timeout: seconds to wait for the server to accept connections.

    Returns:
        A context manager yielding the running server; its superuser `postgres` needs no password.

    Raises:
        PostgresUnavailable: no server binaries, or root without a `postgres` user (before anything starts).
    """
    bindir = find_bindir()
    account = _service_account()
    # Not under pytest's tmp dir: as root that is /tmp/pytest-of-root (mode 700), which the postgres user
    # cannot enter.
    base = pathlib.Path(tempfile.mkdtemp(prefix="broadsheet-pg-"))
    try:
        if account:
            os.chown(base, account["user"], account["group"])
        data_dir = base / "data"
        _initdb(bindir, data_dir, account)
        for _ in range(START_ATTEMPTS):
            server = PostgresServer(bindir=bindir, port=free_port(HOST), data_dir=data_dir,
                                    log_path=base / "postgres.log")
            proc = _start(server, account, start_timeout)
            if proc is not None:
                break
        else:
            raise RuntimeError(f"postgres could not bind a free port in {START_ATTEMPTS} attempts")
        try:
            yield server
        finally:
            _stop(proc)
    finally:
        shutil.rmtree(base, ignore_errors=True)

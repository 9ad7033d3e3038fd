"""A pool of long-lived worker processes for the local runner's batch tasks.

The transforms are pure Python, so threads of one process share one core (the GIL). The pool's processes
load the transforms, rules and gazetteer once (`flows.preload`) and stay alive for the run's batch stage;
the Prefect tasks keep running in threads of the flow process (so Prefect records them) and hand each batch
to an idle worker. Workers never import Prefect, Great Expectations or pandas.

Each worker has its own pipe, so a worker that dies (a segfault, `os._exit`, the kernel's OOM killer)
costs exactly the batch it was running: that call raises `WorkerCrashed` and a fresh worker takes the
dead one's place. The pool stops its workers when it is closed (also on an error or Ctrl-C), and a worker
whose parent has gone exits when its pipe closes.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

PRELOAD = "flows.preload"
STOP_SECONDS = 5.0  # a worker asked to stop gets this long before it is terminated


class WorkerCrashed(RuntimeError):
    """The worker process running a call died before it answered."""


def worker_count(requested: int | None = None) -> int:
    """Worker processes for a run: `requested`, else one per core this process may use."""
    if requested is not None:
        if requested < 1:
            raise ValueError(f"workers must be at least 1, not {requested}")
        return requested
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _context() -> multiprocessing.context.BaseContext:
    """A fork server that imported the transforms and models once (workers fork from it), else spawn."""
    try:
        ctx = multiprocessing.get_context("forkserver")
    except ValueError:  # Windows
        return multiprocessing.get_context("spawn")
    ctx.set_forkserver_preload([PRELOAD])
    return ctx


def _serve(conn: Connection, environment: dict[str, str]) -> None:
    """A worker's life: load what batches need, then run calls until told to stop or the parent goes.

    `environment` is the pool owner's environment when the pool started: the fork server kept the one of the
    moment it was started (a long-lived process may have set storage credentials since), and a batch must see
    what the run sees.
    """
    # Ctrl-C reaches the whole process group; the parent decides what happens to the run and stops us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.clear()
    os.environ.update(environment)
    import flows.preload  # noqa: F401  (already imported when forked from the preloaded fork server)

    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):  # the parent has gone
            return
        if message is None:
            return
        fn, args, kwargs = message
        try:
            reply: tuple[str, Any] = ("ok", fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001  (every failure goes back to the caller)
            reply = ("error", exc)
        try:
            conn.send(reply)
        except (EOFError, OSError):
            return
        except Exception as exc:  # noqa: BLE001  (a result or exception that does not pickle)
            conn.send(("error", RuntimeError(f"worker could not return its result: {type(exc).__name__}: {exc}")))


@dataclass
class _Worker:
    process: Any  # multiprocessing Process of the pool's context
    conn: Connection


def worker_state() -> dict[str, Any]:
    """Runs in a worker: its pid, the top-level modules it has imported, and whether its models are loaded."""
    import sys

    from transforms.language import language_model
    from transforms.locations.api import location_tables

    loaded = all(getattr(f, "cache_info", None) is None or f.cache_info().currsize > 0
                 for f in (language_model, location_tables))
    return {"pid": os.getpid(), "modules": sorted({m.split(".")[0] for m in sys.modules}), "models_loaded": loaded}


class WorkerPool:
    """`n` worker processes that run one call at a time each; `run` is safe to call from many threads."""

    def __init__(self, n: int) -> None:
        self.size = n
        self._ctx = _context()
        self._idle: queue.Queue[_Worker | None] = queue.Queue()
        self._all: list[_Worker] = []
        self._lock = threading.Lock()
        self._closed = False
        self.crashes = 0
        for _ in range(n):
            self._idle.put(self._start())

    def _start(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        process = self._ctx.Process(target=_serve, args=(child, dict(os.environ)), name="broadsheet-worker",
                                    daemon=True)
        process.start()
        child.close()  # the parent keeps only its end, so a dead worker's pipe reads as closed
        worker = _Worker(process, parent)
        with self._lock:
            self._all.append(worker)
        return worker

    @property
    def pids(self) -> list[int]:
        """Process ids of the live workers."""
        with self._lock:
            return [w.process.pid for w in self._all if w.process.is_alive()]

    def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """`fn(*args, **kwargs)` in an idle worker (waiting for one); its exception is raised here.

        `fn` must be a module-level function and its arguments and result picklable.

        Raises:
            WorkerCrashed: the worker died during the call (it is replaced; other calls go on).
        """
        worker = self._idle.get()
        if worker is None or self._closed:
            self._idle.put(None)  # wake the next waiter too
            raise RuntimeError("the worker pool is closed")
        try:
            worker.conn.send((fn, args, kwargs))
            while True:
                ready = wait([worker.conn, worker.process.sentinel])
                if worker.conn in ready:
                    status, value = worker.conn.recv()
                    break
                if worker.process.sentinel in ready:
                    raise EOFError
        except (EOFError, OSError, BrokenPipeError):
            self._replace(worker)
            worker.process.join(1.0)
            raise WorkerCrashed(f"worker process {worker.process.pid} died during {fn.__name__} "
                                f"(exit code {worker.process.exitcode})") from None
        self._idle.put(worker)
        if status == "error":
            raise value
        return value

    def _replace(self, dead: _Worker) -> None:
        """Forget a dead worker and start another in its place (unless the pool is closing)."""
        self.crashes += 1
        with self._lock:
            self._all = [w for w in self._all if w is not dead]
        with contextlib.suppress(OSError):
            dead.conn.close()
        if not self._closed:
            self._idle.put(self._start())

    def close(self) -> None:
        """Stop every worker: ask the idle ones, terminate the rest after STOP_SECONDS; never leaves orphans."""
        if self._closed:
            return
        self._closed = True
        with self._lock:
            workers = list(self._all)
        for w in workers:
            with contextlib.suppress(OSError, ValueError):
                w.conn.send(None)
        for w in workers:
            w.process.join(STOP_SECONDS)
            if w.process.is_alive():
                w.process.terminate()
                w.process.join(STOP_SECONDS)
            if w.process.is_alive():
                w.process.kill()
                w.process.join()
            with contextlib.suppress(OSError):
                w.conn.close()
        self._idle.put(None)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_active: WorkerPool | None = None


def active_pool() -> WorkerPool | None:
    """The pool of this process's running batch stage, if any (batch tasks hand their work to it)."""
    return _active


@contextlib.contextmanager
def batch_workers(n: int) -> Iterator[WorkerPool]:
    """A worker pool that this process's batch tasks use until the block ends; then it is shut down."""
    global _active
    if _active is not None:
        raise RuntimeError("a worker pool is already active in this process")
    pool = WorkerPool(n)
    _active = pool
    try:
        yield pool
    finally:
        _active = None
        pool.close()

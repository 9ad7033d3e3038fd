"""Progress of a run: a live bar on a terminal, plain log lines otherwise."""

from __future__ import annotations

import logging
import sys
import time
from types import TracebackType

LOG_EVERY_SECONDS = 10.0


class RunProgress:
    """Counts files and articles done; shows rate and ETA."""

    def __init__(self, total_files: int, logger: logging.Logger | logging.LoggerAdapter, stream=None):
        self.total_files = total_files
        self.files = 0
        self.articles = 0
        self.log = logger
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self._last_log = self.started
        self._bar = None
        self._task = None

    def __enter__(self) -> RunProgress:
        if self.total_files and self.stream.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._bar = Progress(
                TextColumn("[bold]files"), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.fields[articles]} articles, {task.fields[rate]} articles/s"),
                TextColumn("ETA"), TimeRemainingColumn(),
                console=Console(file=self.stream), transient=False,
            )
            self._bar.start()
            self._task = self._bar.add_task("files", total=self.total_files, articles=0, rate="-")
        return self

    def advance(self, files: int, articles: int) -> None:
        """Record one finished batch."""
        self.files += files
        self.articles += articles
        elapsed = max(time.monotonic() - self.started, 1e-9)
        rate = self.articles / elapsed
        if self._bar is not None:
            self._bar.update(self._task, advance=files, articles=self.articles, rate=f"{rate:,.0f}")
            return
        now = time.monotonic()
        if now - self._last_log >= LOG_EVERY_SECONDS or self.files >= self.total_files:
            self._last_log = now
            remaining = (self.total_files - self.files) * elapsed / max(self.files, 1)
            self.log.info("progress: %d/%d files, %d articles, %.0f articles/s, ETA %.0f s",
                          self.files, self.total_files, self.articles, rate, remaining)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.stop()

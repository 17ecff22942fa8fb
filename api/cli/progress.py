"""A progress bar on standard error for long commands (an import reads millions of lines).

Drawn only when standard error is a terminal: piped or captured output (CI, tests, `2> log`) stays the plain
one-line messages the README promises.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn


@contextmanager
def import_progress(total_bytes: int | None) -> Iterator[Callable[[TextIO], None]]:
    """A callback to call with the stream being read: the bar follows its position (bytes) in the file."""
    if not sys.stderr.isatty():
        yield lambda _stream: None
        return
    columns = (TextColumn("import"), BarColumn(), DownloadColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("import", total=total_bytes)

        def advance(stream: TextIO) -> None:
            buffer = getattr(stream, "buffer", None)
            if buffer is not None and buffer.seekable():
                progress.update(task, completed=buffer.tell())

        yield advance

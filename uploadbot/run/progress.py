"""Progress: bars on a terminal, plain lines in a log.

On a terminal, two tqdm bars follow the batch: rows done, and bytes sent
(which moves with every chunk of a large file). When the output is a file —
a Toolforge job's log — there are no bars: each row's outcome line is the
progress, and a large file adds a plain line at each quarter of its bytes.

The lines go through pywikibot's output, loaded on first use: the plan's
progress is said before pywikibot is loaded (:mod:`uploadbot.planning`).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from .report import duration, human_bytes

#: Files of at least this many bytes get plain progress lines in a log.
LARGE_FILE = 64 * 1024**2


class Progress:
    """Follows rows and bytes; safe to call from several worker threads."""

    def __init__(self, rows: int, total_bytes: int, *, bars: bool | None = None) -> None:
        self.bars = sys.stderr.isatty() if bars is None else bars
        self._lock = threading.Lock()
        self._rows = self._bytes = None
        if self.bars:
            tqdm = _tqdm()
            self._rows = tqdm(
                total=rows, unit='row', position=0, leave=False, desc='rows ', dynamic_ncols=True
            )
            self._bytes = tqdm(
                total=total_bytes,
                unit='B',
                unit_scale=True,
                unit_divisor=1024,
                position=1,
                leave=False,
                desc='bytes',
                dynamic_ncols=True,
            )

    def for_file(self, name: str, size: int) -> Callable[[int], None]:
        """A callback for the bytes of one file as they are sent."""
        sent, quarter = [0], [0]

        def advance(count: int) -> None:
            sent[0] += count
            with self._lock:
                if self._bytes is not None:
                    self._bytes.update(count)
                elif size >= LARGE_FILE and sent[0] * 4 // size > quarter[0]:
                    quarter[0] = sent[0] * 4 // size
                    _info(f'  {name}: {sent[0] * 100 // size}% of {size} bytes sent')

        return advance

    def row_done(self, line: str) -> None:
        """Print a row's outcome line (above the bars, if any) and count it."""
        with self._lock:
            if self._rows is None:
                _info(line)
                return
            with _tqdm().external_write_mode():
                _info(line)
            self._rows.update(1)

    def close(self) -> None:
        for bar in (self._rows, self._bytes):
            if bar is not None:
                bar.close()


class Steps:
    """Progress of one stretch of waiting: planning, hashing, ``-check``'s queries.

    On a terminal, a tqdm bar (rows, with bytes and the time left in its
    postfix when the work is measured in bytes too). In a log, plain lines:
    when the work starts, at each tenth of it or after ``every`` seconds
    (whichever comes first), and when it ends, each with rows, bytes and an
    estimate of the time left, so an unattended job's log shows it moving.
    Safe to call from several threads.
    """

    def __init__(
        self,
        what: str,
        rows: int,
        *,
        total_bytes: int = 0,
        bars: bool | None = None,
        every: float = 30.0,
        say: Callable[[str], None] | None = None,
    ) -> None:
        self.what, self.rows, self.total_bytes, self.every = what, rows, total_bytes, every
        #: Where the lines go: pywikibot's output unless told otherwise.
        self.say = say or _info
        self.bars = sys.stderr.isatty() if bars is None else bars
        self.done = self.bytes = 0
        self._lock = threading.Lock()
        self._started = self._said = time.monotonic()
        self._tenth = 0
        self._bar = None
        if self.bars:
            self._bar = _tqdm()(total=rows, unit='row', leave=False, desc=what, dynamic_ncols=True)
        else:
            self.say(f'{what}: {rows} rows{self._bytes_text()}')

    def advance(self, rows: int = 1, nbytes: int = 0) -> None:
        with self._lock:
            self.done += rows
            self.bytes += nbytes
            if self._bar is not None:
                self._bar.update(rows)
                if self.total_bytes:
                    self._bar.set_postfix_str(self._bytes_text().strip(', '), refresh=False)
                return
            tenth = self.done * 10 // max(self.rows, 1)
            now = time.monotonic()
            if self.done < self.rows and (tenth > self._tenth or now - self._said >= self.every):
                self._tenth, self._said = tenth, now
                self.say(self.line())

    def line(self) -> str:
        """Where the work stands: rows, bytes, time left."""
        elapsed = time.monotonic() - self._started
        share = self.done / self.rows if self.rows else 1.0
        text = f'{self.what}: {self.done}/{self.rows} rows ({share:.0%}){self._bytes_text()}'
        if 0 < self.done < self.rows:
            text += f', about {duration(elapsed * (self.rows - self.done) / self.done)} left'
        return text

    def _bytes_text(self) -> str:
        if not self.total_bytes:
            return ''
        return (
            f', {human_bytes(self.bytes)} of {human_bytes(self.total_bytes)}'
            if self.done
            else f', {human_bytes(self.total_bytes)}'
        )

    def close(self) -> None:
        """The last line: all done, and how long it took."""
        if self._bar is not None:
            self._bar.close()
            return
        elapsed = time.monotonic() - self._started
        self.say(f'{self.what}: {self.done}/{self.rows} rows done in {duration(elapsed)}')

    def __enter__(self) -> Steps:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _tqdm() -> Any:
    """tqdm's bar, imported for a terminal only: a job's log has no bars (and the run
    is spared its import, about 8 ms and 0.9 MB)."""
    from tqdm import tqdm

    return tqdm


def _info(line: str) -> None:
    """pywikibot's ``info()``, which a run has loaded by the time rows are sent."""
    import pywikibot

    pywikibot.info(line)

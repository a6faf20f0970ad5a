"""Progress: bars on a terminal, plain lines in a log.

On a terminal, two tqdm bars follow the batch: rows done, and bytes sent
(which moves with every chunk of a large file). When the output is a file —
a Toolforge job's log — there are no bars: each row's outcome line is the
progress, and a large file adds a plain line at each quarter of its bytes.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

import pywikibot
from tqdm import tqdm

#: Files of at least this many bytes get plain progress lines in a log.
LARGE_FILE = 64 * 1024 ** 2


class Progress:
    """Follows rows and bytes; safe to call from several worker threads."""

    def __init__(self, rows: int, total_bytes: int, *, bars: bool | None = None) -> None:
        self.bars = sys.stderr.isatty() if bars is None else bars
        self._lock = threading.Lock()
        self._rows = self._bytes = None
        if self.bars:
            self._rows = tqdm(total=rows, unit='row', position=0, leave=False,
                              desc='rows ', dynamic_ncols=True)
            self._bytes = tqdm(total=total_bytes, unit='B', unit_scale=True,
                               unit_divisor=1024, position=1, leave=False, desc='bytes',
                               dynamic_ncols=True)

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
                    pywikibot.info(f'  {name}: {sent[0] * 100 // size}% of {size} bytes sent')
        return advance

    def row_done(self, line: str) -> None:
        """Print a row's outcome line (above the bars, if any) and count it."""
        with self._lock:
            if self._rows is None:
                pywikibot.info(line)
                return
            with tqdm.external_write_mode():
                pywikibot.info(line)
            self._rows.update(1)

    def close(self) -> None:
        for bar in (self._rows, self._bytes):
            if bar is not None:
                bar.close()

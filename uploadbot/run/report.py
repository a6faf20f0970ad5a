"""The batch report: one record per row, CSV or JSON, and the closing summary."""

from __future__ import annotations

import csv
import json
import math
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from uploadbot.state import OUTCOMES, Outcome

COLUMNS = (
    'row',
    'file',
    'filename',
    'outcome',
    'title',
    'warnings',
    'sha1',
    'bytes',
    'message',
    'attempts',
    'url',
    'filekey',
    'chunks',
    'sent',
    'structured',
)


#: A report named ``*.html`` is a page built from the journal (:mod:`uploadbot.run.pages`).
PAGE_SUFFIXES = ('.html', '.htm')


def is_page(path: Path | None) -> bool:
    """The report is the HTML page, written from the journal after the run."""
    return path is not None and path.suffix.lower() in PAGE_SUFFIXES


def record(outcome: Outcome) -> dict[str, object]:
    """The report's fields for one row."""
    return {
        'row': outcome.row,
        'file': outcome.file,
        'filename': outcome.filename,
        'outcome': outcome.outcome,
        'title': outcome.title,
        'warnings': ';'.join(outcome.warnings),
        'sha1': outcome.sha1,
        'bytes': outcome.bytes,
        'message': outcome.message,
        'attempts': outcome.attempts,
        'url': outcome.url,
        'filekey': outcome.filekey,
        'chunks': outcome.chunks,
        'sent': outcome.sent,
        'structured': outcome.structured,
    }


class Report:
    """Collects outcomes; CSV reports are written row by row as outcomes arrive.

    A CSV file is flushed after each row, so a batch that is killed leaves a
    report of what it finished. A JSON report (a name ending in ``.json``)
    is written whole at :meth:`close`.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.outcomes: list[Outcome] = []
        self.started = time.monotonic()
        self._handle: IO[str] | None = None
        self._writer: csv.DictWriter | None = None
        if path is not None and path.suffix.lower() not in ('.json', *PAGE_SUFFIXES):
            self._handle = open(path, 'w', newline='', encoding='utf-8')  # noqa: SIM115
            self._writer = csv.DictWriter(self._handle, COLUMNS)
            self._writer.writeheader()
            self._handle.flush()

    def add(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)
        if self._writer is not None:
            self._writer.writerow(record(outcome))
            self._handle.flush()

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        elif self.path is not None and not is_page(self.path):
            self.path.write_text(
                json.dumps([record(o) for o in self.outcomes], indent=1, ensure_ascii=False) + '\n',
                encoding='utf-8',
            )

    def counts(self) -> Counter[str]:
        return Counter(outcome.outcome for outcome in self.outcomes)

    def summary(self, bytes_sent: int, requests: int) -> str:
        return summarize(
            self.outcomes, bytes_sent=bytes_sent, requests=requests, seconds=time.monotonic() - self.started
        )


def summarize(outcomes: Iterable[Outcome], *, bytes_sent: int, requests: int, seconds: float) -> str:
    """One line: counts per outcome, bytes sent, elapsed time, throughput."""
    counts = Counter(outcome.outcome for outcome in outcomes)
    parts = [f'{counts[name]} {name}' for name in OUTCOMES if counts[name]]
    rate = bytes_sent / seconds / 2**20 if seconds > 0 else 0.0
    return (
        f'summary: {sum(counts.values())} rows: {", ".join(parts) or "nothing to do"}; '
        f'{human_bytes(bytes_sent)} sent in {requests} requests, {seconds:.2f} s, '
        f'{rate:.2f} MiB/s'
    )


def duration(seconds: float) -> str:
    """``2 h 05 min``, ``12 min``, ``40 s``: the one way a time is said to a person."""
    seconds = round(seconds)
    if seconds < 60:
        return f'{seconds} s'
    hours, minutes = divmod(math.ceil(seconds / 60), 60)
    return f'{hours} h {minutes:02d} min' if hours else f'{minutes} min'


def human_bytes(count: int) -> str:
    """``5.0 MiB`` rather than ``5242880``, for the summary line."""
    if count < 1024:
        return f'{count} B'
    size = float(count)
    for unit in ('KiB', 'MiB', 'GiB'):  # noqa: B007 (the last unit reached is the one)
        size /= 1024
        if size < 1024:
            break
    return f'{size:.1f} {unit}'

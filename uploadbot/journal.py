"""The journal: what the bot knows about every row, kept safe across crashes.

Each row's record is written (and committed) before the bot takes the next
network step, so a run that is killed anywhere leaves the journal knowing
where each file stood: still to do, in the stash at some offset, sent for
commit, or finished. The next run reads that and goes on from there.

A record is keyed by the row's **source** (the file's path relative to the
manifest, or its URL) and its **target name**, not by its row number: rows
can be added, removed or reordered between runs and each keeps its record. A
source whose size or modification time changed since its record was written
is new content and starts over. The SHA1 is stored, not used as key, so a
finished row can be recognised without reading its file again.

:class:`SQLiteJournal` keeps the journal in one SQLite file in WAL mode; the
rest of the bot only sees the :class:`Journal` interface, so another store
(a server database for several workers) can take its place.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Protocol

#: Where a row stands before it has an outcome.
PENDING = 'pending'
HASHING = 'hashing'
STASHING = 'stashing'
STASHED = 'stashed'
COMMITTING = 'committing'
IN_FLIGHT = (HASHING, STASHING, STASHED, COMMITTING)


@dataclass(frozen=True)
class Record:
    """One row's state; ``state`` is a step above or an outcome."""

    source: str
    filename: str
    row: int = 0
    state: str = PENDING
    size: int = -1
    mtime_ns: int = -1
    sha1: str = ''
    filekey: str = ''
    offset: int = 0
    title: str = ''
    warnings: str = ''
    message: str = ''
    url: str = ''
    attempts: int = 0
    last_error: str = ''
    created: float = 0.0
    updated: float = 0.0

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.filename)


class Journal(Protocol):
    """What the bot needs of a journal, whatever keeps it."""

    def get(self, source: str, filename: str) -> Record | None: ...

    def save(self, record: Record) -> Record: ...

    def records(self) -> Iterator[Record]: ...

    def close(self) -> None: ...


_COLUMNS = tuple(field.name for field in fields(Record))
_SCHEMA = """
CREATE TABLE IF NOT EXISTS rows (
    source TEXT NOT NULL, filename TEXT NOT NULL, row INTEGER, state TEXT NOT NULL,
    size INTEGER, mtime_ns INTEGER, sha1 TEXT, filekey TEXT, offset INTEGER, title TEXT,
    warnings TEXT, message TEXT, url TEXT, attempts INTEGER, last_error TEXT,
    created REAL, updated REAL,
    PRIMARY KEY (source, filename)
);
CREATE INDEX IF NOT EXISTS rows_state ON rows (state);
"""


class SQLiteJournal:
    """A journal in one SQLite file (WAL mode, one transaction per change)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None,
                                   check_same_thread=False)
        self._db.execute('PRAGMA journal_mode=WAL')
        # NORMAL in WAL mode survives the process being killed at any point;
        # only a power cut may lose the last transactions.
        self._db.execute('PRAGMA synchronous=NORMAL')
        self._db.executescript(_SCHEMA)
        # Worker threads share the connection; one statement at a time.
        self._lock = threading.Lock()

    def get(self, source: str, filename: str) -> Record | None:
        with self._lock:
            row = self._db.execute(f'SELECT {", ".join(_COLUMNS)} FROM rows WHERE source = ? '
                                   'AND filename = ?', (source, filename)).fetchone()
        return Record(*row) if row else None

    def save(self, record: Record) -> Record:
        """Store ``record`` (stamped with the time) and commit before returning."""
        now = time.time()
        record = replace(record, created=record.created or now, updated=now)
        values = asdict(record)
        with self._lock:
            self._db.execute(
            f'INSERT OR REPLACE INTO rows ({", ".join(_COLUMNS)}) '
                f'VALUES ({", ".join("?" for _ in _COLUMNS)})',
                [values[name] for name in _COLUMNS])
        return record

    def records(self) -> Iterator[Record]:
        with self._lock:
            rows = self._db.execute(
                f'SELECT {", ".join(_COLUMNS)} FROM rows ORDER BY row, source').fetchall()
        for row in rows:
            yield Record(*row)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> SQLiteJournal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def default_path(manifest: Path) -> Path:
    """``<manifest>.journal.sqlite`` beside the manifest (inside a directory batch)."""
    if manifest.is_dir():
        return manifest / '.uploadbot.journal.sqlite'
    return manifest.with_name(manifest.name + '.journal.sqlite')

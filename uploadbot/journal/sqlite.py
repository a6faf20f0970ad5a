"""The journal in one SQLite file: the default, for one machine.

One transaction per change; see :mod:`uploadbot.journal.base` for what the
journal keeps and why.

**Journal mode.** On a local disk the journal uses WAL (readers such as
``-status`` never wait for the bot, and a commit is one append). WAL needs
shared memory between the processes that open the file, which a network
filesystem cannot give: SQLite's documentation says WAL does not work over
one. Toolforge keeps a tool's home on NFS, so when the journal's folder is
on NFS, CIFS, FUSE or the like (see :mod:`uploadbot.journal.mounts`) it uses
the rollback journal in ``TRUNCATE`` mode with ``synchronous=FULL``, which
relies only on the POSIX file locks NFS provides: one lock per transaction,
and readers (``-status``) can still read between the bot's transactions.
WAL with ``locking_mode=EXCLUSIVE`` would also be safe there, but it holds
the lock for the whole run, so ``-status`` could not read the journal while
the bot works (the measurements are in ``benchmarks/journal_modes.py`` and
the README).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from uploadbot.state import Finding

from .base import COLUMNS, Record
from .mounts import Mount, mount_of_file

#: Each column's value in a record that never set it (for columns added later).
_DEFAULTS = Record('', '').columns()

_SCHEMA = """
CREATE TABLE IF NOT EXISTS rows (
    source TEXT NOT NULL, filename TEXT NOT NULL, row INTEGER, state TEXT NOT NULL,
    size INTEGER, mtime_ns INTEGER, sha1 TEXT, filekey TEXT, offset INTEGER, title TEXT,
    warnings TEXT, message TEXT, url TEXT, attempts INTEGER, last_error TEXT,
    created REAL, updated REAL, structured TEXT, entity TEXT, structured_digest TEXT,
    refused_for TEXT NOT NULL DEFAULT '', logged TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (source, filename)
);
CREATE INDEX IF NOT EXISTS rows_state ON rows (state);
CREATE TABLE IF NOT EXISTS findings (
    source TEXT NOT NULL, filename TEXT NOT NULL, fate TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '', first_seen REAL NOT NULL,
    PRIMARY KEY (source, filename, fate)
);
"""


class SQLiteJournal:
    """A journal in one SQLite file, one transaction per change.

    ``mount`` says which filesystem holds the file (found in ``/proc/mounts``
    when not given); it chooses the journal mode.
    """

    def __init__(self, path: Path | str, *, mount: Mount | None = None) -> None:
        self.path = Path(path)
        in_memory = str(path) == ':memory:'
        if mount is None and not in_memory:
            mount = mount_of_file(self.path)
        self.networked = bool(mount and mount.networked)
        self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        if self.networked:
            # The rollback journal: file locks only, no shared memory (see above).
            self._db.execute('PRAGMA journal_mode=TRUNCATE')
            self._db.execute('PRAGMA synchronous=FULL')
        else:
            self._db.execute('PRAGMA journal_mode=WAL')
            # NORMAL in WAL mode survives the process being killed at any point;
            # only a power cut may lose the last transactions.
            self._db.execute('PRAGMA synchronous=NORMAL')
        self._db.executescript(_SCHEMA)
        self._add_missing_columns()
        # Worker threads share the connection; one statement at a time.
        self._lock = threading.Lock()

    @property
    def journal_mode(self) -> str:
        """SQLite's journal mode in use (``wal`` or ``truncate``)."""
        return self._db.execute('PRAGMA journal_mode').fetchone()[0]

    def _add_missing_columns(self) -> None:
        """A journal written by an older version lacks the newer columns: add them, empty."""
        present = {row[1] for row in self._db.execute('PRAGMA table_info(rows)')}
        for name in COLUMNS:
            if name not in present:
                kind = {int: 'INTEGER', float: 'REAL'}.get(type(_DEFAULTS[name]), 'TEXT')
                default = _DEFAULTS[name]
                literal = repr(str(default)) if kind == 'TEXT' else repr(default)
                self._db.execute(f'ALTER TABLE rows ADD COLUMN {name} {kind} NOT NULL DEFAULT {literal}')

    def get(self, source: str, filename: str) -> Record | None:
        with self._lock:
            row = self._db.execute(
                f'SELECT {", ".join(COLUMNS)} FROM rows WHERE source = ? AND filename = ?', (source, filename)
            ).fetchone()
        return Record(*row) if row else None

    def save(self, record: Record) -> Record:
        """Store ``record`` (stamped with the time) and commit before returning."""
        now = time.time()
        record = replace(record, created=record.created or now, updated=now)
        values = record.columns()
        with self._lock:
            self._db.execute(
                f'INSERT OR REPLACE INTO rows ({", ".join(COLUMNS)}) '
                f'VALUES ({", ".join("?" for _ in COLUMNS)})',
                [values[name] for name in COLUMNS],
            )
        return record

    def save_all(self, records: Iterable[Record]) -> None:
        """Store many records in one transaction (``-check`` keeping thousands of hashes)."""
        now = time.time()
        rows = []
        for record in records:
            values = {**record.columns(), 'created': record.created or now, 'updated': now}
            rows.append([values[name] for name in COLUMNS])
        with self._lock:
            self._db.execute('BEGIN')
            try:
                self._db.executemany(
                    f'INSERT OR REPLACE INTO rows ({", ".join(COLUMNS)}) '
                    f'VALUES ({", ".join("?" for _ in COLUMNS)})',
                    rows,
                )
            except BaseException:
                self._db.execute('ROLLBACK')
                raise
            self._db.execute('COMMIT')

    def counts(self) -> dict[str, int]:
        """How many rows are in each state, counted by the database."""
        with self._lock:
            return dict(self._db.execute('SELECT state, COUNT(*) FROM rows GROUP BY state'))

    def data_counts(self) -> dict[str, int]:
        """How many published rows are at each structured-data step."""
        with self._lock:
            return dict(
                self._db.execute(
                    "SELECT structured, COUNT(*) FROM rows WHERE structured != '' GROUP BY structured"
                )
            )

    def records_in(self, states: Iterable[str], data_steps: Iterable[str] = ()) -> Iterator[Record]:
        """The records in the given states, or at the given structured-data steps, in row
        order (the rows ``-status`` lists)."""
        states, steps = [str(state) for state in states], [str(step) for step in data_steps]
        wanted = f'state IN ({", ".join("?" for _ in states)})'
        if steps:
            wanted += f' OR structured IN ({", ".join("?" for _ in steps)})'
        with self._lock:
            rows = self._db.execute(
                f'SELECT {", ".join(COLUMNS)} FROM rows WHERE {wanted} ORDER BY row, source',
                [*states, *steps],
            ).fetchall()
        for row in rows:
            yield Record(*row)

    def records(self) -> Iterator[Record]:
        with self._lock:
            rows = self._db.execute(f'SELECT {", ".join(COLUMNS)} FROM rows ORDER BY row, source').fetchall()
        for row in rows:
            yield Record(*row)

    def findings(self) -> list[Finding]:
        """What the last audit found, each with when an audit first saw it."""
        with self._lock:
            rows = self._db.execute(
                'SELECT source, filename, fate, detail, first_seen FROM findings'
            ).fetchall()
        return [Finding(*row) for row in rows]

    def keep_findings(self, findings: Iterable[Finding]) -> None:
        """Replace the findings with an audit's, in one transaction."""
        rows = [(f.source, f.filename, str(f.fate), f.detail, f.first_seen) for f in findings]
        with self._lock:
            self._db.execute('BEGIN')
            try:
                self._db.execute('DELETE FROM findings')
                self._db.executemany('INSERT INTO findings VALUES (?, ?, ?, ?, ?)', rows)
            except BaseException:
                self._db.execute('ROLLBACK')
                raise
            self._db.execute('COMMIT')

    def finding_counts(self) -> dict[str, int]:
        """How many rows carry each finding of the last audit."""
        with self._lock:
            return dict(self._db.execute('SELECT fate, COUNT(*) FROM findings GROUP BY fate'))

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

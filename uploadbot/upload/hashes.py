"""Each file's SHA1, read once per content and kept in the journal.

``-check`` needs the SHA1 of every file (is this content on the wiki already,
or twice in the batch?), and so does the upload of a large file. Reading
100,000 files takes as long as the queries about them, so the SHA1 is kept in
the row's journal record beside the file's size and modification time, the
journal's own sign of unchanged content: a second ``-check``, or the upload
after a ``-check``, finds it there and reads nothing. A file whose size or
modification time changed is read again.

``-check`` writes into the journal only what it knows for sure and never
disturbs a row that a run has started: a row the journal has never seen gets
a ``pending`` record with the hash; a record of the same content that lacks
its hash gets it; a ``pending`` record of older content is replaced. A row in
any other state (in the stash, finished, failed) keeps its record as it is:
the next upload sees the change itself and starts the row over.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import replace

from uploadbot.item import UploadItem
from uploadbot.journal.base import Journal, Record, same_file
from uploadbot.state import State

from .readahead import file_sha1

#: Records written to the journal in one transaction.
SAVE_EVERY = 1000


class Hashes:
    """SHA1s of a batch's files: from the journal when it knows them, else read and kept."""

    def __init__(self, journal: Journal | None = None) -> None:
        self.journal = journal
        self.read = 0  # files read (hashed) by this object
        self.unreadable: dict[int, str] = {}  # row -> why its file could not be read
        self._unsaved: list[Record] = []

    def sha1s(
        self, items: Iterable[UploadItem], on_file: Callable[[int, int], None] | None = None
    ) -> dict[int, str]:
        """The SHA1 of every local item's file, by row ('' for a URL row).

        ``on_file`` hears (rows, bytes read) after each file.
        """
        found = {}
        try:
            for item in items:
                try:
                    found[item.row], read = self._one(item) if item.path else ('', 0)
                except OSError as error:  # gone or unreadable since it was planned
                    found[item.row], read = '', 0
                    self.unreadable[item.row] = f'cannot read {item.path}: {error.strerror or error}'
                if on_file is not None:
                    on_file(1, read)
        finally:
            self._save()
        return found

    def _one(self, item: UploadItem) -> tuple[str, int]:
        stat = os.stat(item.path)
        record = self.journal.get(*item.key) if self.journal is not None else None
        same = record is not None and same_file(record.size, record.mtime_ns, stat)
        if same and record.sha1:
            return record.sha1, 0
        sha1 = file_sha1(item.path)
        self.read += 1
        after = os.stat(item.path)
        if not same_file(stat.st_size, stat.st_mtime_ns, after):
            return sha1, stat.st_size  # changed while read: nothing to keep
        if record is None or (not same and record.state is State.PENDING):
            attempts = record.attempts if record else 0
            keep = Record(
                *item.key,
                row=item.row,
                size=stat.st_size,
                mtime_ns=stat.st_mtime_ns,
                sha1=sha1,
                attempts=attempts,
            )
        elif same:
            keep = replace(record, sha1=sha1)
        else:
            return sha1, stat.st_size
        self._unsaved.append(keep)
        if len(self._unsaved) >= SAVE_EVERY:
            self._save()
        return sha1, stat.st_size

    def _save(self) -> None:
        if self.journal is None or not self._unsaved:
            self._unsaved.clear()
            return
        self.journal.save_all(self._unsaved)
        self._unsaved = []

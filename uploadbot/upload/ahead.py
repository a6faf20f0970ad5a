"""The SHA1s of a batch's large files, read in a thread ahead of the sender.

A chunked upload needs its file's SHA1 before the first byte goes (the
duplicate check asks the wiki for that content), and reading a large file
takes a while: 256 MiB is a sixth of a second of CPU from the page cache,
seconds from a slow disk. One thread reads the batch's large files in order
while the run starts up and while the sender sends the file before, so the
sender usually finds the SHA1 ready and the file in the page cache.

A SHA1 read ahead stands only for the bytes it was read from: the file's
size and modification time, the same before and after reading, must be the
ones the row's record holds (the journal's own rule for a kept SHA1, see
:mod:`uploadbot.upload.hashes`). Nothing else changes: the row is still
``hashing`` in the journal before its SHA1 is taken, the duplicate check
still comes before the first byte, and the stash's SHA1 is still compared
before the commit.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterable
from pathlib import Path

from uploadbot.item import UploadItem
from uploadbot.journal.base import Journal

#: (size, modification time in ns, SHA1) of the bytes read, or None: not read.
_Read = tuple[int, int, str] | None


def file_sha1(path: Path | str) -> str:
    """SHA1 of a file, streamed (``hashlib.file_digest`` reads into one reused buffer)."""
    with open(path, 'rb') as source:
        return hashlib.file_digest(source, 'sha1').hexdigest()


class HashesAhead:
    """Reads the SHA1 of every file larger than a chunk, one file after the other."""

    def __init__(self, items: Iterable[UploadItem], *, chunk_size: int,
                 journal: Journal) -> None:
        self._items = [item for item in items if item.path and item.size > chunk_size]
        self._journal = journal
        self._claimed: set[int] = set()  # rows whose SHA1 this thread or a task reads
        self._read: dict[int, _Read] = {}
        self._changed = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name='hashes-ahead', daemon=True)
        if self._items:
            self._thread.start()

    def sha1(self, item: UploadItem, size: int, mtime_ns: int) -> str:
        """The SHA1 of the row's file if read ahead from bytes of this size and time, else ''.

        Waits while the thread reads this very file; '' when the thread has not
        come to it yet (the caller reads it, and the thread then passes it by).
        """
        with self._changed:
            if item.row not in self._claimed:
                self._claimed.add(item.row)
                return ''
            while item.row not in self._read:
                self._changed.wait()
            read = self._read.pop(item.row)
        return read[2] if read is not None and read[:2] == (size, mtime_ns) else ''

    def join(self, timeout: float | None = None) -> None:
        """Wait until the thread has read every file it is to read."""
        if self._thread.is_alive():
            self._thread.join(timeout)

    def close(self) -> None:
        """Read no further file (the one being read is finished)."""
        with self._changed:
            self._closed = True

    def _run(self) -> None:
        for item in self._items:
            with self._changed:
                if self._closed:
                    return
                if item.row in self._claimed:
                    continue
                self._claimed.add(item.row)
            read = self._one(item)
            with self._changed:
                self._read[item.row] = read
                self._changed.notify_all()

    def _one(self, item: UploadItem) -> _Read:
        """Read one file, unless the journal holds its SHA1 already (as after a ``-check``)."""
        try:
            before = os.stat(item.path)
            record = self._journal.get(*item.key)
            if record is not None and record.sha1 and \
                    (record.size, record.mtime_ns) == (before.st_size, before.st_mtime_ns):
                return None
            sha1 = file_sha1(item.path)
            after = os.stat(item.path)
        except Exception:  # the task reads the file itself and meets the problem there
            return None
        if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns):
            return None
        return before.st_size, before.st_mtime_ns, sha1

"""A file's SHA1, and the SHA1s of the large files next in line, read ahead.

A large file's first byte waits for its SHA1: the duplicate look-up before
sending needs it (:mod:`uploadbot.upload.commit`). Reading 256 MiB for it
takes 0.2 to 0.5 s, during which nothing goes to the wiki. While one large
file is being sent, though, the machine mostly waits for the wiki, and both
reading a file and SHA1 let go of Python's lock: so a thread of its own reads
the next large file's SHA1 meanwhile (:class:`ReadAhead`), and that file's
task finds it ready.

What is read ahead is trusted as the journal trusts a SHA1: only for the
size and modification time the file had before and after it was read, and
only if the row's record is of that same size and time. A file the journal
already knows (its SHA1, or an outcome) is left to its task, which needs no
reading or reads it itself.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterable
from pathlib import Path

from uploadbot.item import UploadItem
from uploadbot.journal.base import Journal, same_file

#: Bytes read at a time; a closing run stops a read between two of them. Each
#: block takes Python's lock twice (after the read, after the hash), and at the
#: start of a run pywikibot's import holds it: 4 MiB blocks read the first
#: 256 MiB file about 0.1 s sooner than 1 MiB blocks did, for 3 MB more memory
#: while a file is read.
BLOCK = 4 * 2**20


def file_sha1(path: str | os.PathLike[str]) -> str:
    """SHA1 of a file, streamed (``hashlib.file_digest`` reads into one reused buffer)."""
    with open(path, 'rb') as source:
        return hashlib.file_digest(source, 'sha1').hexdigest()


class ReadAhead:
    """SHA1s of the batch's large files (over ``larger_than`` bytes), read by a thread
    ``ahead`` files before the run asks for them.

    The thread reads the first large file as soon as it starts, then waits:
    each file a task asks for (:meth:`sha1`) lets it read one more. A file asked
    for before the thread came to it is the task's to read; the thread goes on
    after it.
    """

    def __init__(
        self,
        items: Iterable[UploadItem],
        *,
        larger_than: int,
        journal: Journal | None = None,
        ahead: int = 1,
    ) -> None:
        self._queue = [item for item in items if item.path and not item.url and item.size > larger_than]
        self._position = {item.row: number for number, item in enumerate(self._queue)}
        self._journal = journal
        self._ahead = ahead
        self._changed = threading.Condition()
        self._next = 0  # the position the thread reads next
        self._asked = -1  # the furthest position a task has asked for
        self._reading: int | None = None  # the row being read
        self._left: set[int] = set()  # rows the run will not ask for (see use)
        self._found: dict[int, tuple[int, int, str]] = {}  # row -> (size, mtime_ns, sha1)
        self._waiting = False
        self._closed = self._ended = False
        self._thread: threading.Thread | None = None
        #: Files the thread has read (for the tests and the benchmarks).
        self.files_read = 0

    def __enter__(self) -> ReadAhead:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def start(self) -> ReadAhead:
        """Start the thread (no thread when the batch has no large file)."""
        if self._queue and self._thread is None:
            self._thread = threading.Thread(target=self._run, name='sha1-read-ahead', daemon=True)
            self._thread.start()
        return self

    def close(self) -> None:
        """Stop the thread; a file being read is given up between two blocks."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        if self._thread is not None:
            self._thread.join()

    def use(self, journal: Journal, items: Iterable[UploadItem]) -> None:
        """Go on for a run that uploads ``items`` with ``journal``: a read-ahead started
        on the plan (:mod:`uploadbot.planning`) leaves the rows the checks took out."""
        rows = {item.row for item in items}
        with self._changed:
            self._journal = journal
            self._left = set(self._position) - rows
            for row in self._left:
                self._found.pop(row, None)
            self._waiting = False  # until the thread has looked again
            self._changed.notify_all()

    def sha1(self, item: UploadItem, size: int, mtime_ns: int) -> str | None:
        """The SHA1 read ahead of ``item``'s file as it was at ``size`` and ``mtime_ns``,
        waiting while it is being read; None when the caller must read it itself."""
        position = self._position.get(item.row)
        if position is None:
            return None
        with self._changed:
            while self._reading == item.row:
                self._changed.wait()
            found = self._found.pop(item.row, None)
            self._asked = max(self._asked, position)
            self._next = max(self._next, position + 1)
            self._waiting = False  # until the thread has looked again
            self._changed.notify_all()
        if found is None or found[:2] != (size, mtime_ns):
            return None
        return found[2]

    def idle(self, timeout: float | None = None) -> bool:
        """Wait until the thread has nothing it may read yet, or has ended."""
        with self._changed:
            return self._changed.wait_for(
                lambda: self._waiting or self._ended or self._thread is None, timeout
            )

    # -- the thread ------------------------------------------------------------

    def _run(self) -> None:
        try:
            while (item := self._take()) is not None:
                found = self._read(item)
                with self._changed:
                    self._reading = None
                    if found is not None and item.row not in self._left:
                        self._found[item.row] = found
                        self.files_read += 1
                    self._changed.notify_all()
        finally:
            with self._changed:
                self._waiting, self._ended = False, True
                self._changed.notify_all()

    def _take(self) -> UploadItem | None:
        """The next file to read, once fewer than ``ahead`` files past the furthest one
        asked for wait (one read for a slower worker's row does not hold it up)."""
        with self._changed:
            while not self._closed and self._next < len(self._queue):
                waiting = sum(1 for row in self._found if self._position[row] > self._asked)
                if waiting < self._ahead:
                    item = self._queue[self._next]
                    self._next += 1
                    if item.row in self._left or self._known(item):
                        continue
                    self._reading, self._waiting = item.row, False
                    return item
                self._waiting = True
                self._changed.notify_all()
                self._changed.wait()
            return None

    def _known(self, item: UploadItem) -> bool:
        """The journal holds a record of this very file: its task needs no read ahead."""
        if self._journal is None:
            return False
        try:
            record = self._journal.get(*item.key)
            return record is not None and same_file(record.size, record.mtime_ns, os.stat(item.path))
        except OSError:
            return True  # gone: its task says so

    def _read(self, item: UploadItem) -> tuple[int, int, str] | None:
        """(size, mtime_ns, SHA1) of the file, or None if it changed while read, could not
        be read, or the run is closing (which ``hashlib.file_digest`` would not stop for)."""
        path = Path(item.path)
        digest = hashlib.sha1()
        buffer = bytearray(BLOCK)
        view = memoryview(buffer)
        try:
            before = os.stat(path)
            with open(path, 'rb') as source:
                while count := source.readinto(buffer):
                    if self._closed:
                        return None
                    digest.update(view[:count])
            after = os.stat(path)
        except OSError:
            return None
        if not same_file(before.st_size, before.st_mtime_ns, after):
            return None
        return before.st_size, before.st_mtime_ns, digest.hexdigest()

"""One run at a time per journal.

Two runs working on the same journal would upload the same rows twice and
trample each other's records, so a run holds a lock beside its journal for as
long as it lives: ``<journal>.lock`` (``batch.csv.journal.sqlite.lock``; for
a directory batch ``.uploadbot.journal.sqlite.lock`` inside the directory,
hidden like the journal, so it is never taken for a file to upload).

**The lock is the operating system's, not the file's existence.** The run
opens the lock file and takes ``fcntl.flock(LOCK_EX | LOCK_NB)`` on it, and
keeps the file open until it ends. The kernel drops that lock when the process
ends in any way -- a clean exit, an exception, ``SIGKILL``, the out-of-memory
killer, a Kubernetes pod being deleted. Once it holds the lock the run writes
its process id, host name and start time into the file, so that a second run
that finds the lock taken can say who holds it (:class:`AlreadyRunning`), and
clears the file again when it releases the lock.

A run that was killed cannot clear the file: its details stay there, but its
lock is gone with it. The next run therefore gets the lock, finds the old
details, and knows it is **taking over from a run that is gone**: it
overwrites them with its own and keeps the old ones in
:attr:`RunLock.took_over`, so the caller can log it
(:meth:`RunLock.takeover_message`).

**NFS (Toolforge).** A tool's home on Toolforge is on NFS, and the bastion
and each Kubernetes pod are different NFS clients. Linux's NFS client does
not pass ``flock`` to the server as such: it emulates it with a POSIX
(``fcntl``) lock over the whole file, which the server arbitrates -- with
NFSv4 locking is part of the protocol, so a lock taken in one pod is seen by
every other client. Two consequences, both handled here:

* POSIX locks belong to the *process*, not to the open file: on NFS a second
  lock taken by the same process would be granted, and closing *any*
  descriptor of the file would drop the process's lock. A process-wide
  registry therefore refuses a second :class:`RunLock` on the same lock file
  in the same process before the file is opened again.
* If the client holding a lock dies without telling the server (a node lost,
  not just a process killed), the server keeps the lock until the client's
  lease expires (about 90 seconds on a default Linux server); until then the
  next run is told another run holds it.

As a safety net for a lock that stays taken although its owner is gone, a
lock whose recorded host is *this* host and whose recorded process no longer
exists is treated as stale: the lock file is replaced by a fresh one (the
stale lock, if anybody still holds it, stays on the old, unlinked file), and
the take-over is reported as above. A process on another host cannot be
checked and is always believed to be alive. (In a Kubernetes pod the host
name is the pod's name, so this only applies to runs in the same pod or on
the same ordinary machine.)

The lock file holds no secrets: a process id, a host name, a time.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

from uploadbot.errors import BatchStop, ExitCode

#: Lock files this process holds, by resolved path (see "NFS" above).
_HELD: dict[str, dict] = {}
_HELD_GUARD = threading.Lock()

_MAX_INFO = 4096


def lock_path(journal_path: Path | str) -> Path:
    """The lock file of a journal: its name with ``.lock`` appended."""
    journal_path = Path(journal_path)
    return journal_path.with_name(journal_path.name + '.lock')


class AlreadyRunning(BatchStop):
    """Another live run holds the lock of this journal."""

    exit_code = ExitCode.ALREADY_RUNNING

    def __init__(self, journal_path: Path, lock_file: Path, holder: dict | None) -> None:
        self.journal_path = Path(journal_path)
        self.lock_path = Path(lock_file)
        #: What the other run wrote into the lock file (``pid``, ``host``,
        #: ``started``), or None if it has not written it yet.
        self.holder = holder
        super().__init__(self.journal_path, self.lock_path, holder)

    def __str__(self) -> str:
        return (
            f'another uploadbot run is already working on the journal {self.journal_path}: '
            f'{describe(self.holder)}; wait for it to finish or stop it '
            f'(lock file {self.lock_path})'
        )


def describe(info: dict | None) -> str:
    """``pid 123 on host tools-worker-1, started 2025-01-01T10:00:00+00:00``."""
    if not info:
        return 'a run whose details are not written yet'
    return f'pid {info.get("pid", "?")} on host {info.get("host", "?")}, started {info.get("started", "?")}'


class RunLock:
    """The lock that keeps a second run off a journal (see the module's docstring).

    ::

        with RunLock(journal_path) as lock:     # AlreadyRunning if another run is alive
            if lock.took_over:
                pywikibot.warning(lock.takeover_message())
            ...                                 # the whole run
    """

    def __init__(self, journal_path: Path | str) -> None:
        self.journal_path = Path(journal_path)
        self.path = lock_path(self.journal_path)
        #: The details of a run that had the lock and is gone, when
        #: :meth:`acquire` took over from it; None otherwise.
        self.took_over: dict | None = None
        #: What this run wrote into the lock file, while it holds the lock.
        self.info: dict | None = None
        self._fd: int | None = None
        self._key: str | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock, or raise :class:`AlreadyRunning` naming the run that holds it.

        OSError if the lock file cannot be created (a missing directory, no permission).
        """
        if self._fd is not None:
            raise RuntimeError(f'{self.path} is already locked by this RunLock')
        key = os.path.realpath(self.path)
        with _HELD_GUARD:
            if key in _HELD:
                raise AlreadyRunning(self.journal_path, self.path, dict(_HELD[key]))
            fd, previous = self._lock()
            info = {
                'pid': os.getpid(),
                'host': socket.gethostname(),
                'started': datetime.now(UTC).isoformat(timespec='seconds'),
            }
            try:
                _write_info(fd, info)
            except BaseException:
                _unlock(fd)
                raise
            _HELD[key] = info
        self._fd, self._key, self.info = fd, key, info
        self.took_over = previous

    def release(self) -> None:
        """Clear the lock file and drop the lock; nothing happens if it is not held."""
        fd, key = self._fd, self._key
        if fd is None:
            return
        self._fd = self._key = None
        self.info = None
        with _HELD_GUARD:
            try:
                os.ftruncate(fd, 0)  # a clean end leaves nothing to take over
            except OSError:
                pass
            finally:
                _unlock(fd)
                _HELD.pop(key, None)

    def takeover_message(self) -> str | None:
        """One line for the log when :meth:`acquire` took over from a run that is gone."""
        if self.took_over is None:
            return None
        return (
            f'took over the lock of the run with {describe(self.took_over)}, which is gone '
            f'(journal {self.journal_path})'
        )

    def __enter__(self) -> Self:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    def __repr__(self) -> str:
        return f'RunLock({str(self.journal_path)!r}, held={self.held})'

    # -- the locking itself ------------------------------------------------------------

    def _lock(self) -> tuple[int, dict | None]:
        """An open descriptor holding the lock, and the details of a gone run found in it."""
        stale_holder = None
        for _ in range(10):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as error:
                try:
                    if error.errno not in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES):
                        raise
                    holder = _read_info(fd)
                    if not _stale(holder):
                        raise AlreadyRunning(self.journal_path, self.path, holder) from None
                    # The safety net: the lock is taken, but the run that wrote the
                    # file is a process of this host that no longer exists. Put a
                    # fresh file in its place (only if it is still the one we read);
                    # whoever holds the old one keeps it.
                    if _same_file(fd, self.path):
                        try:
                            os.unlink(self.path)
                        except FileNotFoundError:
                            pass
                    stale_holder = holder
                finally:
                    os.close(fd)
                continue
            if not _same_file(fd, self.path):
                # The file was replaced between our open and our lock (the safety
                # net above, in another run): a lock on it guards nothing.
                _unlock(fd)
                continue
            try:
                previous = _read_info(fd)
            except BaseException:
                _unlock(fd)
                raise
            return fd, previous if previous is not None else stale_holder
        raise OSError(f'cannot get a stable lock file at {self.path}')


def _unlock(fd: int) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _same_file(fd: int, path: Path) -> bool:
    try:
        on_disk = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (on_disk.st_dev, on_disk.st_ino) == (mine.st_dev, mine.st_ino)


def _read_info(fd: int) -> dict | None:
    """The details written in the lock file; None if it is empty.

    Text that is not what :func:`_write_info` writes is kept as ``{'unreadable': ...}``
    (a short, printable excerpt), so a take-over is still noticed.
    """
    try:
        data = os.pread(fd, _MAX_INFO, 0)
    except OSError:
        return None
    text = data.decode('utf-8', 'replace').strip()
    if not text:
        return None
    try:
        info = json.loads(text)
    except ValueError:
        info = None
    if isinstance(info, dict):
        return {key: info[key] for key in ('pid', 'host', 'started') if key in info}
    return {'unreadable': ''.join(c if c.isprintable() else '?' for c in text[:80])}


def _write_info(fd: int, info: dict) -> None:
    data = (json.dumps(info) + '\n').encode()
    os.ftruncate(fd, 0)
    os.pwrite(fd, data, 0)
    os.fsync(fd)


def _stale(holder: dict | None) -> bool:
    """True when ``holder`` says it is a process of this host that no longer exists."""
    if not holder or holder.get('host') != socket.gethostname():
        return False
    pid = holder.get('pid')
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # EPERM: it exists, under another user
        return False
    return False

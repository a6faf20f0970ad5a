"""Where a row's bytes come from: a file on disk, or a URL the wiki copies or the bot fetches.

The task (:class:`~uploadbot.upload.task.UploadTask`) is given a source and
asks it two things: the journal record to start from, and how to start
sending. A :class:`LocalFile`'s record is of the file's size and
modification time (a file that changed is new content), and it is sent from
its first byte. A :class:`CopiedUrl` is first offered to the wiki to fetch
into the stash itself (a copy upload, ``url=`` with ``stash``), so the bytes
never pass through the bot; the commit out of the stash and its warnings are
then the same as for any other file. When the wiki will not — copy uploads
off, the account without ``upload_by_url``, the domain not allowed, or the
wiki failing to fetch — the bot downloads the file to a temporary file and
sends it like a local one (its SHA1 checked against the wiki before sending,
as for any large file). The temporary file is always deleted.

The journal keys a URL row by its URL and target name, so a finished URL row
is neither fetched nor downloaded again. A download interrupted by a crash
cannot be resumed from a stash the bot filled itself (the temporary file is
gone), so such a row starts over.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Protocol

from uploadbot.api import lookup
from uploadbot.api.answers import WikiError
from uploadbot.api.download import Downloader
from uploadbot.api.protocol import Transfer
from uploadbot.item import UploadItem
from uploadbot.journal.base import Journal, Record, same_file
from uploadbot.state import State

from .commit import Settlement

#: Answers to a copy upload after which the bot fetches the file itself: the
#: wiki will not copy (disabled, no right, domain not allowed), or it tried and
#: could not fetch the URL (MediaWiki's HTTP client errors).
COPY_REFUSED = frozenset(
    {
        'copyuploaddisabled',
        'copyuploadbaddomain',
        'copyuploadbadurl',
        'permissiondenied',
        'fetchfileerror',
        'http-bad-status',
        'http-timed-out',
        'http-curl-error',
        'http-request-error',
        'http-invalid-url',
        'http-internal-error',
    }
)


class Sender(Protocol):
    """What a source asks of its task: the row, and the steps that send and commit."""

    item: UploadItem
    transfer: Transfer

    def save(self, **changes: Any) -> None:
        """Change the row's record and write it to the journal."""

    def send_file(self, path: str | os.PathLike[str]) -> Settlement:
        """Send a file on disk from its first byte, and commit it."""

    def commit_stashed(self, filekey: str) -> Settlement:
        """Commit what the stash holds under ``filekey``."""


class Source(Protocol):
    """Where a row's bytes come from: the record a task starts from, and how it starts sending."""

    #: Whether a stash the bytes were half sent into by an earlier run can be filled up.
    resumes_stash: bool

    def load(self, journal: Journal, item: UploadItem) -> Record:
        """The row's journal record to go on from; a new one is written by the task's first
        save, which comes before any request that changes the wiki."""

    def start(self, task: Sender) -> Settlement:
        """Send the bytes from their beginning, and commit them."""


class LocalFile:
    """A file on disk, as the manifest names it."""

    resumes_stash = True  # from the wiki's offset

    def load(self, journal: Journal, item: UploadItem) -> Record:
        """The journal's record, or a fresh one when there is none or the file changed."""
        stat = os.stat(item.path)
        record = journal.get(*item.key)
        if record is not None and same_file(record.size, record.mtime_ns, stat):
            return record
        attempts = record.attempts if record else 0
        return Record(
            *item.key, row=item.row, size=stat.st_size, mtime_ns=stat.st_mtime_ns, attempts=attempts
        )

    def start(self, task: Sender) -> Settlement:
        """Send the file from its first byte."""
        return task.send_file(task.item.path)


class CopiedUrl:
    """A URL row: copied by the wiki when it will, else downloaded and sent by the bot."""

    #: The bot's own temporary file is gone after a crash: a half-filled stash starts over.
    resumes_stash = False

    def __init__(self, downloader: Downloader, *, copy_uploads: bool) -> None:
        self.downloader = downloader
        self.copy_uploads = copy_uploads

    def load(self, journal: Journal, item: UploadItem) -> Record:
        """A URL has no size or date to compare: its record stands as it is."""
        return journal.get(*item.key) or Record(*item.key, row=item.row)

    def start(self, task: Sender) -> Settlement:
        if self.copy_uploads:
            try:
                return self._copy(task)
            except WikiError as error:
                if error.code not in COPY_REFUSED:
                    raise
                return self._download(task, f'the wiki did not copy it ({error.code})')
        return self._download(task, 'the account may not upload by URL')

    def _copy(self, task: Sender) -> Settlement:
        """The wiki fetches the URL into the stash; then the usual commit."""
        task.save(state=State.STASHING, filekey='', offset=0, sha1='', size=-1)
        reply = task.transfer.stash_url(task.item.filename, task.item.url)
        stashed = (
            reply.imageinfo
            if reply.imageinfo.get('sha1')
            else lookup.stashed_file(task.transfer, reply.filekey) or {}
        )
        task.save(
            state=State.STASHED,
            filekey=reply.filekey,
            sha1=stashed.get('sha1', ''),
            size=stashed.get('size', -1),
            message='copied by the wiki',
        )
        return task.commit_stashed(reply.filekey).noted('copied by the wiki')

    def _download(self, task: Sender, why: str) -> Settlement:
        """Fetch the file to a temporary file and send that like a local file."""
        task.save(state=State.STASHING, filekey='', offset=0)
        path = self.downloader.fetch(task.item.url, task.item.filename)
        try:
            stat = os.stat(path)
            task.save(size=stat.st_size, mtime_ns=stat.st_mtime_ns)
            return task.send_file(path).noted(f'downloaded by the bot: {why}')
        finally:
            Path(path).unlink(missing_ok=True)

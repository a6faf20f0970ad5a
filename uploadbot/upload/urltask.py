"""A URL row's life: the wiki copies the file, or the bot fetches and sends it.

First the wiki is asked to fetch the URL into the stash itself (a copy
upload, ``url=`` with ``stash``), so the bytes never pass through the bot;
the commit out of the stash and its warnings are then the same as for any
other file. When the wiki will not — copy uploads off, the account without
``upload_by_url``, the domain not allowed, or the wiki failing to fetch —
the bot downloads the file to a temporary file and uploads it like a local
one (its SHA1 checked against the wiki before sending, as for any large
file). The temporary file is always deleted.

The journal keys the row by its URL and target name, so a finished URL row is
neither fetched nor downloaded again. A download interrupted by a crash
cannot be resumed from a stash the bot filled itself (the temporary file is
gone), so such a row starts over.
"""

from __future__ import annotations

import os
from dataclasses import replace

from uploadbot.api import lookup
from uploadbot.api.answers import WikiError
from uploadbot.item import UploadItem
from uploadbot.journal.base import Record
from uploadbot.state import State

from .commit import Settlement
from .task import UploadTask

#: Answers to a copy upload after which the bot fetches the file itself: the
#: wiki will not copy (disabled, no right, domain not allowed), or it tried and
#: could not fetch the URL (MediaWiki's HTTP client errors).
COPY_REFUSED = frozenset({
    'copyuploaddisabled', 'copyuploadbaddomain', 'copyuploadbadurl', 'permissiondenied',
    'fetchfileerror', 'http-bad-status', 'http-timed-out', 'http-curl-error',
    'http-request-error', 'http-invalid-url', 'http-internal-error'})


def task_for(item: UploadItem) -> type[UploadTask]:
    """The task class for an item: :class:`UrlUploadTask` for URL rows."""
    return UrlUploadTask if item.url else UploadTask


class UrlUploadTask(UploadTask):
    """Uploads a URL row, by copy upload or by downloading it first."""

    def _load(self) -> Record:
        """A URL has no size or date to compare: its record stands as it is."""
        record = self.journal.get(*self.item.key)
        return record or self.journal.save(Record(*self.item.key, row=self.item.row))

    def _advance(self) -> Settlement:
        if self.record.state == State.STASHING:
            return self._start()  # the bot's own temporary file is gone
        return super()._advance()

    def _start(self) -> Settlement:
        if self.settings.copy_uploads:
            try:
                return self._copy()
            except WikiError as error:
                if error.code not in COPY_REFUSED:
                    raise
                return self._download(f'the wiki did not copy it ({error.code})')
        return self._download('the account may not upload by URL')

    def _copy(self) -> Settlement:
        """The wiki fetches the URL into the stash; then the usual commit."""
        self._save(state=State.STASHING, filekey='', offset=0, sha1='', size=-1)
        reply = self.transfer.stash_url(self.item.filename, self.item.url)
        stashed = reply.imageinfo if reply.imageinfo.get('sha1') else \
            lookup.stashed_file(self.transfer, reply.filekey) or {}
        self._save(state=State.STASHED, filekey=reply.filekey, sha1=stashed.get('sha1', ''),
                   size=stashed.get('size', -1), message='copied by the wiki')
        return self._commit_stashed(reply.filekey).noted('copied by the wiki')

    def _download(self, why: str) -> Settlement:
        """Fetch the file to a temporary file and upload that like a local file."""
        self._save(state=State.STASHING, filekey='', offset=0)
        path = self.settings.downloader.fetch(self.item.url, self.item.filename)
        try:
            stat = os.stat(path)
            self.item = replace(self.item, path=path)
            self._save(size=stat.st_size, mtime_ns=stat.st_mtime_ns)
            return super()._start().noted(f'downloaded by the bot: {why}')
        finally:
            path.unlink(missing_ok=True)

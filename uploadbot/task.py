"""One file's life: its bytes into the upload stash, then the commit out of it.

A file no larger than one chunk goes as a single direct upload without
``ignorewarnings``: when the wiki has nothing to warn about, that one request
publishes it; when it has, it stashes the file and answers with the warnings
and a ``filekey``. A larger file goes chunk by chunk into the stash (each
chunk read from disk at its offset), and the commit by ``filekey`` asks for
the warnings. Either way the warnings meet the operator's policy at the
commit, which may publish anyway, skip, rename, upload a new version, hold
the stashed file for a person, or stop the batch.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from . import outcome as oc
from .outcome import Outcome
from .policy import EXISTENCE_WARNINGS, Policy
from .rename import next_free_name
from .transfer import APIError, Reply, Transfer

#: How long MediaWiki keeps a stashed file ($wgUploadStashMaxAge's default).
STASH_LIFETIME = timedelta(hours=6)

#: A commit can meet new warnings (a renamed file may find another name
#: taken); past this many rounds the row fails instead of looping.
MAX_COMMIT_ROUNDS = 8


@dataclass(frozen=True)
class UploadItem:
    """What one row asks for: which bytes, under which name, with which page."""

    row: int
    path: Path
    filename: str
    text: str
    comment: str
    policy: Policy
    source: str = ''


class BatchAborted(Exception):
    """The policy said ``abort``: record this row, then stop the batch."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.message)
        self.outcome = outcome


class UploadTask:
    """Uploads one :class:`UploadItem` and says how it ended."""

    def __init__(self, transfer: Transfer, item: UploadItem, *, chunk_size: int,
                 own_user: str, on_chunk: Callable[[int], None] | None = None) -> None:
        self.transfer = transfer
        self.item = item
        self.chunk_size = chunk_size
        self.own_user = own_user
        self.on_chunk = on_chunk or (lambda sent: None)
        self.filename = item.filename
        self.size = 0
        self.sha1 = ''
        self.chunks = 0
        self.seen: list[str] = []

    def run(self) -> Outcome:
        """Upload, apply the policy to any warnings, and return the outcome.

        Raises :class:`BatchAborted` when the policy says ``abort``.
        """
        try:
            reply = self._send_bytes()
            return self._settle(reply)
        except APIError as error:
            return self._failed(error)
        except OSError as error:
            return self._outcome(oc.FAILED, message=f'cannot read {self.item.path}: '
                                 f'{error.strerror or error}')

    # -- bytes ---------------------------------------------------------------

    def _send_bytes(self) -> Reply:
        self.size = os.stat(self.item.path).st_size
        with open(self.item.path, 'rb') as source:
            if self.size <= self.chunk_size:
                content = source.read()
                self.sha1 = hashlib.sha1(content).hexdigest()
                reply = self.transfer.upload(self.filename, content, text=self.item.text,
                                             comment=self.item.comment)
                self.on_chunk(len(content))
                return reply
            filekey = self._stash_chunks(source)
        return self._commit(filekey)

    def _stash_chunks(self, source) -> str:
        """Send the file chunk by chunk; the stash's ``filekey`` at the end."""
        digest = hashlib.sha1()
        offset, filekey = 0, None
        while True:
            source.seek(offset)
            chunk = source.read(self.chunk_size)
            digest.update(chunk)
            reply = self.transfer.upload_chunk(self.filename, self.size, offset, chunk, filekey)
            self.chunks += 1
            self.on_chunk(len(chunk))
            filekey = reply.filekey or filekey
            if reply.result == 'Success':
                self.sha1 = digest.hexdigest()
                return filekey
            if reply.result != 'Continue' or reply.offset is None:
                raise APIError('unexpected-reply', f'chunk answered {reply.result!r}')
            offset = reply.offset

    # -- commit and policy ---------------------------------------------------

    def _commit(self, filekey: str, *, ignorewarnings: bool = False) -> Reply:
        return self.transfer.commit(filekey, self.filename, text=self.item.text,
                                    comment=self.item.comment, ignorewarnings=ignorewarnings)

    def _settle(self, reply: Reply) -> Outcome:
        """Follow the wiki's answers through the policy to a final outcome."""
        result = oc.UPLOADED
        for _ in range(MAX_COMMIT_ROUNDS):
            if reply.result == 'Success':
                return self._published(reply, result)
            if reply.result != 'Warning':
                raise APIError('unexpected-reply', f'commit answered {reply.result!r}')
            warnings = dict(reply.warnings)
            self.seen.extend(code for code in warnings if code not in self.seen)
            decision = self.item.policy.decide(warnings)
            action, code = decision.action, decision.code
            collision = describe_warning(code, warnings.get(code))
            if action == 'skip':
                kind = oc.UNCHANGED if 'nochange' in warnings else oc.SKIPPED
                return self._outcome(kind, message=f'{code}: {collision}')
            if action == 'hold':
                return self._held(reply.filekey, f'{code}: {collision}')
            if action == 'abort':
                raise BatchAborted(self._outcome(
                    oc.ABORTED, message=f'{code}: {collision}; policy says abort'))
            if action == 'rename':
                self.filename = self._new_name(code, warnings)
                result = oc.RENAMED
                reply = self._commit(reply.filekey)
                continue
            if action == 'new-version' and not self._own_file(warnings):
                return self._outcome(oc.SKIPPED, message=(
                    f'{code}: {collision}; its current version is not the bot\'s own '
                    f'(use new-version-any to overwrite it)'))
            if any(seen in EXISTENCE_WARNINGS or seen in ('nochange', 'duplicateversions')
                   for seen in warnings):
                result = oc.NEW_VERSION
            try:
                reply = self._commit(reply.filekey, ignorewarnings=True)
            except APIError as error:
                if error.code == 'fileexists-no-change':
                    return self._outcome(oc.UNCHANGED, message='the wiki has these bytes '
                                         'under this name already')
                raise
        return self._outcome(oc.FAILED, message=f'still warned after {MAX_COMMIT_ROUNDS} '
                             f'commits: {";".join(self.seen)}')

    def _new_name(self, code: str, warnings: Mapping[str, Any]) -> str:
        if code == 'badfilename' and isinstance(warnings.get(code), str):
            return warnings[code]
        return next_free_name(self.transfer, self.filename)

    def _own_file(self, warnings: Mapping[str, Any]) -> bool:
        """Whether the current version of the existing file is the bot's own upload."""
        name = next((warnings[code] for code in warnings if code in EXISTENCE_WARNINGS
                     and isinstance(warnings[code], str)), self.filename)
        pages = self.transfer.query(titles=f'File:{name}', prop='imageinfo',
                                    iiprop='user').get('pages', [])
        users = [info.get('user') for page in pages for info in page.get('imageinfo', [])]
        return bool(users) and users[0] == self.own_user

    # -- outcomes ------------------------------------------------------------

    def _published(self, reply: Reply, result: str) -> Outcome:
        info = reply.imageinfo
        title = f'File:{reply.filename or self.filename}'
        if info.get('sha1') and self.sha1 and info['sha1'] != self.sha1:
            return self._outcome(oc.FAILED, title=title, message=(
                f'the wiki holds SHA1 {info["sha1"]}, the file read {self.sha1}: '
                'did it change while uploading?'))
        return self._outcome(result, title=title, url=info.get('descriptionurl', ''))

    def _held(self, filekey: str | None, reason: str) -> Outcome:
        expires = datetime.now(timezone.utc) + STASH_LIFETIME
        return self._outcome(oc.HELD, filekey=filekey or '', message=(
            f'{reason}; held in the stash as {filekey}, which expires about '
            f'{expires:%Y-%m-%d %H:%M} UTC'))

    def _failed(self, error: APIError) -> Outcome:
        message = f'the wiki refused it: {error.code}: {error.info}'
        return self._outcome(oc.FAILED, message=message, filekey=error.filekey or '')

    def _outcome(self, kind: str, **details: Any) -> Outcome:
        return Outcome(row=self.item.row, file=self.item.source or str(self.item.path),
                       filename=self.item.filename, outcome=kind,
                       warnings=tuple(self.seen), sha1=self.sha1, bytes=self.size,
                       chunks=self.chunks, **details)


def describe_warning(code: str | None, value: Any) -> str:
    """What a warning collides with, in words for the report."""
    if code == 'duplicate' and isinstance(value, list):
        return 'same content as ' + ', '.join(f'File:{name}' for name in value)
    if code == 'nochange':
        return 'the current version has these bytes'
    if code == 'duplicateversions':
        return 'an older version of this file has these bytes'
    if isinstance(value, str) and value:
        return f'File:{value}' if code != 'bad-prefix' else f'prefix {value!r}'
    return str(value) if value not in (None, '', [], {}) else 'no details'

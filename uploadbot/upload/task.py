"""One file's life: its bytes into the upload stash, then the commit out of it.

A file no larger than one chunk goes as a single direct upload without
``ignorewarnings``: when the wiki has nothing to warn about, that one request
publishes it; when it has, the wiki stashes the file and answers with the
warnings and a ``filekey``. A larger file is hashed first (is its content
on the wiki already?), then sent chunk by chunk into the stash, and the
commit by ``filekey`` asks for the warnings. Either way the warnings meet
the operator's policy at the commit (see :mod:`uploadbot.upload.commit`).

The task owns its row's journal record. Every step is written down before
the request that follows it (the stash and the commit report steps through
the :class:`~uploadbot.upload.recorder.Recorder` methods below), so a task
started on a row that a killed run left half-done picks up where the wiki
stands: it goes on sending chunks from the wiki's offset, commits a file that
was already stashed, or — when the commit was sent but its answer never
recorded — looks at the file page before doing anything again.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from uploadbot.api import lookup
from uploadbot.api.answers import WikiError
from uploadbot.api.download import Downloader
from uploadbot.api.protocol import Transfer
from uploadbot.api.refusals import is_permanent
from uploadbot.errors import RowFailure
from uploadbot.item import UploadItem
from uploadbot.journal.base import Journal, Record, left_alone
from uploadbot.option_table import default
from uploadbot.state import PUBLISHED, DataStep, Outcome, State

from .commit import CLOCK_SKEW, BatchAborted, Commit, Settlement
from .mediainfo_edit import DataPending, DataRefused, DataSettings, edit_structured_data
from .readahead import ReadAhead, file_sha1
from .sources import CopiedUrl, LocalFile, Source
from .stash import STASH_TROUBLE, ChunkedStash

#: Seconds a row may spend waiting to retry before it fails (a request under
#: way is never cut short: a large file's chunks take what they take).
ROW_RETRY_BUDGET = 30 * 60


class ContentChanged(RowFailure):
    """The bytes in the stash are not the bytes that were hashed: the file changed."""


@dataclass(frozen=True)
class TaskSettings:
    """How every task of a batch works: chunk size, account, held rows, jobs, URL rows."""

    own_user: str
    chunk_size: int = default('chunk_size')
    commit_held: bool = False
    asynchronous: bool = False
    #: How a URL row is fetched when the wiki does not copy it.
    downloader: Downloader = field(default_factory=lambda: Downloader(default('max_download')))
    #: The account may have the wiki fetch URLs itself (the ``upload_by_url`` right).
    copy_uploads: bool = False
    #: How structured data is written (None: the wiki keeps none).
    data: DataSettings | None = None
    #: Send rows the wiki refused in an earlier run again, although they did not change.
    retry_refused: bool = False


class UploadTask:
    """Uploads one :class:`UploadItem`, resuming from its journal record.

    ``source`` says where the row's bytes come from (:mod:`uploadbot.upload.sources`);
    by default a file on disk, or the row's URL.
    """

    def __init__(
        self,
        transfer: Transfer,
        item: UploadItem,
        *,
        journal: Journal,
        settings: TaskSettings,
        claims: lookup.NameClaims | None = None,
        on_sent: Callable[[int], None] | None = None,
        source: Source | None = None,
        read_ahead: ReadAhead | None = None,
    ) -> None:
        self.transfer = transfer.for_row(ROW_RETRY_BUDGET)
        self.item = item
        self.source = source or source_for(item, settings)
        self.journal = journal
        self.settings = settings
        self.claims = claims
        self.read_ahead = read_ahead
        self._on_sent = on_sent or (lambda count: None)
        self.record = Record(*item.key, row=item.row)
        self.chunks = 0
        self.bytes_sent = 0

    def run(self) -> Outcome:
        """Take the row from wherever it stands to an outcome, recorded in the journal.

        Raises :class:`BatchAborted` (after recording) when the policy says ``abort``.
        """
        try:
            self.record = self.source.load(self.journal, self.item)
            if left_alone(
                self.record,
                self.item.fingerprint,
                commit_held=self.settings.commit_held,
                retry_refused=self.settings.retry_refused,
            ):
                if self._data_due():  # published earlier; its structured data still to do
                    self._structured_data()
                return self._outcome_of(self.record, earlier=True)
            self._amend(attempts=self.record.attempts + 1, row=self.item.row, last_error='')
            return self._finish(self._advance())
        except BatchAborted as stop:
            self._finish(stop.settlement)
            stop.outcome = self._outcome_of(self.record)
            raise
        except WikiError as error:
            if is_permanent(error.code):
                return self._refuse(error)
            return self._fail(str(error), filekey=error.filekey or self.record.filekey)
        except RowFailure as failure:
            return self._fail(str(failure), filekey=failure.filekey or self.record.filekey)
        except OSError as error:
            if isinstance(error, ConnectionError):  # our own output closed, not the file
                raise
            return self._fail(f'cannot read {self.item.path}: {error.strerror or error}')

    # -- what the stash and the commit report (the Recorder) ----------------------

    @property
    def sha1(self) -> str:
        return self.record.sha1

    def stashing(self, offset: int, filekey: str) -> None:
        self.save(state=State.STASHING, offset=offset, filekey=filekey)

    def stashed(self, filekey: str) -> None:
        self.save(state=State.STASHED, filekey=filekey)

    def committing(self, filekey: str, filename: str) -> None:
        self.save(state=State.COMMITTING, filekey=filekey, title=f'File:{filename}')

    def sent(self, count: int) -> None:
        self.bytes_sent += count
        self._on_sent(count)

    # -- where the row stands --------------------------------------------------

    def _advance(self) -> Settlement:
        state, filekey = self.record.state, self.record.filekey
        if state == State.COMMITTING:
            landed = self._landed()
            if landed is not None:
                return landed
        if state == State.STASHING and filekey and self.source.resumes_stash:
            point = self._stash.resume(filekey)
            if point is not None:
                filekey, offset = point
                if offset is not None:
                    filekey = self._send_chunks(offset, filekey)
                return self.commit_stashed(filekey)
        if state in (State.STASHED, State.COMMITTING, State.HELD) and filekey:
            try:
                return self.commit_stashed(filekey)
            except WikiError as error:
                if error.code not in STASH_TROUBLE:
                    raise
            return self.source.start(self).noted('the stashed file was gone (expired?), so it was sent again')
        return self.source.start(self)

    # -- what a source asks of the task (the Sender) --------------------------

    def send_file(self, path: str | os.PathLike[str]) -> Settlement:
        """Send the file at ``path`` from its first byte (the record holds its size)."""
        if path != self.item.path:  # a URL row's download
            self.item = replace(self.item, path=path)
        size = self.record.size
        if size <= self.settings.chunk_size:
            with open(path, 'rb') as source:
                content = source.read(size + 1)
            if len(content) != size:
                raise OSError(0, 'the file changed size while it was read')
            self._amend(sha1=hashlib.sha1(content).hexdigest(), offset=0)  # saved as it commits
            reply = self._commit.direct(content)
            self.sent(size)
            return self._commit.settle(reply)
        # A SHA1 in the record is of these very bytes (the record is of this size and
        # modification time): -check or an earlier attempt read them already.
        hashed = self.record.sha1
        self.save(state=State.HASHING, filekey='', offset=0)
        if not hashed:
            self.save(sha1=self._read_sha1(path))
        known = self._commit.before_bytes()
        if known is not None:
            return known
        return self.commit_stashed(self._send_chunks(0, None))

    def _read_sha1(self, path: str | os.PathLike[str]) -> str:
        """The file's SHA1: read ahead while the file before it was sent, else read now."""
        record = self.record
        ahead = self.read_ahead and self.read_ahead.sha1(self.item, record.size, record.mtime_ns)
        return ahead or file_sha1(path)

    def _send_chunks(self, offset: int, filekey: str | None) -> str:
        self.stashing(offset, filekey or '')
        stash = self._stash
        assembled = stash.send(offset, filekey)
        self.chunks = stash.chunks
        filekey = assembled.filekey
        self.save(state=State.STASHED, filekey=filekey, offset=self.record.size)
        stashed = assembled.imageinfo.get('sha1') or (lookup.stashed_file(self.transfer, filekey) or {}).get(
            'sha1'
        )
        if stashed and stashed != self.record.sha1:
            raise ContentChanged(
                f'the stash holds SHA1 {stashed}, but the file read '
                f'{self.record.sha1} before sending: it changed while it was '
                'uploaded; nothing was published'
            )
        return filekey

    @cached_property
    def _stash(self) -> ChunkedStash:
        return ChunkedStash(
            self.transfer,
            self.item.path,
            self.item.filename,
            self,
            size=self.record.size,
            chunk_size=self.settings.chunk_size,
            asynchronous=self.settings.asynchronous,
        )

    @cached_property
    def _commit(self) -> Commit:
        """The row's one commit: it reads the SHA1 from the record when it needs it."""
        return Commit(
            self.transfer,
            self.item,
            self,
            own_user=self.settings.own_user,
            claims=self.claims,
            asynchronous=self.settings.asynchronous,
        )

    def commit_stashed(self, filekey: str) -> Settlement:
        name = self.record.title.removeprefix('File:') or self.item.filename
        return self._commit.settle(self._commit.send(filekey, name))

    def _landed(self) -> Settlement | None:
        """Whether a commit sent by an earlier run went through (its answer was lost)."""
        name = self.record.title.removeprefix('File:') or self.item.filename
        info = self._commit.landed(name, since=self.record.updated - CLOCK_SKEW)
        if info is None:
            return None
        kind = State.RENAMED if name != self.item.filename else State.UPLOADED
        return Settlement(
            kind,
            title=f'File:{name}',
            url=info.get('descriptionurl', ''),
            message='the commit of an earlier run went through',
        )

    # -- outcomes --------------------------------------------------------------

    def save(self, **changes: Any) -> None:
        """Change the row's record and write it to the journal before going on."""
        self.record = self.journal.save(replace(self.record, **changes))

    def _amend(self, **changes: Any) -> None:
        """Change the row's record for the next :meth:`save` to write: for changes that no
        request to the wiki comes between (each such request is announced by a save)."""
        self.record = replace(self.record, **changes)

    def _finish(self, settlement: Settlement) -> Outcome:
        published = settlement.kind in PUBLISHED and bool(self.item.structured)
        self.save(
            state=settlement.kind,
            title=settlement.title,
            message=self._with_notes(settlement.message),
            url=settlement.url,
            filekey=settlement.filekey,
            warnings=settlement.warnings,
            structured=DataStep.PENDING if published else self.record.structured,
        )
        if self._data_due():
            self._structured_data()
        return self._outcome_of(self.record)

    # -- the structured-data step ----------------------------------------------

    def _data_due(self) -> bool:
        """A published file whose entity has not had this row's data yet."""
        record, data = self.record, self.item.structured
        return (
            bool(data)
            and self.settings.data is not None
            and State(record.state) in PUBLISHED
            and bool(record.title)
            and (record.structured != DataStep.DONE or record.structured_digest != self._data_digest())
        )

    def _data_digest(self) -> str:
        """What the step is asked: the row's data and whether captions are replaced."""
        data = self.item.structured
        if self.settings.data is not None and self.settings.data.replace_captions:
            data = replace(data, replace_captions=True)
        return data.digest

    def _structured_data(self) -> None:
        """The one ``wbeditentity`` edit, recorded before (pending) and after (done)."""
        if self.record.structured != DataStep.PENDING:
            self.save(structured=DataStep.PENDING)
        try:
            result = edit_structured_data(
                self.transfer,
                self.record.title,
                self.item.structured,
                self.settings.data,
                summary=self.item.comment,
                entity_id=self.record.entity,
                on_entity=lambda entity: self.save(entity=entity),
            )
        except DataPending as pending:
            self.save(message=_with_note(self.record.message, str(pending)), last_error=str(pending))
            return
        except DataRefused as refused:
            self.save(
                structured=DataStep.FAILED,
                last_error=str(refused),
                message=_with_note(self.record.message, str(refused)),
            )
            return
        self.save(
            structured=DataStep.DONE,
            entity=result.entity,
            structured_digest=self._data_digest(),
            message=_with_note(self.record.message, result.message),
        )

    def _fail(self, message: str, filekey: str = '') -> Outcome:
        message = self._with_notes(message)
        changes = {'state': State.FAILED, 'message': message, 'last_error': message, 'filekey': filekey or ''}
        try:
            self.save(**changes)
        except RowFailure:  # the journal lets this run write the row no more (another run has it)
            self.record = replace(self.record, **changes)
        return self._outcome_of(self.record)

    def _refuse(self, error: WikiError) -> Outcome:
        """The wiki refused the row for good: record what the row looked like."""
        message = self._with_notes(str(error))
        self.save(
            state=State.REFUSED,
            message=message,
            last_error=message,
            filekey=error.filekey or self.record.filekey,
            refused_for=self.item.fingerprint,
        )
        return self._outcome_of(self.record)

    def _with_notes(self, message: str) -> str:
        """``message`` and what the transfer noted on the way (AbuseFilter warnings)."""
        return '; '.join(filter(None, (message, *self.transfer.notes)))

    def _outcome_of(self, record: Record, *, earlier: bool = False) -> Outcome:
        message = record.message
        if earlier:
            first = {
                State.HELD: 'still held from an earlier run',
                State.REFUSED: 'refused by an earlier run; it waits for a person to '
                'change the row (or -retry-refused)',
            }.get(record.state, 'already done by an earlier run')
            message = first + (f': {message}' if message else '')
        return record.outcome(message=message, chunks=self.chunks, sent=self.bytes_sent, earlier=earlier)


def _with_note(message: str, note: str) -> str:
    """The row's message with this run's structured-data note (it always comes last,
    so an earlier run's note is cut off)."""
    base = message.split('structured data', 1)[0].rstrip('; ')
    return f'{base}; {note}' if base else note


def source_for(item: UploadItem, settings: TaskSettings) -> Source:
    """Where a row's bytes come from: its URL, or a file on disk."""
    if item.url:
        return CopiedUrl(settings.downloader, copy_uploads=settings.copy_uploads)
    return LocalFile()

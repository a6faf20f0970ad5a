"""A large file into the upload stash, chunk by chunk, and back on track after a crash.

Each chunk is read from disk at its offset just before it is sent (a retried
chunk is read again, never re-sent from a consumed stream), and after each
chunk the caller is told the new offset and ``filekey`` so it can write them
down before the next request. To resume, the wiki is asked where it stands:
``checkstatus`` on the filekey answers the offset it expects next; a file
whose last chunk went through is found among the user's stashed files by
its size and SHA1.

The stash tells the task about each chunk through its
:class:`~uploadbot.upload.recorder.Recorder`; it never writes the journal.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

from uploadbot.api import lookup
from uploadbot.api.answers import Reply, WikiError
from uploadbot.api.protocol import Transfer

from .recorder import Recorder

#: Offset corrections accepted from the wiki in a row before giving up.
MAX_OFFSET_CORRECTIONS = 3

#: Errors that say the stash does not have the upload where the bot thought:
#: the chunk offset moved on, or the key is gone (assembled under a new one,
#: or expired).
STASH_TROUBLE = frozenset(
    {
        'stashfailed',
        'stashedfilenotfound',
        'stashnosuchfilekey',
        'stashpathinvalid',
        'uploadstash-file-not-found',
        'uploadstash-exception',
        'missingresult',
        'filekeynotallowed',
    }
)


class ChunkedStash:
    """Sends one file into the stash in chunks of ``chunk_size`` bytes."""

    def __init__(
        self,
        transfer: Transfer,
        path: Path,
        filename: str,
        recorder: Recorder,
        *,
        size: int,
        chunk_size: int,
        asynchronous: bool = False,
    ) -> None:
        self.transfer = transfer
        self.path = path
        self.filename = filename
        self.recorder = recorder
        self.size = size
        self.chunk_size = chunk_size
        self.asynchronous = asynchronous
        self.chunks = 0

    def send(self, offset: int = 0, filekey: str | None = None) -> Reply:
        """Send from ``offset`` to the end; the wiki's answer about the assembled file.

        That answer is ``Success`` with the new ``filekey`` and, as MediaWiki
        gives it, the stashed file's ``imageinfo`` (its SHA1 among it).

        When a resent chunk meets a wiki that has moved on — it appended the
        chunk but the answer was lost — sending goes on from the wiki's own
        offset (see :meth:`_where_the_wiki_is`). When the wiki has lost the
        upload altogether, the file starts over from its first byte, once;
        only when that fails too does the error go up.
        """
        corrections = 0
        started_over = False
        with open(self.path, 'rb') as source:
            while True:
                chunk = _read_at(source, offset, self.chunk_size)
                try:
                    reply = self.transfer.upload_chunk(
                        self.filename, self.size, offset, chunk, filekey, asynchronous=self.asynchronous
                    )
                except WikiError as error:
                    if error.code not in STASH_TROUBLE or corrections >= MAX_OFFSET_CORRECTIONS:
                        raise
                    corrections += 1
                    point = self._where_the_wiki_is(error, offset, filekey)
                    if point is None:
                        if started_over or offset == 0 and not filekey:
                            raise
                        started_over = True  # the wiki lost the upload: from the start, once
                        offset, filekey, corrections = 0, None, 0
                        self.recorder.stashing(0, '')
                        continue
                    filekey, wiki_offset = point
                    if wiki_offset is None:
                        return Reply('Success', filekey=filekey, imageinfo={'sha1': self.recorder.sha1})
                    offset = wiki_offset
                    continue
                self.chunks += 1
                self.recorder.sent(len(chunk))
                corrections = 0
                filekey = reply.filekey or filekey
                if reply.result == 'Poll':  # the wiki assembles the chunks in a job
                    reply = self.transfer.await_job(filekey)
                    filekey = reply.filekey or filekey
                if reply.result == 'Success':
                    return replace(reply, filekey=filekey)
                if reply.result != 'Continue' or reply.offset is None:
                    raise WikiError('unexpected-reply', f'a chunk was answered {reply.result!r}')
                offset = reply.offset
                self.recorder.stashing(offset, filekey)

    def _where_the_wiki_is(
        self, error: WikiError, offset: int, filekey: str | None
    ) -> tuple[str, int | None] | None:
        """Where the stash stands after it bounced a chunk at ``offset``.

        The offset the error names, else ``checkstatus`` on the filekey, else
        an assembled file found in the stash by SHA1 (see :meth:`resume`).
        """
        wiki_offset = error.data.get('offset')
        if isinstance(wiki_offset, int) and wiki_offset != offset and filekey:
            return filekey, wiki_offset
        if filekey:
            return self.resume(filekey)
        assembled = self.find_assembled(self.recorder.sha1) if self.recorder.sha1 else None
        return (assembled, None) if assembled else None

    def resume(self, filekey: str) -> tuple[str, int | None] | None:
        """Where an interrupted upload stands on the wiki.

        ``(filekey, offset)`` to go on sending from ``offset``; ``(filekey,
        None)`` when the whole file is already assembled in the stash; None
        when the wiki has lost it and the file must start over.
        """
        try:
            status = self.transfer.check_status(filekey)
        except WikiError:
            status = None
        if status is not None and status.result == 'Poll':  # still assembling in a job
            status = self.transfer.await_job(filekey)
            if status.result == 'Success' and status.filekey:
                return status.filekey, None
        if status is not None and status.result == 'Continue' and status.offset is not None:
            return filekey, status.offset
        assembled = self.find_assembled(self.recorder.sha1)
        return (assembled, None) if assembled else None

    def find_assembled(self, sha1: str) -> str | None:
        """The filekey of a stashed file with this file's size and SHA1, if any.

        After the last chunk the wiki assembles the file under a new filekey;
        a run killed before it wrote that key down finds it here.
        """
        listing = self.transfer.query(list='mystashedfiles', msfprop='size', msflimit='max')
        for entry in reversed(listing.get('mystashedfiles', [])):
            if entry.get('size') != self.size:
                continue
            stashed = lookup.stashed_file(self.transfer, entry['filekey'])
            if stashed and stashed.get('sha1') == sha1:
                return entry['filekey']
        return None


def _read_at(source: BinaryIO, offset: int, size: int) -> bytes:
    source.seek(offset)
    return source.read(size)

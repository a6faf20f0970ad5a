"""How the stash and the commit tell the task what happened, without touching its record.

The upload task owns its row's journal record. The stash and the commit,
which it calls, report each step through this small interface; the task
decides what that means for the record and writes it down before the next
request goes out. Calls go down; facts come back up only through here.
"""

from __future__ import annotations

from typing import Protocol


class Recorder(Protocol):
    """The steps of one file's life that must be in the journal before the next request."""

    @property
    def sha1(self) -> str:
        """The SHA1 of the file's bytes as the bot read them ('' before hashing)."""

    def stashing(self, offset: int, filekey: str) -> None:
        """A chunk went in: the stash holds ``offset`` bytes under ``filekey``."""

    def stashed(self, filekey: str) -> None:
        """The whole file waits in the stash under ``filekey``."""

    def committing(self, filekey: str, filename: str) -> None:
        """A publishing request for ``filename`` is about to be sent."""

    def sent(self, count: int) -> None:
        """``count`` more bytes of the file went over the wire (for progress)."""

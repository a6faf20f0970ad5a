"""How a row ended: the record the report, the counters and the exit code read."""

from __future__ import annotations

from dataclasses import dataclass

#: Every way a row can end. ``aborted`` means not attempted: the batch stopped first.
UPLOADED = 'uploaded'
RENAMED = 'renamed'
NEW_VERSION = 'new-version'
UNCHANGED = 'unchanged'
SKIPPED = 'skipped'
HELD = 'held'
FAILED = 'failed'
ABORTED = 'aborted'
OUTCOMES = (UPLOADED, RENAMED, NEW_VERSION, UNCHANGED, SKIPPED, HELD, FAILED, ABORTED)

#: Outcomes that leave nothing for a person to do.
SETTLED = frozenset({UPLOADED, RENAMED, NEW_VERSION, UNCHANGED, SKIPPED})


@dataclass
class Outcome:
    """One row's result; ``title`` is the final ``File:`` title where one exists.

    ``bytes`` is the file's size, ``sent`` the bytes this run sent of it.
    """

    row: int
    file: str
    filename: str
    outcome: str
    title: str = ''
    warnings: tuple[str, ...] = ()
    sha1: str = ''
    bytes: int = 0
    message: str = ''
    filekey: str = ''
    url: str = ''
    attempts: int = 1
    chunks: int = 0
    sent: int = 0

    @property
    def settled(self) -> bool:
        return self.outcome in SETTLED

    def line(self) -> str:
        """The one line the bot prints for this row."""
        target = self.title or self.filename
        text = f'row {self.row}: {self.outcome:<11} {target}'
        if self.warnings:
            text += f' [{";".join(self.warnings)}]'
        if self.message:
            text += f' - {self.message}'
        return text

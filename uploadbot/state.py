"""Where a row stands: one vocabulary for the journal, the task, the report and ``-status``.

A row goes through **steps** while the bot works on it — ``pending``,
``hashing``, ``stashing`` (chunks going into the stash), ``stashed``,
``committing`` — and ends in an **outcome**. The journal stores the one
:class:`State` a row is in; a run that finds a row in a step picks it up
from there, a row with a settled outcome is never touched again.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class State(StrEnum):
    """A row's step or outcome; the values are what the journal and the report hold."""

    PENDING = 'pending'
    HASHING = 'hashing'
    STASHING = 'stashing'
    STASHED = 'stashed'
    COMMITTING = 'committing'
    UPLOADED = 'uploaded'
    RENAMED = 'renamed'
    NEW_VERSION = 'new-version'
    UNCHANGED = 'unchanged'
    SKIPPED = 'skipped'
    HELD = 'held'
    FAILED = 'failed'
    REFUSED = 'refused'
    INVALID = 'invalid'
    ABORTED = 'aborted'

    @property
    def settled(self) -> bool:
        """Nothing is left to do for the row: a later run leaves it alone."""
        return self in SETTLED

    @property
    def in_flight(self) -> bool:
        """The row was left half-way: the next run resumes it from the wiki's state."""
        return self in IN_FLIGHT


class DataStep(StrEnum):
    """Where a published file's structured-data edit stands ('' when the row asks for none)."""

    NONE = ''
    PENDING = 'pending'
    DONE = 'done'
    FAILED = 'failed'


#: Steps between ``pending`` and an outcome, in the order a row goes through them.
IN_FLIGHT = (State.HASHING, State.STASHING, State.STASHED, State.COMMITTING)

#: Every way a row can end. ``aborted`` means not attempted: the batch stopped first.
#: ``failed`` is passing trouble (the next run tries again); ``refused`` is a
#: permanent refusal of the wiki, at upload or foreseen before sending;
#: ``invalid`` is a problem the checks before sending found in the row (a missing
#: file, category or licence, a bad cell). Later runs send neither until it changes.
OUTCOMES = (
    State.UPLOADED,
    State.RENAMED,
    State.NEW_VERSION,
    State.UNCHANGED,
    State.SKIPPED,
    State.HELD,
    State.FAILED,
    State.REFUSED,
    State.INVALID,
    State.ABORTED,
)

#: Outcomes that wait for a person to change the row.
NEEDS_CHANGE = frozenset({State.REFUSED, State.INVALID})

#: Outcomes that publish the file.
PUBLISHED = frozenset({State.UPLOADED, State.RENAMED, State.NEW_VERSION})

#: Outcomes that leave nothing for a person or a later run to do.
SETTLED = PUBLISHED | {State.UNCHANGED, State.SKIPPED}


def not_sent_again(*, commit_held: bool) -> frozenset[State]:
    """The states whose rows a run leaves alone: settled ones, and held ones unless the
    run commits what waits in the stash (``-commit-held``)."""
    return SETTLED if commit_held else SETTLED | {State.HELD}


#: States ``-status`` lists row by row: they need a person or another run.
ATTENTION = (State.FAILED, State.REFUSED, State.INVALID, State.HELD, *IN_FLIGHT)


@dataclass
class Outcome:
    """One row's result; ``title`` is the final ``File:`` title where one exists.

    ``bytes`` is the file's size, ``sent`` the bytes this run sent of it.
    """

    row: int
    file: str
    filename: str
    outcome: State
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
    #: The structured-data step after publishing ('' when the row asks for none).
    structured: str = ''
    #: The outcome was settled by an earlier run; this run did not touch the row.
    earlier: bool = False

    @property
    def settled(self) -> bool:
        return State(self.outcome).settled

    def line(self) -> str:
        """The one line the bot prints for this row."""
        target = self.title or self.filename
        text = f'row {self.row}: {self.outcome:<11} {target}'
        if self.warnings:
            text += f' [{";".join(self.warnings)}]'
        if self.message:
            text += f' - {self.message}'
        return text


class Fate(StrEnum):
    """What the audit (``-audit``) finds became of a published file since its upload."""

    FINE = 'fine'
    DELETED = 'deleted'
    NOMINATED = 'nominated'
    OVERWRITTEN = 'overwritten'
    MOVED = 'moved'
    EDITED = 'edited'


#: Findings that ask a person to look (``edited`` is informational).
PROBLEM_FATES = frozenset({Fate.DELETED, Fate.NOMINATED, Fate.OVERWRITTEN, Fate.MOVED})


@dataclass(frozen=True)
class Finding:
    """One finding of the audit on one journal row, and when an audit first saw it.

    ``detail`` says who, when, why or where to, in one line; the journal keeps
    findings by the row's key (source, target name) and ``fate``.
    """

    source: str
    filename: str
    fate: Fate
    detail: str = ''
    first_seen: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, 'fate', Fate(self.fate))

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.filename)

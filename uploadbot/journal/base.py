"""The journal: what the bot knows about every row, kept safe across crashes.

Each row's record is written (and committed) before the bot takes the next
network step, so a run that is killed anywhere leaves the journal knowing
where each file stood: still to do, in the stash at some offset, sent for
commit, or finished. The next run reads that and goes on from there.

A record is keyed by the row's **source** (the file's path relative to the
manifest, or its URL) and its **target name**, not by its row number: rows
can be added, removed or reordered between runs and each keeps its record. A
source whose size or modification time changed since its record was written
is new content and starts over. The SHA1 is stored, not used as key, so a
finished row can be recognised without reading its file again.

The rest of the bot sees only the :class:`Journal` interface; the stores
(:mod:`uploadbot.journal.sqlite`, one file on one machine) implement it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from typing import Any, Protocol

from uploadbot.state import DataStep, Finding, Outcome, State, not_sent_again


@dataclass(frozen=True)
class Record:
    """One row's state (a :class:`~uploadbot.state.State`: a step or an outcome)."""

    source: str
    filename: str
    row: int = 0
    state: State = State.PENDING
    size: int = -1
    mtime_ns: int = -1
    sha1: str = ''
    filekey: str = ''
    offset: int = 0
    title: str = ''
    #: The wiki's warning codes the commit met, in order.
    warnings: tuple[str, ...] = ()
    message: str = ''
    url: str = ''
    attempts: int = 0
    last_error: str = ''
    created: float = 0.0
    updated: float = 0.0
    #: The structured-data step after publishing (a :class:`~uploadbot.state.DataStep`),
    #: the MediaInfo entity it edits and the digest of the data it was done for.
    structured: str = ''
    entity: str = ''
    structured_digest: str = ''
    #: For a ``refused`` row: the row's fingerprint when the wiki refused it
    #: (see :attr:`uploadbot.item.UploadItem.fingerprint`).
    refused_for: str = ''
    #: For a published row: when the batch's log page listed it (``-log-page``), else ''.
    logged: str = ''

    def __post_init__(self) -> None:
        # Stores hand back their columns' text; the record always holds the enum and the tuple.
        object.__setattr__(self, 'state', State(self.state))
        if isinstance(self.warnings, str):
            object.__setattr__(self, 'warnings', tuple(filter(None, self.warnings.split(';'))))

    def columns(self) -> dict[str, Any]:
        """The record as a store keeps it: one plain value per column of :data:`COLUMNS`."""
        # Not dataclasses.asdict, which copies every value deeply: a record is saved
        # several times a row, and its values are plain already.
        values = {name: getattr(self, name) for name in COLUMNS}
        return {**values, 'state': str(self.state), 'warnings': ';'.join(self.warnings)}

    def outcome(self, **this_run: Any) -> Outcome:
        """The row's result as the report shows it: this record, with what this run
        adds (``chunks``, ``sent``, ``earlier``) or says instead (``message``, ...)."""
        shown: dict[str, Any] = {
            'row': self.row,
            'file': self.source,
            'filename': self.filename,
            'outcome': self.state,
            'title': self.title,
            'warnings': self.warnings,
            'sha1': self.sha1,
            'bytes': max(self.size, 0),
            'message': self.message,
            'filekey': self.filekey,
            'url': self.url,
            'attempts': self.attempts,
            'structured': DataStep(self.structured),
        }
        return Outcome(**{**shown, **this_run})

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.filename)


def left_alone(record: Record, fingerprint: str, *, commit_held: bool, retry_refused: bool) -> bool:
    """The one rule for a row a run does not send again, given its record of this file.

    Settled rows (and held ones, unless ``-commit-held``) are done; a row the
    wiki refused at upload waits for a person while ``fingerprint`` (what the
    wiki judged: see :attr:`uploadbot.item.UploadItem.fingerprint`) is the one
    it refused. A row settled ``refused`` or ``invalid`` by the checks before
    sending is not left alone: it is checked again, and sent once it passes.
    """
    if record.state in not_sent_again(commit_held=commit_held):
        return True
    return (
        record.state is State.REFUSED
        and not retry_refused
        and bool(record.refused_for)
        and record.refused_for == fingerprint
    )


def same_file(size: int, mtime_ns: int, stat: os.stat_result) -> bool:
    """The one rule for "is this still the file the journal wrote of": the same size and
    modification time (nanoseconds). A file that differs in either is new content."""
    return (size, mtime_ns) == (stat.st_size, stat.st_mtime_ns)


#: The record's fields in order: the columns every store keeps.
COLUMNS = tuple(field.name for field in fields(Record))


class Journal(Protocol):
    """What the bot needs of a journal, whatever keeps it."""

    def get(self, source: str, filename: str) -> Record | None:
        """The record of one row, or None when the journal has never seen it."""

    def save(self, record: Record) -> Record:
        """Store ``record``, durably, before returning it stamped with the time."""

    def save_all(self, records: Iterable[Record]) -> None:
        """Store many records, as :meth:`save` does each (in one transaction where it can)."""

    def records(self) -> Iterator[Record]:
        """Every record, in row order."""

    def records_in(self, states: Iterable[str], data_steps: Iterable[str] = ()) -> Iterator[Record]:
        """The records in ``states`` or at ``data_steps``, in row order: the database picks
        them, so a batch of a million rows is not read whole to find a few."""

    def counts(self) -> dict[str, int]:
        """How many rows are in each state."""

    def data_counts(self) -> dict[str, int]:
        """How many published rows are at each structured-data step."""

    def findings(self) -> list[Finding]:
        """What the last audit found (``-audit``), each with when an audit first saw it."""

    def keep_findings(self, findings: Iterable[Finding]) -> None:
        """Replace the findings with those of an audit that just ended."""

    def finding_counts(self) -> dict[str, int]:
        """How many rows carry each finding of the last audit."""

    def close(self) -> None:
        """Let go of the store."""

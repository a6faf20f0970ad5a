"""Every exception of uploadbot, under one root, and the one table of exit codes.

Three families, each caught in one place:

* :class:`InputError` — bad input from the operator (a manifest cell, an
  option, a template, a policy file). A problem of the batch as a whole stops
  the run before anything is sent (one line, :attr:`ExitCode.BAD_INPUT`); a
  problem of one row settles that row (``invalid``, or ``refused`` for a
  :class:`Refusal`) and the others go on.
* :class:`RowFailure` — one row cannot go on (the wiki refused it, retries ran
  out, the file changed or could not be fetched). The upload task records it
  as that row's outcome and the batch goes on.
* :class:`BatchStop` — the whole run stops (the policy said ``abort``,
  another run holds the batch).
"""

from __future__ import annotations

import os
import sqlite3
from enum import IntEnum


class ExitCode(IntEnum):
    """What a run's exit status tells a scheduler (documented in the README).

    When several apply, the first of ABORTED, FAILED, REFUSED, HELD counts.
    """

    OK = 0
    FAILED = 1
    BAD_INPUT = 2
    HELD = 3
    ABORTED = 4
    ALREADY_RUNNING = 5
    #: Rows were settled ``refused`` or ``invalid`` in this run: the wiki refused
    #: them for good, or the checks before sending found a problem in them. Rows
    #: settled so by an earlier run and unchanged since do not count: they wait
    #: for a person, and the run that finds nothing new exits 0.
    REFUSED = 6
    #: ``-audit`` found something new about published files since the last audit
    #: (deleted, nominated for deletion, overwritten, moved, edited): findings an
    #: earlier audit saw already do not count, so a daily audit mails once per finding.
    NEW_FINDINGS = 7


class UploadbotError(Exception):
    """The root of every exception uploadbot raises on purpose."""


class RowFailure(UploadbotError):
    """One row cannot be finished now; ``str()`` is the reason, for the report."""

    #: The stash key the wiki kept the file under, when the failure left one.
    filekey: str | None = None


class BatchStop(UploadbotError):
    """The run must stop; the exit code says why."""

    exit_code = ExitCode.FAILED


class InputError(UploadbotError):
    """Bad input from the user: names the file, the row and the field.

    str(error) is one line, for example
    ``batch.csv, row 7, column 'filename': the name contains '#', which MediaWiki forbids``;
    the parts that are None are left out.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | os.PathLike[str] | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.path = path
        self.row = row
        self.field = field
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.path is not None:
            where.append(os.fspath(self.path))
        if self.row is not None:
            where.append(f'row {self.row}')
        if self.field is not None:
            where.append(f'column {self.field!r}')
        text = ' '.join(self.message.splitlines())
        return f'{", ".join(where)}: {text}' if where else text

    def __reduce__(self):
        # Keyword-only arguments are lost by the default pickling of exceptions.
        return (_rebuild, (type(self), self.message, self.path, self.row, self.field))

    def located(self, *, path: str | os.PathLike[str] | None = None, row: int | None = None) -> InputError:
        """A copy with the file or row filled in, for callers that know more than the raiser."""
        return type(self)(
            self.message,
            path=self.path if self.path is not None else path,
            row=self.row if self.row is not None else row,
            field=self.field,
        )


class Refusal(InputError):
    """Bad input the wiki itself would refuse: its title blacklist, a file type or a name
    it does not take, a page larger than it stores.

    Found before sending, such a row ends ``refused``, as when the wiki refuses
    it at upload; any other problem of a row ends it ``invalid``.
    """


def unusable_file(error: sqlite3.DatabaseError | OSError) -> str:
    """The one line for a journal that is not one, or a journal, report or lock file that
    cannot be made (its folder is not there, say): said alike with or without the wiki."""
    if isinstance(error, sqlite3.DatabaseError):
        return f'the journal cannot be used: {error} (is it an uploadbot journal?)'
    return f'cannot use {error.filename or "a file"}: {error.strerror or error}'


def _rebuild(cls, message, path, row, field):
    return cls(message, path=path, row=row, field=field)

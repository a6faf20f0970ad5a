"""A row's problem is that row's outcome, settled before anything is sent.

An unattended batch must not stop because one row is wrong: a file with a
camera's default name that the title blacklist refuses, a missing file or
category, a cell that is not a value. Each such problem, found by the checks
before sending (:mod:`uploadbot.run.preflight`), settles its row in the
journal — ``refused`` when the wiki itself would refuse it
(:class:`~uploadbot.errors.Refusal`), ``invalid`` otherwise — and the other
rows go on. The run that finds a problem reports it (exit code 6); later runs
find the same problem in the journal and leave the row alone, exiting 0,
until the row changes (then it is checked again and, once it passes, sent).
Problems of the batch as a whole — no ``file`` column, a template that
cannot be read — still stop the run before anything is sent.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from uploadbot import names
from uploadbot.batch.plan import Plan
from uploadbot.errors import InputError, Refusal, RowFailure
from uploadbot.item import UploadItem
from uploadbot.journal.base import Journal, Record
from uploadbot.state import NEEDS_CHANGE, Outcome, State, not_sent_again


@dataclass(frozen=True)
class RowProblem:
    """What the checks found wrong with one row, keyed as the journal keys it."""

    row: int
    source: str
    filename: str
    #: ``refused`` (the wiki would refuse it) or ``invalid``.
    state: State
    #: The problems without the row's place, so a row that moved keeps its message.
    message: str
    #: The size and time of the row's file (-1 when there is no file to read).
    size: int = -1
    mtime_ns: int = -1


def sort_out(
    plan: Plan,
    problems: Iterable[InputError],
) -> tuple[list[InputError], list[RowProblem]]:
    """The problems of the batch as a whole, and the problems of single rows (by row)."""
    items = {item.row: item for item in (*plan.items, *plan.refused)}
    by_row: dict[int, list[InputError]] = {}
    batch: list[InputError] = []
    for problem in problems:
        if problem.row is not None and (problem.row in plan.rows or problem.row in items):
            by_row.setdefault(problem.row, []).append(problem)
        else:
            batch.append(problem)
    return batch, [_row_problem(plan, row, items.get(row), found) for row, found in sorted(by_row.items())]


def without(items: Iterable[UploadItem], found: Iterable[RowProblem]) -> list[UploadItem]:
    """The items of the rows that have no problem: the ones that may be sent."""
    troubled = {problem.row for problem in found}
    return [item for item in items if item.row not in troubled]


def _row_problem(plan: Plan, row: int, item: UploadItem | None, found: list[InputError]) -> RowProblem:
    if item is not None:
        (source, filename), path = item.key, item.path
    else:  # the row did not become an item: key it as the planner would have
        cells = plan.rows[row]
        source = cells.file or f'(row {row})'
        filename = (cells.filename or names.derive_filename(cells.file)).strip()
        path = _local_path(plan.manifest_path, cells.file)
    state = State.REFUSED if any(isinstance(p, Refusal) for p in found) else State.INVALID
    message = '; '.join(str(InputError(p.message, field=p.field)) for p in found)
    size, mtime_ns = _stat(path)
    return RowProblem(
        row=row, source=source, filename=filename, state=state, message=message, size=size, mtime_ns=mtime_ns
    )


def settle(
    journal: Journal, problem: RowProblem, *, commit_held: bool, retry_refused: bool
) -> Outcome | None:
    """Record the row's problem, unless the journal has it already; the row's outcome.

    A row an earlier run settled with this very problem (and the same file) is
    left as it is and reported as found before. A row an earlier run finished
    keeps its outcome. None when another run holds the row (a shared batch).
    """
    record = journal.get(problem.source, problem.filename)
    if record is not None and record.state in not_sent_again(commit_held=commit_held):
        return record.outcome(earlier=True, message=f'done by an earlier run; now: {problem.message}')
    if _known(record, problem) and not retry_refused:
        return record.outcome(
            earlier=True, message=f'found by an earlier run, unchanged since: {problem.message}'
        )
    base = record or Record(problem.source, problem.filename)
    try:
        record = journal.save(
            replace(
                base,
                row=problem.row,
                state=problem.state,
                size=problem.size,
                mtime_ns=problem.mtime_ns,
                message=problem.message,
                last_error=problem.message,
                refused_for='',
            )
        )
    except RowFailure:  # another run holds the row: it is that run's to settle
        return None
    return record.outcome()


def _known(record: Record | None, problem: RowProblem) -> bool:
    """The journal holds this row settled with this problem, its file unchanged."""
    return (
        record is not None
        and record.state in NEEDS_CHANGE
        and not record.refused_for
        and record.state is problem.state
        and record.message == problem.message
        and (record.size, record.mtime_ns) == (problem.size, problem.mtime_ns)
    )


def _local_path(manifest: Path | None, file: str) -> str | None:
    """The file a row names, when it is a local one (a URL has none to read)."""
    if manifest is None or not file or file.lower().startswith(('http://', 'https://')):
        return None
    folder = manifest if manifest.is_dir() else manifest.parent
    return os.path.join(folder, file)


def _stat(path: str | os.PathLike[str] | None) -> tuple[int, int]:
    try:
        stat = os.stat(path) if path else None
    except OSError:
        stat = None
    return (stat.st_size, stat.st_mtime_ns) if stat else (-1, -1)

"""``-status``: what the journal knows, without asking the wiki anything."""

from __future__ import annotations

from datetime import datetime, timezone

from uploadbot.journal.base import Journal, Record
from uploadbot.state import ATTENTION, DataStep, Fate, State


def render(journal: Journal, journal_name: str) -> str:
    """Counts per state, then one line per row that needs attention: failed, held,
    refused or half-done, or published with its structured data still to send.

    The journal counts and picks the rows itself: a batch of 100,000 rows
    answers in well under a second, on SQLite as on a server.
    """
    counts, data = journal.counts(), journal.data_counts()
    lines = [f'journal {journal_name}: {sum(counts.values())} rows']
    lines += [f'  {counts[state]:>7} {state}' for state in State if counts.get(state)]
    lines += [
        f'  {data[step]:>7} with structured data {step}' for step in DataStep if step and data.get(step)
    ]
    found = journal.finding_counts()
    if found:
        lines.append('findings of the last audit (-audit):')
        lines += [f'  {found[fate]:>7} {fate}' for fate in Fate if found.get(fate)]
    attention = list(journal.records_in(ATTENTION, (DataStep.PENDING, DataStep.FAILED)))
    if attention:
        lines.append('rows that need attention:')
        lines += [_line(record) for record in attention]
    return '\n'.join(lines)


def _line(record: Record) -> str:
    when = datetime.fromtimestamp(record.updated, timezone.utc).strftime('%Y-%m-%d %H:%M UTC')
    text = f'  row {record.row}: {record.state:<10} {record.source} -> {record.filename}'
    if record.state is State.STASHING:
        text += f' ({record.offset} of {record.size} bytes in the stash)'
    elif record.state in (State.STASHED, State.COMMITTING) or record.filekey:
        text += f' (filekey {record.filekey})' if record.filekey else ''
    if record.structured in (DataStep.PENDING, DataStep.FAILED):
        text += f' (structured data {record.structured}'
        text += f' on {record.entity})' if record.entity else ')'
    text += f', {when}'
    if record.message:
        text += f': {record.message}'
    return text

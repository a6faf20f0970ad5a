"""``-status``: what the journal knows, without asking the wiki anything."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone

from uploadbot.journal.base import Record
from uploadbot.state import ATTENTION, DataStep, State


def render(records: Iterable[Record], journal_name: str) -> str:
    """Counts per state, then one line per row that needs attention."""
    records = list(records)
    return render_counts(
        Counter(str(record.state) for record in records),
        [record for record in records if needs_attention(record)], journal_name,
        data=Counter(str(record.structured) for record in records if record.structured))


def needs_attention(record: Record) -> bool:
    """Failed, held, refused or half-done, or a published file whose structured data waits."""
    return record.state in ATTENTION or record.structured in (DataStep.PENDING,
                                                              DataStep.FAILED)


def render_counts(counts: Mapping[str, int], attention: Iterable[Record],
                  journal_name: str, *, data: Mapping[str, int] | None = None) -> str:
    """The same from counts the journal made itself and the rows that need attention
    (a journal of 100,000 rows answers in well under a second this way); ``data``
    counts the structured-data steps."""
    lines = [f'journal {journal_name}: {sum(counts.values())} rows']
    lines += [f'  {counts[state]:>7} {state}' for state in State if counts.get(state)]
    lines += [f'  {(data or {})[step]:>7} with structured data {step}' for step in DataStep
              if step and (data or {}).get(step)]
    attention = list(attention)
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

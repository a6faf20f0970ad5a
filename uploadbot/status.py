"""``-status``: what the journal knows, without asking the wiki anything."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timezone

from . import journal as jr
from . import outcome as oc
from .journal import Record

#: States that need a person or another run: shown row by row.
ATTENTION = (oc.FAILED, oc.HELD, *jr.IN_FLIGHT)

_ORDER = (jr.PENDING, *jr.IN_FLIGHT, *oc.OUTCOMES)


def render(records: Iterable[Record], journal_name: str) -> str:
    """Counts per state, then one line per row that needs attention."""
    records = list(records)
    counts = Counter(record.state for record in records)
    lines = [f'journal {journal_name}: {len(records)} rows']
    lines += [f'  {counts[state]:>7} {state}' for state in _ORDER if counts[state]]
    lines += [f'  {count:>7} {state}' for state, count in counts.items() if state not in _ORDER]
    attention = [record for record in records if record.state in ATTENTION]
    if attention:
        lines.append('rows that need attention:')
        lines += [_line(record) for record in attention]
    return '\n'.join(lines)


def _line(record: Record) -> str:
    when = datetime.fromtimestamp(record.updated, timezone.utc).strftime('%Y-%m-%d %H:%M UTC')
    text = f'  row {record.row}: {record.state:<10} {record.source} -> {record.filename}'
    if record.state == jr.STASHING:
        text += f' ({record.offset} of {record.size} bytes in the stash)'
    elif record.state in (jr.STASHED, jr.COMMITTING) or record.filekey:
        text += f' (filekey {record.filekey})' if record.filekey else ''
    text += f', {when}'
    if record.message:
        text += f': {record.message}'
    return text

"""``-log-page:TITLE``: the batch's log on the wiki, one section per run that published files.

The journal says which published rows no log section lists yet (their
``logged`` is empty): the rows this run published, and those of a run that
was killed before it could write its section. One edit appends them as a
section (the date, the counts, a ``<gallery>`` under each file's final
name) with the run's summary and tags, under the run's pace; then each of
them is marked logged, so no file appears twice. A run that published
nothing does not edit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timezone

from uploadbot.api.render import Wiki
from uploadbot.journal.base import Journal, Record
from uploadbot.state import OUTCOMES, PUBLISHED


def unlogged(journal: Journal) -> list[Record]:
    """The published rows no section of the log page lists yet, in row order."""
    return [record for record in journal.records_in(PUBLISHED) if not record.logged]


def section(records: list[Record], counts: Mapping[str, int] | None, when: datetime) -> str:
    """The section's text (below its heading): the counts, then the gallery."""
    counts = counts or Counter(str(record.state) for record in records)
    parts = [f'{counts[str(name)]} {name}' for name in OUTCOMES if counts.get(str(name))]
    lines = [
        f'Run ended {when:%Y-%m-%d %H:%M} UTC: {", ".join(parts)}; '
        f'{len(records)} file(s) in the gallery below.',
        '<gallery>',
    ]
    lines += [_final_title(record) for record in records]
    lines.append('</gallery>')
    return '\n'.join(lines)


def _final_title(record: Record) -> str:
    """The file's name on the wiki: a renamed row's final name, as its title records."""
    title = record.title or f'File:{record.filename}'
    return title if title.startswith('File:') else f'File:{title.partition(":")[2] or title}'


def log_run(
    journal: Journal,
    wiki: Wiki,
    title: str,
    *,
    summary: str,
    tags: tuple[str, ...] = (),
    counts: Mapping[str, int] | None = None,
    now: datetime | None = None,
) -> str:
    """Append this run's section to ``title`` (no edit when nothing is to be listed);
    the line that says what was done."""
    records = unlogged(journal)
    if not records:
        return f'log page {title}: nothing published to list, not edited'
    when = now or datetime.now(timezone.utc)
    params = {
        'title': title,
        'section': 'new',
        'sectiontitle': f'{when:%Y-%m-%d %H:%M} UTC',
        'text': section(records, counts, when),
        'summary': summary,
        'bot': True,
    }
    if tags:
        params['tags'] = '|'.join(tags)
    wiki.api('edit', write=True, **params)
    stamp = when.strftime('%Y-%m-%dT%H:%M:%SZ')
    for record in records:
        journal.save(replace(record, logged=stamp))
    return f'log page {title}: {len(records)} file(s) listed'

"""The pages a person reads in a browser: the batch's HTML report, built from the journal.

Every page is one self-contained HTML file (its style inline, no script),
its thumbnails in a folder beside it, so it opens from ``file://``, from a
zip sent by mail or from any static host. Jinja2 escapes every value, so a
file name or a message holding markup reads as written and runs nothing.
Large batches are cut into pages of :data:`PAGE_ROWS` rows.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from functools import cache
from itertools import islice
from pathlib import Path

from uploadbot.journal.base import Journal, Record
from uploadbot.state import OUTCOMES, PROBLEM_FATES, PUBLISHED, Fate, Finding, State

from .report import human_bytes
from .thumbs import Thumbnails

#: Rows on one page: a page of a 100,000-row batch opens in a browser at once.
PAGE_ROWS = 500

#: The outcomes a person must look at, listed first in that order.
PROBLEMS = (State.FAILED, State.REFUSED, State.INVALID, State.HELD)

#: What to do about each problem.
ADVICE = {
    State.FAILED: 'passing trouble: the next run tries the row again',
    State.REFUSED: 'the wiki refuses it for good: change the row (or -retry-refused)',
    State.INVALID: 'the checks found a problem in the row: fix it, the next run sends it',
    State.HELD: 'waiting in the stash for a person: -commit-held publishes it',
}


@cache
def environment():
    """The templates, every value escaped (Jinja2 is loaded only where pages are made)."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader('uploadbot.run', 'templates'),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def page_name(path: Path, number: int) -> str:
    """``report.html`` for the first page, ``report-2.html`` for the second, ..."""
    return path.name if number == 1 else f'{path.stem}-{number}{path.suffix}'


def _chunks(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    iterator = iter(records)
    while chunk := list(islice(iterator, size)):
        yield chunk


def write_report(journal: Journal, path: Path, *, root: Path | None, title: str) -> int:
    """Write the report of every row the journal holds to ``path`` (and its further pages
    beside it); returns the number of pages. ``root`` is the folder the rows' sources
    are under (their thumbnails are made from them), None when the files are not at hand."""
    path.parent.mkdir(parents=True, exist_ok=True)
    thumbs = Thumbnails(path.parent / f'{path.stem}.files')
    counts = journal.counts()
    total = sum(counts.values())
    pages = max(1, -(-total // PAGE_ROWS))
    problems = list(islice(journal.records_in(PROBLEMS), PAGE_ROWS))
    problems.sort(key=lambda record: (PROBLEMS.index(record.state), record.row))
    published_bytes, first, last, first_page = 0, None, None, []
    template = environment().get_template('report.html')
    for number, chunk in enumerate(_chunks(journal.records(), PAGE_ROWS), start=1):
        for record in chunk:
            if record.state in PUBLISHED and record.size > 0:
                published_bytes += record.size
            if record.created:
                first = record.created if first is None else min(first, record.created)
            last = max(last or 0.0, record.updated)
        rows = [_row(record, thumbs, root) for record in chunk]
        if number == 1:
            first_page = rows
            continue
        _write(
            path.parent / page_name(path, number),
            template.render(
                title=title,
                summary=None,
                problems=(),
                findings=(),
                rows=rows,
                nav=navigation(path, number, pages),
            ),
        )
    summary = _summary(counts, total, published_bytes, first, last)
    _write(
        path,
        template.render(
            title=title,
            summary=summary,
            problems=[_row(record, thumbs, root) for record in problems],
            more_problems=sum(counts.get(state, 0) for state in PROBLEMS) - len(problems),
            findings=_findings(journal),
            rows=first_page,
            nav=navigation(path, 1, pages),
        ),
    )
    return pages


def _findings(journal: Journal) -> list[dict[str, object]]:
    """What the last audit (``-audit``) found became of the published files, those that
    ask a person to look first."""
    found: list[Finding] = sorted(
        journal.findings(), key=lambda f: (f.fate not in PROBLEM_FATES, list(Fate).index(f.fate), f.filename)
    )
    rows = []
    for finding in found:
        record = journal.get(finding.source, finding.filename)
        rows.append(
            {
                'title': (record.title if record else '') or f'File:{finding.filename}',
                'url': record.url if record else '',
                'fate': str(finding.fate),
                'problem': finding.fate in PROBLEM_FATES,
                'detail': finding.detail,
                'first_seen': _when(finding.first_seen),
            }
        )
    return rows


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding='utf-8')


def _summary(
    counts: dict[str, int], total: int, published_bytes: int, first: float | None, last: float | None
) -> dict[str, object]:
    ordered = Counter({str(state): counts[state] for state in OUTCOMES if counts.get(state)})
    steps = sum(counts.values()) - sum(ordered.values())
    return {
        'total': total,
        'counts': list(ordered.items()),
        'in_flight': steps,
        'bytes': human_bytes(published_bytes),
        'started': _when(first),
        'updated': _when(last),
        'seconds': f'{last - first:.0f} s' if first and last else '',
        'made': _when(time.time()),
    }


def _when(stamp: float | None) -> str:
    if not stamp:
        return ''
    return datetime.fromtimestamp(stamp, timezone.utc).strftime('%Y-%m-%d %H:%M UTC')


def _row(record: Record, thumbs: Thumbnails, root: Path | None) -> dict[str, object]:
    source = None
    if root is not None and '://' not in record.source:
        source = root / record.source
    return {
        'row': record.row,
        'source': record.source,
        'filename': record.filename,
        'outcome': str(record.state),
        'problem': record.state in PROBLEMS,
        'title': record.title or f'File:{record.filename}',
        'url': record.url,
        'message': record.message,
        'advice': ADVICE.get(record.state, ''),
        'warnings': ', '.join(record.warnings),
        'thumb': thumbs.for_file(source, record.sha1),
    }


def navigation(path: Path, number: int, pages: int) -> dict[str, object]:
    """Links to the first, previous, next and last pages (none for a one-page report)."""

    def link(page: int) -> str:
        return page_name(path, page)

    return {
        'number': number,
        'pages': pages,
        'first': link(1) if number > 1 else '',
        'previous': link(number - 1) if number > 1 else '',
        'next': link(number + 1) if number < pages else '',
        'last': link(pages) if number < pages else '',
    }


def batch_report(journal: Journal, path: Path, *, manifest: Path | None, root: Path | None = None) -> str:
    """The report page of a batch (after a run, or from ``-status``); the line that says
    where it is. The thumbnails come from ``root``, else the manifest's folder."""
    if root is None and manifest is not None:
        root = manifest if manifest.is_dir() else manifest.parent
    name = manifest.name if manifest is not None else path.stem
    pages = write_report(journal, path, root=root, title=f'uploadbot report: {name}')
    return f'report: {path} ({pages} page{"s" if pages > 1 else ""})'

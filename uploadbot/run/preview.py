"""``-check -preview:DIR``: the batch as a person reviews it, in a folder of static pages.

``index.html`` (and further pages for a large batch) lists every row with its
thumbnail, target name, forecast and problems, problems first; a sample of
rows (``-preview-rows:N``, and every row with a problem or a forecast other
than a plain upload) gets its description page as the wiki renders it, its
categories (missing and hidden ones marked) and its structured data with
labels. The wiki's styles are saved once, in DIR, so the pages look as on
the wiki and open from ``file://`` with nothing fetched.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from uploadbot.api import render
from uploadbot.api.answers import WikiError
from uploadbot.errors import InputError
from uploadbot.item import UploadItem
from uploadbot.names import normalize_title
from uploadbot.state import State
from uploadbot.upload.forecast import Forecast

from .pages import PAGE_ROWS, environment, navigation, page_name
from .thumbs import Thumbnails

#: Rows rendered when ``-preview-rows`` is not given: a spread sample of the batch.
SAMPLE_ROWS = 30

#: Where the wiki's styles are saved in DIR.
STYLES = 'wiki.css'


@dataclass
class Wiki:
    """What the preview asks of the wiki: one parse per rendered row, labels, styles once."""

    transfer: render.Wiki
    article_url: str
    fetch_styles: Callable[[Iterable[str]], str]
    repo: render.Wiki | None = None
    languages: tuple[str, ...] = ('en',)
    #: ``-workers``: parse requests at once, each worker on a transfer of its own.
    workers: int = 1
    new_transfer: Callable[[], render.Wiki] | None = None
    parses: int = 0


@dataclass
class _Row:
    item: UploadItem
    forecast: Forecast | None
    problems: list[str] = field(default_factory=list)

    @property
    def needs_look(self) -> bool:
        return bool(self.problems) or (
            self.forecast is not None and self.forecast.outcome is not State.UPLOADED
        )


def sample(rows: Sequence[_Row], count: int) -> list[_Row]:
    """``count`` rows spread evenly over the batch, and every row that needs a look."""
    picked = {id(row) for row in rows if row.needs_look}
    if count > 0 and rows:
        step = max(1, len(rows) / count)
        picked |= {id(rows[int(index * step)]) for index in range(min(count, len(rows)))}
    return [row for row in rows if id(row) in picked]


def write_preview(
    folder: Path,
    items: Sequence[UploadItem],
    forecasts: Iterable[Forecast],
    problems: Iterable[InputError],
    wiki: Wiki,
    *,
    rows: int | None,
    root: Path,
    progress: Callable[[str, int], Any] | None = None,
) -> int:
    """Write the preview into ``folder``; returns how many rows were rendered."""
    folder.mkdir(parents=True, exist_ok=True)
    by_row = {forecast.row: forecast for forecast in forecasts}
    found: dict[int, list[str]] = defaultdict(list)
    for problem in problems:
        found[problem.row or 0].append(problem.message)
    table = [_Row(item, by_row.get(item.row), found.get(item.row, [])) for item in items]
    rendered = sample(table, SAMPLE_ROWS if rows is None else rows)  # spread in row order
    thumbs = Thumbnails(folder / 'thumbs')
    if progress is None:
        pages_done = _render_rows(folder, rendered, wiki, lambda: None)
    else:
        with progress('rendering', len(rendered)) as steps:
            pages_done = _render_rows(folder, rendered, wiki, steps.advance)
    table.sort(key=lambda row: (not row.problems, row.item.row))  # rendering may add some
    template = environment().get_template('preview.html')
    count = max(1, -(-len(table) // PAGE_ROWS))
    index = folder / 'index.html'
    for number in range(1, count + 1):
        chunk = table[(number - 1) * PAGE_ROWS : number * PAGE_ROWS]
        cells = [_cells(row, thumbs, root, pages_done, wiki.article_url) for row in chunk]
        (folder / page_name(index, number)).write_text(
            template.render(
                title='uploadbot preview',
                rows=cells,
                nav=navigation(index, number, count),
                total=len(table),
                with_problems=sum(1 for row in table if row.problems),
                rendered=len(rendered),
                batch_problems=found.get(0, []),
            ),
            encoding='utf-8',
        )
    return len(rendered)


def _render_rows(folder: Path, rows: list[_Row], wiki: Wiki, on_row: Callable[[], None]) -> dict[int, str]:
    """Each sampled row's page as the wiki renders it; the page name of each row."""
    template = environment().get_template('rendered.html')
    results = _parsed(rows, wiki, on_row)
    (folder / STYLES).write_text(
        wiki.fetch_styles({name for result in results for name in result.styles}), encoding='utf-8'
    )
    ids = {entity for row in rows for entity in _entities(row.item)}
    names = render.labels(wiki.repo, ids, wiki.languages) if ids and wiki.repo else {}
    done = {}
    for row, result in zip(rows, results, strict=True):
        name = f'row-{row.item.row:05d}.html'
        (folder / name).write_text(
            template.render(
                title=result.title,
                row=row.item.row,
                problems=row.problems,
                forecast=_forecast(row.forecast, wiki.article_url),
                styles=STYLES,
                html=render.absolute_links(result.html, wiki.article_url),
                categories=result.categories,
                captions=row.item.structured.captions,
                statements=[
                    (s.property, names.get(s.property, ''), s.text, names.get(s.text.strip().upper(), ''))
                    for s in row.item.structured.statements
                ],
            ),
            encoding='utf-8',
        )
        done[row.item.row] = name
    return done


def _parsed(rows: list[_Row], wiki: Wiki, on_row: Callable[[], None]) -> list[render.Rendered]:
    """One parse request per row, by ``wiki.workers`` threads, in the rows' order."""
    lock, local = threading.Lock(), threading.local()

    def one(row: _Row) -> render.Rendered:
        transfer = wiki.transfer
        if wiki.workers > 1 and wiki.new_transfer is not None:
            if not hasattr(local, 'transfer'):
                local.transfer = wiki.new_transfer()
            transfer = local.transfer
        title = f'File:{row.item.filename}'
        try:
            result = render.parse(transfer, title, row.item.text)
        except WikiError as error:  # a name the wiki refuses as a title, say: shown, not fatal
            result = render.Rendered(title, '', (), ())
            row.problems.append(f'the wiki cannot render the page: {error.code}: {error.info}')
        with lock:
            wiki.parses += 1
            on_row()
        return result

    if wiki.workers <= 1 or len(rows) < 2:
        return [one(row) for row in rows]
    with ThreadPoolExecutor(wiki.workers, thread_name_prefix='preview') as pool:
        return list(pool.map(one, rows))


def _entities(item: UploadItem) -> set[str]:
    ids = set()
    for statement in item.structured.statements:
        ids.add(statement.property)
        value = statement.text.strip().upper()
        if value[:1] in ('Q', 'P', 'L', 'M') and value[1:].isdigit():
            ids.add(value)
    return ids


_SAME_AS = re.compile(r'File:([^,;]+)')


def _forecast(forecast: Forecast | None, article_url: str = '') -> dict[str, object]:
    """The forecast, with links to the files a duplicate has the content of."""
    if forecast is None:
        return {'outcome': 'not forecast', 'message': '', 'links': []}
    links = []
    if 'duplicate' in forecast.warnings and article_url:
        links = [
            (
                f'File:{name.strip()}',
                article_url.replace(
                    'File:Preview', quote(f'File:{name.strip()}'.replace(' ', '_'), safe=':/')
                ),
            )
            for name in _SAME_AS.findall(forecast.message.partition('same content as')[2])
        ]
    return {
        'outcome': str(forecast.outcome),
        'message': forecast.message,
        'warnings': ', '.join(forecast.warnings),
        'links': links,
    }


def _cells(row: _Row, thumbs: Thumbnails, root: Path, pages: dict[int, str], article_url: str) -> dict:
    item = row.item
    path = Path(item.path) if item.path else None
    if path is not None and not path.is_absolute():
        path = root / path
    return {
        'row': item.row,
        'source': item.source or item.url,
        'filename': item.filename,
        'target': f'File:{normalize_title(item.filename)}',
        'thumb': thumbs.for_file(path),
        'problems': row.problems,
        'forecast': _forecast(row.forecast, article_url),
        'page': pages.get(item.row, ''),
    }

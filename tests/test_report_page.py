"""-report:FILE.html: the batch's report as a page, built from the journal, opened in a browser."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from uploadbot.journal.base import Record
from uploadbot.journal.sqlite import SQLiteJournal
from uploadbot.run import pages
from uploadbot.state import State

from .browser import keep_for_readme, open_page

HOSTILE = '<script>window.pwned=1</script><img src=x onerror="window.pwned=1">"{{x}}]]'


def _files(folder: Path) -> dict[str, Path]:
    """A JPEG, a PNG, an SVG, a PDF and a sound file (no picture of its own)."""
    folder.mkdir(parents=True, exist_ok=True)
    made = {}
    for name, colour in (('red.jpg', 'red'), ('green.png', 'green')):
        Image.new('RGB', (300, 200), colour).save(folder / name)
        made[name] = folder / name
    (folder / 'drawing.svg').write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40">'
        '<circle cx="20" cy="20" r="18" fill="blue"/></svg>',
        encoding='utf-8',
    )
    Image.new('RGB', (200, 300), 'yellow').save(folder / 'leaflet.pdf')
    (folder / 'song.ogg').write_bytes(b'OggS' + bytes(60))
    return made


def _journal(path: Path, rows: list[tuple[str, str, State, str]]) -> SQLiteJournal:
    journal = SQLiteJournal(path)
    journal.save_all(
        Record(
            source=source,
            filename=filename,
            row=number,
            state=state,
            message=message,
            size=1000,
            sha1=f'{number:040d}',
            title=f'File:{filename}',
            url=f'http://wiki.invalid/index.php/File:{number}' if state is State.UPLOADED else '',
        )
        for number, (source, filename, state, message) in enumerate(rows, 1)
    )
    return journal


@pytest.fixture
def journal_batch(tmp_path):
    _files(tmp_path / 'files')
    rows = [
        ('files/red.jpg', 'Red.jpg', State.UPLOADED, ''),
        ('files/green.png', f'Green {HOSTILE}.png', State.FAILED, f'timeout {HOSTILE}'),
        ('files/drawing.svg', 'Drawing.svg', State.REFUSED, 'titleblacklist'),
        ('files/leaflet.pdf', 'Leaflet.pdf', State.INVALID, 'missing category'),
        ('files/song.ogg', 'Song.ogg', State.SKIPPED, 'duplicate of File:Other.ogg'),
        ('files/gone.jpg', 'Gone.jpg', State.HELD, 'held: exists-normalized'),
    ]
    with _journal(tmp_path / 'journal.sqlite', rows) as journal:
        yield journal, tmp_path


def test_the_report_lists_the_problems_first_worst_first(journal_batch):
    journal, folder = journal_batch
    pages.write_report(journal, folder / 'report.html', root=folder, title='t')
    text = (folder / 'report.html').read_text(encoding='utf-8')
    problems = text.split('id="problems"')[1].split('id="rows"')[0]
    order = [name for name in ('Green', 'Drawing.svg', 'Leaflet.pdf', 'Gone.jpg') if name in problems]
    assert order == ['Green', 'Drawing.svg', 'Leaflet.pdf', 'Gone.jpg']
    assert [problems.index(name) for name in order] == sorted(problems.index(name) for name in order)


def test_the_report_escapes_markup_from_the_journal(journal_batch):
    journal, folder = journal_batch
    pages.write_report(journal, folder / 'report.html', root=folder, title='t')
    text = (folder / 'report.html').read_text(encoding='utf-8')
    assert '<script>window' not in text and '<img src=x' not in text
    assert '&lt;script&gt;window.pwned=1&lt;/script&gt;' in text


def test_a_large_batch_is_cut_into_pages(tmp_path):
    rows = [(f'f{n}.jpg', f'F{n}.jpg', State.UPLOADED, '') for n in range(pages.PAGE_ROWS + 3)]
    with _journal(tmp_path / 'journal.sqlite', rows) as journal:
        count = pages.write_report(journal, tmp_path / 'report.html', root=None, title='t')
    assert count == 2
    assert f'F{pages.PAGE_ROWS + 2}.jpg' in (tmp_path / 'report-2.html').read_text()


def test_status_rebuilds_the_report_page_without_the_wiki(journal_batch):
    journal, folder = journal_batch
    result = subprocess.run(
        [
            sys.executable,
            '-m',
            'uploadbot',
            '-status',
            f'-journal:{folder / "journal.sqlite"}',
            f'-report:{folder / "again.html"}',
            f'-manifest:{folder / "batch.csv"}',
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert f'report: {folder / "again.html"} (1 page)' in result.stdout
    assert 'Leaflet.pdf' in (folder / 'again.html').read_text(encoding='utf-8')


@pytest.mark.browser
def test_the_report_page_in_a_browser_runs_nothing_and_reads_as_written(journal_batch, browser):
    journal, folder = journal_batch
    pages.write_report(journal, folder / 'report.html', root=folder, title='uploadbot report: batch.csv')
    opened = open_page(browser, folder / 'report.html', folder / 'report.png')
    page = opened.page
    assert page.evaluate('window.pwned') is None and opened.dialogs == []
    cells = page.locator('#rows td.target').all_inner_texts()
    assert any(text.startswith(f'File:Green {HOSTILE}.png') for text in cells)
    assert f'timeout {HOSTILE}' in page.locator('#problems').inner_text()
    assert opened.thumbnails_not_loaded() == []
    assert page.locator('img.thumb').count() == 6 + 4  # the rows, and the problems again
    assert opened.left_file() == []
    assert (folder / 'report.png').stat().st_size > 0
    keep_for_readme(opened, 'report')


@pytest.mark.browser
def test_the_report_pages_reach_the_last_row_in_a_browser(tmp_path, browser):
    last = 2 * pages.PAGE_ROWS + 1
    rows = [(f'f{n}.jpg', f'F{n}.jpg', State.UPLOADED, '') for n in range(1, last + 1)]
    with _journal(tmp_path / 'journal.sqlite', rows) as journal:
        pages.write_report(journal, tmp_path / 'report.html', root=None, title='t')
    opened = open_page(browser, tmp_path / 'report.html')
    opened.page.click('nav.pages a.last >> nth=0')
    opened.page.wait_for_load_state('load')
    assert opened.page.locator('#rows td.row-number').last.inner_text() == str(last)
    assert 'page 3 of 3' in opened.page.locator('nav.pages').first.inner_text()
    opened.page.screenshot(path=str(tmp_path / 'report-3.png'), full_page=True)
    assert opened.thumbnails_not_loaded() == []
    assert opened.left_file() == []


@pytest.mark.wiki
def test_a_run_writes_the_report_page_from_its_journal(batch, wiki, name):
    batch.add(f'{name} one.jpg')
    batch.add(f'{name} two.jpg', file='missing.jpg')
    batch.write()
    (batch.folder / 'missing.jpg').unlink()
    page = batch.folder / 'report.html'
    result = batch.run(f'-report:{page}')
    assert f'report: {page} (1 page)' in result.stderr, result.stderr
    text = page.read_text(encoding='utf-8')
    link = wiki.get(action='query', titles=f'File:{name} one.jpg', prop='imageinfo', iiprop='url')['query'][
        'pages'
    ][0]['imageinfo'][0]['descriptionurl']
    assert f'<a href="{link}">File:{name} one.jpg</a>' in text
    problems = text.split('id="problems"')[1].split('id="rows"')[0]
    assert f'{name} two.jpg' in problems and f'{name} one.jpg' not in problems
    assert not batch.report.exists()  # no CSV beside it


@pytest.fixture(params=['mariadb', 'postgres'])
def server_journal(request, tmp_path):
    from uploadbot.journal.connect import create_journal_engine
    from uploadbot.journal.server import ServerJournal

    server = request.getfixturevalue(request.param)
    engine = create_journal_engine(server.url(), server.credentials)
    with ServerJournal(engine, f'report-{request.node.name}-{time.time()}', tmp_path) as journal:
        yield journal


@pytest.mark.database
def test_the_report_page_and_the_log_marks_come_from_a_server_journal(server_journal, tmp_path):
    from uploadbot.run import logpage

    for number, state in enumerate((State.UPLOADED, State.FAILED, State.RENAMED), 1):
        server_journal.save(
            Record(
                f'f{number}.jpg',
                f'F{number}.jpg',
                row=number,
                state=state,
                message=f'{HOSTILE} {number}',
                title=f'File:F{number}.jpg',
            )
        )
    assert [record.filename for record in logpage.unlogged(server_journal)] == ['F1.jpg', 'F3.jpg']
    first = logpage.unlogged(server_journal)[0]
    server_journal.save(replace(first, logged='2026-01-01T00:00:00Z'))
    assert [record.filename for record in logpage.unlogged(server_journal)] == ['F3.jpg']
    pages.write_report(server_journal, tmp_path / 'report.html', root=None, title='t')
    text = (tmp_path / 'report.html').read_text(encoding='utf-8')
    problems = text.split('id="problems"')[1].split('id="rows"')[0]
    assert 'F2.jpg' in problems and 'F1.jpg' not in problems
    assert '&lt;script&gt;window.pwned=1&lt;/script&gt;' in text and '<script>' not in text

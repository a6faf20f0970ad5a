"""-check -preview:DIR: the batch's review pages, rendered by the sandbox, read in a browser.

The pages come from the real sandbox wiki (its parser, its {{Information}},
its categories); ``wbgetentities`` is answered by the structured-data
stand-in. Every page is opened from ``file://`` in headless chromium.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from markupsafe import escape

from .browser import keep_for_readme, open_page
from .conftest import SESSION, Batch
from .files import jpeg_bytes
from .proxy import pywikibot_dir_through
from .wikibase_standin import WikibaseStandIn

pytestmark = [pytest.mark.wiki, pytest.mark.browser]

HOSTILE = '<script>window.pwned=1</script><img src=x onerror="window.pwned=1">"{{x}}]]'
TEMPLATE = (
    '== Summary ==\n{{Information\n |description = {{en|1={{{description}}}}}\n'
    ' |source = {{own}}\n |author = {{{author}}}\n}}\n'
    '== Licensing ==\n{{cc-by-sa-4.0}}\n[[Category:{{{category}}}]]\n'
)
#: Rows past the first page of the table (and its problems).
FILLER = 500


@pytest.fixture(scope='module')
def name() -> str:
    return f'T{SESSION} preview'


@pytest.fixture(scope='module')
def preview(sandbox, admin, tmp_path_factory, name):
    """The preview of a batch with a good row, a missing category, markup in a file name
    and a cell, an SVG, and enough rows for a second page (made once: a -check of 500 rows
    takes half a minute)."""
    tmp_path = tmp_path_factory.mktemp('preview')
    (tmp_path / 'batch').mkdir()
    batch = Batch(tmp_path / 'batch', sandbox)
    standin = WikibaseStandIn(sandbox.port)
    through = pywikibot_dir_through(standin, Path(sandbox.pywikibot_dir), tmp_path / 'pwb')
    batch.template.write_text(TEMPLATE)
    batch.add(
        f'{name} cat.jpg',
        description='A cat on a wall',
        author='Ann Author',
        category='Landscapes',
        **{'caption.en': 'A cat', 'depicts': 'Q146'},
    )
    batch.add(f'{name} lost.jpg', description=HOSTILE, author='B', category='No such category')
    batch.add(
        f'{name} {HOSTILE}.jpg',
        file='hostile.jpg',
        description=HOSTILE,
        author=HOSTILE,
        category='Landscapes',
    )
    (batch.folder / 'drawing.svg').write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40">'
        '<circle cx="20" cy="20" r="18" fill="blue"/></svg>',
        encoding='utf-8',
    )
    batch.rows.append(
        {
            'file': 'drawing.svg',
            'filename': f'{name} drawing.svg',
            'description': 'a drawing',
            'author': 'C',
            'category': 'Landscapes',
        }
    )
    admin.upload(f'{name} theirs.jpg', jpeg_bytes(3000, seed=(name, 'theirs')))
    batch.add(
        f'{name} twin.jpg',
        jpeg_bytes(3000, seed=(name, 'theirs')),
        description='twin',
        author='E',
        category='Landscapes',
    )
    admin.upload(f'{name} taken.jpg', jpeg_bytes(3000, seed=(name, 'taken')))
    batch.add(f'{name} taken.jpg', seed='ours', description='taken', author='F', category='Landscapes')
    for number in range(FILLER):
        batch.add(
            f'{name} filler {number}.jpg',
            seed=number,
            description=f'filler {number}',
            author='D',
            category='Landscapes',
        )
    batch.write()
    folder = tmp_path / 'preview'
    result = subprocess.run(
        [
            sys.executable,
            '-m',
            'uploadbot',
            f'-dir:{through}',
            f'-manifest:{batch.manifest}',
            f'-template:{batch.template}',
            '-mediainfo',
            '-check',
            f'-preview:{folder}',
            '-preview-rows:2',
            '-on:exists=rename',
            '-workers:2',
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=batch.folder,
    )
    standin.close()
    assert f'preview: {folder / "index.html"}' in result.stderr, result.stdout + result.stderr
    return folder, result


def _rendered(folder: Path, filename: str) -> Path:
    """The rendered page of the row whose target is ``filename`` (on the first page)."""
    index = (folder / 'index.html').read_text(encoding='utf-8')
    row = next(row for row in index.split('<tr') if f'class="target">File:{escape(filename)}<' in row)
    return folder / re.search(r'href="(row-\d+\.html)"', row)[1]


def test_the_preview_shows_the_wikis_own_information_box_and_labels(preview, browser, name):
    folder, _ = preview
    opened = open_page(browser, _rendered(folder, f'{name} cat.jpg'), folder / 'cat.png')
    page = opened.page
    assert page.locator('table.fileinfotpl td.description').inner_text().strip() == 'English: A cat on a wall'
    assert page.locator('table.fileinfotpl td.author').inner_text().strip() == 'Ann Author'
    assert page.locator('dd.caption').inner_text() == 'A cat'
    assert page.locator('tr.statement').inner_text().split() == [
        'depicts',
        '(P180)',
        'house',
        'cat',
        '(Q146)',
    ]
    assert opened.left_file() == []
    keep_for_readme(opened, 'preview-page')


def test_the_preview_marks_a_missing_category(preview, browser, name):
    folder, _ = preview
    opened = open_page(browser, _rendered(folder, f'{name} lost.jpg'), folder / 'lost.png')
    missing = opened.page.locator('#catlinks li.missing').all_inner_texts()
    assert missing == ['No such category (missing: the category page does not exist)']
    assert opened.left_file() == []


def test_the_preview_lists_problems_first_and_reaches_the_last_row(preview, browser):
    folder, _ = preview
    opened = open_page(browser, folder / 'index.html', folder / 'index.png')
    page = opened.page
    classes = [row.get_attribute('class') for row in page.locator('#rows tr').all()[1:]]
    assert classes[:2] == ['problem', 'problem'] and set(classes[2:]) == {'ok'}
    assert opened.thumbnails_not_loaded() == []
    assert opened.left_file() == []
    keep_for_readme(opened, 'preview')
    page.click('nav.pages a.last >> nth=0')
    page.wait_for_load_state('load')
    page.screenshot(path=str(folder / 'index-last.png'), full_page=True)
    numbers = [int(text) for text in page.locator('#rows td.row-number').all_inner_texts()]
    assert max(numbers) == FILLER + 7  # the header is row 1, then six rows and the filler
    assert opened.thumbnails_not_loaded() == []


def test_markup_in_names_and_cells_runs_nothing_and_reads_as_written(preview, browser, name):
    folder, _ = preview
    opened = open_page(browser, folder / 'index.html')
    page = opened.page
    assert page.evaluate('window.pwned') is None and opened.dialogs == []
    targets = page.locator('#rows td.target').all_inner_texts()
    assert f'File:{name} {HOSTILE}.jpg' in targets
    rendered = open_page(browser, _rendered(folder, f'{name} {HOSTILE}.jpg'), folder / 'hostile.png')
    assert rendered.page.evaluate('window.pwned') is None and rendered.dialogs == []
    assert rendered.page.locator('h1').inner_text() == f'File:{name} {HOSTILE}.jpg'
    assert 'invalidtitle' in rendered.page.locator('#problems').inner_text()
    assert rendered.left_file() == []


def test_markup_in_a_cell_is_shown_by_the_wikis_parser_as_text(preview, browser, name):
    folder, _ = preview
    opened = open_page(browser, _rendered(folder, f'{name} lost.jpg'))
    assert opened.page.evaluate('window.pwned') is None and opened.dialogs == []
    shown = opened.page.locator('table.fileinfotpl td.description').inner_text()
    assert '<script>window.pwned=1</script><img src=x onerror="window.pwned=1">"' in shown
    assert shown.endswith(']]')  # and {{x}} is a template call, as on the wiki
    assert opened.left_file() == []


def test_the_preview_links_a_duplicate_to_the_file_it_repeats(preview, browser, name):
    folder, _ = preview
    opened = open_page(browser, folder / 'index.html')
    row = opened.page.locator('#rows tr', has_text=f'File:{name} twin.jpg')
    assert row.locator('.outcome').inner_text() == 'skipped'
    link = row.locator('a.duplicate')
    assert link.inner_text() == f'File:{name} theirs.jpg'
    assert link.get_attribute('href').endswith('File:' + f'{name} theirs.jpg'.replace(' ', '_'))


def test_the_preview_forecasts_a_rename(preview, browser, name):
    folder, _ = preview
    opened = open_page(browser, folder / 'index.html')
    row = opened.page.locator('#rows tr', has_text=f'File:{name} taken.jpg')
    assert row.locator('.outcome').inner_text() == 'renamed'
    assert open_page(browser, _rendered(folder, f'{name} taken.jpg')).left_file() == []

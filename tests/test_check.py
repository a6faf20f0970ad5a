"""``-check``, ``-preview`` and ``-simulate``: everything checked, nothing written."""

from __future__ import annotations

import csv
import hashlib
import os

import pytest

from uploadbot.journal.sqlite import SQLiteJournal, default_path
from uploadbot.run.lock import RunLock
from uploadbot.state import State

from .files import jpeg_bytes

pytestmark = pytest.mark.wiki


def write_rows(batch, rows: list[dict[str, str]]) -> None:
    columns = list(dict.fromkeys(key for row in rows for key in row))
    with open(batch.manifest, 'w', newline='', encoding='utf-8') as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows(rows)


def run_check(batch, *args: str):
    import subprocess
    import sys

    return subprocess.run(
        [
            sys.executable,
            '-m',
            'uploadbot',
            f'-dir:{batch.sandbox.pywikibot_dir}',
            f'-manifest:{batch.manifest}',
            f'-template:{batch.template}',
            '-check',
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=batch.folder,
    )


def test_check_lists_a_dozen_mistakes_each_with_its_row_and_uploads_nothing(batch, wiki, name):
    folder = batch.folder
    (folder / 'good.jpg').write_bytes(jpeg_bytes(3000, seed=(name, 'good')))
    (folder / 'twin.jpg').write_bytes(jpeg_bytes(3000, seed=(name, 'good')))
    (folder / 'photo.jpg').write_bytes(jpeg_bytes(3000, seed=(name, 'photo')))
    (folder / 'notes.txt').write_text('plain text, not a picture')
    (folder.parent / 'outside.jpg').write_bytes(jpeg_bytes(3000, seed=(name, 'out')))
    rows = [
        {'file': 'good.jpg', 'filename': f'{name} good.jpg', 'description': 'fine'},  # 2
        {'file': 'missing.jpg', 'filename': f'{name} a.jpg', 'description': 'x'},  # 3
        {'file': '../outside.jpg', 'filename': f'{name} b.jpg', 'description': 'x'},  # 4
        {'file': 'photo.jpg', 'filename': f'{name} %41.jpg', 'description': 'x'},  # 5
        {'file': 'photo.jpg', 'filename': 'A' * 250 + '.jpg', 'description': 'x'},  # 6
        {'file': 'photo.jpg', 'filename': f'{name} no extension', 'description': 'x'},  # 7
        {'file': 'photo.jpg', 'filename': f'{name} good.jpg', 'description': 'x'},  # 8
        {'file': 'photo.jpg', 'filename': f'{name} c.png', 'description': 'x'},  # 9
        {'file': 'photo.jpg', 'filename': f'{name} d.jpg', 'description': ''},  # 10
        {'file': 'photo.jpg', 'filename': f'{name} e.jpg', 'description': 'x', 'policy': 'exists=nuke'},  # 11
        {'file': 'notes.txt', 'filename': f'{name} f.txt', 'description': 'x'},  # 12
        {'file': 'twin.jpg', 'filename': f'{name} g.jpg', 'description': 'x'},  # 13
        {'file': 'photo.jpg', 'filename': f'{name} ~~~.jpg', 'description': 'x'},  # 14
        {
            'file': 'photo.jpg',
            'filename': f'{name} h.jpg',
            'description': 'x',
            'template': 'no-such-template.wiki',
        },  # 15
        {
            'file': 'photo.jpg',
            'filename': f'{name} i.jpg',
            'description': 'x',
            'descripton': 'a typo in the header',
        },  # 16
    ]
    write_rows(batch, rows)
    result = run_check(batch)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    expected = {
        3: 'file',
        4: 'file',
        5: 'filename',
        6: 'filename',
        7: 'filename',
        8: 'filename',
        9: 'filename',
        10: 'description',
        11: 'policy',
        12: 'filename',
        13: 'file',
        14: 'filename',
        15: 'template',
        1: 'descripton',
    }
    for row, column in expected.items():
        assert f"row {row}, column '{column}'" in output, (row, column, output)
    assert 'row 2,' not in output
    assert 'Traceback' not in output
    assert wiki.file_info(f'{name} good.jpg') is None
    assert wiki.file_info(f'{name} e.jpg') is None


def test_check_tells_what_each_row_would_become(batch, wiki, admin, name):
    admin.upload(f'{name} taken.jpg', jpeg_bytes(3000, seed=(name, 'theirs')))
    admin.upload(f'{name} elsewhere.jpg', jpeg_bytes(3000, seed=(name, 'same')))
    batch.add(f'{name} new.jpg')
    batch.add(f'{name} taken.jpg')
    batch.add(f'{name} copy.jpg', content=jpeg_bytes(3000, seed=(name, 'same')))
    batch.add(f'{name} a:b.jpg')
    batch.write()
    result = run_check(batch, '-on:exists=rename')
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()[:1].isdigit()}
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'uploaded' in lines['2']
    assert 'renamed' in lines['3'] and 'exists' in lines['3']
    assert 'skipped' in lines['4'] and f'{name} elsewhere.jpg' in lines['4']
    assert 'renamed' in lines['5'] and 'badfilename' in lines['5']
    assert wiki.file_info(f'{name} new.jpg') is None


def test_preview_writes_each_description_page_as_the_wiki_renders_it(batch, wiki, name):
    batch.add(f'{name}.jpg', description='Seen in preview')
    batch.write()
    preview = batch.folder / 'preview'
    result = run_check(batch, f'-preview:{preview}')
    assert result.returncode == 0, result.stderr
    pages = list(preview.glob('row-*.html'))
    assert len(pages) == 1 and 'Seen in preview' in pages[0].read_text()
    assert '1 rows, 1 rendered by the wiki in 1 parse requests' in result.stderr
    assert wiki.file_info(f'{name}.jpg') is None


def test_simulate_reports_what_would_happen_and_writes_nothing(batch, wiki, admin, name):
    admin.upload(f'{name} taken.jpg', jpeg_bytes(3000, seed=(name, 'theirs')))
    batch.add(f'{name} new.jpg')
    batch.add(f'{name} taken.jpg')
    result = batch.run('-simulate')
    assert result.returncode == 0, result.stdout + result.stderr
    rows = batch.outcomes()
    assert rows[f'{name} new.jpg']['outcome'] == 'uploaded'
    assert rows[f'{name} taken.jpg']['outcome'] == 'skipped'
    assert rows[f'{name} new.jpg']['message'].startswith('simulated')
    assert wiki.file_info(f'{name} new.jpg') is None
    with SQLiteJournal(default_path(batch.manifest)) as journal:  # only the files' hashes
        assert {(r.state, bool(r.sha1)) for r in journal.records()} == {(State.PENDING, True)}


def test_a_second_check_takes_the_hashes_from_the_journal_and_reads_no_file(batch, wiki, name):
    paths = [batch.add(f'{name} {n}.jpg', seed=n) for n in range(3)]
    first = batch.run('-simulate', check=True)
    sha1s = {f'{name} {n}.jpg': hashlib.sha1(p.read_bytes()).hexdigest() for n, p in enumerate(paths)}
    assert {k: row['sha1'] for k, row in batch.outcomes().items()} == sha1s, first.stderr
    for path in paths:  # other bytes, same size and time: only reading would notice
        stat = path.stat()
        path.write_bytes(bytes(stat.st_size))
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    batch.run('-simulate', check=True)
    assert {k: row['sha1'] for k, row in batch.outcomes().items()} == sha1s


def test_check_shows_its_progress_in_a_log(batch, wiki, name):
    for n in range(3):
        batch.add(f'{name} {n}.jpg', seed=n)
    batch.write()
    result = run_check(batch, '-workers:2')
    assert result.returncode == 0, result.stderr
    for phase in ('planning', 'hashing', 'looking up names', 'looking up contents'):
        assert f'{phase}: 3 rows' in result.stderr
        assert f'{phase}: 3/3 rows done in ' in result.stderr


def test_check_with_several_workers_tells_the_same_as_with_one(batch, wiki, admin, name):
    admin.upload(f'{name} taken.jpg', jpeg_bytes(3000, seed=(name, 'theirs')))
    batch.add(f'{name} taken.jpg')
    batch.add(f'{name} copy.jpg', jpeg_bytes(3000, seed=(name, 'theirs')))
    for n in range(4):
        batch.add(f'{name} {n}.jpg', seed=n)
    batch.write()
    one, four = run_check(batch, '-workers:1'), run_check(batch, '-workers:4')
    assert one.returncode == four.returncode == 0, one.stderr + four.stderr
    assert one.stdout == four.stdout
    assert 'skipped' in one.stdout and 'uploaded' in one.stdout


def test_check_while_a_run_holds_the_journal_still_checks_and_keeps_no_hash(batch, wiki, name):
    batch.add(f'{name}.jpg')
    batch.write()
    with RunLock(default_path(batch.manifest)):
        result = run_check(batch)
    assert result.returncode == 0, result.stderr
    assert 'hashes are not kept this time' in result.stderr
    assert f'{name}.jpg' in result.stdout

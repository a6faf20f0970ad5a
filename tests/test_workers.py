"""``-workers:N``: several files at once, with the journal, report and renames still right."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest

from .files import jpeg_bytes

pytestmark = pytest.mark.wiki


def sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def test_four_workers_upload_every_file_once_and_record_each(batch, wiki, name):
    paths = {
        f'{name} {index}.jpg': batch.add(f'{name} {index}.jpg', size=200_000 if index % 4 == 0 else 3000)
        for index in range(16)
    }
    batch.run('-workers:4', '-chunk-size:64Ki', check=True)
    rows = batch.outcomes()
    assert len(rows) == 16
    assert {row['outcome'] for row in rows.values()} == {'uploaded'}
    journal = batch.manifest.with_name(batch.manifest.name + '.journal.sqlite')
    with sqlite3.connect(journal) as db:
        states = dict(db.execute('SELECT filename, state FROM rows'))
    assert states == {filename: 'uploaded' for filename in paths}
    for filename, path in paths.items():
        assert [v['sha1'] for v in wiki.file_versions(filename)] == [sha1(path.read_bytes())]


def test_workers_renaming_at_once_never_take_the_same_free_name(batch, wiki, admin, name):
    for suffix in ('', ' (2)', ' (3)'):
        admin.upload(f'{name}{suffix}.jpg', jpeg_bytes(3000, seed=(name, 'theirs', suffix)))
    ours = {suffix: batch.add(f'{name}{suffix}.jpg', seed=suffix) for suffix in ('', ' (2)', ' (3)')}
    batch.run('-workers:3', '-on:exists=rename', check=True)
    rows = batch.outcomes()
    titles = sorted(rows[f'{name}{suffix}.jpg']['title'] for suffix in ours)
    assert titles == [f'File:{name} ({n}).jpg' for n in (4, 5, 6)]
    for suffix, path in ours.items():
        title = rows[f'{name}{suffix}.jpg']['title'].removeprefix('File:')
        assert [v['sha1'] for v in wiki.file_versions(title)] == [sha1(path.read_bytes())]


def test_abort_with_workers_reports_every_row(batch, wiki, admin, name):
    admin.upload(f'{name} 3.jpg', jpeg_bytes(3000, seed=(name, 'theirs')))
    for index in range(10):
        batch.add(f'{name} {index}.jpg')
    result = batch.run('-workers:2', '-on:exists=abort')
    rows = batch.outcomes()
    assert result.returncode == 4
    assert len(rows) == 10
    assert rows[f'{name} 3.jpg']['outcome'] == 'aborted'
    assert {row['outcome'] for row in rows.values()} <= {'uploaded', 'aborted'}
    for filename, row in rows.items():
        on_wiki = wiki.file_info(filename) is not None
        assert on_wiki == (row['outcome'] == 'uploaded' or filename == f'{name} 3.jpg')

"""A run's plan is made before pywikibot loads, and the first large file's SHA1 read meanwhile.

The read-ahead's steps are awaited with ``ReadAhead.idle()``, so what it has
read at each point is fixed, not a matter of timing.
"""

from __future__ import annotations

import csv
import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from uploadbot.errors import InputError
from uploadbot.journal.base import Record
from uploadbot.journal.sqlite import SQLiteJournal, default_path
from uploadbot.planning import plan_before_wiki

TEMPLATE = '{{Information|description={{{description}}}}}\n'


def write_batch(folder: Path, sizes: list[int]) -> Path:
    """A CSV manifest of JPEG-named files of these sizes, and its template."""
    (folder / 'page.wiki').write_text(TEMPLATE)
    manifest = folder / 'batch.csv'
    with open(manifest, 'w', newline='') as out:
        writer = csv.writer(out)
        writer.writerow(['file', 'filename', 'description'])
        for number, size in enumerate(sizes):
            (folder / f'{number}.jpg').write_bytes(b'\xff\xd8\xff\xe0' + bytes([number]) * size)
            writer.writerow([f'{number}.jpg', f'Planned {number}.jpg', f'file {number}'])
    return manifest


def arguments(manifest: Path, *more: str) -> list[str]:
    return [
        '-dir:/nowhere',  # pywikibot's: passed over
        f'-manifest:{manifest}',
        f'-template:{manifest.parent / "page.wiki"}',
        '-chunk-size:1Ki',
        *more,
    ]


def sha1_of(path: str) -> str:
    return hashlib.sha1(Path(path).read_bytes()).hexdigest()


def read_ahead(manifest: Path, row: int) -> tuple[int, str | None]:
    """How many files the read-ahead started with the plan has read once it waits, and
    the SHA1 it gives ``row``'s task."""
    planned = plan_before_wiki(arguments(manifest))
    try:
        planned.read_ahead.idle()
        item = next(item for item in planned.plan.items if item.row == row)
        stat = os.stat(item.path)
        return planned.read_ahead.files_read, planned.read_ahead.sha1(item, stat.st_size, stat.st_mtime_ns)
    finally:
        planned.close()


def test_planning_a_batch_loads_no_pywikibot(tmp_path):
    manifest = write_batch(tmp_path, [5000])
    probe = (
        'import sys; from uploadbot.planning import plan_before_wiki; '
        'planned = plan_before_wiki(sys.argv[1:]); planned.close(); '
        'print(len(planned.plan.items), "pywikibot" in sys.modules)'
    )
    result = subprocess.run(
        [sys.executable, '-c', probe, *arguments(manifest)], capture_output=True, text=True, timeout=60
    )
    assert (result.returncode, result.stdout) == (0, '1 False\n'), result.stderr


def test_the_first_large_file_is_read_ahead_as_soon_as_the_batch_is_planned(tmp_path):
    manifest = write_batch(tmp_path, [100, 5000, 5000])
    assert read_ahead(manifest, 3) == (1, sha1_of(tmp_path / '1.jpg'))


def test_a_large_file_the_batch_journal_knows_is_not_read_ahead(tmp_path):
    manifest = write_batch(tmp_path, [5000, 5000])
    known = tmp_path / '0.jpg'
    stat = known.stat()
    with SQLiteJournal(default_path(manifest)) as journal:
        journal.save(
            Record(
                '0.jpg', 'Planned 0.jpg', row=2, size=stat.st_size, mtime_ns=stat.st_mtime_ns, sha1='a' * 40
            )
        )
    assert read_ahead(manifest, 3) == (1, sha1_of(tmp_path / '1.jpg'))


def test_the_journal_opened_for_planning_is_closed_once_the_runs_journal_takes_over(tmp_path):
    manifest = write_batch(tmp_path, [5000, 5000])
    SQLiteJournal(default_path(manifest)).close()  # the batch has run before
    planned = plan_before_wiki(arguments(manifest))
    early = planned.journal
    try:
        with SQLiteJournal(tmp_path / 'run.sqlite') as journal:
            planned.read_ahead.use(journal, planned.plan.items)
            planned.release_journal()
            planned.read_ahead.idle()
            with pytest.raises(sqlite3.ProgrammingError, match='closed database'):
                early.get(*planned.plan.items[0].key)
    finally:
        planned.close()


@pytest.mark.parametrize('option', ['-check', '-daemonize:run.out'])
def test_check_and_a_run_about_to_fork_plan_but_read_nothing_ahead(tmp_path, option):
    planned = plan_before_wiki(arguments(write_batch(tmp_path, [5000]), option))
    assert (len(planned.plan.items), planned.read_ahead) == (1, None)


@pytest.mark.parametrize('option', ['-audit', '-help-me', '-journal:mysql://db/batches'])
def test_what_is_not_a_run_on_a_manifest_is_left_to_the_command_line(tmp_path, option):
    assert plan_before_wiki(arguments(write_batch(tmp_path, [5000]), option)) is None


def test_a_batch_that_cannot_be_planned_raises_the_planners_error(tmp_path):
    manifest = tmp_path / 'batch.csv'
    manifest.write_text('name,description\nA.jpg,a\n')
    (tmp_path / 'page.wiki').write_text(TEMPLATE)
    with pytest.raises(InputError, match="there is no 'file' column"):
        plan_before_wiki(arguments(manifest))


@pytest.mark.wiki
def test_a_run_plans_its_batch_once(batch, wiki, name):
    path = batch.add(f'{name}.jpg', seed=name)
    result = batch.run(check=True)
    assert result.stderr.count('planning: 1 rows\n') == 1, result.stderr
    assert batch.outcomes()[f'{name}.jpg']['outcome'] == 'uploaded'
    assert wiki.file_info(f'{name}.jpg')['sha1'] == sha1_of(path)

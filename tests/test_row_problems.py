"""A row's problem is that row's outcome: the other rows go on, and it is reported once.

The checks before sending settle a row with a problem ``refused`` (the wiki
itself would refuse it: its title blacklist) or ``invalid`` (a missing file
or category, a repeated target); the run that finds it exits 6, later runs
leave the row alone and exit 0 until the row, or the wiki, changes. A
second sandbox has TitleBlacklist with the rule the issue's operator met on
Commons, ``File:CAM[ _]?\\d+.*``.
"""

from __future__ import annotations

import csv
import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from uploadbot.errors import ExitCode
from uploadbot.sandbox import SandboxInfo

from .conftest import Batch, blacklisting_sandbox
from .files import jpeg_bytes
from .wikiapi import WikiAPI

pytestmark = pytest.mark.wiki


@pytest.fixture(scope='module')
def blacklisting_wiki(tmp_path_factory):
    yield from blacklisting_sandbox(tmp_path_factory, 'camera', 'File:CAM[ _]?\\d+.*')


class Folder:
    """A folder manifest that grows between scheduled runs."""

    def __init__(self, root: Path, sandbox: SandboxInfo) -> None:
        self.sandbox = sandbox
        self.files = root / 'incoming'
        self.files.mkdir()
        self.template = root / 'description.wiki'
        self.template.write_text(Batch.TEMPLATE)
        self.report = root / 'report.csv'

    def add(self, filename: str) -> None:
        (self.files / filename).write_bytes(jpeg_bytes(2000, seed=filename))

    def run(self) -> subprocess.CompletedProcess:
        command = [
            sys.executable,
            '-m',
            'uploadbot',
            f'-dir:{self.sandbox.pywikibot_dir}',
            f'-manifest:{self.files}',
            f'-template:{self.template}',
            f'-report:{self.report}',
            '-field:description=A file of the folder',
        ]
        return subprocess.run(command, capture_output=True, text=True, timeout=600)

    def outcomes(self) -> dict[str, dict[str, str]]:
        with open(self.report, newline='', encoding='utf-8') as handle:
            return {row['filename']: row for row in csv.DictReader(handle)}


def test_a_growing_folder_settles_each_blacklisted_file_once_and_uploads_the_rest(
    tmp_path, blacklisting_wiki, name
):
    wiki = WikiAPI(blacklisting_wiki.api_url)
    folder = Folder(tmp_path, blacklisting_wiki)
    folder.add(f'{name} 1.jpg')
    folder.add(f'CAM 0042 {name}.jpg')
    first = folder.run()
    assert first.returncode == ExitCode.REFUSED, first.stdout + first.stderr
    rows = folder.outcomes()
    assert rows[f'{name} 1.jpg']['outcome'] == 'uploaded'
    camera = rows[f'CAM 0042 {name}.jpg']
    assert (camera['outcome'], camera['sent']) == ('refused', '0')
    assert 'title blacklist refuses this name' in camera['message']

    folder.add(f'{name} 2.jpg')
    folder.add(f'CAM 0043 {name}.jpg')
    second = folder.run()
    assert second.returncode == ExitCode.REFUSED, second.stdout + second.stderr
    rows = folder.outcomes()
    assert rows[f'{name} 2.jpg']['outcome'] == 'uploaded'
    assert rows[f'CAM 0043 {name}.jpg']['outcome'] == 'refused'
    assert rows[f'CAM 0042 {name}.jpg']['message'].startswith('found by an earlier run, unchanged since')

    third = folder.run()
    assert third.returncode == ExitCode.OK, third.stdout + third.stderr
    rows = folder.outcomes()
    assert [rows[f'CAM {number} {name}.jpg']['outcome'] for number in ('0042', '0043')] == [
        'refused',
        'refused',
    ]
    assert '2 row(s) refused or found invalid by an earlier run wait for a person' in third.stderr
    assert wiki.file_info(f'CAM 0042 {name}.jpg') is None
    assert wiki.file_info(f'CAM 0043 {name}.jpg') is None
    assert [len(wiki.upload_log(f'{name} {number}.jpg')) for number in (1, 2)] == [1, 1]


def test_a_missing_category_settles_its_row_until_the_category_exists(batch, wiki, admin, name):
    admin.edit(f'Category:{name} here', 'A category that exists.')
    batch.add(f'{name} filed.jpg', categories=f'{name} here')
    batch.add(f'{name} lost.jpg', categories=f'{name} nowhere')
    first = batch.run()
    assert first.returncode == ExitCode.REFUSED, first.stdout + first.stderr
    rows = batch.outcomes()
    assert rows[f'{name} filed.jpg']['outcome'] == 'uploaded'
    assert rows[f'{name} lost.jpg']['outcome'] == 'invalid'
    assert (
        f"column 'categories': the category '{name} nowhere' does not exist"
        in rows[f'{name} lost.jpg']['message']
    )

    second = batch.run()
    assert second.returncode == ExitCode.OK, second.stdout + second.stderr
    assert batch.outcomes()[f'{name} lost.jpg']['outcome'] == 'invalid'
    assert wiki.file_info(f'{name} lost.jpg') is None

    admin.edit(f'Category:{name} nowhere', 'Made by a person who read the report.')
    third = batch.run()
    assert third.returncode == ExitCode.OK, third.stdout + third.stderr
    assert batch.outcomes()[f'{name} lost.jpg']['outcome'] == 'uploaded'
    assert wiki.file_info(f'{name} lost.jpg') is not None


def test_a_repeated_target_settles_the_later_row_and_uploads_the_first(batch, wiki, name):
    first_file = batch.add(f'{name}.jpg')
    batch.add(f'{name}.jpg', file='second.jpg')
    first = batch.run()
    assert first.returncode == ExitCode.REFUSED, first.stdout + first.stderr
    assert 'row 3: invalid' in first.stderr and 'is also the target of row 2' in first.stderr
    assert wiki.file_info(f'{name}.jpg')['sha1'] == hashlib.sha1(first_file.read_bytes()).hexdigest()
    second = batch.run()
    assert second.returncode == ExitCode.OK, second.stdout + second.stderr
    assert 'row 3: invalid' in second.stderr
    assert len(wiki.upload_log(f'{name}.jpg')) == 1


def test_a_missing_file_settles_its_row_until_the_file_is_there(batch, wiki, name):
    batch.add(f'{name} here.jpg')
    batch.rows.append(
        {'file': 'later.jpg', 'filename': f'{name} later.jpg', 'description': 'Not scanned yet'}
    )
    first = batch.run()
    assert first.returncode == ExitCode.REFUSED, first.stdout + first.stderr
    rows = batch.outcomes()
    assert rows[f'{name} here.jpg']['outcome'] == 'uploaded'
    assert rows[f'{name} later.jpg']['outcome'] == 'invalid'
    assert "column 'file': no such file" in rows[f'{name} later.jpg']['message']
    assert batch.run().returncode == ExitCode.OK

    (batch.folder / 'later.jpg').write_bytes(jpeg_bytes(2000, seed=(name, 'later')))
    third = batch.run()
    assert third.returncode == ExitCode.OK, third.stdout + third.stderr
    assert batch.outcomes()[f'{name} later.jpg']['outcome'] == 'uploaded'
    assert wiki.file_info(f'{name} later.jpg') is not None


def test_status_lists_an_invalid_row_with_its_problem(batch, name):
    batch.add(f'{name} here.jpg')
    batch.rows.append({'file': 'gone.jpg', 'filename': f'{name} gone.jpg', 'description': 'x'})
    assert batch.run().returncode == ExitCode.REFUSED
    status = batch.run('-status')
    assert status.returncode == ExitCode.OK, status.stdout + status.stderr
    assert '1 invalid' in status.stdout
    assert f'row 3: invalid    gone.jpg -> {name} gone.jpg' in status.stdout
    assert 'no such file' in status.stdout


def test_all_or_nothing_keeps_the_old_stop_for_any_row_problem(batch, wiki, name):
    batch.add(f'{name} here.jpg')
    batch.rows.append({'file': 'gone.jpg', 'filename': f'{name} gone.jpg', 'description': 'x'})
    result = batch.run('-all-or-nothing')
    assert result.returncode == ExitCode.BAD_INPUT, result.stdout + result.stderr
    assert "row 3, column 'file': no such file" in result.stderr
    assert 'nothing was uploaded' in result.stderr
    assert wiki.file_info(f'{name} here.jpg') is None


def test_a_problem_of_the_batch_as_a_whole_still_stops_the_run(batch, wiki, name):
    batch.add(f'{name}.jpg', colour='blue')  # a column no template reads: a typo, most often
    result = batch.run()
    assert result.returncode == ExitCode.BAD_INPUT, result.stdout + result.stderr
    assert "no template has a field 'colour'" in result.stderr
    assert 'the batch has problems; nothing was uploaded' in result.stderr
    assert wiki.file_info(f'{name}.jpg') is None


@pytest.mark.database
def test_a_shared_batch_settles_a_missing_file_once_and_sends_it_when_it_is_there(batch, wiki, name, mariadb):
    shared = (f'-journal:{mariadb.url()}', f'-journal-cnf:{mariadb.credentials}', f'-batch:{name}')
    batch.add(f'{name} here.jpg')
    batch.rows.append(
        {'file': 'later.jpg', 'filename': f'{name} later.jpg', 'description': 'Not scanned yet'}
    )
    first = batch.run(*shared)
    assert first.returncode == ExitCode.REFUSED, first.stdout + first.stderr
    assert batch.outcomes()[f'{name} later.jpg']['outcome'] == 'invalid'
    second = batch.run(*shared)
    assert second.returncode == ExitCode.OK, second.stdout + second.stderr
    (batch.folder / 'later.jpg').write_bytes(jpeg_bytes(2000, seed=(name, 'later')))
    third = batch.run(*shared)
    assert third.returncode == ExitCode.OK, third.stdout + third.stderr
    assert batch.outcomes()[f'{name} later.jpg']['outcome'] == 'uploaded'
    assert len(wiki.upload_log(f'{name} later.jpg')) == 1

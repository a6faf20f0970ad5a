"""``-help``, ``-status`` and refusing a batch that cannot be planned need no wiki: no
site, no network, no credentials.

Each command runs as an operator starts it, with the wiki out of reach: a
pywikibot directory whose family points at a closed port and that holds no
password file, or no pywikibot configuration at all and every HTTP proxy
pointing at a closed port.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from uploadbot.journal.base import Record
from uploadbot.journal.sqlite import SQLiteJournal
from uploadbot.option_table import OPTIONS
from uploadbot.state import State


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def pywikibot_dir_of_a_wiki_that_is_down(sandbox_dir: Path, target: Path) -> Path:
    """The sandbox's configuration and family, the family pointing at a closed port, and no
    password file."""
    target.mkdir()
    shutil.copy2(sandbox_dir / 'user-config.py', target / 'user-config.py')
    shutil.copytree(sandbox_dir / 'families', target / 'families')
    for family in (target / 'families').glob('*_family.py'):
        family.write_text(re.sub(r"'127\.0\.0\.1:\d+'", f"'127.0.0.1:{closed_port()}'", family.read_text()))
    return target


def uploadbot(
    *args: str,
    cwd: Path,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, '-m', 'uploadbot', *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_help_prints_with_no_configuration_and_no_network(tmp_path):
    empty, work = tmp_path / 'pywikibot', tmp_path / 'work'
    empty.mkdir()
    work.mkdir()
    nowhere = f'http://127.0.0.1:{closed_port()}'
    env = {
        **os.environ,
        'PYWIKIBOT_DIR': str(empty),
        'http_proxy': nowhere,
        'https_proxy': nowhere,
        'HTTP_PROXY': nowhere,
        'HTTPS_PROXY': nowhere,
    }
    env.pop('PYWIKIBOT_NO_USER_CONFIG', None)
    result = uploadbot('-family:wikipedia', '-lang:test', '-help', cwd=work, env=env)
    assert (result.returncode, result.stderr) == (0, '')
    assert [option.usage for option in OPTIONS if option.usage not in result.stdout] == []
    # pywikibot was not set up: it made no file (with no user-config.py in
    # PYWIKIBOT_DIR, its directory would be the working folder)
    assert (list(empty.iterdir()), list(work.iterdir())) == ([], [])


def test_status_passes_over_pywikibots_global_options(tmp_path):
    journal = tmp_path / 'batch.journal.sqlite'
    with SQLiteJournal(journal) as records:
        records.save_all(
            Record(f'{number}.jpg', f'File {number}.jpg', row=number + 2, state=State.UPLOADED)
            for number in range(3)
        )
    result = uploadbot(
        f'-dir:{tmp_path}',
        '-family:nowhere',
        '-lang:en',
        '-user:Nobody',
        '-log',
        '-v',
        '-max_retries:2',
        f'-journal:{journal}',
        '-status',
        cwd=tmp_path,
    )
    assert (result.returncode, result.stderr) == (0, '')
    assert re.search(r'^\s+3 uploaded$', result.stdout, re.MULTILINE), result.stdout


def test_status_refuses_an_option_neither_the_bot_nor_pywikibot_has(tmp_path):
    result = uploadbot(
        f'-dir:{tmp_path}', f'-journal:{tmp_path / "j.sqlite"}', '-status', '-stauts', cwd=tmp_path
    )
    assert result.returncode == 2
    assert "'-stauts'" in result.stderr and 'unknown option' in result.stderr


def test_status_of_a_file_that_is_not_a_journal_is_one_line_and_exit_2(tmp_path):
    (tmp_path / 'notes.sqlite').write_text('a shopping list, not a journal\n' * 10)
    result = uploadbot(f'-dir:{tmp_path}', f'-journal:{tmp_path / "notes.sqlite"}', '-status', cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, '')
    assert result.stderr == (
        'ERROR: the journal cannot be used: file is not a database (is it an uploadbot journal?)\n'
    )


@pytest.mark.wiki
def test_a_run_on_a_file_that_is_not_a_journal_is_one_line_and_exit_2(batch, wiki, name, tmp_path):
    batch.add(f'{name}.jpg')
    (tmp_path / 'notes.sqlite').write_text('a shopping list, not a journal\n' * 10)
    result = batch.run(f'-journal:{tmp_path / "notes.sqlite"}')
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        'ERROR: the journal cannot be used: file is not a database (is it an uploadbot journal?)'
    )
    assert 'Traceback' not in result.stderr
    assert wiki.file_info(f'{name}.jpg') is None


@pytest.mark.wiki
def test_status_reads_the_journal_with_the_wiki_down_and_no_credentials(batch, name, tmp_path):
    batch.add(f'{name} 1.jpg')
    batch.add(f'{name} 2.jpg')
    batch.run(check=True)
    down = pywikibot_dir_of_a_wiki_that_is_down(Path(batch.sandbox.pywikibot_dir), tmp_path / 'down')
    result = uploadbot(f'-dir:{down}', f'-manifest:{batch.manifest}', '-status', cwd=batch.folder)
    assert (result.returncode, result.stderr) == (0, '')
    assert f'journal {batch.manifest}.journal.sqlite: 2 rows' in result.stdout
    assert re.search(r'^\s+2 uploaded$', result.stdout, re.MULTILINE), result.stdout


@pytest.mark.wiki
def test_a_batch_that_cannot_be_planned_is_refused_with_the_wiki_down_and_no_credentials(batch, tmp_path):
    batch.manifest.write_text('name,description\nA.jpg,a\n')
    down = pywikibot_dir_of_a_wiki_that_is_down(Path(batch.sandbox.pywikibot_dir), tmp_path / 'down')
    result = uploadbot(
        f'-dir:{down}', f'-manifest:{batch.manifest}', f'-template:{batch.template}', cwd=batch.folder
    )
    assert (result.returncode, result.stdout) == (2, '')
    assert result.stderr == f"ERROR: {batch.manifest}, column 'file': there is no 'file' column\n"
    assert not (down / 'logs').exists()  # pywikibot was not set up: it makes its logs folder


@pytest.mark.wiki
@pytest.mark.database
def test_status_of_a_server_journal_with_the_wiki_down_and_no_credentials(batch, name, mariadb, tmp_path):
    pytest.importorskip('sqlalchemy', reason='the server extra is not installed')
    batch.add(f'{name} 1.jpg')
    batch.add(f'{name} 2.jpg')
    journal = [f'-journal:{mariadb.url()}', f'-journal-cnf:{mariadb.credentials}', f'-batch:{name}']
    batch.run(*journal, check=True)
    down = pywikibot_dir_of_a_wiki_that_is_down(Path(batch.sandbox.pywikibot_dir), tmp_path / 'down')
    result = uploadbot(f'-dir:{down}', *journal, '-status', cwd=batch.folder)
    assert result.returncode == 0, result.stderr
    assert f"journal '{name}' on the journal server: 2 rows" in result.stdout
    assert re.search(r'^\s+2 uploaded$', result.stdout, re.MULTILINE), result.stdout

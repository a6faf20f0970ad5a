"""The Toolforge scheduled job, run for real against the sandbox: one run at a time,
a run-time budget, ``-status``; and the plain log lines a job leaves."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from .files import jpeg_bytes

pytestmark = pytest.mark.wiki

ROOT = Path(__file__).resolve().parent.parent
JOBS = yaml.safe_load((ROOT / 'deploy' / 'toolforge' / 'jobs.yaml').read_text())
SCHEDULED = next(job for job in JOBS if job['name'] == 'uploadbot-batch')['command']


#: The tool's envvars, by tool home.
ENVVARS: dict[Path, dict[str, str]] = {}


def tool_home(tmp_path: Path, sandbox, name: str, count: int, size: int = 3000) -> Path:
    """A tool's home as the recipe lays it out, pointing at the sandbox.

    ``.pywikibot`` holds the recipe's own ``user-config.py``, which takes the
    account and its secret from the environment (see :func:`envvars`).
    """
    home = tmp_path / 'home'
    shutil.copytree(Path(sandbox.pywikibot_dir) / 'families', home / '.pywikibot' / 'families')
    shutil.copy(ROOT / 'deploy' / 'toolforge' / 'user-config.py', home / '.pywikibot')
    ENVVARS[home] = envvars(sandbox)
    venv_bin = home / 'uploadbot' / 'venv' / 'bin'
    venv_bin.mkdir(parents=True)
    (venv_bin / 'uploadbot').symlink_to(ROOT / '.venv' / 'bin' / 'uploadbot')
    incoming = home / 'batch' / 'incoming'
    incoming.mkdir(parents=True)
    for index in range(count):
        (incoming / f'{name} {index}.jpg').write_bytes(jpeg_bytes(size, seed=(name, index)))
    (home / 'batch' / 'description.wiki').write_text(  # a licence, as the recipe's has
        '{{Information|description={{{description|From the incoming folder}}}'
        '|author={{{author|UploadBot}}}}}\n{{{license|{{cc-by-sa-4.0}}}}}\n'
    )
    return home


def envvars(sandbox) -> dict[str, str]:
    """What ``toolforge envvars`` would hold for the sandbox's bot account."""
    secret = (Path(sandbox.pywikibot_dir).parent / 'bot.secret').read_text().strip()
    return {
        'UPLOADBOT_FAMILY': 'sandbox',
        'UPLOADBOT_LANG': 'en',
        'UPLOADBOT_USERNAME': sandbox.bot,
        'UPLOADBOT_BOTPASSWORD_NAME': 'uploadbot',
        'UPLOADBOT_BOTPASSWORD': secret,
    }


def scheduled(home: Path, *extra: str) -> subprocess.Popen:
    """Start the job's exact command the way the Jobs framework does: ``sh -c`` in HOME,
    with the tool's envvars in the environment.

    The sandbox is not Commons: a later ``-max-rate:`` lifts the declared pace.
    """
    command = ' '.join([SCHEDULED.strip(), '-max-rate:100/s', *extra])
    pod_tmp = home.parent / 'pod-tmp'  # the container's own temporary space
    pod_tmp.mkdir(exist_ok=True)
    env = {'PATH': os.environ['PATH'], 'HOME': str(home), 'TMPDIR': str(pod_tmp), **ENVVARS[home]}
    return subprocess.Popen(
        ['/bin/sh', '-c', '--', command],
        cwd=home,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def journal_states(home: Path) -> dict[str, str]:
    path = home / 'batch' / 'incoming' / '.uploadbot.journal.sqlite'
    with sqlite3.connect(path) as db:
        return dict(db.execute('SELECT source, state FROM rows'))


def test_a_second_run_while_the_first_works_exits_with_already_running(tmp_path, sandbox, wiki, name):
    home = tool_home(tmp_path, sandbox, name, count=12, size=400_000)
    lock = home / 'batch' / 'incoming' / '.uploadbot.journal.sqlite.lock'
    first = scheduled(home, '-chunk-size:64Ki')
    deadline = time.monotonic() + 120
    while not (lock.exists() and lock.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.02)
    second = scheduled(home)
    out, err = second.communicate(timeout=120)
    first_out, first_err = first.communicate(timeout=600)
    assert second.returncode == 5, out + err
    assert 'already working on the journal' in err
    assert first.returncode == 0, first_out + first_err
    assert set(journal_states(home).values()) == {'uploaded'}
    assert all(wiki.file_info(f'{name} {index}.jpg') for index in range(12))


def test_max_runtime_stops_between_files_with_the_journal_consistent(tmp_path, sandbox, wiki, name):
    home = tool_home(tmp_path, sandbox, name, count=30, size=300_000)
    # The job's own -max-runtime:45m is overridden by a later, shorter one.
    run = scheduled(home, '-max-runtime:2s', '-chunk-size:64Ki')
    out, err = run.communicate(timeout=600)
    assert run.returncode == 0, out + err
    assert 'run-time budget is spent' in err
    states = journal_states(home)
    assert 0 < len(states) < 30
    assert set(states.values()) == {'uploaded'}
    for source in states:
        assert wiki.file_info(Path(source).name) is not None
    again = scheduled(home)
    out, err = again.communicate(timeout=600)
    assert again.returncode == 0, out + err
    assert len(journal_states(home)) == 30


def test_log_has_one_plain_line_per_row_and_a_summary(tmp_path, sandbox, name):
    home = tool_home(tmp_path, sandbox, name, count=3)
    run = scheduled(home)
    out, err = run.communicate(timeout=600)
    lines = (out + err).splitlines()
    rows = [line for line in lines if line.startswith('row ')]
    assert len(rows) == 3 and all('uploaded' in line for line in rows)
    assert any(line.startswith('summary: 3 rows: 3 uploaded') for line in lines)
    assert '\r' not in out + err and '\x1b[' not in out + err


def test_status_lists_rows_that_need_attention_without_the_wiki(batch, wiki, admin, name):
    admin.upload(f'{name} deleted.jpg', jpeg_bytes(3000, seed=(name, 0)))
    admin.delete(f'File:{name} deleted.jpg')
    batch.add(f'{name} deleted.jpg')
    batch.add(f'{name} fine.jpg')
    batch.add(f'{name} empty.jpg', content=b'')
    batch.run()
    result = batch.run('-status')
    assert result.returncode == 0
    text = result.stdout + result.stderr
    assert '1 uploaded' in text and '1 held' in text and '1 refused' in text
    assert f'{name} deleted.jpg' in text and f'{name} empty.jpg' in text
    assert f'{name} fine.jpg' not in text.split('need attention')[1]


def test_the_secret_comes_from_the_environment_and_stays_out_of_the_home(tmp_path, sandbox, wiki, name):
    home = tool_home(tmp_path, sandbox, name, count=1)
    run = scheduled(home)
    out, err = run.communicate(timeout=600)
    assert run.returncode == 0, out + err
    assert wiki.file_info(f'{name} 0.jpg') is not None
    secret = ENVVARS[home]['UPLOADBOT_BOTPASSWORD'].encode()
    written = [path for path in home.rglob('*') if path.is_file()]
    assert written and not [path for path in written if secret in path.read_bytes()]
    assert not list((home / '.pywikibot').glob('*password*'))
    assert not list((home.parent / 'pod-tmp').iterdir()), 'the password file outlived the run'

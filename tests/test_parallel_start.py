"""Runs started at the same moment on one pywikibot directory that has nothing in it yet.

pywikibot makes its files (``logs/``, ``apicache-py3/``, ``throttle.ctrl``,
the cookie file) the first time it needs them, and some of that is not safe
for processes doing it at once. Eight real ``python -m uploadbot`` processes
share a batch through the MariaDB journal, with a fresh pywikibot directory
holding only the configuration; the wiki is then asked about every file.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.wiki, pytest.mark.database]

pytest.importorskip('sqlalchemy', reason='the server extra is not installed')

RUNS = 8
FILES = 24

#: ``python -m uploadbot``, held at a barrier once pywikibot is imported (its
#: configuration read), so that every run reaches pywikibot's set-up at the
#: same moment rather than one import time after another.
AT_THE_BARRIER = """
import os, runpy, sys
import pywikibot
print('ready', flush=True)
os.read(0, 1)
runpy.run_module('uploadbot', run_name='__main__', alter_sys=True)
"""


def fresh_pywikibot_dir(sandbox_dir: Path, target: Path) -> Path:
    """The sandbox's configuration only: no logs, API cache, cookie or throttle file yet."""
    target.mkdir()
    for name in ('user-config.py', 'user-password.py'):
        shutil.copy2(sandbox_dir / name, target / name)
    shutil.copytree(sandbox_dir / 'families', target / 'families')
    return target


def test_runs_started_at_once_on_a_fresh_pywikibot_directory_all_work(batch, wiki, name, mariadb, tmp_path):
    paths = [batch.add(f'{name} {number:02d}.jpg', seed=number) for number in range(FILES)]
    manifest = batch.write()
    pwb = fresh_pywikibot_dir(Path(batch.sandbox.pywikibot_dir), tmp_path / 'pwb')
    command = [
        sys.executable,
        '-c',
        AT_THE_BARRIER,
        f'-dir:{pwb}',
        f'-manifest:{manifest}',
        f'-template:{batch.template}',
        f'-journal:{mariadb.url()}',
        f'-journal-cnf:{mariadb.credentials}',
        '-lease:30s',
        f'-batch:{name}',
    ]  # a batch of its own on the session's database
    runs = [
        subprocess.Popen(
            [*command, f'-report:{tmp_path / f"report{n}.csv"}'],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=batch.folder,
        )
        for n in range(RUNS)
    ]
    ready = [run.stdout.readline() for run in runs]
    for run in runs:  # the barrier opens for all of them at once
        run.stdin.write('go')
        run.stdin.flush()
    outputs = [line + run.communicate(timeout=600)[0] for line, run in zip(ready, runs)]

    assert ready == ['ready\n'] * RUNS, outputs
    assert [run.returncode for run in runs] == [0] * RUNS, outputs
    assert [output for output in outputs if 'Traceback' in output] == []
    for path in paths:
        target = next(row['filename'] for row in batch.rows if row['file'] == path.name)
        digest = hashlib.sha1(path.read_bytes()).hexdigest()
        assert wiki.files_with_sha1(digest) == [target.replace(' ', '_')]
        assert len(wiki.file_versions(target)) == 1

"""One batch, several runs: a MariaDB journal, rows claimed, a dead run's rows taken over.

Everything is real: the sandbox wiki, a MariaDB the test session starts,
and ``python -m uploadbot`` processes, two of which are SIGKILLed while they
hold rows. The wiki is then asked about every file.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .dbfixtures import password_of
from .files import jpeg_bytes

pytestmark = [pytest.mark.wiki, pytest.mark.database]

sqlalchemy = pytest.importorskip('sqlalchemy', reason='the server extra is not installed')

LEASE = 8  # seconds: short, so the take-over shows in a test


def start_run(batch, mariadb, report: Path, *extra: str) -> subprocess.Popen:
    command = [
        sys.executable,
        '-m',
        'uploadbot',
        f'-dir:{batch.sandbox.pywikibot_dir}',
        f'-template:{batch.template}',
        f'-journal:{mariadb.url()}',
        f'-journal-cnf:{mariadb.credentials}',
        f'-report:{report}',
        f'-lease:{LEASE}s',
        '-chunk-size:64Ki',
        *extra,
    ]
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=batch.folder
    )


def journal_rows(mariadb, batch_name: str) -> list[tuple]:
    from uploadbot.journal.connect import create_journal_engine

    engine = create_journal_engine(mariadb.url(), mariadb.credentials)
    try:
        with engine.connect() as connection:
            return connection.execute(
                sqlalchemy.text(
                    'SELECT filename, state, owner, updated, message, attempts FROM uploadbot_rows '
                    'WHERE batch = :b'
                ),
                {'b': batch_name},
            ).all()
    except sqlalchemy.exc.ProgrammingError:  # no run has created the tables yet
        return []
    finally:
        engine.dispose()


def wait_until(condition, timeout: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


def command_lines(processes) -> str:
    lines = []
    for process in processes:
        try:
            lines.append(Path(f'/proc/{process.pid}/cmdline').read_bytes().decode())
        except OSError:
            continue
    return '\n'.join(lines)


def test_four_runs_share_a_batch_and_survivors_take_over_two_killed_runs(
    batch, wiki, name, mariadb, tmp_path
):
    sizes = {}
    for number in range(200):
        size = 150_000 if number % 20 == 0 else 2500  # every 20th file goes in chunks
        path = batch.add(f'{name} {number:03d}.jpg', size=size, seed=number)
        sizes[path.name] = path
    manifest = batch.write()
    batch_name = name  # a batch of its own: other tests share the session's database
    runs = [
        start_run(
            batch, mariadb, tmp_path / f'report{n}.csv', f'-manifest:{manifest}', f'-batch:{batch_name}'
        )
        for n in range(4)
    ]
    victims = runs[:2]

    def victims_hold_rows() -> bool:
        owners = [row[2] or '' for row in journal_rows(mariadb, batch_name)]
        return all(any(f':{run.pid}:' in owner for owner in owners) for run in victims)

    if not wait_until(victims_hold_rows, 120):
        for run in runs:
            run.kill()
        raise AssertionError(
            'the runs never claimed rows:\n' + '\n'.join(run.communicate()[0][-2000:] for run in runs)
        )
    secret = password_of(mariadb)
    assert secret not in command_lines(runs)
    held_by_victims = {
        row[0]
        for row in journal_rows(mariadb, batch_name)
        if any(f':{run.pid}:' in (row[2] or '') for run in victims)
    }
    for run in victims:
        os.kill(run.pid, signal.SIGKILL)
    killed_at = time.time()
    outputs = [run.communicate(timeout=600)[0] for run in runs]

    assert [run.returncode for run in runs[2:]] == [0, 0], outputs[2:]
    rows = journal_rows(mariadb, batch_name)
    assert sorted({state for _, state, *_ in rows}) == ['uploaded'], [
        row for row in rows if row[1] != 'uploaded'
    ]
    assert len(rows) == 200
    taken_over = [updated for filename, _, _, updated, *_ in rows if filename in held_by_victims]
    assert taken_over and max(taken_over) - killed_at < LEASE + 60
    for path in sizes.values():
        digest = hashlib.sha1(path.read_bytes()).hexdigest()
        target = next(row['filename'] for row in batch.rows if row['file'] == path.name)
        assert wiki.files_with_sha1(digest) == [target.replace(' ', '_')]
        assert len(wiki.file_versions(target)) == 1
    assert all(secret not in output for output in outputs)
    assert all(secret not in report.read_text() for report in tmp_path.glob('report*.csv'))


def test_runs_started_at_different_times_finish_a_folder_that_grows(batch, wiki, name, mariadb, tmp_path):
    folder = batch.folder / 'incoming'
    folder.mkdir()

    def add(count: int, start: int) -> None:
        for number in range(start, start + count):
            (folder / f'{name} {number:03d}.jpg').write_bytes(jpeg_bytes(2500, seed=(name, number)))

    add(20, 0)
    options = ['-field:description=a growing folder', f'-manifest:{folder}']
    first = start_run(batch, mariadb, tmp_path / 'first.csv', *options)
    assert wait_until(lambda: len(journal_rows(mariadb, 'incoming')) == 20, 60)
    add(20, 20)
    second = start_run(batch, mariadb, tmp_path / 'second.csv', *options)
    time.sleep(2)
    add(10, 40)
    third = start_run(batch, mariadb, tmp_path / 'third.csv', *options)
    outputs = [run.communicate(timeout=600)[0] for run in (first, second, third)]
    assert [run.returncode for run in (first, second, third)] == [0, 0, 0], outputs

    rows = journal_rows(mariadb, 'incoming')
    assert (len(rows), {state for _, state, *_ in rows}) == (50, {'uploaded'})
    for path in folder.glob('*.jpg'):
        digest = hashlib.sha1(path.read_bytes()).hexdigest()
        assert wiki.files_with_sha1(digest) == [path.name.replace(' ', '_')]

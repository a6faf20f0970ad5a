"""The journal's server stops and starts again while runs work: they wait, then go on.

Everything is real: the MariaDB and PostgreSQL of the test session, stopped
by their process id and started again on the same data folder and port
(``dbfixtures.server_down``), and, for whole runs, the sandbox wiki and
``python -m uploadbot`` processes. The restart is triggered by what the
journal holds (so many rows uploaded), never by a guessed time.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy

from uploadbot.journal.connect import JournalConnectionError, create_journal_engine
from uploadbot.journal.outage import OUTAGE_SECONDS
from uploadbot.journal.schema import rows
from uploadbot.journal.server import ServerJournal
from uploadbot.state import State

from .dbfixtures import server_down
from .test_server_journal_logic import items
from .test_shared_batch import LEASE, journal_rows, wait_until

pytestmark = pytest.mark.database

#: How long the server stays down, as in the restart the issue saw on ToolsDB.
DOWN = 8.0


@pytest.fixture(params=['mariadb', 'postgres'])
def server(request):
    return request.getfixturevalue(request.param)


@pytest.fixture
def journal(server, tmp_path, request):
    engine = create_journal_engine(server.url(), server.credentials)
    with ServerJournal(engine, f'{request.node.name}-{time.time()}', tmp_path) as journal:
        journal.enlist(items(tmp_path, 1))
        journal.claim(1)
        yield journal


def outage_began(journal: ServerJournal) -> bool:
    return journal.outage.remaining() < journal.outage.budget


def lease_until(server, batch_name: str) -> float:
    engine = create_journal_engine(server.url(), server.credentials)
    try:
        with engine.connect() as connection:
            return connection.execute(
                sqlalchemy.select(rows.c.lease_until).where(rows.c.batch == batch_name)
            ).scalar_one()
    finally:
        engine.dispose()


# -- one journal, no wiki ----------------------------------------------------------


def test_a_save_waits_for_the_server_to_come_back_and_then_lands(journal, server):
    record = journal.get('2.jpg', 'File 2.jpg')
    saved: list = []
    with server_down(server):
        saving = threading.Thread(
            target=lambda: saved.append(journal.save(replace(record, state=State.STASHING, offset=65536)))
        )
        saving.start()
        assert wait_until(lambda: outage_began(journal), 30, step=0.05)
        time.sleep(1)  # the save is still waiting, server down:
        assert saving.is_alive() and saved == []
    saving.join(60)
    assert not saving.is_alive() and len(saved) == 1
    stored = journal.get('2.jpg', 'File 2.jpg')
    assert (stored.state, stored.offset) == (State.STASHING, 65536)


def test_a_server_away_past_the_budget_stops_the_journal_with_one_line(journal, server, monkeypatch):
    warned: list[str] = []
    monkeypatch.setattr('uploadbot.journal.outage.pywikibot.warning', warned.append)
    journal.outage.budget = 2.0  # the test's knob: an operator has no option for it
    with server_down(server):
        began = time.monotonic()
        with pytest.raises(JournalConnectionError) as caught:
            journal.counts()
        waited = time.monotonic() - began
        said = len(warned)
        journal.close()  # gives nothing back and says nothing more: the run said it
    message = str(caught.value)
    assert '\n' not in message and 2.0 <= waited < 30
    assert message.startswith(
        f"gave up after waiting 2 s for the journal database '{server.database}' at 127.0.0.1:{server.port}"
    )
    assert said == len(warned) == 1 and warned[0].startswith('cannot reach the journal')


def test_the_heartbeat_outlives_an_outage_and_renews_the_leases_once_the_server_is_back(
    server, tmp_path, request
):
    batch_name = f'{request.node.name}-{time.time()}'
    engine = create_journal_engine(server.url(), server.credentials)
    with ServerJournal(engine, batch_name, tmp_path, lease=2.0) as journal:
        journal.enlist(items(tmp_path, 1))
        journal.claim(1)
        with server_down(server):
            assert wait_until(lambda: outage_began(journal), 30, step=0.05)  # a beat missed
            time.sleep(2.5)  # the lease runs out meanwhile
        assert wait_until(lambda: lease_until(server, batch_name) > time.time(), 30)
        assert journal.heartbeat.thread.is_alive()


def test_a_run_back_from_an_outage_leaves_alone_rows_whose_lease_ran_out_during_it(server, tmp_path, request):
    """Their runs could not renew them while the server was away."""
    batch_name = f'{request.node.name}-{time.time()}'
    lease = 4.0
    holder, other = (
        ServerJournal(
            create_journal_engine(server.url(), server.credentials), batch_name, tmp_path, lease=lease
        )
        for _ in range(2)
    )
    holder.enlist(items(tmp_path, 1))
    holder.claim(1)
    holder.heartbeat.stopping.set()  # its heartbeat, waiting out the outage, has not beaten again yet
    waiting = threading.Thread(target=other.open_rows)
    with server_down(server):
        waiting.start()
        assert wait_until(lambda: outage_began(other), 30, step=0.05)
        time.sleep(lease + 0.5)  # the holder's lease runs out while the server is down
    waiting.join(60)
    assert lease_until(server, batch_name) < time.time()  # the lease did run out
    assert (other.claim(1), other.open_rows()) == ([], 1)
    holder.close()  # gives the row back: the other run may take it at once
    assert [item.row for item in other.claim(1)] == [2]
    other.close()


# -- whole runs on the wiki ------------------------------------------------------------


def run_command(batch, server, report: Path, *extra: str, budget: float | None = None):
    """``python -m uploadbot`` on the shared batch (named after the test: the session's
    servers hold every test's batches); with ``budget``, the outage budget patched in
    that process only (no option sets it)."""
    start = (
        ['-m', 'uploadbot']
        if budget is None
        else [
            '-c',
            f'import uploadbot.journal.outage as o; o.OUTAGE_SECONDS = {budget}; '
            'from uploadbot.cli import run; run()',
        ]
    )
    return subprocess.Popen(
        [
            sys.executable,
            *start,
            f'-dir:{batch.sandbox.pywikibot_dir}',
            f'-template:{batch.template}',
            f'-journal:{server.url()}',
            f'-journal-cnf:{server.credentials}',
            f'-report:{report}',
            f'-lease:{LEASE}s',
            f'-batch:{batch_of(batch)}',
            '-chunk-size:64Ki',
            '-workers:2',
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=batch.folder,
    )


def batch_of(batch) -> str:
    return batch.folder.name  # pytest's folder of the test: one per test and parameter


def add_files(batch, name: str, count: int) -> dict[str, Path]:
    """Small files, and every tenth one sent in three chunks."""
    return {
        f'{name} {number:03d}.jpg': batch.add(
            f'{name} {number:03d}.jpg', seed=number, size=150_000 if number % 10 == 0 else 2500
        )
        for number in range(count)
    }


def uploaded(server, batch_name: str) -> int:
    return sum(1 for row in journal_rows(server, batch_name) if row[1] == 'uploaded')


def assert_each_file_once_on_the_wiki(wiki, files: dict[str, Path]) -> None:
    for target, path in files.items():
        digest = hashlib.sha1(path.read_bytes()).hexdigest()
        assert wiki.files_with_sha1(digest) == [target.replace(' ', '_')]
        assert len(wiki.file_versions(target)) == 1


@pytest.mark.wiki
def test_two_runs_wait_out_a_server_restart_and_finish_the_batch(batch, wiki, name, server, tmp_path):
    files = add_files(batch, name, 60)
    manifest = batch.write()
    runs = [
        run_command(batch, server, tmp_path / f'report{n}.csv', f'-manifest:{manifest}') for n in range(2)
    ]
    try:
        assert wait_until(lambda: uploaded(server, batch_of(batch)) >= 15, 300), 'the runs uploaded nothing'
        with server_down(server):
            assert [run.poll() for run in runs] == [None, None]  # mid-batch, both at work
            time.sleep(DOWN)
        outputs = [run.communicate(timeout=600)[0] for run in runs]
    finally:
        for run in runs:
            run.kill()
    assert [run.returncode for run in runs] == [0, 0], outputs
    for output in outputs:
        assert f'waiting up to {OUTAGE_SECONDS:.0f} s for it' in output  # each run saw it go,
        assert 'the journal database answers again, after ' in output  # and come back
        assert 'Traceback' not in output and 'terminated by exception' not in output
    rows = journal_rows(server, batch_of(batch))
    assert (len(rows), {row[1] for row in rows}) == (60, {'uploaded'})
    assert_each_file_once_on_the_wiki(wiki, files)


@pytest.mark.wiki
def test_a_run_whose_server_stays_away_past_the_budget_stops_with_one_line(
    batch, wiki, name, server, tmp_path
):
    files = add_files(batch, name, 30)
    manifest = batch.write()
    run = run_command(batch, server, tmp_path / 'report.csv', f'-manifest:{manifest}', budget=3)
    try:
        assert wait_until(lambda: uploaded(server, batch_of(batch)) >= 5, 300), 'the run uploaded nothing'
        with server_down(server):
            output = run.communicate(timeout=120)[0]
    finally:
        run.kill()
    errors = [line for line in output.splitlines() if 'ERROR' in line]
    assert run.returncode == 1, output
    assert len(errors) == 1 and 'gave up after waiting 3 s for the journal database' in errors[0]
    assert 'Traceback' not in output and 'terminated by exception' not in output
    # Nothing was lost: the next run finishes the batch, each file once.
    again = run_command(batch, server, tmp_path / 'again.csv', f'-manifest:{manifest}')
    output = again.communicate(timeout=600)[0]
    assert again.returncode == 0, output
    assert_each_file_once_on_the_wiki(wiki, files)

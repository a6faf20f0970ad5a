"""The server journal's bookkeeping, on SQLite through SQLAlchemy: fast, no server.

What only a real server shows — two runs claiming at once (``SKIP LOCKED``),
runs killed on several machines — is tested against a real MariaDB and
PostgreSQL in the ``database`` tests; here: loading, claiming, leases, names.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import sqlalchemy

from uploadbot.item import UploadItem
from uploadbot.journal.server import ServerJournal
from uploadbot.policy import Policy
from uploadbot.state import State


@pytest.fixture
def engine_url(tmp_path):
    return f'sqlite:///{tmp_path / "journal.db"}'


def journal_at(url, root, **options) -> ServerJournal:
    return ServerJournal(sqlalchemy.create_engine(url), 'batch', Path(root), **options)


def items(root: Path, count: int) -> list[UploadItem]:
    return [UploadItem(row=n, path=root / f'{n}.jpg', filename=f'File {n}.jpg', text='page',
                       comment='c', policy=Policy.defaults(), source=f'{n}.jpg')
            for n in range(2, 2 + count)]


def test_loading_the_same_manifest_twice_adds_each_row_once(engine_url, tmp_path):
    with journal_at(engine_url, tmp_path) as first, journal_at(engine_url, tmp_path) as second:
        assert (first.enlist(items(tmp_path, 3)), second.enlist(items(tmp_path, 5))) == (3, 2)
        assert [record.state for record in first.records()] == [State.PENDING] * 5


def test_a_claimed_row_is_found_under_the_claiming_machines_root(engine_url, tmp_path):
    with journal_at(engine_url, '/home/tool') as planner:
        planner.enlist(items(Path('/home/tool/photos'), 1))
    with journal_at(engine_url, '/mnt/other') as worker:
        (item,) = worker.claim(5)
    assert item.path == Path('/mnt/other/photos/2.jpg')


def test_two_runs_never_claim_the_same_row(engine_url, tmp_path):
    with journal_at(engine_url, tmp_path) as first, journal_at(engine_url, tmp_path) as second:
        first.enlist(items(tmp_path, 3))
        mine, theirs = first.claim(2), second.claim(5)
    assert {i.row for i in mine} == {2, 3} and {i.row for i in theirs} == {4}


def test_a_dead_runs_rows_are_taken_over_when_its_lease_runs_out(engine_url, tmp_path):
    dead = journal_at(engine_url, tmp_path, lease=0.3)
    dead.enlist(items(tmp_path, 1))
    assert len(dead.claim(1)) == 1  # then it dies: no heartbeat, no release
    dead._stop.set()
    with journal_at(engine_url, tmp_path) as survivor:
        assert (survivor.claim(1), survivor.waiting()) == ([], 1)
        time.sleep(0.5)
        assert [item.row for item in survivor.claim(1)] == [2]


def test_a_settled_row_is_never_claimed_again(engine_url, tmp_path):
    with journal_at(engine_url, tmp_path) as journal:
        journal.enlist(items(tmp_path, 1))
        journal.claim(1)
        record = journal.get('2.jpg', 'File 2.jpg')
        journal.save(record.__class__(**{**record.__dict__, 'state': State.UPLOADED}))
        assert (journal.claim(1), journal.open_rows()) == ([], 0)


def test_a_failed_row_is_retried_once_per_run(engine_url, tmp_path):
    with journal_at(engine_url, tmp_path) as first:
        first.enlist(items(tmp_path, 1))
        first.claim(1)
        record = first.get('2.jpg', 'File 2.jpg')
        first.save(record.__class__(**{**record.__dict__, 'state': State.FAILED}))
        assert first.claim(1) == []
    time.sleep(0.01)
    with journal_at(engine_url, tmp_path) as later:
        assert [item.row for item in later.claim(1)] == [2]


def test_a_name_is_reserved_for_one_run_only(engine_url, tmp_path):
    with journal_at(engine_url, tmp_path) as first, journal_at(engine_url, tmp_path) as second:
        assert (first.reserve_name('Photo (2).jpg'), second.reserve_name('Photo (2).jpg'),
                second.reserve_name('Photo (3).jpg')) == (True, False, True)


def test_a_stopped_batch_stops_the_runs_that_had_begun_but_not_later_ones(engine_url,
                                                                           tmp_path):
    with journal_at(engine_url, tmp_path) as running:
        running.enlist(items(tmp_path, 2))
        running.stop_batch()
        assert running.claim(1) == []
        time.sleep(0.01)
        with journal_at(engine_url, tmp_path) as resumed:
            assert len(resumed.claim(1)) == 1


def test_closing_gives_back_the_rows_a_run_holds(engine_url, tmp_path):
    with journal_at(engine_url, tmp_path) as first:
        first.enlist(items(tmp_path, 1))
        first.claim(1)
    with journal_at(engine_url, tmp_path) as second:
        assert len(second.claim(1)) == 1

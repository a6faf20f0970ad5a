"""The server journal's bookkeeping: loading, claiming, leases, names.

Each test runs on SQLite through SQLAlchemy (fast, no server) and on the real
MariaDB and PostgreSQL the test session starts (marked ``database``). Runs
killed on several machines are in ``test_shared_batch.py``.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy
from sqlalchemy.exc import OperationalError

from uploadbot.item import UploadItem
from uploadbot.journal.base import left_alone
from uploadbot.journal.lease import LeaseLost
from uploadbot.journal.schema import rows
from uploadbot.journal.server import ServerJournal
from uploadbot.policy import Policy
from uploadbot.state import DataStep, State


@pytest.fixture(
    params=[
        'sqlite',
        pytest.param('mariadb', marks=pytest.mark.database),
        pytest.param('postgres', marks=pytest.mark.database),
    ]
)
def engine_url(request, tmp_path):
    """A factory of engines on one database (each journal gets its own, as each run does)."""
    if request.param == 'sqlite':
        url = f'sqlite:///{tmp_path / "journal.db"}'
        return lambda: sqlalchemy.create_engine(url)
    server = request.getfixturevalue(request.param)
    from uploadbot.journal.connect import create_journal_engine

    return lambda: create_journal_engine(server.url(), server.credentials)


@pytest.fixture
def batch_name(request) -> str:
    """A batch of this test's own: the servers are shared by the whole session."""
    return f'{request.node.name}-{time.time()}'


@pytest.fixture
def journal_at(engine_url, batch_name):
    def make(root, **options) -> ServerJournal:
        return ServerJournal(engine_url(), batch_name, Path(root), **options)

    return make


def items(root: Path, count: int) -> list[UploadItem]:
    return [
        UploadItem(
            row=n,
            path=root / f'{n}.jpg',
            filename=f'File {n}.jpg',
            text='page',
            comment='c',
            policy=Policy.defaults(),
            source=f'{n}.jpg',
        )
        for n in range(2, 2 + count)
    ]


def test_loading_the_same_manifest_twice_adds_each_row_once(journal_at, tmp_path):
    with journal_at(tmp_path) as first, journal_at(tmp_path) as second:
        assert (first.enlist(items(tmp_path, 3)), second.enlist(items(tmp_path, 5))) == (3, 2)
        assert [record.state for record in first.records()] == [State.PENDING] * 5


def test_a_claimed_row_is_found_under_the_claiming_machines_root(journal_at, tmp_path):
    with journal_at('/home/tool') as planner:
        planner.enlist(items(Path('/home/tool/photos'), 1))
    with journal_at('/mnt/other') as worker:
        (item,) = worker.claim(5)
    assert item.path == Path('/mnt/other/photos/2.jpg')


def test_two_runs_never_claim_the_same_row(journal_at, tmp_path):
    with journal_at(tmp_path) as first, journal_at(tmp_path) as second:
        first.enlist(items(tmp_path, 3))
        mine, theirs = first.claim(2), second.claim(5)
    assert {i.row for i in mine} == {2, 3} and {i.row for i in theirs} == {4}


def test_a_dead_runs_rows_are_taken_over_when_its_lease_runs_out(journal_at, tmp_path):
    dead = journal_at(tmp_path, lease=0.3)
    dead.enlist(items(tmp_path, 1))
    assert len(dead.claim(1)) == 1  # then it dies: no heartbeat, no release
    dead.heartbeat.stopping.set()
    with journal_at(tmp_path) as survivor:
        assert (survivor.claim(1), survivor.open_rows()) == ([], 1)
        time.sleep(0.5)
        assert [item.row for item in survivor.claim(1)] == [2]


def test_a_settled_row_is_never_claimed_again(journal_at, tmp_path):
    with journal_at(tmp_path) as journal:
        journal.enlist(items(tmp_path, 1))
        journal.claim(1)
        record = journal.get('2.jpg', 'File 2.jpg')
        journal.save(record.__class__(**{**record.__dict__, 'state': State.UPLOADED}))
        assert (journal.claim(1), journal.open_rows()) == ([], 0)


def test_a_failed_row_is_retried_once_per_run(journal_at, tmp_path):
    with journal_at(tmp_path) as first:
        first.enlist(items(tmp_path, 1))
        first.claim(1)
        record = first.get('2.jpg', 'File 2.jpg')
        first.save(record.__class__(**{**record.__dict__, 'state': State.FAILED}))
        assert first.claim(1) == []
    time.sleep(0.01)
    with journal_at(tmp_path) as later:
        assert [item.row for item in later.claim(1)] == [2]


def test_a_name_is_reserved_for_one_run_only(journal_at, tmp_path):
    with journal_at(tmp_path) as first, journal_at(tmp_path) as second:
        assert (
            first.reserve_name('Photo (2).jpg'),
            second.reserve_name('Photo (2).jpg'),
            second.reserve_name('Photo (3).jpg'),
        ) == (True, False, True)


def test_a_stopped_batch_stops_the_runs_that_had_begun_but_not_later_ones(journal_at, tmp_path):
    with journal_at(tmp_path) as running:
        running.enlist(items(tmp_path, 2))
        running.stop_batch()
        assert running.claim(1) == []
        time.sleep(0.01)
        with journal_at(tmp_path) as resumed:
            assert len(resumed.claim(1)) == 1


def test_closing_gives_back_the_rows_a_run_holds(journal_at, tmp_path):
    with journal_at(tmp_path) as first:
        first.enlist(items(tmp_path, 1))
        first.claim(1)
    with journal_at(tmp_path) as second:
        assert len(second.claim(1)) == 1


def test_times_keep_their_fraction_of_a_second(journal_at, tmp_path):
    with journal_at(tmp_path) as journal:
        journal.enlist(items(tmp_path, 1))
        saved = journal.save(journal.get('2.jpg', 'File 2.jpg'))
        assert abs(journal.get('2.jpg', 'File 2.jpg').updated - saved.updated) < 0.001


def refuse_row(journal) -> None:
    """As the upload task records a refusal of the wiki: with the row's fingerprint."""
    record = journal.get('2.jpg', 'File 2.jpg')
    journal.save(
        record.__class__(
            **{
                **record.__dict__,
                'state': State.REFUSED,
                'refused_for': items(Path(journal.root), 1)[0].fingerprint,
            }
        )
    )


def test_a_refused_row_waits_for_a_person(journal_at, tmp_path):
    with journal_at(tmp_path) as first:
        first.enlist(items(tmp_path, 1))
        first.claim(1)
        refuse_row(first)
    with journal_at(tmp_path) as later:
        later.enlist(items(tmp_path, 1))
        assert (later.claim(1), later.open_rows()) == ([], 0)


def test_a_refused_row_whose_page_a_person_changed_is_open_again(journal_at, tmp_path):
    with journal_at(tmp_path) as first:
        first.enlist(items(tmp_path, 1))
        first.claim(1)
        refuse_row(first)
    changed = [replace(item, text='a page without the blacklisted link') for item in items(tmp_path, 1)]
    with journal_at(tmp_path) as later:
        later.enlist(changed)
        assert [item.text for item in later.claim(1)] == ['a page without the blacklisted link']


def test_retry_refused_takes_refused_rows_again(journal_at, tmp_path):
    with journal_at(tmp_path) as first:
        first.enlist(items(tmp_path, 1))
        first.claim(1)
        refuse_row(first)
    time.sleep(0.01)
    with journal_at(tmp_path, retry_refused=True) as later:
        assert [item.row for item in later.claim(1)] == [2]


def test_a_run_whose_lease_ran_out_may_not_write_the_row_another_run_took(journal_at, tmp_path):
    slow = journal_at(tmp_path, lease=0.3)
    slow.enlist(items(tmp_path, 1))
    slow.claim(1)
    slow.heartbeat.stopping.set()  # its heartbeat is lost
    time.sleep(0.5)
    with journal_at(tmp_path) as other:
        assert len(other.claim(1)) == 1
        with pytest.raises(LeaseLost):
            slow.save(slow.get('2.jpg', 'File 2.jpg'))
    slow.engine.dispose()


def test_a_published_row_whose_structured_data_is_pending_is_taken_by_the_next_run(journal_at, tmp_path):
    with journal_at(tmp_path) as first:
        first.enlist(items(tmp_path, 1))
        first.claim(1)
        record = first.get('2.jpg', 'File 2.jpg')
        first.save(replace(record, state=State.UPLOADED, structured=DataStep.PENDING))
        assert first.claim(1) == []
    time.sleep(0.01)
    with journal_at(tmp_path) as later:
        assert [item.row for item in later.claim(1)] == [2]


def test_a_refused_row_that_only_moved_to_another_line_stays_refused(journal_at, tmp_path):
    with journal_at(tmp_path) as first:
        first.enlist(items(tmp_path, 1))
        first.claim(1)
        refuse_row(first)
    moved = [replace(item, row=40) for item in items(tmp_path, 1)]
    with journal_at(tmp_path) as later:
        later.enlist(moved)
        assert later.open_rows() == 0


def test_a_refused_row_whose_file_changed_is_open_again(journal_at, tmp_path):
    (tmp_path / '2.jpg').write_bytes(b'first')
    with journal_at(tmp_path) as first:
        first.enlist(items(tmp_path, 1))
        first.claim(1)
        refuse_row(first)
    (tmp_path / '2.jpg').write_bytes(b'fixed by a person')
    with journal_at(tmp_path) as later:
        later.enlist(items(tmp_path, 1))
        assert later.open_rows() == 1


def test_tables_of_an_earlier_version_get_the_new_columns(journal_at, engine_url, tmp_path):
    with journal_at(tmp_path) as first:
        first.enlist(items(tmp_path, 1))
    engine = engine_url()
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text('ALTER TABLE uploadbot_rows DROP COLUMN refused_for'))
    engine.dispose()
    with journal_at(tmp_path) as later:
        record = later.get('2.jpg', 'File 2.jpg')
        assert later.save(replace(record, refused_for='abc')).refused_for == 'abc'
        assert later.get('2.jpg', 'File 2.jpg').refused_for == 'abc'


def settle(journal: ServerJournal, number: int, state: State, step: DataStep = DataStep.NONE):
    record = journal.get(f'{number}.jpg', f'File {number}.jpg')
    journal.save(replace(record, state=state, structured=step))


@pytest.fixture
def mixed_batch(journal_at, tmp_path):
    """Rows 2 to 5: uploaded with its data done, uploaded with its data pending, failed,
    and one still pending."""
    with journal_at(tmp_path) as journal:
        journal.enlist(items(tmp_path, 4))
        journal.claim(4)
        settle(journal, 2, State.UPLOADED, DataStep.DONE)
        settle(journal, 3, State.UPLOADED, DataStep.PENDING)
        settle(journal, 4, State.FAILED)
        yield journal


def test_the_database_counts_the_batchs_rows_by_state_and_data_step(mixed_batch):
    assert mixed_batch.counts() == {'uploaded': 2, 'failed': 1, 'pending': 1}
    assert mixed_batch.data_counts() == {'done': 1, 'pending': 1}


def test_records_in_picks_rows_by_state_or_by_data_step_in_row_order(mixed_batch):
    picked = mixed_batch.records_in([State.FAILED], [DataStep.PENDING])
    assert [record.row for record in picked] == [3, 4]
    assert [record.row for record in mixed_batch.records_in([State.PENDING])] == [5]


def test_another_batchs_rows_are_neither_counted_nor_picked(engine_url, tmp_path):
    with (
        ServerJournal(engine_url(), f'one-{time.time()}', tmp_path) as one,
        ServerJournal(engine_url(), f'other-{time.time()}', tmp_path) as other,
    ):
        one.enlist(items(tmp_path, 2))
        other.enlist(items(tmp_path, 3))
        assert one.counts() == {'pending': 2}
        assert len(list(one.records_in([State.PENDING]))) == 2


# -- operations repeated after a commit whose answer was lost ---------------------------


class LosesAnAnswer:
    """An engine whose next transaction commits and then reports the connection lost."""

    def __init__(self, engine: sqlalchemy.engine.Engine) -> None:
        self.engine = engine
        self.armed = False

    def __getattr__(self, name: str):
        return getattr(self.engine, name)

    @contextlib.contextmanager
    def begin(self):
        with self.engine.begin() as connection:
            yield connection
        if self.armed:
            self.armed = False
            raise OperationalError(
                'COMMIT', {}, Exception(2013, 'Lost connection to MySQL server during query')
            )


def owners(journal) -> dict[int, str | None]:
    with journal.engine.connect() as connection:
        return dict(
            connection.execute(
                sqlalchemy.select(rows.c.row, rows.c.owner).where(rows.c.batch == journal.batch)
            ).all()
        )


def losing_an_answer(journal) -> LosesAnAnswer:
    journal.engine = LosesAnAnswer(journal.engine)
    journal.outage.sleep = lambda seconds: None
    return journal.engine


def test_a_claim_whose_answer_was_lost_takes_the_same_row_and_leaves_none_held(journal_at, tmp_path):
    with journal_at(tmp_path) as first, journal_at(tmp_path) as second:
        first.enlist(items(tmp_path, 3))
        losing_an_answer(first).armed = True
        assert [item.row for item in first.claim(1)] == [2]
        assert [item.row for item in second.claim(5)] == [3, 4]
        assert owners(first) == {2: first.worker, 3: second.worker, 4: second.worker}


def test_a_save_whose_answer_was_lost_is_saved_once(journal_at, tmp_path):
    with journal_at(tmp_path) as journal:
        journal.enlist(items(tmp_path, 1))
        journal.claim(1)
        record = journal.get('2.jpg', 'File 2.jpg')
        losing_an_answer(journal).armed = True
        journal.save(replace(record, state=State.UPLOADED, attempts=1))
        assert (journal.get('2.jpg', 'File 2.jpg').state, journal.open_rows()) == (State.UPLOADED, 0)


@pytest.mark.parametrize('commit_held', [False, True])
@pytest.mark.parametrize('retry_refused', [False, True])
def test_a_later_run_claims_exactly_the_rows_left_alone_does_not_leave(
    journal_at, tmp_path, commit_held, retry_refused
):
    """The claim's SQL spells the rule of :func:`uploadbot.journal.base.left_alone`: row by row,
    one row in each state an earlier run left it in, the two agree.
    """
    states = list(State)
    planned = items(tmp_path, len(states))
    with journal_at(tmp_path) as first:
        first.enlist(planned)
        first.claim(len(states))
        for item, state in zip(planned, states):
            record = first.get(*item.key)
            refused_for = item.fingerprint if state is State.REFUSED else ''
            first.save(replace(record, state=state, refused_for=refused_for))
        earlier = {item.row: first.get(*item.key) for item in planned}
    time.sleep(0.01)
    with journal_at(tmp_path, commit_held=commit_held, retry_refused=retry_refused) as later:
        later.enlist(planned)
        claimed = {item.row for item in later.claim(len(states))}
    expected = {
        item.row
        for item in planned
        if not left_alone(
            earlier[item.row], item.fingerprint, commit_held=commit_held, retry_refused=retry_refused
        )
    }
    assert {earlier[row].state for row in claimed} == {earlier[row].state for row in expected}

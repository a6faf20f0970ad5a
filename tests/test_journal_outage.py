"""A journal server away for a while: the wait, its budget, and leases through it.

The logic runs on a fake clock: no server, no waiting. Operations repeated
after a lost answer are in ``test_server_journal_logic.py``, real restarts
in ``test_journal_restart.py``.
"""

from __future__ import annotations

import pytest
import sqlalchemy
from sqlalchemy.exc import OperationalError, ProgrammingError

from uploadbot.journal import outage as outage_module
from uploadbot.journal.connect import JournalConnectionError
from uploadbot.journal.outage import LONGEST_WAIT, OUTAGE_SECONDS, Outage

ENGINE = sqlalchemy.create_engine('mysql+pymysql://uploadbot@tools.db.example:3306/s5__journal')


def refused_connection() -> OperationalError:
    return OperationalError(
        'SELECT 1',
        {},
        Exception(
            2003, "Can't connect to MySQL server on 'tools.db.example' ([Errno 111] Connection refused)"
        ),
    )


class FakeTime:
    """A monotonic clock, a wall clock and a sleep: sleeping moves both clocks on."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def wall(self) -> float:
        return 1_700_000_000.0 + self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def said(monkeypatch) -> list[str]:
    """What the outage told the operator, line by line."""
    lines: list[str] = []
    monkeypatch.setattr(outage_module.pywikibot, 'warning', lines.append)
    monkeypatch.setattr(outage_module.pywikibot, 'info', lines.append)
    return lines


def outage(fake_time: FakeTime, lease: float = 120.0) -> Outage:
    return Outage(ENGINE, lease, clock=fake_time.clock, wall=fake_time.wall, sleep=fake_time.sleep)


class Server:
    """An operation on a server that refuses connections until ``back_at`` (fake time)."""

    def __init__(self, fake_time: FakeTime, back_at: float) -> None:
        self.fake_time = fake_time
        self.back_at = back_at
        self.attempts = 0

    def __call__(self) -> str:
        self.attempts += 1
        if self.fake_time.now < self.back_at:
            raise refused_connection()
        return 'answered'


# -- the budget ------------------------------------------------------------------


def test_the_budget_is_a_few_minutes():
    assert 120 <= OUTAGE_SECONDS <= 600


def test_a_server_back_within_the_budget_is_waited_for(fake_time, said):
    server = Server(fake_time, back_at=8.0)
    assert outage(fake_time).call(server) == 'answered'
    assert 8.0 <= fake_time.now <= 8.0 + LONGEST_WAIT + 0.2
    assert server.attempts > 2
    assert len(said) == 2
    assert said[0].startswith(
        "cannot reach the journal database 's5__journal' at tools.db.example:3306 as user 'uploadbot'"
    )
    assert said[0].endswith(f'waiting up to {OUTAGE_SECONDS:.0f} s for it to come back')
    assert said[1].startswith('the journal database answers again, after ')


def test_a_server_away_past_the_budget_stops_the_run_with_one_line_naming_it(fake_time, said):
    server = Server(fake_time, back_at=float('inf'))
    with pytest.raises(JournalConnectionError) as caught:
        outage(fake_time).call(server)
    message = str(caught.value)
    assert '\n' not in message
    assert message.startswith(
        f'gave up after waiting {OUTAGE_SECONDS:.0f} s for the journal '
        "database 's5__journal' at tools.db.example:3306 as user "
        "'uploadbot'"
    )
    assert message.endswith('Connection refused) (error 2003)')
    assert fake_time.now == OUTAGE_SECONDS  # the last wait ends when the budget does
    assert max(fake_time.slept) <= LONGEST_WAIT


def test_after_the_budget_every_operation_stops_at_once_with_the_same_line(fake_time, said):
    journal_outage = outage(fake_time)
    with pytest.raises(JournalConnectionError) as first:
        journal_outage.call(Server(fake_time, back_at=float('inf')))
    server = Server(fake_time, back_at=0.0)  # even one that would answer now
    with pytest.raises(JournalConnectionError) as second:
        journal_outage.call(server)
    assert (second.value, server.attempts) == (first.value, 0)


def test_the_outage_clock_is_the_runs_not_each_operations(fake_time, said):
    """A heartbeat that found the server away 299 s ago leaves a save one second."""
    journal_outage = outage(fake_time)
    journal_outage.failed(refused_connection())  # by the heartbeat
    fake_time.now = OUTAGE_SECONDS - 1
    with pytest.raises(JournalConnectionError):
        journal_outage.call(Server(fake_time, back_at=float('inf')))
    assert fake_time.now == OUTAGE_SECONDS


def test_a_failure_over_at_the_first_retry_is_no_news(fake_time, said):
    assert outage(fake_time).call(Server(fake_time, back_at=0.1)) == 'answered'
    assert said == []


def test_a_statement_the_server_refuses_stops_the_run_at_once(fake_time, said):
    def refused() -> None:
        raise ProgrammingError('SELECT nothing', {}, Exception(1146, "Table 'x' doesn't exist"))

    with pytest.raises(JournalConnectionError) as caught:
        outage(fake_time).call(refused)
    assert str(caught.value).startswith('a statement was refused by the journal database')
    assert (fake_time.slept, said) == ([], [])


# -- leases through an outage --------------------------------------------------------


def test_leases_that_ran_out_during_an_outage_are_kept_for_one_lease_after_it(fake_time, said):
    journal_outage = outage(fake_time, lease=120.0)
    began = fake_time.wall()
    assert journal_outage.lease_cutoff(began) == began  # no outage: leases run out on time
    journal_outage.failed(refused_connection())
    fake_time.now += 30
    assert journal_outage.lease_cutoff(fake_time.wall()) == began
    journal_outage.reached()
    fake_time.now += 119
    assert journal_outage.lease_cutoff(fake_time.wall()) == began
    fake_time.now += 1
    assert journal_outage.lease_cutoff(fake_time.wall()) == fake_time.wall()

"""Waiting out a journal server that is away for a while: a restart, a failover.

Toolforge's ToolsDB restarts and fails over; its clients see the connection
dropped and then refused for seconds or minutes. A run sharing a batch
through it waits, as it waits out the wiki's passing faults
(:mod:`uploadbot.api.retry`): every journal operation is tried again, with
growing waits, until the server answers or the run has found it away for
:data:`OUTAGE_SECONDS`; then the run stops with one line naming the server
(exit code 1). A thread that cannot save a row's state waits there, so it
never sends the wiki its next request before the journal knows what came
before.

The clock is one per run (:class:`Outage`), shared by its threads: the
outage starts when any operation first fails and ends when any succeeds, so
every thread gives up at the same moment, not one budget after another.

Leases (:mod:`uploadbot.journal.server`) are renewed by a heartbeat, which
cannot renew them while the server is away; a lease that ran out during an
outage may belong to a live run. So for one lease after the server came back,
a run takes over only rows whose lease ran out before the outage began
(:meth:`Outage.lease_cutoff`); a live run's heartbeat renews its leases
within a second of the server's return.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import pywikibot
import tenacity
from sqlalchemy.exc import DBAPIError, OperationalError

from .connect import JournalConnectionError, connection_failure

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

T = TypeVar('T')

#: Seconds a run waits for a journal server that went away before it stops.
OUTAGE_SECONDS = 300.0

#: The first wait between attempts; each wait doubles, up to :data:`LONGEST_WAIT`.
FIRST_WAIT = 0.2
LONGEST_WAIT = 5.0

_BACKOFF = tenacity.wait_exponential(multiplier=FIRST_WAIT, max=LONGEST_WAIT) + tenacity.wait_random(
    0, FIRST_WAIT
)


def guarded(method: Callable[..., T]) -> Callable[..., T]:
    """A journal method that waits out passing database errors within the run's
    budget (its object's :class:`Outage`, ``self.outage``) and stops the run on
    lasting ones, with one line naming the server
    (:class:`~uploadbot.journal.connect.JournalConnectionError`), never a traceback.

    The method must be one transaction that can be repeated, even when its
    commit landed but the answer was lost: an update to the same values, an
    insert that ignores duplicates, a claim that takes back what it took.
    """

    @functools.wraps(method)
    def waiting(self: Any, *args: Any, **kwargs: Any) -> T:
        return self.outage.call(lambda: method(self, *args, **kwargs))

    return waiting


def is_passing(error: BaseException) -> bool:
    """A database error worth trying again: the connection dropped or refused, the
    server shutting down or starting, a deadlock or a lock wait that timed out.

    A statement the server refuses (bad SQL, a missing table, a value too long)
    is not: it would be refused again.
    """
    return isinstance(error, DBAPIError) and (
        isinstance(error, OperationalError) or error.connection_invalidated
    )


class Outage:
    """How long this run has found its journal server away; shared by the run's threads.

    ``lease`` is the runs' lease (seconds). ``clock`` (monotonic) times the
    budget, ``wall`` (seconds since the epoch) is the clock leases are written
    in; ``sleep`` waits. Tests give fakes.
    """

    def __init__(
        self,
        engine: Engine,
        lease: float,
        budget: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.engine = engine
        self.lease = lease
        self.budget = OUTAGE_SECONDS if budget is None else budget
        self.clock, self.wall, self.sleep = clock, wall, sleep
        #: The error the run stopped with, once the budget is spent.
        self.gave_up: JournalConnectionError | None = None
        self._since: float | None = None  # clock time the current outage began
        self._began: float | None = None  # its wall time (kept through the shelter)
        self._back: float | None = None  # wall time the server answered again
        self._warned = False  # whether the operator was told of it
        self._lock = threading.Lock()

    def call(self, operation: Callable[[], T]) -> T:
        """``operation()``, tried again on passing errors until the budget is spent.

        Each operation is one transaction that may be repeated, even after a
        commit whose answer was lost. A refused statement stops the run at once.
        """
        controller = tenacity.Retrying(
            retry=tenacity.retry_if_exception(is_passing),
            wait=self._wait,
            stop=lambda state: self.gave_up is not None or self.remaining() <= 0,
            sleep=self.sleep,
            reraise=True,
        )
        try:
            return controller(self._attempt, operation)
        except DBAPIError as error:
            if not is_passing(error):
                raise connection_failure(error, self.engine, doing='a statement was refused by') from None
            raise self._give_up(error) from None

    def _attempt(self, operation: Callable[[], T]) -> T:
        if self.gave_up is not None:
            raise self.gave_up
        try:
            result = operation()
        except DBAPIError as error:
            if is_passing(error):
                self.failed(error)
            raise
        self.reached()
        return result

    def _wait(self, state: tenacity.RetryCallState) -> float:
        """The backoff, with some jitter (runs that lost the server together do not all
        knock at once), never past the budget's end."""
        return max(0.0, min(_BACKOFF(state), LONGEST_WAIT, self.remaining()))

    def remaining(self) -> float:
        """Seconds left of the budget in the current outage (all of it when there is none)."""
        with self._lock:
            since = self._since
        return self.budget if since is None else self.budget - (self.clock() - since)

    def failed(self, error: DBAPIError) -> None:
        """The server did not answer: the outage begins now, unless it already has.

        The operator hears of it when a second attempt fails too: a deadlock
        or a stale connection, over at the first retry, is no news.
        """
        with self._lock:
            if self._since is None:
                self._since = self.clock()
                if self._back is None or self.wall() >= self._back + self.lease:
                    self._began = self.wall()  # else the last outage's shelter goes on
                self._back = None
                return
            if self._warned:
                return
            self._warned = True
        pywikibot.warning(
            f'{connection_failure(error, self.engine, doing="cannot reach")}; '
            f'waiting up to {self.budget:.0f} s for it to come back'
        )

    def reached(self) -> None:
        """The server answered: an outage, if there was one, is over."""
        with self._lock:
            if self._since is None:
                return
            lasted, warned = self.clock() - self._since, self._warned
            self._since, self._back, self._warned = None, self.wall(), False
        if warned:
            pywikibot.info(f'the journal database answers again, after {lasted:.0f} s')

    def keep_alive(self, renew: Callable[[], None], *, every: float, until: threading.Event) -> None:
        """Call ``renew`` (a heartbeat's) every ``every`` seconds until ``until`` is set.

        A beat the server does not answer counts to the outage and is tried
        again every second, so the leases are renewed as soon as the server is
        back; the heartbeat never stops the run, whatever it meets.
        """
        wait = every
        while not until.wait(wait):
            try:
                renew()
            except Exception as error:  # a missed beat is tried again: the lease has slack
                if is_passing(error):
                    self.failed(error)
                wait = min(every, 1.0)
                continue
            self.reached()
            wait = every

    def lease_cutoff(self, now: float) -> float:
        """Rows whose lease ran out before this (wall) time may be taken over.

        During an outage and for one lease after it, only leases that ran out
        before it began: the others' runs could not renew them meanwhile.
        """
        with self._lock:
            if self._began is None:
                return now
            if self._back is not None and now >= self._back + self.lease:
                self._began = self._back = None
                return now
            return min(now, self._began)

    def _give_up(self, error: DBAPIError) -> JournalConnectionError:
        with self._lock:
            if self.gave_up is None:
                self.gave_up = connection_failure(
                    error, self.engine, doing=f'gave up after waiting {self.budget:.0f} s for'
                )
            return self.gave_up

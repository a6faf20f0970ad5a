"""Leases on the rows of a server journal: which rows a run may take, and keeping those it took.

A run owns a claimed row until ``lease_until``; a :class:`Heartbeat` thread
pushes that time forward while the run lives, and gives the rows back when
the run closes its journal. A run that dies stops beating, and another run
takes its rows over once their leases run out.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, or_, update

from uploadbot.errors import RowFailure
from uploadbot.option_table import default
from uploadbot.state import IN_FLIGHT, PUBLISHED, DataStep, State

from .schema import rows

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from .outage import Outage


class LeaseLost(RowFailure):
    """Another run took this row over: this run's lease on it ran out."""


#: Seconds a claim lasts without a heartbeat (``-lease:``); a dead run's rows wait this long.
LEASE_SECONDS: float = default('lease')

#: States a run may take up: never started, or left half-way by a run that died.
OPEN = (State.PENDING, *IN_FLIGHT)

#: States that end a row's lease: nothing more happens to it in this run.
ENDED = frozenset({*State}) - {State.PENDING, *IN_FLIGHT}


def claimable(started: float, *, commit_held: bool, retry_refused: bool) -> Any:
    """The rows a run that began at ``started`` may take, as an SQL condition.

    It spells :func:`uploadbot.journal.base.left_alone` for a whole batch (a
    test holds the two together, state by state): open rows, and the rows an
    earlier run ended in a way this run tries again (failed, aborted, held with
    ``-commit-held``, refused with ``-retry-refused``, structured data still to
    do), once per run.
    """
    retried = [
        str(State.FAILED),
        str(State.ABORTED),
        *([str(State.HELD)] if commit_held else []),
        *([str(State.REFUSED)] if retry_refused else []),
    ]
    data_due = and_(
        rows.c.state.in_([str(state) for state in PUBLISHED]),
        rows.c.structured.in_([str(DataStep.PENDING), str(DataStep.FAILED)]),
    )
    return and_(
        rows.c.item != '{}',  # a row settled before it was ever planned
        or_(
            rows.c.state.in_([str(state) for state in OPEN]),
            and_(or_(rows.c.state.in_(retried), data_due), rows.c.updated < started),
        ),
    )


def unheld(cutoff: float) -> Any:
    """Rows nobody holds a live lease on, ``cutoff`` being the time a live lease ends after."""
    return or_(rows.c.lease_until.is_(None), rows.c.lease_until < cutoff)


class Heartbeat:
    """Renews one run's leases a few times per lease, until :meth:`stop`, through an
    outage of the database too (:meth:`~uploadbot.journal.outage.Outage.keep_alive`)."""

    def __init__(self, engine: Engine, batch: str, worker: str, lease: float, outage: Outage) -> None:
        self.engine = engine
        self.batch = batch
        self.worker = worker
        self.lease = lease
        self.outage = outage
        #: Set to stop beating (a test sets it alone to play a run that died).
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        """Start beating, once."""
        if self.thread is None:
            self.thread = threading.Thread(target=self._beat, name='journal-heartbeat', daemon=True)
            self.thread.start()

    def stop(self) -> None:
        """Stop beating and wait for the thread."""
        self.stopping.set()
        if self.thread is not None:
            self.thread.join()

    def release(self) -> None:
        """Give back what this run holds, so others need not wait for the leases."""
        with self.engine.begin() as connection:
            connection.execute(self._owned().values(owner=None, lease_until=None))

    def _beat(self) -> None:
        def renew() -> None:
            with self.engine.begin() as connection:
                connection.execute(self._owned().values(lease_until=time.time() + self.lease))

        self.outage.keep_alive(renew, every=self.lease / 4, until=self.stopping)

    def _owned(self) -> Any:
        return update(rows).where(rows.c.batch == self.batch, rows.c.owner == self.worker)

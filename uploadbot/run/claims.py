"""The rows a run works on when several runs share one batch through a server journal.

Instead of the planned list, such a run takes rows from the journal one at a
time (:meth:`~uploadbot.journal.server.ServerJournal.claim`). When nothing is
free but other runs still hold open rows, it waits and asks again: either
those runs finish them, or they died and their leases run out, and this run
takes the rows over. It stops when no open row is left anywhere. A journal
server away for a while is waited for inside each call (see
:mod:`uploadbot.journal.outage`), so the loop needs no care of its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from uploadbot.item import UploadItem
from uploadbot.journal.server import ServerJournal


def claimed(
    journal: ServerJournal, *, should_stop: Callable[[], bool] = lambda: False, poll: float | None = None
) -> Iterator[UploadItem]:
    """Claimed items until the batch has no open row left, was stopped, or the run stops.

    ``should_stop`` is asked while waiting too: a run out of time (``-max-runtime``)
    does not wait on for other runs' rows.
    """
    wait = poll if poll is not None else min(journal.lease / 24, 1.0)
    while not should_stop() and not journal.stopped():
        items = journal.claim(1)
        if items:
            yield from items
        elif journal.open_rows():
            time.sleep(wait)
        else:
            return

"""The journal on a database server, shared by runs on several machines.

With ``-journal:mysql://...`` (MariaDB, as Toolforge's ToolsDB) or
``-journal:postgresql://...`` any number of runs, on any machines, work on
one batch at once. They do not lock the batch; they **claim rows**:

- The manifest is loaded into the journal once (:meth:`ServerJournal.enlist`):
  each row with its planned item — page text, policy, and the file's path
  relative to a root every machine has — so a run can work on rows it did not
  plan itself. Rows already there are left as they are; a growing folder
  adds its new files.
- A run takes a few rows at a time (:meth:`ServerJournal.claim`) in one
  transaction, ``SELECT ... FOR UPDATE SKIP LOCKED``: two runs never take the
  same row. Each claim is a **lease** (two minutes by default) that a
  heartbeat thread renews while the run lives. A run that dies (SIGKILL, a
  lost node) stops renewing; when its leases expire another run takes the
  rows over and resumes them from the wiki's state, exactly as a re-run does
  on one machine (stash offset, commit already landed).
- Names chosen by ``rename`` are reserved in the database
  (:meth:`ServerJournal.reserve_name`), so two machines never pick the same.

Every record is written in its own transaction before the next request, as
in the SQLite journal; a server away for a while (a restart, a failover) is
waited for, within a budget (:mod:`uploadbot.journal.outage`). Clocks: leases
compare this machine's time with the other runs', so the machines' clocks
must agree to within a few seconds (NTP; Toolforge's nodes do).
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import time
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pywikibot
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import DBAPIError

from uploadbot.item import UploadItem
from uploadbot.state import State

from . import schema
from .base import COLUMNS, Record
from .connect import connection_failure
from .findings import ServerFindings
from .lease import ENDED, LEASE_SECONDS, Heartbeat, LeaseLost, claimable, unheld
from .outage import Outage
from .outage import guarded as _guarded
from .schema import meta, names, row_key, rows

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


class ServerJournal(ServerFindings):
    """The :class:`~uploadbot.journal.base.Journal` of one batch on a database server."""

    def __init__(
        self,
        engine: Engine,
        batch: str,
        root: Path,
        *,
        lease: float = LEASE_SECONDS,
        commit_held: bool = False,
        retry_refused: bool = False,
    ) -> None:
        self.engine = engine
        self.batch = batch
        self.root = Path(root)
        self.lease = lease
        self.commit_held = commit_held
        self.retry_refused = retry_refused
        self.worker = f'{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}'
        #: Rows whose failure an earlier run left are tried again once per run.
        self.started = time.time()
        try:
            schema.create(engine)
        except DBAPIError as error:
            raise connection_failure(error, engine) from None
        self.outage = Outage(engine, lease)
        self.heartbeat = Heartbeat(engine, batch, self.worker, lease, self.outage)
        #: Rows claimed and not yet ended; whether the last claim's commit is unknown.
        self._held: set[str] = set()
        self._claim_unsure = False

    # -- the Journal interface ---------------------------------------------------------

    @_guarded
    def get(self, source: str, filename: str) -> Record | None:
        with self.engine.connect() as connection:
            found = connection.execute(
                select(*(rows.c[name] for name in COLUMNS)).where(
                    rows.c.key == row_key(self.batch, source, filename)
                )
            ).first()
        return Record(*found) if found else None

    @_guarded
    def save(self, record: Record) -> Record:
        """Store ``record`` and commit; an ended row's lease is given back.

        A row still open is written only while this run holds it: when another
        run took it over (this run's lease ran out: a heartbeat lost for a
        while), this run stops working on it (:class:`LeaseLost`) rather than
        sending the file a second time.
        """
        now = time.time()
        record = replace(record, created=record.created or now, updated=now)
        values = record.columns()
        key = row_key(self.batch, record.source, record.filename)
        ours = or_(rows.c.owner == self.worker, rows.c.owner.is_(None))
        if record.state in ENDED:
            values.update(owner=None, lease_until=None)
        with self.engine.begin() as connection:
            changed = connection.execute(update(rows).where(rows.c.key == key, ours).values(values))
            if not changed.rowcount:
                added = schema.insert_ignoring_duplicates(
                    connection, rows, [{**values, 'key': key, 'batch': self.batch, 'item': '{}'}]
                )
                if not added:
                    raise LeaseLost(
                        "another run took this row over (this run's lease on "
                        'it ran out); it leaves the row to that run'
                    )
        if record.state in ENDED:
            self._held.discard(key)  # only once it is saved: see _unworked
        return record

    def save_all(self, records: Iterable[Record]) -> None:
        """Store many records, each as :meth:`save` does (each under this run's lease)."""
        for record in records:
            self.save(record)

    @_guarded
    def records(self) -> Iterator[Record]:
        return self._records()

    @_guarded
    def counts(self) -> dict[str, int]:
        """How many of the batch's rows are in each state, counted by the database."""
        return self._count_by(rows.c.state)

    @_guarded
    def data_counts(self) -> dict[str, int]:
        """How many published rows are at each structured-data step."""
        return self._count_by(rows.c.structured, rows.c.structured != '')

    @_guarded
    def records_in(self, states: Iterable[str], data_steps: Iterable[str] = ()) -> Iterator[Record]:
        """The records in the given states or at the given structured-data steps, in row order."""
        wanted = rows.c.state.in_([str(state) for state in states])
        steps = [str(step) for step in data_steps]
        if steps:
            wanted = or_(wanted, rows.c.structured.in_(steps))
        return self._records(wanted)

    def _records(self, *where: Any) -> Iterator[Record]:
        """The batch's records that meet ``where``, in row order, read in one query."""
        with self.engine.connect() as connection:
            found = connection.execute(
                select(*(rows.c[name] for name in COLUMNS))
                .where(rows.c.batch == self.batch, *where)
                .order_by(rows.c.row, rows.c.key)
            ).all()
        return iter([Record(*values) for values in found])

    def _count_by(self, column: Any, *where: Any) -> dict[str, int]:
        with self.engine.connect() as connection:
            return dict(
                connection.execute(
                    select(column, func.count()).where(rows.c.batch == self.batch, *where).group_by(column)
                ).all()
            )

    def close(self) -> None:
        """Stop the heartbeat and give back the rows this run holds, in one attempt.

        Their leases run out anyway: a database away by now costs a warning,
        not a wait, and nothing more when the run already stopped for it.
        """
        self.heartbeat.stop()
        if self.outage.gave_up is None:
            try:
                self.heartbeat.release()
            except DBAPIError as error:
                pywikibot.warning(
                    f'{connection_failure(error, self.engine)}; the rows this run held wait for their leases'
                )
        self.engine.dispose()

    def __enter__(self) -> ServerJournal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- loading, claiming, leases ------------------------------------------------------

    @_guarded
    def enlist(self, items: Iterable[UploadItem]) -> int:
        """Add the rows the journal has not seen yet; how many were new.

        A row the wiki refused, or that is still to do, takes the item as
        planned now: a refused row whose page, name or policy a person changed
        is open again (the file's own changes are seen when a run takes it).
        """
        values = []
        for item in items:
            source, filename = item.key
            values.append(
                {
                    'key': row_key(self.batch, source, filename),
                    'batch': self.batch,
                    'source': source,
                    'filename': filename,
                    'row': item.row,
                    'state': str(State.PENDING),
                    'title': '',
                    'warnings': '',
                    'message': '',
                    'url': '',
                    'last_error': '',
                    'created': time.time(),
                    'updated': time.time(),
                    'item': json.dumps(item.as_data(self.root), ensure_ascii=False),
                }
            )
        added = 0
        with self.engine.begin() as connection:
            for start in range(0, len(values), 500):
                added += schema.insert_ignoring_duplicates(connection, rows, values[start : start + 500])
        if added < len(values):
            self._replan([(value['key'], value['item']) for value in values])
        return added

    def _replan(self, planned: list[tuple[str, str]]) -> None:
        """Rows already there: pending ones take the new plan; refused ones reopen if changed.

        A row the wiki refused counts as changed when what the wiki judged
        changed — its name, page, comment or policy, or its file (size,
        modification time) — not when it merely moved to another line of the
        manifest. A row the checks before sending settled (``invalid``, or
        ``refused`` with no fingerprint) reopens whenever a run plans it: it is
        planned only once it passes them.
        """
        new_items = dict(planned)
        reopened = [str(State.PENDING), str(State.REFUSED), str(State.INVALID)]
        with self.engine.begin() as connection:
            for start in range(0, len(planned), 500):
                keys = [key for key, _ in planned[start : start + 500]]
                found = connection.execute(
                    select(rows.c.key, rows.c.item, rows.c.state, rows.c.refused_for).where(
                        rows.c.key.in_(keys), rows.c.state.in_(reopened)
                    )
                ).all()
                for key, item, state, refused_for in found:
                    checked = state == State.INVALID or (state == State.REFUSED and not refused_for)
                    if item == new_items[key] and not checked:
                        continue
                    values = {'item': new_items[key]}
                    if state != State.PENDING:
                        if not checked and not _judged_differently(item, new_items[key], self.root):
                            continue
                        values['state'] = str(State.PENDING)
                    connection.execute(update(rows).where(rows.c.key == key).values(values))

    @_guarded
    def claim(self, limit: int) -> list[UploadItem]:
        """Take up to ``limit`` open rows for this run, each under a fresh lease.

        Nothing once the batch was stopped (``abort``) after this run began.
        """
        now = time.time()
        if self.stopped():
            return []
        unsure, self._claim_unsure = self._claim_unsure, True
        with self.engine.begin() as connection:
            found = self._unworked(connection, limit) if unsure else []
            if len(found) < limit:
                found += connection.execute(
                    select(rows.c.key, rows.c.item)
                    .where(
                        rows.c.batch == self.batch, self._claimable(), unheld(self.outage.lease_cutoff(now))
                    )
                    .order_by(rows.c.row, rows.c.key)
                    .limit(limit - len(found))
                    .with_for_update(skip_locked=True)
                ).all()
            if found:
                connection.execute(
                    update(rows)
                    .where(rows.c.key.in_([key for key, _ in found]))
                    .values(owner=self.worker, lease_until=now + self.lease)
                )
        self._claim_unsure = False
        self._held.update(key for key, _ in found)
        self.heartbeat.start()
        return [UploadItem.from_data(json.loads(item), self.root) for _, item in found]

    def _unworked(self, connection: Any, limit: int) -> list[Any]:
        """Rows this run holds and works on nowhere: taken by a claim whose answer was lost."""
        found = connection.execute(
            select(rows.c.key, rows.c.item)
            .where(rows.c.batch == self.batch, rows.c.owner == self.worker, self._claimable())
            .order_by(rows.c.row, rows.c.key)
        ).all()
        return [row for row in found if row.key not in self._held][:limit]

    @_guarded
    def items(self) -> list[UploadItem]:
        """Every row's planned item: what a run that planned nothing checks its settings on."""
        with self.engine.connect() as connection:
            found = (
                connection.execute(select(rows.c.item).where(rows.c.batch == self.batch, rows.c.item != '{}'))
                .scalars()
                .all()
            )
        return [UploadItem.from_data(json.loads(item), self.root) for item in found]

    @_guarded
    def open_rows(self) -> int:
        """Rows this run could still take, now or when a lease runs out."""
        with self.engine.connect() as connection:
            return connection.execute(
                select(func.count()).select_from(rows).where(rows.c.batch == self.batch, self._claimable())
            ).scalar_one()

    @_guarded
    def stop_batch(self) -> None:
        """The policy said ``abort``: every run that began before now stops claiming rows.

        A run started later goes on: that is how an operator resumes the batch.
        """
        with self.engine.begin() as connection:
            changed = connection.execute(
                update(meta).where(meta.c.name == self._stop_key).values(value=repr(time.time()))
            )
            if not changed.rowcount:
                schema.insert_ignoring_duplicates(
                    connection, meta, [{'name': self._stop_key, 'value': repr(time.time())}]
                )

    @_guarded
    def stopped(self) -> bool:
        """Whether the batch was stopped after this run began."""
        with self.engine.connect() as connection:
            when = connection.execute(select(meta.c.value).where(meta.c.name == self._stop_key)).scalar()
        return when is not None and float(when) >= self.started

    @property
    def _stop_key(self) -> str:
        return 'stopped:' + row_key(self.batch, '', '')

    @_guarded
    def reserve_name(self, normal: str) -> bool:
        """Reserve a name for ``rename`` across every run; False when another run has it."""
        with self.engine.begin() as connection:
            return (
                schema.insert_ignoring_duplicates(
                    connection,
                    names,
                    [{'key': row_key(self.batch, '', normal), 'batch': self.batch, 'name': normal}],
                )
                == 1
            )

    def _claimable(self) -> Any:
        """Rows this run may take (:func:`~uploadbot.journal.lease.claimable`)."""
        return claimable(self.started, commit_held=self.commit_held, retry_refused=self.retry_refused)


def _judged_differently(before: str, after: str, root: Path) -> bool:
    """Whether two plans of a row differ in what the wiki judges (not in its line number)."""
    old, new = json.loads(before), json.loads(after)
    if (old.get('size'), old.get('mtime_ns')) != (new.get('size'), new.get('mtime_ns')):
        return True
    return UploadItem.from_data(old, root).fingerprint != UploadItem.from_data(new, root).fingerprint

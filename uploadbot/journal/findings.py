"""The audit's findings in a server journal (``uploadbot_findings``, one batch's rows each)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, insert, select

from uploadbot.state import Finding

from .outage import guarded
from .schema import findings, row_key

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


class ServerFindings:
    """The findings part of :class:`~uploadbot.journal.server.ServerJournal`."""

    engine: Engine
    batch: str

    @guarded
    def findings(self) -> list[Finding]:
        """What the last audit of this batch found, each with when an audit first saw it."""
        with self.engine.connect() as connection:
            found = connection.execute(
                select(
                    findings.c.source,
                    findings.c.filename,
                    findings.c.fate,
                    findings.c.detail,
                    findings.c.first_seen,
                ).where(findings.c.batch == self.batch)
            ).all()
        return [Finding(*row) for row in found]

    @guarded
    def keep_findings(self, found: Iterable[Finding]) -> None:
        """Replace this batch's findings with an audit's, in one transaction."""
        values = [
            {
                'key': row_key(self.batch, f.source, f'{f.filename}\0{f.fate}'),
                'batch': self.batch,
                'source': f.source,
                'filename': f.filename,
                'fate': str(f.fate),
                'detail': f.detail,
                'first_seen': f.first_seen,
            }
            for f in found
        ]
        with self.engine.begin() as connection:
            connection.execute(delete(findings).where(findings.c.batch == self.batch))
            for start in range(0, len(values), 500):
                connection.execute(insert(findings), values[start : start + 500])

    @guarded
    def finding_counts(self) -> dict[str, int]:
        """How many of the batch's rows carry each finding of the last audit."""
        with self.engine.connect() as connection:
            return dict(
                connection.execute(
                    select(findings.c.fate, func.count())
                    .where(findings.c.batch == self.batch)
                    .group_by(findings.c.fate)
                ).all()
            )

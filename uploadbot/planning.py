"""A run's plan, made before pywikibot is loaded, with the first large file's SHA1 read meanwhile.

Loading pywikibot, handling its global options and asking the wiki who is
logged in take a quarter of a second or more before a run can send anything
(``benchmarks/startup.py``). Planning needs none of it: it reads the
manifest, the template and the files' first bytes. So ``uploadbot`` plans
first (:func:`plan_before_wiki`) and starts the SHA1 read-ahead
(:class:`~uploadbot.upload.readahead.ReadAhead`) on the plan at once; the
SHA1 of the first large file, which its duplicate look-up waits for, is read
on the second core while pywikibot loads and logs in. A bad batch is
refused at once, without loading pywikibot or waiting for the wiki.

The run that follows (:mod:`uploadbot.cli`) takes this plan only if it parses
the same options from what pywikibot's set-up leaves of the arguments;
otherwise it plans again, as it would without it.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .batch.manifest import read_manifest
from .batch.plan import Plan, Planner
from .errors import InputError
from .journal.sqlite import SQLiteJournal, default_path
from .options import Options, own_arguments
from .policy import Policy
from .run.progress import Steps
from .upload.readahead import ReadAhead


def plan_batch(options: Options, *, say: Callable[[str], None] | None = None) -> Plan:
    """Read the whole batch and check every row (bad files, names, templates, policy);
    ``say`` takes the progress lines (pywikibot's output when not given)."""
    policy = Policy.load(options.policy) if options.policy else Policy.defaults()
    policy = policy.with_options(options.on)
    manifest = read_manifest(
        options.manifest, sheet=options.sheet, defaults=options.fields, recursive=options.recursive
    )
    planner = Planner(
        manifest,
        policy=policy,
        summary=options.summary,
        template=options.template,
        exif=options.exif,
        depicts_property=options.depicts_property,
        tracking_categories=tuple(options.tracking_categories),
    )
    with Steps('planning', len(manifest.rows), say=say) as steps:
        return planner.plan(on_row=steps.advance)


@dataclass
class Planned:
    """A plan made before pywikibot loaded, for these ``options``.

    ``read_ahead`` is already reading (none for ``-check`` and ``-daemonize``);
    until the run opens the journal under its lock, it asks
    ``journal``, the batch's journal opened for it (none before the batch's
    first run), which files need no reading.
    """

    options: Options
    plan: Plan
    read_ahead: ReadAhead | None = None
    journal: SQLiteJournal | None = None

    def close(self) -> None:
        """Stop the read-ahead (if the run has not) and let go of the journal."""
        if self.read_ahead is not None:
            self.read_ahead.close()
        self.release_journal()

    def release_journal(self) -> None:
        """Close the journal opened for the read-ahead, once the run's own has taken its
        place (:meth:`ReadAhead.use <uploadbot.upload.readahead.ReadAhead.use>`, which
        swaps them under the lock the thread asks a journal under)."""
        if self.journal is not None:
            self.journal.close()
            self.journal = None


def plan_before_wiki(args: Sequence[str]) -> Planned | None:
    """The plan of a run on a manifest, its read-ahead started; :class:`InputError` for a
    batch that cannot be planned.

    None for anything else (``-audit``, a journal on a database server, no
    manifest, arguments that do not parse, a file that cannot be read): the
    command line goes on as without this, and says what is wrong once
    pywikibot is set up.
    """
    try:
        options = Options.parse(own_arguments(args))
    except InputError:
        return None
    if options.manifest is None or options.audit or options.journal_url:
        return None
    try:
        plan = plan_batch(options, say=_say)
    except OSError:  # the planner names every file it cannot read; this is left to the run
        return None
    if options.check or '-daemonize' in {arg.partition(':')[0] for arg in args}:
        # -check sends nothing; pywikibot's -daemonize forks, and a thread does not
        # survive a fork: the run starts its own read-ahead after it.
        return Planned(options, plan)
    try:
        path = options.journal or default_path(options.manifest)
        journal = SQLiteJournal(path) if path.exists() else None
    except (sqlite3.DatabaseError, OSError):
        return Planned(options, plan)  # the run says what is wrong with the journal
    read_ahead = ReadAhead(plan.items, larger_than=options.chunk_size, journal=journal)
    return Planned(options, plan, read_ahead.start(), journal)


def _say(line: str) -> None:
    """A progress line on stderr, where pywikibot's ``info()`` writes it."""
    sys.stderr.write(line + '\n')
    sys.stderr.flush()

"""What the command answers without the wiki: ``-help`` and ``-status``.

A run starts with pywikibot's set-up (``pywikibot.handle_args``), which makes
the site, and making the site asks the wiki who is logged in
(``APISite.login(cookie_only=True)``), retried for minutes while the wiki is
down; importing pywikibot is most of the rest of the start-up
(``benchmarks/startup.py``). The help and the journal's state need none of
it, so they are answered here, from the option table and the journal, and
this module does not load pywikibot (a server journal's ``-status`` does, for
its SQLAlchemy store, but makes no site).
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

from .errors import BatchStop, ExitCode, InputError, unusable_file
from .journal.base import Journal
from .journal.sqlite import SQLiteJournal, default_path
from .option_table import help_lines
from .options import Options, own_arguments
from .run import status
from .run.report import is_page

_ABOUT = """\
uploadbot: upload a batch of files described by a manifest, through the upload stash.

    uploadbot -manifest:batch.csv -template:description.wiki -report:report.csv
    uploadbot -manifest:batch.csv -template:description.wiki -check
    uploadbot -manifest:batch.csv -status

pywikibot's global options (-dir:, -family:, -lang:, -user:, -simulate, -log ...)
choose the wiki and the account. The bot's own options:

"""


def help_text() -> str:
    """``-help``: what the bot does, then every option of the table."""
    return _ABOUT + '\n'.join(help_lines()) + "\n\nFor pywikibot's global options: pwb -help:global\n"


def without_wiki(args: Sequence[str]) -> int | None:
    """The exit code of ``-help`` or ``-status``, answered here; None for a command that
    needs the wiki (the caller goes on with pywikibot's set-up)."""
    names = {arg.partition(':')[0] for arg in args}
    if '-help' in names:
        sys.stdout.write(help_text())
        return ExitCode.OK
    if '-status' not in names:
        return None
    try:
        return _status(Options.parse(own_arguments(args)))
    except InputError as error:
        say_error(str(error))
        return ExitCode.BAD_INPUT
    except BatchStop as stop:  # the journal's database server cannot be reached
        say_error(str(stop))
        return stop.exit_code
    except (sqlite3.DatabaseError, OSError) as error:
        say_error(unusable_file(error))
        return ExitCode.BAD_INPUT


def _status(options: Options) -> int:
    """The journal's counts and the rows that need attention."""
    if options.journal_url:
        from .run import shared  # SQLAlchemy and the drivers: only for a server journal

        batch = shared.batch_name(options.manifest, options.batch)
        with shared.open_journal(
            options.journal_url, options.journal_cnf, batch=batch, root=Path('.')
        ) as journal:
            code = shared.show_status(journal, f'{batch!r} on the journal server')
            _report_page(journal, options)
            return code
    if options.journal is None and options.manifest is None:
        raise InputError('-status needs the batch: give -manifest:FILE or -journal:FILE')
    path = options.journal or default_path(options.manifest)
    if not path.exists():
        raise InputError(f'no journal at {path}: nothing has run on this batch yet')
    with SQLiteJournal(path) as journal:
        sys.stdout.write(status.render(journal, str(path)) + '\n')
        _report_page(journal, options)
    return ExitCode.OK


def _report_page(journal: Journal, options: Options) -> None:
    """``-status -report:FILE.html``: the report page rebuilt from the journal alone."""
    if is_page(options.report):
        from .run import pages  # Jinja2 and Pillow: only when a page is asked for

        sys.stdout.write(
            pages.batch_report(journal, options.report, manifest=options.manifest, root=options.root) + '\n'
        )


def say_error(message: str) -> None:
    """One line on stderr, as pywikibot's ``error()`` writes it."""
    sys.stderr.write(f'ERROR: {message}\n')

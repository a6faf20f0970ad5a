"""The command line: ``uploadbot``, ``python -m uploadbot`` and ``pwb uploadbot``.

Upload a batch of files described by a manifest::

    uploadbot -manifest:batch.csv -template:description.wiki -report:report.csv

pywikibot's global options (``-dir:``, ``-family:``, ``-lang:``, ``-user:``,
``-simulate``, ``-log`` ...) choose the wiki and the account. The bot's own
options:

-manifest:FILE      rows to upload (CSV, TSV, XLSX, ODS, JSON Lines, YAML) or a directory
-template:FILE      the description page template (wikitext with {{{field}}} arguments)
-policy:FILE        warning policy (YAML: ``warnings:`` code -> action, ``default:``)
-on:CODE=ACTION     one warning rule, repeatable; wins over the policy file
-report:FILE        write the report (CSV, or JSON when FILE ends in .json)
-journal:FILE       the journal (default: beside the manifest)
-chunk-size:BYTES   chunk size for files larger than one chunk (default 4Mi)
-summary:TEXT       upload comment (a summary column wins)
-field:NAME=VALUE   a batch-wide template field, repeatable
-sheet:NAME         the sheet of an XLSX or ODS manifest
-check              validate everything, upload nothing
-status             show the journal's state
-workers:N          upload N files at once (default 1)
-query-timeout:S    seconds to wait for the answer to a query (default 60)
-upload-timeout:S   seconds to wait for the answer to a chunk or commit (default 600)
"""

from __future__ import annotations

import sys

import pywikibot
from pywikibot.exceptions import Error as PywikibotError

from . import bot as exits
from .bot import UploadBot
from .errors import InputError
from .journal import SQLiteJournal, default_path
from .manifest import read_directory, read_manifest
from .options import Options
from .plan import Planner
from .policy import Policy
from .report import Report
from .transfer import Transfer


def main(*args: str) -> int:
    """Run the bot with pywikibot-style arguments; returns the exit code."""
    local_args = pywikibot.handle_args(args)
    try:
        options = Options.parse(local_args)
        return _run(options)
    except InputError as error:
        pywikibot.error(str(error))
        return exits.EXIT_BAD_INPUT


def _run(options: Options) -> int:
    if options.manifest is None:
        raise InputError('no manifest: give -manifest:FILE (see uploadbot -help)')
    policy = Policy.load(options.policy) if options.policy else Policy.defaults()
    policy = policy.with_options(options.on)
    manifest = (read_directory(options.manifest, defaults=options.fields)
                if options.manifest.is_dir()
                else read_manifest(options.manifest, sheet=options.sheet,
                                   defaults=options.fields))
    plan = Planner(manifest, policy=policy, summary=options.summary,
                   template=options.template).plan()
    for problem in plan.problems:
        pywikibot.error(str(problem))
    if plan.problems:
        pywikibot.error(f'{len(plan.problems)} row(s) have problems; nothing was uploaded')
        return exits.EXIT_BAD_INPUT
    if options.check:
        pywikibot.info(f'check: {len(plan.items)} rows are ready to upload')
        return exits.EXIT_OK
    site = pywikibot.Site()
    try:
        site.login()
    except PywikibotError as error:
        pywikibot.error(f'cannot log in to {site}: {error}')
        return exits.EXIT_FAILED
    journal_path = options.journal or default_path(options.manifest)
    with SQLiteJournal(journal_path) as journal:
        transfer = Transfer(site, query_timeout=(10.0, options.query_timeout),
                            write_timeout=(10.0, options.upload_timeout))
        bot = UploadBot(plan.items, transfer, Report(options.report), journal=journal,
                        chunk_size=options.chunk_size, commit_held=options.commit_held)
        bot.run()
    return bot.exit_code()


def run() -> None:
    """Console-script entry point."""
    sys.exit(main(*sys.argv[1:]))

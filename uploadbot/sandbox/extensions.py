"""Debian's anti-abuse extensions, for a sandbox that refuses uploads as real wikis do.

Wikis such as Commons refuse some uploads for good: a name on the title
blacklist, a link on the spam blacklist, an AbuseFilter that disallows. The
``mediawiki`` package ships TitleBlacklist, SpamBlacklist and AbuseFilter, so
a sandbox can turn them on (``--extensions``) and produce those refusals for
real. Each reads its rules from the wiki itself, which the tests write:

- TitleBlacklist: the page ``MediaWiki:Titleblacklist`` (no remote sources);
- SpamBlacklist: the page ``MediaWiki:Spam-blacklist`` (Meta's list, its
  default, would be fetched from the internet: turned off);
- AbuseFilter: filters saved with ``Special:AbuseFilter``. It has tables of
  its own: the sandbox runs the extension's SQLite schema file once per
  directory with ``sql.php``. (``update.php`` makes the same tables but
  checks all of core's too: it made a fresh start 2.5 times as long, where
  ``sql.php`` adds under a tenth; benchmarks/sandbox_start.py.)

The default sandbox loads none of them and stays as fast as before.
"""

from __future__ import annotations

from collections.abc import Iterable

#: The names ``--extensions`` takes, and the extension each one loads.
EXTENSIONS = {
    'titleblacklist': 'TitleBlacklist',
    'spamblacklist': 'SpamBlacklist',
    'abusefilter': 'AbuseFilter',
}

#: The SQLite schema files of extensions with tables, under MediaWiki's directory.
TABLES = {'abusefilter': 'extensions/AbuseFilter/db_patches/sqlite/tables-generated.sql'}

_SETTINGS = {
    'titleblacklist': """
// TitleBlacklist: the rules are the page MediaWiki:Titleblacklist only.
$wgTitleBlacklistSources = [];
""",
    'spamblacklist': """
// SpamBlacklist: the rules are the page MediaWiki:Spam-blacklist only
// (no fetching of Meta's list: the sandbox may have no internet).
$wgBlacklistSettings = [ 'spam' => [ 'files' => [] ], 'email' => [ 'files' => [] ] ];
""",
    'abusefilter': """
// AbuseFilter: sysops write filters on Special:AbuseFilter (its default rights).
""",
}


def parse(names: str | Iterable[str]) -> tuple[str, ...]:
    """The extensions named (a comma-separated string or a list), in a fixed order.

    Raises ValueError naming what is unknown and what is known.
    """
    if isinstance(names, str):
        names = names.split(',')
    wanted = {name.strip().lower() for name in names if name.strip()}
    unknown = sorted(wanted - EXTENSIONS.keys())
    if unknown:
        raise ValueError(f'unknown extension {", ".join(unknown)}; the sandbox knows {", ".join(EXTENSIONS)}')
    return tuple(name for name in EXTENSIONS if name in wanted)


def local_settings(names: Iterable[str]) -> str:
    """The LocalSettings lines that load ``names`` and point them at the wiki's own pages."""
    names = tuple(names)
    if not names:
        return ''
    loaded = ', '.join(f"'{EXTENSIONS[name]}'" for name in names)
    return (
        f'\n// Anti-abuse extensions (uploadbot-sandbox --extensions).\n'
        f'wfLoadExtensions( [ {loaded} ] );\n' + ''.join(_SETTINGS[name] for name in names)
    )


def with_tables(names: Iterable[str]) -> frozenset[str]:
    """Which of ``names`` have tables of their own (see :data:`TABLES`)."""
    return frozenset(names) & TABLES.keys()

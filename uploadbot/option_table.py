"""Every option of the command line, declared once: name, value, default, help line, modes.

The parser (:class:`uploadbot.options.Options`), ``-help``, the README's
options table (a test compares it with :func:`markdown`) and the defaults of
the Python API (``UploadBot.on_site``, ``TaskSettings``, the transfers'
timeouts, the shared journal's lease) all read this table, so an option
cannot be parsed one way, documented another and defaulted a third.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any


class Mode(StrEnum):
    """What an option is for; written in the README's "applies to" column."""

    RUN = 'run'
    CHECK = '-check'
    STATUS = '-status'
    AUDIT = '-audit'
    #: Only with a journal on a database server (``-journal:URL``); refused otherwise.
    SHARED = '-journal:URL only'


_UNITS = {'': 1, 'k': 10**3, 'm': 10**6, 'g': 10**9, 'ki': 2**10, 'mi': 2**20, 'gi': 2**30}
_SIZE = re.compile(r'^\s*(\d+(?:\.\d+)?)\s*([kmg]i?)?b?\s*$', re.IGNORECASE)
_DURATION = re.compile(r'^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?$')
_RATE = re.compile(r'^\s*(\d+(?:\.\d+)?)\s*/\s*(s|sec|min|m|h|hour)\s*$', re.IGNORECASE)
_PER = {'s': 1, 'sec': 1, 'min': 60, 'm': 60, 'h': 3600, 'hour': 3600}


def parse_size(text: str) -> int:
    """Bytes from ``4194304``, ``4Mi``, ``4MiB``, ``512k`` (k, M, G are powers of 1000)."""
    match = _SIZE.match(text)
    if not match:
        raise ValueError(f'{text!r} is not a size (examples: 4Mi, 1048576, 512Ki)')
    number, unit = match.groups()
    size = int(float(number) * _UNITS[(unit or '').lower()])
    if size <= 0:
        raise ValueError(f'{text!r}: a size must be positive')
    return size


def parse_rate(text: str) -> float:
    """Requests per second from ``30/min``, ``1000/h`` or ``0.5/s``."""
    match = _RATE.match(text)
    if not match:
        raise ValueError(f'{text!r} is not a rate (examples: 30/min, 1000/h)')
    per_second = float(match[1]) / _PER[match[2].lower()]
    if per_second <= 0:
        raise ValueError(f'{text!r}: a rate must be positive')
    return per_second


def parse_duration(text: str) -> float:
    """Seconds from ``50m``, ``2h``, ``1h30m``, ``90s`` or ``90``."""
    match = _DURATION.match(text.strip().lower())
    if not match or not any(match.groups()):
        raise ValueError(f'{text!r} is not a duration (examples: 50m, 2h, 1h30m, 90s)')
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if total <= 0:
        raise ValueError(f'{text!r}: a duration must be positive')
    return float(total)


def _seconds(text: str) -> float:
    seconds = float(text)
    if seconds <= 0:
        raise ValueError('a timeout must be positive')
    return seconds


def _workers(text: str) -> int:
    workers = int(text)
    if workers < 1:
        raise ValueError('needs at least 1 worker')
    return workers


def _count(text: str) -> int:
    count = int(text)
    if count < 0:
        raise ValueError('expects a number of rows, 0 or more')
    return count


def _property(text: str) -> str:
    prop = text.strip().upper()
    if not re.match(r'^P[1-9]\d*$', prop):
        raise ValueError('expects a property id (like P180)')
    return prop


def _captions(text: str) -> bool:
    if text not in ('keep', 'replace'):
        raise ValueError('expects keep or replace')
    return text == 'replace'


def _pair(form: str) -> Callable[[str], str]:
    def check(text: str) -> str:
        if '=' not in text or not text.partition('=')[0].strip():
            raise ValueError(f'expects {form}')
        return text

    return check


def _field(text: str) -> tuple[str, str]:
    key, _, value = _pair('NAME=VALUE')(text).partition('=')
    return key.strip(), value


def _name_list(value: str) -> list[str]:
    """Names from ``A;B`` (or ``A,B``), or one per line from a file of that name."""
    path = Path(value)
    text = path.read_text(encoding='utf-8') if path.is_file() else value.replace(',', ';')
    names = [name.strip() for line in text.splitlines() for name in line.split(';')]
    names = [name for name in names if name and not name.startswith('#')]
    if not names:
        raise ValueError('names no template')
    return names


def _stripped(text: str) -> str:
    return text.strip()


def _text(text: str) -> str:
    return text


#: The largest file Wikimedia Commons takes (chunked uploads): 5 GiB.
MAX_FILE_SIZE = 5 * 1024**3

_BOTH = (Mode.RUN, Mode.CHECK)
_ALL = (Mode.RUN, Mode.CHECK, Mode.STATUS, Mode.AUDIT)


@dataclass(frozen=True)
class Option:
    """One option: ``-name`` (with ``:VALUE`` when ``value`` names one) sets ``attribute``.

    A flag (no ``value``) sets the opposite of its default. ``collect`` says
    what a repeated option does: ``one`` keeps the last, ``list`` appends,
    ``dict`` adds a ``NAME=VALUE`` pair.
    """

    name: str
    attribute: str
    type: str
    help: str
    value: str = ''
    parse: Callable[[str], Any] = _text
    default: Any = None
    #: The default as an operator writes it (```4Mi```), or what stands in for none;
    #: like ``help``, in the README's Markdown (``-help`` drops the backquotes).
    shown: str = ''
    modes: tuple[Mode, ...] = _BOTH
    collect: str = 'one'

    @property
    def usage(self) -> str:
        return f'{self.name}:{self.value}' if self.value else self.name

    @property
    def shared_only(self) -> bool:
        return Mode.SHARED in self.modes


# The table keeps its own layout (an option and its help a few lines each);
# the formatter would give every argument a line of its own.
# fmt: off
OPTIONS: tuple[Option, ...] = (
    Option('-manifest', 'manifest', 'Path | None', 'the batch (CSV, TSV, XLSX, ODS, '
           'JSON Lines, YAML) or a folder of files', 'FILE', Path, modes=_ALL),
    Option('-template', 'template', 'Path | None',
           'the description page template (wikitext with `{{{field}}}` arguments)', 'FILE', Path),
    Option('-policy', 'policy', 'Path | None',
           'warning policy (YAML: `warnings:` code -> action, `default:`)', 'FILE', Path),
    Option('-on', 'on', 'list[str]', 'one warning rule, repeatable; wins over the policy file',
           'CODE=ACTION', _pair('CODE=ACTION'), collect='list'),
    Option('-report', 'report', 'Path | None',
           'write the report: CSV, JSON when FILE ends in `.json`, or a page built from the '
           'journal when it ends in `.html` (with `-status` too, without the wiki)', 'FILE', Path,
           modes=_ALL),
    Option('-log-page', 'log_page', 'str | None', 'after a run that published files, append '
           'a section to this wiki page: the date, the counts and a gallery of those files',
           'TITLE', _stripped, modes=(Mode.RUN,)),
    Option('-journal', 'journal', 'Path | None', 'the journal file', 'FILE', Path,
           shown='beside the manifest', modes=_ALL),
    Option('-journal', 'journal_url', 'str | None',
           'a journal on a database server, shared by runs on several machines: '
           '`mysql://HOST[:PORT]/DB` or `postgresql://HOST[:PORT]/DB`', 'URL', modes=_ALL),
    Option('-journal-cnf', 'journal_cnf', 'Path | None',
           "the database's credentials: a MySQL option file or a pgpass file", 'FILE', Path,
           shown='`~/replica.my.cnf`, then `~/.my.cnf`; `$PGPASSFILE`, then `~/.pgpass`',
           modes=(*_ALL, Mode.SHARED)),
    Option('-batch', 'batch', 'str | None', "the batch's name in a server journal", 'NAME',
           shown="the manifest's name", modes=(*_ALL, Mode.SHARED)),
    Option('-root', 'root', 'Path | None', "the folder the batch's paths start from", 'DIR',
           Path, shown="the manifest's folder", modes=(*_BOTH, Mode.SHARED)),
    Option('-lease', 'lease', 'float', 'how long a claimed row waits for a run that stopped '
           'answering', 'TIME', parse_duration, 120.0, '`2m`', modes=(Mode.RUN, Mode.SHARED)),
    Option('-chunk-size', 'chunk_size', 'int', 'chunk size for files larger than one chunk, '
           'e.g. `4Mi`, `16Mi`, `1048576`',
           'BYTES', parse_size, 4 * 2 ** 20, '`4Mi`', modes=(Mode.RUN,)),
    Option('-summary', 'summary', 'str', 'upload comment (a summary column wins)', 'TEXT',
           default='Uploaded with uploadbot', shown='`Uploaded with uploadbot`'),
    Option('-field', 'fields', 'dict[str, str]', 'a batch-wide template field, repeatable',
           'NAME=VALUE', _field, collect='dict'),
    Option('-sheet', 'sheet', 'str | None', 'the sheet of an XLSX or ODS manifest', 'NAME',
           shown='the first'),
    Option('-check', 'check', 'bool', 'validate everything and show what each row would '
           'become; upload nothing', default=False, modes=(Mode.CHECK,)),
    Option('-preview', 'preview', 'Path | None', 'with `-check`: a review of the batch in '
           "DIR (`index.html`: every row's thumbnail, target, forecast and problems; a sample "
           'of pages as the wiki renders them); in a run: each description page as wikitext',
           'DIR', Path),
    Option('-preview-rows', 'preview_rows', 'int | None', 'rows `-preview` renders with the '
           "wiki's parser, besides every row with a problem or a forecast other than `uploaded`",
           'N', _count, shown='30, spread over the batch', modes=(Mode.CHECK,)),
    Option('-any-extension', 'any_extension', 'bool', "do not refuse file types outside the "
           "wiki's list (a wiki with `$wgStrictFileExtensions = false` takes them with the "
           '`filetype-unwanted-type` warning)',
           default=False),
    Option('-exif', 'exif', 'bool', "fill an empty `date` from the photo's EXIF, add "
           '`{{Location}}` from its GPS', default=False),
    Option('-status', 'status', 'bool', "the journal's state (counts, the rows that need "
           'attention), without the wiki',
           default=False, modes=(Mode.STATUS,)),
    Option('-audit', 'audit', 'bool', 'ask the wiki what became of every published file '
           '(`deleted`, `nominated`, `overwritten`, `moved`, `edited`); exit 7 for findings '
           'new since the last audit', default=False, modes=(Mode.AUDIT,)),
    Option('-nominations', 'nominations', 'list[str] | None', 'the templates and '
           '(`Category:`) categories that mark a page nominated for deletion (or a file of '
           "names, one per line); a category matches as a prefix (Commons' dated ones)",
           'A;B', _name_list, shown="Commons' `Delete`, `Speedydelete`, `Copyvio`, "
           '`No license since`, `No source since`, `No permission since` and their categories',
           modes=(Mode.AUDIT,)),
    Option('-workers', 'workers', 'int', 'files uploaded at once; with `-check`, SHA1 queries '
           'at once',
           'N', _workers, 1, '`1`'),
    Option('-max-runtime', 'max_runtime', 'float | None', 'stop between files after TIME '
           '(`50m`, `2h`, `1h30m`), everything recorded', 'TIME', parse_duration, modes=(Mode.RUN,)),
    Option('-commit-held', 'commit_held', 'bool',
           'commit rows held in the stash, under the policy as it is now', default=False),
    Option('-retry-refused', 'retry_refused', 'bool', 'send again rows the wiki refused for '
           'good in an earlier run, although they did not change', default=False,
           modes=(Mode.RUN,)),
    Option('-all-or-nothing', 'all_or_nothing', 'bool', "any row's problem stops the run "
           'before anything is sent (exit 2), rather than settling that row `invalid` or '
           '`refused`', default=False, modes=(Mode.RUN,)),
    Option('-async', 'asynchronous', 'bool',
           'let the wiki assemble and publish files in jobs, polled with `checkstatus`', default=False,
           modes=(Mode.RUN,)),
    Option('-max-download', 'max_download', 'int', "the largest file fetched from a URL row "
           "(5Gi is Commons' limit)", 'BYTES', parse_size, MAX_FILE_SIZE, '`5Gi`',
           modes=(Mode.RUN,)),
    Option('-recursive', 'recursive', 'bool', "a folder manifest takes its subfolders' files "
           "too; `{{{folder}}}` is each file's subfolder (empty at the top)", default=False),
    Option('-tag', 'tags', 'list[str]', 'put this change tag on every upload, repeatable (the '
           'tag must exist and be active: checked before anything is sent)', 'TAG', _stripped,
           collect='list'),
    Option('-tracking-category', 'tracking_categories', 'list[str]',
           'add this category to every page, repeatable', 'NAME', _stripped, collect='list'),
    Option('-max-rate', 'max_rate', 'float | None', 'at most N publishing requests a minute '
           '(or `N/h`), steady, across all workers', 'N/min', parse_rate),
    Option('-licence-templates', 'licence_templates', 'list[str] | None',
           "the licence templates (or a file of names, one per line) instead of "
           "the wiki's `Category:License tags`", 'A;B', _name_list),
    Option('-no-licence-check', 'licence_check', 'bool',
           'do not refuse pages without a licence template', default=True),
    Option('-no-category-check', 'category_check', 'bool',
           'do not refuse categories that are missing or redirects', default=True),
    Option('-no-title-check', 'title_check', 'bool',
           'do not ask the title blacklist about the target names', default=True),
    Option('-allow-local-urls', 'allow_local_urls', 'bool',
           'allow URL rows on private, loopback and link-local addresses', default=False,
           modes=(Mode.RUN,)),
    Option('-query-timeout', 'query_timeout', 'float',
           'seconds to wait for the answer to a query', 'S', _seconds, 60.0, '`60`',
           modes=(*_BOTH, Mode.AUDIT)),
    Option('-upload-timeout', 'upload_timeout', 'float',
           'seconds to wait for the answer to a chunk or commit', 'S', _seconds, 600.0, '`600`',
           modes=(Mode.RUN,)),
    Option('-depicts-property', 'depicts_property', 'str',
           'the property the `depicts` column fills', 'P', _property, 'P180', '`P180`'),
    Option('-captions', 'replace_captions', 'bool',
           'keep or replace captions the files already have in other words', 'keep|replace',
           _captions, False, '`keep`'),
    Option('-mediainfo', 'mediainfo', 'bool', 'the wiki keeps structured data although its '
           'siteinfo does not list WikibaseMediaInfo', default=False),
)
# fmt: on

#: Each attribute's option (``-journal`` has two: a file and a server's URL).
BY_ATTRIBUTE = {option.attribute: option for option in OPTIONS}

#: pywikibot's global options (pywikibot 11, ``pwb -help:global``), which
#: ``pywikibot.handle_args`` takes out before the bot's own are parsed. The
#: commands that do not load pywikibot (``-status``) pass over them instead.
PYWIKIBOT_OPTIONS = frozenset(
    {
        '-dir',
        '-config',
        '-code',
        '-lang',
        '-family',
        '-site',
        '-user',
        '-daemonize',
        '-help',
        '-log',
        '-nolog',
        '-maxlag',
        '-putthrottle',
        '-pt',
        '-put_throttle',
        '-debug',
        '-verbose',
        '-v',
        '-cosmeticchanges',
        '-cc',
        '-simulate',
    }
)


def default(attribute: str) -> Any:
    """The default of the option that sets ``attribute`` (the Python API's default too)."""
    return BY_ATTRIBUTE[attribute].default


def _described(option: Option) -> str:
    text = option.help
    if option.shown:
        text += f' (default: {option.shown})'
    if option.shared_only:
        text += ' [-journal:URL only]'
    return text.replace('`', '')  # the README's code spans, plain on a terminal


def help_lines(width: int = 92) -> list[str]:
    """The options as ``-help`` lists them: the usage, then the help line, wrapped."""
    lines = []
    for option in OPTIONS:
        usage = option.usage
        first = f'{usage:<20}' if len(usage) < 20 else f'{usage}\n{"":20}'
        wrapped = textwrap.wrap(_described(option), width - 20, break_on_hyphens=False)
        lines.append(first + wrapped[0])
        lines += [' ' * 20 + line for line in wrapped[1:]]
    return lines


def markdown() -> str:
    """The README's options table."""
    rows = ['| option | meaning | default | applies to |', '|---|---|---|---|']
    for option in OPTIONS:
        usage = option.usage.replace('|', '\\|')
        meaning = option.help.replace('|', '\\|')
        rows.append(
            f'| `{usage}` | {meaning} | {option.shown} | {", ".join(mode.value for mode in option.modes)} |'
        )
    return '\n'.join(rows) + '\n'

"""The bot's own command-line options, in pywikibot's ``-name:value`` style.

pywikibot's global options (``-family:``, ``-lang:``, ``-user:``, ``-dir:``,
``-simulate``, ``-log`` ...) are taken out first by
``pywikibot.handle_args``; what is left is parsed here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError
from .journal.connect import is_server_url

#: 4 MiB: on the sandbox 1, 4 and 16 MiB chunks move a large file at about the
#: same speed (see README), and 4 MiB keeps memory small and a lost chunk cheap.
DEFAULT_CHUNK_SIZE = 4 * 1024 ** 2

DEFAULT_SUMMARY = 'Uploaded with uploadbot'

#: The largest file Wikimedia Commons takes (chunked uploads): 5 GiB.
MAX_FILE_SIZE = 5 * 1024 ** 3

_UNITS = {'': 1, 'k': 10 ** 3, 'm': 10 ** 6, 'g': 10 ** 9,
          'ki': 2 ** 10, 'mi': 2 ** 20, 'gi': 2 ** 30}
_SIZE = re.compile(r'^\s*(\d+(?:\.\d+)?)\s*([kmg]i?)?b?\s*$', re.IGNORECASE)


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


_DURATION = re.compile(r'^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?$')


_RATE = re.compile(r'^\s*(\d+(?:\.\d+)?)\s*/\s*(s|sec|min|m|h|hour)\s*$', re.IGNORECASE)
_PER = {'s': 1, 'sec': 1, 'min': 60, 'm': 60, 'h': 3600, 'hour': 3600}


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


@dataclass
class Options:
    """What the operator asked for on the command line."""

    manifest: Path | None = None
    template: Path | None = None
    policy: Path | None = None
    report: Path | None = None
    journal: Path | None = None
    #: ``-journal:`` naming a database server (``mysql://``, ``postgresql://``).
    journal_url: str | None = None
    journal_cnf: Path | None = None
    batch: str | None = None
    root: Path | None = None
    #: How long a claimed row waits for a run that stopped answering (None: the default).
    lease: float | None = None
    chunk_size: int = DEFAULT_CHUNK_SIZE
    summary: str = DEFAULT_SUMMARY
    sheet: str | None = None
    preview: Path | None = None
    workers: int = 1
    max_runtime: float | None = None
    max_download: int = MAX_FILE_SIZE
    asynchronous: bool = False
    allow_local_urls: bool = False
    exif: bool = False
    any_extension: bool = False
    query_timeout: float = 60.0
    upload_timeout: float = 600.0
    check: bool = False
    status: bool = False
    commit_held: bool = False
    recursive: bool = False
    max_rate: float | None = None
    tags: list[str] = field(default_factory=list)
    tracking_categories: list[str] = field(default_factory=list)
    licence_templates: list[str] | None = None
    licence_check: bool = True
    category_check: bool = True
    title_check: bool = True
    retry_refused: bool = False
    on: list[str] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)
    depicts_property: str = 'P180'
    replace_captions: bool = False
    mediainfo: bool = False
    all_or_nothing: bool = False

    #: Options that only mean something with a server journal (``-journal:URL``).
    SHARED_ONLY = {'journal_cnf': '-journal-cnf:', 'batch': '-batch:', 'root': '-root:',
                   'lease': '-lease:'}

    @classmethod
    def parse(cls, args: list[str]) -> Options:
        """Options from the arguments pywikibot left; :class:`InputError` on a bad one."""
        options = cls()
        for arg in args:
            name, _, value = arg.partition(':')
            try:
                options._take(name, value)
            except ValueError as error:
                raise InputError(f'option {arg!r}: {error}') from None
        if options.journal_url is None:
            given = [flag for field, flag in cls.SHARED_ONLY.items()
                     if getattr(options, field) is not None]
            if given:
                raise InputError(f'{", ".join(given)} only apply to a journal on a database '
                                 'server (-journal:mysql://... or -journal:postgresql://...)')
        return options

    def _take(self, name: str, value: str) -> None:
        paths = {'-manifest': 'manifest', '-template': 'template', '-policy': 'policy',
                 '-report': 'report', '-journal': 'journal', '-preview': 'preview',
                 '-journal-cnf': 'journal_cnf', '-root': 'root'}
        flags = {'-check': 'check', '-status': 'status', '-commit-held': 'commit_held',
                 '-retry-refused': 'retry_refused',
                 '-async': 'asynchronous', '-allow-local-urls': 'allow_local_urls',
                 '-exif': 'exif', '-any-extension': 'any_extension', '-mediainfo': 'mediainfo',
                 '-recursive': 'recursive', '-all-or-nothing': 'all_or_nothing'}
        checks = {'-no-licence-check': 'licence_check', '-no-category-check': 'category_check',
                  '-no-title-check': 'title_check'}
        if name == '-journal' and is_server_url(value):
            self.journal_url = value
        elif name in paths:
            setattr(self, paths[name], Path(_required(value)))
        elif name in flags:
            if value:
                raise ValueError('takes no value')
            setattr(self, flags[name], True)
        elif name in checks:
            if value:
                raise ValueError('takes no value')
            setattr(self, checks[name], False)
        elif name == '-max-rate':
            self.max_rate = parse_rate(_required(value))
        elif name == '-tag':
            self.tags.append(_required(value).strip())
        elif name == '-tracking-category':
            self.tracking_categories.append(_required(value).strip())
        elif name == '-licence-templates':
            self.licence_templates = _name_list(_required(value))
        elif name == '-chunk-size':
            self.chunk_size = parse_size(_required(value))
        elif name == '-max-download':
            self.max_download = parse_size(_required(value))
        elif name == '-workers':
            self.workers = int(_required(value))
            if self.workers < 1:
                raise ValueError('needs at least 1 worker')
        elif name in ('-query-timeout', '-upload-timeout'):
            seconds = float(_required(value))
            if seconds <= 0:
                raise ValueError('a timeout must be positive')
            setattr(self, name[1:].replace('-', '_'), seconds)
        elif name == '-max-runtime':
            self.max_runtime = parse_duration(_required(value))
        elif name == '-lease':
            self.lease = parse_duration(_required(value))
        elif name == '-summary':
            self.summary = _required(value)
        elif name == '-batch':
            self.batch = _required(value)
        elif name == '-sheet':
            self.sheet = _required(value)
        elif name == '-on':
            self.on.append(_pair(value, 'CODE=ACTION'))
        elif name == '-depicts-property':
            self.depicts_property = _required(value).strip().upper()
            if not re.match(r'^P[1-9]\d*$', self.depicts_property):
                raise ValueError('expects a property id (like P180)')
        elif name == '-captions':
            if value not in ('keep', 'replace'):
                raise ValueError('expects keep or replace')
            self.replace_captions = value == 'replace'
        elif name == '-field':
            key, _, text = _pair(value, 'NAME=VALUE').partition('=')
            self.fields[key.strip()] = text
        else:
            raise ValueError('unknown option (see uploadbot -help)')


def _required(value: str) -> str:
    if not value:
        raise ValueError('needs a value after the colon')
    return value


def _name_list(value: str) -> list[str]:
    """Names from ``A;B`` (or ``A,B``), or one per line from a file of that name."""
    path = Path(value)
    text = path.read_text(encoding='utf-8') if path.is_file() else value.replace(',', ';')
    names = [name.strip() for line in text.splitlines() for name in line.split(';')]
    names = [name for name in names if name and not name.startswith('#')]
    if not names:
        raise ValueError('names no template')
    return names


def _pair(value: str, form: str) -> str:
    if '=' not in value or not value.partition('=')[0].strip():
        raise ValueError(f'expects {form}')
    return value

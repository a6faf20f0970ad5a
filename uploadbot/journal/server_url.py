"""Where a journal kept on a database server is: the ``-journal:`` URL.

``-journal:mysql://HOST[:PORT]/DBNAME[?unix_socket=PATH]`` (MariaDB or MySQL,
as on Toolforge's ToolsDB) and
``-journal:postgresql://HOST[:PORT]/DBNAME[?host=/socket/folder]``. A URL
never holds the password: one that does is refused without being echoed.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

from uploadbot.errors import InputError

URL_OPTION = '-journal:'
CREDENTIALS_OPTION = '-journal-cnf:'

DEFAULT_PORTS = {'mysql': 3306, 'postgresql': 5432}

#: The query parameter that names the UNIX socket, per kind.
SOCKET_PARAMETERS = {'mysql': 'unix_socket', 'postgresql': 'host'}

_FORMS = 'mysql://HOST[:PORT]/DBNAME or postgresql://HOST[:PORT]/DBNAME'


@dataclass(frozen=True)
class JournalURL:
    """A parsed journal URL. It never holds a password."""

    kind: str
    host: str
    port: int
    database: str
    user: str | None = None
    #: The socket file (MariaDB) or the socket folder (PostgreSQL), when given.
    socket: str | None = None

    def where(self) -> str:
        """Where the server is, for messages: ``host:port`` or the socket."""
        return f'socket {self.socket}' if self.socket else f'{self.host}:{self.port}'


def is_server_url(text: str) -> bool:
    """Whether a ``-journal:`` value names a database server rather than a file."""
    return text.lower().startswith(('mysql://', 'postgresql://'))


def parse_journal_url(text: str) -> JournalURL:
    """The parts of a journal URL; :class:`InputError` naming ``-journal:`` when it is wrong."""

    def bad(reason: str) -> InputError:
        return InputError(f'{URL_OPTION} {reason}')

    try:
        parts = urllib.parse.urlsplit(text.strip())
        port = parts.port
    except ValueError as error:
        raise bad(f'not a journal URL ({error}); use {_FORMS}') from None
    kind = parts.scheme.lower()
    if kind not in DEFAULT_PORTS:
        raise bad(f'{parts.scheme or "(none)"!r} is not a journal server kind; use {_FORMS}')
    if parts.password is not None:
        # Never echo the URL: it holds the password.
        raise bad(
            'the URL holds a password: put it in the credentials file '
            f'({CREDENTIALS_OPTION}), never on the command line'
        )
    database = urllib.parse.unquote(parts.path[1:] if parts.path.startswith('/') else '')
    if not database or '/' in database:
        raise bad(f'{text!r} names no database: use {_FORMS}')
    if parts.fragment:
        raise bad(f'{text!r}: a journal URL has no #fragment')
    socket = _socket(kind, parts.query, bad)
    host = parts.hostname or ''
    if not host and not socket:
        raise bad(f'{text!r} names no host: use {_FORMS}')
    user = urllib.parse.unquote(parts.username) if parts.username else None
    return JournalURL(
        kind=kind,
        host=host or 'localhost',
        port=port or DEFAULT_PORTS[kind],
        database=database,
        user=user,
        socket=socket,
    )


def _socket(kind: str, query: str, bad) -> str | None:
    allowed = SOCKET_PARAMETERS[kind]
    try:
        pairs = urllib.parse.parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise bad(f'cannot read the parameters {query!r}') from None
    socket = None
    for key, value in pairs:
        if key != allowed:
            raise bad(f'unknown parameter {key!r} (a {kind} URL takes only ?{allowed}=PATH)')
        if not value.startswith('/'):
            raise bad(f'{allowed}={value!r}: give the absolute path of the socket')
        socket = value
    return socket

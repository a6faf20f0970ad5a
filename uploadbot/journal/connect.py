"""Reach a journal kept on a database server: the credentials and the engine.

The server is named by a URL (:mod:`uploadbot.journal.server_url`).

The password is never on the command line. For MariaDB it comes from a
MySQL option file's ``[client]`` section (``-journal-cnf:FILE``, else
``~/replica.my.cnf``, else ``~/.my.cnf``) and goes straight to the driver,
never into the engine's URL. For PostgreSQL libpq reads the pgpass file
itself (``-journal-cnf:FILE``, else ``$PGPASSFILE``, else ``~/.pgpass``), so
the password never passes through this code at all.

SQLAlchemy and the drivers are imported only where an engine is made: a
journal kept in SQLite needs none of them (``pip install uploadbot[server]``).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from uploadbot.errors import BatchStop, InputError

from .server_url import CREDENTIALS_OPTION, JournalURL, parse_journal_url

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

#: Where libpq looks for a socket when ``host`` is not given, on Debian.
DEFAULT_PG_SOCKET_DIR = '/var/run/postgresql'

#: Seconds to wait for the server to answer a new connection.
CONNECT_TIMEOUT = 10

#: Seconds a connection may stay silent while a statement waits for its answer
#: before it is taken for dead. A server that failed over may answer nothing,
#: not even a refusal; the statement is then tried again (see outage.py).
SILENCE_TIMEOUT = 120


class JournalConnectionError(BatchStop):
    """The journal's database server could not be reached or refused the login.

    ``str(error)`` is one line naming the server, the database and the user,
    never the password.
    """


@dataclass(frozen=True)
class OptionFileLogin:
    """``[client] user`` and ``password`` from a MySQL option file."""

    user: str
    password: str = field(repr=False)


# -- credentials -------------------------------------------------------------


def find_credentials(
    url: JournalURL, given: str | os.PathLike[str] | None = None, *, env: Mapping[str, str] | None = None
) -> Path:
    """The credentials file for ``url``: the one given, else the usual places.

    MariaDB: ``~/replica.my.cnf`` (Toolforge's), then ``~/.my.cnf``.
    PostgreSQL: ``$PGPASSFILE``, then ``~/.pgpass``.
    """
    env = os.environ if env is None else env
    if given is not None:
        path = Path(given).expanduser()
        if not path.is_file():
            raise InputError(f'{CREDENTIALS_OPTION} no credentials file at {path}')
        return path
    home = Path(env.get('HOME') or Path.home())
    if url.kind == 'mysql':
        candidates = [home / 'replica.my.cnf', home / '.my.cnf']
    else:
        candidates = [Path(env['PGPASSFILE'])] if env.get('PGPASSFILE') else []
        candidates.append(home / '.pgpass')
    for path in candidates:
        if path.is_file():
            return path
    tried = ' or '.join(str(path) for path in candidates)
    raise InputError(
        f'{CREDENTIALS_OPTION} no credentials for the journal server: '
        f'{tried} does not exist; give {CREDENTIALS_OPTION}FILE'
    )


def read_option_file(path: str | os.PathLike[str]) -> OptionFileLogin:
    """``user`` and ``password`` of the ``[client]`` section of a MySQL option file.

    Read with configparser; values may be quoted, and ``#`` starts a comment
    in an unquoted one, as the MySQL clients read them. No message quotes a
    line of the file: one of them holds the password.
    """
    import configparser

    path = Path(path)
    parser = configparser.ConfigParser(
        delimiters=('=',), allow_no_value=True, strict=False, interpolation=None, comment_prefixes=('#', ';')
    )
    try:
        lines = path.read_text(encoding='utf-8').splitlines()
        # !include and !includedir are not followed: blank them, keeping line numbers.
        parser.read_string(
            '\n'.join('' if line.lstrip().startswith('!') else line for line in lines), source=str(path)
        )
    except OSError as error:
        raise InputError(f'{CREDENTIALS_OPTION} cannot read {path}: {error.strerror}') from None
    except UnicodeDecodeError:
        raise InputError(f'{CREDENTIALS_OPTION} {path} is not a text file') from None
    except configparser.Error as error:
        line = getattr(error, 'lineno', None) or _first_bad_line(error)
        raise InputError(
            f'{CREDENTIALS_OPTION} {path} is not a MySQL option file '
            f'(line {line}: expected [client] and then key = value lines)'
        ) from None
    if not parser.has_section('client'):
        raise InputError(f'{CREDENTIALS_OPTION} {path} has no [client] section')
    values = {}
    for key in ('user', 'password'):
        raw = parser.get('client', key, fallback=None)
        value = _option_value(raw) if raw is not None else ''
        if not value:
            raise InputError(f'{CREDENTIALS_OPTION} {path} has no {key} in its [client] section')
        values[key] = value
    return OptionFileLogin(**values)


def _first_bad_line(error: Exception) -> int | str:
    errors = getattr(error, 'errors', None)
    return errors[0][0] if errors else '?'


_ESCAPES = {'b': '\b', 't': '\t', 'n': '\n', 'r': '\r', 's': ' ', '\\': '\\', '"': '"', "'": "'"}


def _option_value(raw: str) -> str:
    """A value as the MySQL clients read it: quotes removed, escapes applied, comments cut."""
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] in '"\'' and raw[0] in raw[1:]:
        raw = raw[1 : raw.index(raw[0], 1)]
    else:
        raw = raw.split('#', 1)[0].rstrip()
    return re.sub(r'\\(.)', lambda match: _ESCAPES.get(match.group(1), '\\' + match.group(1)), raw)


def check_pgpass_mode(path: Path) -> None:
    """libpq ignores a pgpass file others may read; say so before it silently does."""
    mode = path.stat().st_mode
    if stat.S_ISREG(mode) and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise InputError(
            f'{CREDENTIALS_OPTION} {path} may be read by others, so libpq ignores it: chmod 600 {path}'
        )


def pgpass_user(path: str | os.PathLike[str], url: JournalURL) -> str:
    """The user of the first line of a pgpass file that matches the server and database.

    With a user in the URL, that user's line must be there. Only the first
    four fields are read: the password stays in the file, for libpq.
    """
    path = Path(path)
    check_pgpass_mode(path)
    host = url.socket or url.host
    if host == DEFAULT_PG_SOCKET_DIR:
        host = 'localhost'  # libpq's rule for the default socket folder
    try:
        lines = path.read_text(encoding='utf-8').splitlines()
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, 'strerror', None) or 'not a text file'
        raise InputError(f'{CREDENTIALS_OPTION} cannot read {path}: {reason}') from None
    wanted = (host, str(url.port), url.database, url.user)
    for line in lines:
        if not line.strip() or line.lstrip().startswith('#'):
            continue
        fields = _pgpass_fields(line)
        if len(fields) < 4:
            continue
        if all(got == '*' or want is None or got == want for got, want in zip(fields, wanted)):
            if url.user is not None:
                return url.user
            if fields[3] != '*':
                return fields[3]
    who = f'{url.user}@' if url.user else ''
    hint = '' if url.user else '; or name the user in the URL (postgresql://USER@...)'
    raise InputError(
        f'{CREDENTIALS_OPTION} {path} has no line for {who}{host}:{url.port}/'
        f'{url.database} (host:port:database:username:password){hint}'
    )


def _pgpass_fields(line: str) -> list[str]:
    """The first four ``:``-separated fields of a pgpass line, ``\\:`` and ``\\\\`` undone."""
    fields, current, escaped = [], [], False
    for char in line:
        if escaped:
            current.append(char)
            escaped = False
        elif char == '\\':
            escaped = True
        elif char == ':':
            fields.append(''.join(current))
            current = []
            if len(fields) == 4:
                return fields  # what follows is the password: not ours to read
        else:
            current.append(char)
    return fields


# -- the engine ----------------------------------------------------------------


def create_journal_engine(
    url: str | JournalURL,
    credentials: str | os.PathLike[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    **engine_options: Any,
) -> Engine:
    """A SQLAlchemy engine for the journal server; connects lazily (see :func:`check_connection`).

    ``credentials`` is the ``-journal-cnf:`` file, if given; ``env`` stands in
    for ``os.environ`` (``HOME``, ``PGPASSFILE``). The engine's URL never holds
    the password: ``str(engine.url)`` and its repr are safe to log. Pooled
    connections are checked before use (a server may drop idle ones, or
    restart), one that stays silent for :data:`SILENCE_TIMEOUT` is given up,
    and SQL parameters are left out of error messages.
    """
    import sqlalchemy

    url = parse_journal_url(url) if isinstance(url, str) else url
    path = find_credentials(url, credentials, env=env)
    options: dict[str, Any] = {
        'pool_pre_ping': True,
        'pool_recycle': 3600,
        'hide_parameters': True,
        **engine_options,
    }
    if url.kind == 'mysql':
        login = read_option_file(path)
        query = {'charset': 'utf8mb4', **({'unix_socket': url.socket} if url.socket else {})}
        engine_url = sqlalchemy.URL.create(
            'mysql+pymysql',
            username=url.user or login.user,
            host=url.host,
            port=url.port,
            database=url.database,
            query=query,
        )
        connect_args = {
            'password': login.password,
            'connect_timeout': CONNECT_TIMEOUT,
            'read_timeout': SILENCE_TIMEOUT,
            'write_timeout': SILENCE_TIMEOUT,
        }
    else:
        user = pgpass_user(path, url)
        engine_url = sqlalchemy.URL.create(
            'postgresql+psycopg',
            username=user,
            host=None if url.socket else url.host,
            port=url.port,
            database=url.database,
            query={'host': url.socket} if url.socket else {},
        )
        # libpq has no read timeout: TCP keepalives and tcp_user_timeout (ms) find a dead peer.
        connect_args = {
            'passfile': str(path),
            'connect_timeout': CONNECT_TIMEOUT,
            'keepalives_idle': 30,
            'keepalives_interval': 10,
            'keepalives_count': (SILENCE_TIMEOUT - 30) // 10,
            'tcp_user_timeout': SILENCE_TIMEOUT * 1000,
        }
    connect_args.update(options.pop('connect_args', {}))
    return sqlalchemy.create_engine(engine_url, connect_args=connect_args, **options)


def check_connection(engine: Engine) -> None:
    """Log in once now, so a wrong password or a server that is down shows at the start."""
    import sqlalchemy

    try:
        with engine.connect() as connection:
            connection.execute(sqlalchemy.text('SELECT 1'))
    except sqlalchemy.exc.DBAPIError as error:
        raise connection_failure(error, engine) from None


def connection_failure(
    error: BaseException, engine: Engine, *, doing: str = 'cannot connect to'
) -> JournalConnectionError:
    """A one-line error naming the server, database and user (never the password)."""
    url = engine.url
    socket = url.query.get('unix_socket') or url.query.get('host')
    where = f'socket {socket}' if socket else f'{url.host}:{url.port}'
    cause = getattr(error, 'orig', None) or error
    if len(getattr(cause, 'args', ())) == 2 and isinstance(cause.args[0], int):
        detail = f'{cause.args[1]} (error {cause.args[0]})'  # PyMySQL: (code, message)
    else:
        detail = str(cause)
    detail = ' '.join(detail.split())
    return JournalConnectionError(
        f'{doing} the journal database {url.database!r} at {where} as user {url.username!r}: {detail}'
    )

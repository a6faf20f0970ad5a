"""Session fixtures: a real MariaDB and a real PostgreSQL, each started once when first asked for.

They live in a fresh folder under the system's temporary folder, not under
pytest's: pytest's is private to root, and the servers run as Debian's
``mysql`` and ``postgres`` accounts when the tests run as root. The
packages are installed with apt when missing, as the sandbox wiki's are.
A test may stop one of them and start it again (:func:`server_down`).
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from uploadbot.journal.connect import read_option_file
from uploadbot.sandbox.db import DatabaseInfo, DatabaseServer, MariaDB, PostgreSQL
from uploadbot.sandbox.db.process import alive, process_tree, still_running

#: The session's servers by kind (``mysql``, ``postgresql``), for :func:`server_down`.
_SERVERS: dict[str, DatabaseServer] = {}


@pytest.fixture(scope='session')
def database_folder() -> Iterator[Path]:
    """A folder the servers' accounts may pass through (mode 711), removed at the end."""
    folder = Path(tempfile.mkdtemp(prefix='uploadbot-db-'))
    folder.chmod(0o711)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def serve(server: DatabaseServer) -> Iterator[DatabaseInfo]:
    """Start ``server``, hand out where it is, and stop it by its process id afterwards."""
    info = server.start()
    _SERVERS[info.kind] = server
    try:
        yield info
    finally:
        tree = process_tree(server.pid() or info.pid)  # a test may have restarted it
        server.stop()
    assert not still_running(tree), f'{server.program} processes outlived stop()'


@contextlib.contextmanager
def server_down(info: DatabaseInfo) -> Iterator[None]:
    """The session's server of ``info`` stopped (by its process id) for the block, then
    started again on the same data folder and port, even when the block fails."""
    server = _SERVERS[info.kind]
    pid = server.pid()
    assert pid is not None, f'{server.program} is not running'
    server.stop()
    assert not alive(pid)
    try:
        yield
    finally:
        again = server.start()
        assert (again.port, again.socket, again.pid != pid) == (info.port, info.socket, True)


@pytest.fixture(scope='session')
def mariadb(database_folder) -> Iterator[DatabaseInfo]:
    yield from serve(MariaDB(database_folder / 'mariadb'))


@pytest.fixture(scope='session')
def postgres(database_folder) -> Iterator[DatabaseInfo]:
    yield from serve(PostgreSQL(database_folder / 'postgresql'))


def password_of(info: DatabaseInfo) -> str:
    """The password the sandbox wrote for the journal user (tests look for leaks of it)."""
    if info.kind == 'mysql':
        return read_option_file(info.credentials).password
    return Path(info.credentials).read_text().splitlines()[0].split(':')[4]

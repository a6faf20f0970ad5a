"""Session fixtures: a real MariaDB and a real PostgreSQL, each started once when first asked for.

They live in a fresh folder under the system's temporary folder, not under
pytest's: pytest's is private to root, and the servers run as Debian's
``mysql`` and ``postgres`` accounts when the tests run as root. The
packages are installed with apt when missing, as the sandbox wiki's are.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from uploadbot.journal.connect import read_option_file
from uploadbot.sandbox.db import DatabaseInfo, DatabaseServer, MariaDB, PostgreSQL
from uploadbot.sandbox.db.process import process_tree, still_running


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
    tree = process_tree(info.pid)
    try:
        yield info
    finally:
        server.stop()
    assert not still_running(tree), f'{server.program} processes outlived stop()'


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

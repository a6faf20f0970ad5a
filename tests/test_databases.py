"""The journal's connection layer against a real MariaDB and a real PostgreSQL.

The servers are Debian's, started by the session in temporary folders
(tests/dbfixtures.py). Logins take their password from the option file or
the pgpass file the sandbox wrote, as an operator's would on Toolforge.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
from pathlib import Path

import pytest
import sqlalchemy

from uploadbot.journal.connect import (
    JournalConnectionError,
    check_connection,
    create_journal_engine,
)
from uploadbot.sandbox.db import MariaDB, PostgreSQL
from uploadbot.sandbox.db.process import process_tree, still_running

from .dbfixtures import password_of, server_down

pytestmark = pytest.mark.database

#: The wrong password the failing logins send (the logs test looks for it too).
WRONG = 'Wr0ng-' + secrets.token_urlsafe(12)


def scalar(engine, sql: str):
    with engine.connect() as connection:
        return connection.execute(sqlalchemy.text(sql)).scalar()


@pytest.fixture(params=['mariadb', 'postgres'])
def server(request):
    return request.getfixturevalue(request.param)


# -- logging in ---------------------------------------------------------------


def test_mariadb_login_over_tcp_takes_the_password_from_the_option_file(mariadb):
    engine = create_journal_engine(mariadb.url(), mariadb.credentials)
    assert scalar(engine, 'SELECT USER()') == 'uploadbot@127.0.0.1'
    assert scalar(engine, 'SELECT DATABASE()') == mariadb.database


def test_mariadb_login_over_the_unix_socket(mariadb):
    engine = create_journal_engine(mariadb.url(via_socket=True), mariadb.credentials)
    assert scalar(engine, 'SELECT USER()') == 'uploadbot@localhost'  # localhost: the socket
    assert scalar(engine, 'SELECT DATABASE()') == mariadb.database


def test_mariadb_option_file_found_in_home_as_replica_my_cnf(mariadb, tmp_path):
    (tmp_path / 'replica.my.cnf').write_bytes(Path(mariadb.credentials).read_bytes())
    engine = create_journal_engine(mariadb.url(), env={'HOME': str(tmp_path)})
    assert scalar(engine, 'SELECT CURRENT_USER()') == 'uploadbot@127.0.0.1'


def test_postgres_login_over_tcp_lets_libpq_read_the_pgpass_file(postgres):
    engine = create_journal_engine(postgres.url(), postgres.credentials)
    assert scalar(engine, 'SELECT current_user') == 'uploadbot'
    assert scalar(engine, 'SELECT current_database()') == postgres.database
    assert str(scalar(engine, 'SELECT inet_client_addr()')) == '127.0.0.1'


def test_postgres_login_over_the_unix_socket(postgres):
    engine = create_journal_engine(postgres.url(via_socket=True), postgres.credentials)
    assert scalar(engine, 'SELECT current_user') == 'uploadbot'
    assert scalar(engine, 'SELECT inet_client_addr()') is None  # no address: the socket


def test_postgres_pgpass_found_through_pgpassfile(postgres, tmp_path):
    env = {'HOME': str(tmp_path), 'PGPASSFILE': postgres.credentials}
    engine = create_journal_engine(postgres.url(), env=env)
    assert scalar(engine, 'SELECT current_user') == 'uploadbot'


def test_postgres_user_named_in_the_url(postgres):
    url = postgres.url().replace('postgresql://', 'postgresql://uploadbot@')
    engine = create_journal_engine(url, postgres.credentials)
    assert scalar(engine, 'SELECT current_user') == 'uploadbot'


# -- failures and secrets -------------------------------------------------------


def test_mariadb_wrong_password_is_one_line_naming_server_database_and_user(mariadb, tmp_path):
    wrong = WRONG
    cnf = tmp_path / 'wrong.cnf'
    cnf.write_text(f'[client]\nuser = uploadbot\npassword = {wrong}\n')
    engine = create_journal_engine(mariadb.url(), cnf)
    with pytest.raises(JournalConnectionError) as caught:
        check_connection(engine)
    message = str(caught.value)
    assert '\n' not in message
    assert f"'{mariadb.database}' at 127.0.0.1:{mariadb.port} as user 'uploadbot'" in message
    assert 'Access denied' in message
    assert wrong not in message and password_of(mariadb) not in message


def test_postgres_wrong_password_is_one_line_naming_server_database_and_user(postgres, tmp_path):
    wrong = WRONG
    pgpass = tmp_path / 'pgpass'
    pgpass.write_text(f'127.0.0.1:{postgres.port}:{postgres.database}:uploadbot:{wrong}\n')
    pgpass.chmod(0o600)
    engine = create_journal_engine(postgres.url(), pgpass)
    with pytest.raises(JournalConnectionError) as caught:
        check_connection(engine)
    message = str(caught.value)
    assert '\n' not in message
    assert f"'{postgres.database}' at 127.0.0.1:{postgres.port} as user 'uploadbot'" in message
    assert 'password authentication failed' in message
    assert wrong not in message and password_of(postgres) not in message


def test_server_that_is_down_is_one_line_naming_where_it_was_looked_for(server, tmp_path):
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        closed_port = probe.getsockname()[1]
    url = server.url().replace(f':{server.port}/', f':{closed_port}/')
    if server.kind == 'postgresql':
        pgpass = tmp_path / 'pgpass'
        pgpass.write_text(f'127.0.0.1:*:*:uploadbot:{password_of(server)}\n')
        pgpass.chmod(0o600)
        credentials = pgpass
    else:
        credentials = server.credentials
    with pytest.raises(JournalConnectionError) as caught:
        check_connection(create_journal_engine(url, credentials))
    message = str(caught.value)
    assert '\n' not in message
    assert f'127.0.0.1:{closed_port}' in message
    assert password_of(server) not in message


def test_engine_url_never_shows_the_password(server):
    engine = create_journal_engine(server.url(), server.credentials)
    secret = password_of(server)
    shown = [
        str(engine.url),
        repr(engine.url),
        repr(engine),
        engine.url.render_as_string(hide_password=False),
    ]
    assert all(secret not in text for text in shown)
    assert scalar(engine, 'SELECT 1') == 1  # and it does log in


def test_no_process_argument_holds_the_password_while_connected(mariadb, postgres):
    engines = [create_journal_engine(info.url(), info.credentials) for info in (mariadb, postgres)]
    with engines[0].connect() as first, engines[1].connect() as second:
        for connection in (first, second):
            assert connection.execute(sqlalchemy.text('SELECT 1')).scalar() == 1
        listing = subprocess.run(
            ['ps', '-eww', '-o', 'args='], capture_output=True, text=True, check=True
        ).stdout
    assert 'mariadbd' in listing and 'postgres' in listing  # ps does see the servers
    for info in (mariadb, postgres):
        assert password_of(info) not in listing


def test_credentials_files_are_private(server):
    assert os.stat(server.credentials).st_mode & 0o777 == 0o600


# -- SELECT ... FOR UPDATE SKIP LOCKED ------------------------------------------


def test_skip_locked_passes_over_a_row_another_connection_holds(server, request):
    engine = create_journal_engine(server.url(), server.credentials)
    table = f'claims_{request.node.callspec.id}'
    with engine.begin() as setup:
        setup.execute(sqlalchemy.text(f'DROP TABLE IF EXISTS {table}'))
        setup.execute(sqlalchemy.text(f'CREATE TABLE {table} (id INTEGER PRIMARY KEY)'))
        setup.execute(sqlalchemy.text(f'INSERT INTO {table} (id) VALUES (1), (2), (3)'))
    claim = sqlalchemy.text(f'SELECT id FROM {table} ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED')
    timeout = (
        'SET SESSION innodb_lock_wait_timeout = 5' if server.kind == 'mysql' else "SET lock_timeout = '5s'"
    )  # a wait, not a skip, fails in 5 s
    with engine.connect() as first, engine.connect() as second:
        second.execute(sqlalchemy.text(timeout))
        second.commit()
        with first.begin(), second.begin():
            assert first.execute(claim).scalar() == 1
            assert second.execute(claim).scalar() == 2
            held = sqlalchemy.text(f'SELECT id FROM {table} WHERE id = 1 FOR UPDATE SKIP LOCKED')
            assert second.execute(held).all() == []
        with second.begin():
            assert second.execute(claim).scalar() == 1  # released at the first's commit


def test_mariadb_is_recent_enough_for_skip_locked(mariadb):
    major, minor = (int(part) for part in mariadb.version.split('.')[:2])
    assert (major, minor) >= (10, 6)


# -- starting and stopping -------------------------------------------------------


@pytest.mark.parametrize(('kind', 'at_least'), [(MariaDB, 1), (PostgreSQL, 2)], ids=['mariadb', 'postgres'])
def test_stop_ends_every_process_of_the_server(kind, at_least, database_folder, request):
    server = kind(database_folder / f'stop-{request.node.callspec.id}')
    info = server.start()
    tree = process_tree(info.pid)
    assert len(tree) >= at_least  # PostgreSQL: the postmaster, its checkpointer, walwriter...
    assert server.running() and still_running(tree) == tree
    assert server.stop() is True
    assert still_running(tree) == set()
    assert not server.running()
    with pytest.raises(ConnectionRefusedError), socket.create_connection(('127.0.0.1', info.port)):
        pass


def test_a_server_stopped_and_started_again_keeps_its_port_and_its_data(server, request):
    engine = create_journal_engine(server.url(), server.credentials)
    table = f'kept_{request.node.callspec.id}'
    with engine.begin() as setup:
        setup.execute(sqlalchemy.text(f'DROP TABLE IF EXISTS {table}'))
        setup.execute(sqlalchemy.text(f'CREATE TABLE {table} (id INTEGER PRIMARY KEY)'))
        setup.execute(sqlalchemy.text(f'INSERT INTO {table} (id) VALUES (7)'))
    with server_down(server), pytest.raises(sqlalchemy.exc.OperationalError):
        scalar(engine, 'SELECT 1')
    assert scalar(engine, f'SELECT id FROM {table}') == 7  # the pool's old connections dropped


@pytest.mark.last
def test_nothing_the_servers_wrote_holds_a_password(mariadb, postgres, database_folder):
    """Not their logs, not their data: they were given hashes, and failed logins are not logged
    with what they sent. Only the two credentials files hold the password."""
    passwords = [password_of(mariadb).encode(), password_of(postgres).encode(), WRONG.encode()]
    credentials = {Path(mariadb.credentials), Path(postgres.credentials)}
    searched, found = 0, []
    for path in database_folder.rglob('*'):
        if path.is_file() and not path.is_socket() and path not in credentials:
            data = path.read_bytes()
            searched += 1
            found += [str(path) for secret in passwords if secret in data]
    logs = [folder / 'server.log' for folder in (database_folder / 'mariadb', database_folder / 'postgresql')]
    assert all(b'uploadbot' in log.read_bytes() for log in logs)  # they logged the failed logins
    assert searched > 100 and found == []
    assert all(password_of(info) in Path(info.credentials).read_text() for info in (mariadb, postgres))

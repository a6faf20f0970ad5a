"""Journal URLs and credentials files, read without a server (see test_databases for logins)."""

from __future__ import annotations

import pytest

from uploadbot.errors import InputError
from uploadbot.journal.connect import (
    OptionFileLogin,
    create_journal_engine,
    find_credentials,
    pgpass_user,
    read_option_file,
)
from uploadbot.journal.server_url import JournalURL, is_server_url, parse_journal_url

SECRET = 'S3cret-pw'


# -- URLs --------------------------------------------------------------------------


def test_mysql_url_with_host_port_and_database():
    assert parse_journal_url('mysql://tools.db.svc.wikimedia.cloud:3307/s51234__journal') == JournalURL(
        'mysql', 'tools.db.svc.wikimedia.cloud', 3307, 's51234__journal'
    )


def test_port_defaults_to_the_servers_own():
    assert parse_journal_url('mysql://db.example/j').port == 3306
    assert parse_journal_url('postgresql://db.example/j').port == 5432


def test_mysql_unix_socket_parameter():
    url = parse_journal_url('mysql://localhost/j?unix_socket=/run/mysqld/mysqld.sock')
    assert url.socket == '/run/mysqld/mysqld.sock'


def test_postgresql_socket_folder_in_the_host_parameter_and_user_before_the_host():
    url = parse_journal_url('postgresql://bot@localhost:5433/j?host=/var/run/postgresql')
    assert (url.user, url.port, url.socket) == ('bot', 5433, '/var/run/postgresql')


def test_server_urls_are_told_from_file_names():
    assert is_server_url('mysql://h/db') and is_server_url('PostgreSQL://h/db')
    assert not is_server_url('batch.journal.sqlite')
    assert not is_server_url('C:/journals/batch.sqlite')


@pytest.mark.parametrize(
    ('text', 'says'),
    [
        ('sqlite://h/db', "'sqlite' is not a journal server kind"),
        ('mysql://h', 'names no database'),
        ('mysql://h/a/b', 'names no database'),
        ('mysql:///db', 'names no host'),
        ('mysql://h:port/db', 'not a journal URL'),
        ('mysql://h:70000/db', 'not a journal URL'),
        ('mysql://h/db?charset=latin1', "unknown parameter 'charset'"),
        ('mysql://h/db?host=/run', "unknown parameter 'host'"),
        ('postgresql://h/db?unix_socket=/run', "unknown parameter 'unix_socket'"),
        ('mysql://h/db?unix_socket=run/mysqld.sock', 'absolute path'),
        ('mysql://h/db#x', 'no #fragment'),
    ],
)
def test_bad_url_is_one_line_naming_the_option(text, says):
    with pytest.raises(InputError) as caught:
        parse_journal_url(text)
    assert str(caught.value).startswith('-journal: ')
    assert says in str(caught.value)
    assert '\n' not in str(caught.value)


def test_password_in_the_url_is_refused_without_repeating_it():
    with pytest.raises(InputError) as caught:
        parse_journal_url(f'mysql://bot:{SECRET}@h/db')
    assert 'holds a password' in str(caught.value)
    assert SECRET not in str(caught.value)


# -- where the credentials are -----------------------------------------------------------


def test_given_credentials_file_that_is_missing_names_the_option(tmp_path):
    with pytest.raises(InputError) as caught:
        find_credentials(parse_journal_url('mysql://h/db'), tmp_path / 'nope.cnf')
    assert str(caught.value) == f'-journal-cnf: no credentials file at {tmp_path / "nope.cnf"}'


def test_mysql_looks_for_replica_my_cnf_before_my_cnf(tmp_path):
    url = parse_journal_url('mysql://h/db')
    (tmp_path / '.my.cnf').write_text('[client]\n')
    assert find_credentials(url, env={'HOME': str(tmp_path)}) == tmp_path / '.my.cnf'
    (tmp_path / 'replica.my.cnf').write_text('[client]\n')
    assert find_credentials(url, env={'HOME': str(tmp_path)}) == tmp_path / 'replica.my.cnf'


def test_postgresql_looks_at_pgpassfile_before_home_pgpass(tmp_path):
    url = parse_journal_url('postgresql://h/db')
    (tmp_path / '.pgpass').write_text('')
    assert find_credentials(url, env={'HOME': str(tmp_path)}) == tmp_path / '.pgpass'
    (tmp_path / 'other').write_text('')
    env = {'HOME': str(tmp_path), 'PGPASSFILE': str(tmp_path / 'other')}
    assert find_credentials(url, env=env) == tmp_path / 'other'


def test_no_credentials_anywhere_names_the_places_and_the_option(tmp_path):
    with pytest.raises(InputError) as caught:
        find_credentials(parse_journal_url('mysql://h/db'), env={'HOME': str(tmp_path)})
    message = str(caught.value)
    assert message.startswith('-journal-cnf: ')
    assert str(tmp_path / 'replica.my.cnf') in message and str(tmp_path / '.my.cnf') in message


# -- MySQL option files --------------------------------------------------------------


def write(tmp_path, text: str, name: str = 'my.cnf'):
    path = tmp_path / name
    path.write_text(text)
    path.chmod(0o600)
    return path


def test_option_file_gives_the_client_sections_user_and_password(tmp_path):
    path = write(tmp_path, f'[mysqld]\nuser = mysql\n\n[client]\nuser = s51234\npassword = {SECRET}\n')
    assert read_option_file(path) == OptionFileLogin('s51234', SECRET)


def test_option_file_values_may_be_quoted_and_unquoted_ones_end_at_a_comment(tmp_path):
    path = write(
        tmp_path,
        '!includedir /etc/mysql/conf.d/\n[client]\nuser = bot # the tool account\npassword = "a#b c"\n',
    )
    assert read_option_file(path) == OptionFileLogin('bot', 'a#b c')


def test_option_file_login_repr_hides_the_password():
    assert SECRET not in repr(OptionFileLogin('bot', SECRET))


@pytest.mark.parametrize(
    ('text', 'says'),
    [
        ('[mysql]\nuser = bot\n', 'has no [client] section'),
        ('[client]\nuser = bot\n', 'has no password in its [client] section'),
        (f'[client]\npassword = {SECRET}\n', 'has no user in its [client] section'),
        (f'password = {SECRET}\n[client]\n', 'is not a MySQL option file (line 1'),
    ],
)
def test_bad_option_file_is_one_line_without_its_contents(tmp_path, text, says):
    with pytest.raises(InputError) as caught:
        read_option_file(write(tmp_path, text))
    message = str(caught.value)
    assert message.startswith('-journal-cnf: ') and says in message
    assert SECRET not in message and '\n' not in message


def test_engine_url_of_a_mysql_journal_holds_no_password(tmp_path):
    path = write(tmp_path, f'[client]\nuser = bot\npassword = {SECRET}\n')
    engine = create_journal_engine('mysql://h/db', path)
    assert engine.url.render_as_string(hide_password=False) == 'mysql+pymysql://bot@h:3306/db?charset=utf8mb4'


# -- pgpass ------------------------------------------------------------------------------


def test_pgpass_user_from_the_first_matching_line_with_wildcards(tmp_path):
    path = write(
        tmp_path,
        f'# comment\nother:5432:db:nobody:x\n*:5432:db:journal_bot:{SECRET}\n*:*:*:later:y\n',
        'pgpass',
    )
    assert pgpass_user(path, parse_journal_url('postgresql://db.example/db')) == 'journal_bot'


def test_pgpass_socket_folder_matches_its_escaped_path(tmp_path):
    path = write(tmp_path, f'/run/pg\\:x:5432:db:bot:{SECRET}\n', 'pgpass')
    url = parse_journal_url('postgresql://localhost/db?host=/run/pg:x')
    assert pgpass_user(path, url) == 'bot'


def test_pgpass_default_socket_folder_is_matched_as_localhost(tmp_path):
    path = write(tmp_path, f'localhost:5432:db:bot:{SECRET}\n', 'pgpass')
    url = parse_journal_url('postgresql://localhost/db?host=/var/run/postgresql')
    assert pgpass_user(path, url) == 'bot'


def test_pgpass_without_a_line_for_the_urls_user_is_refused(tmp_path):
    path = write(tmp_path, f'*:*:*:bot:{SECRET}\n', 'pgpass')
    with pytest.raises(InputError) as caught:
        pgpass_user(path, parse_journal_url('postgresql://other@h/db'))
    assert str(caught.value) == (
        f'-journal-cnf: {path} has no line for other@h:5432/db (host:port:database:username:password)'
    )


def test_pgpass_others_may_read_is_refused_as_libpq_would_ignore_it(tmp_path):
    path = write(tmp_path, f'*:*:*:bot:{SECRET}\n', 'pgpass')
    path.chmod(0o644)
    with pytest.raises(InputError) as caught:
        pgpass_user(path, parse_journal_url('postgresql://h/db'))
    assert 'chmod 600' in str(caught.value)

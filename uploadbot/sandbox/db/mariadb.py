"""A real MariaDB (Debian's mariadb-server, 10.11 on Debian 12), as on Toolforge's ToolsDB.

Credentials go to a MySQL option file with only ``[client] user`` and
``password``, the form of Toolforge's ``replica.my.cnf``.
"""

from __future__ import annotations

import socket
from pathlib import Path

from ..pwbconfig import write_private
from . import hashes, process
from .server import HOST, DatabaseServer


class MariaDB(DatabaseServer):
    """``mariadbd`` on 127.0.0.1 and ``run/mysqld.sock``, with one database and one user."""

    kind = 'mysql'
    program = 'mariadbd'
    packages = ('mariadb-server', 'mariadb-client')
    service_account = 'mysql'
    credentials_name = 'client.cnf'

    def _binary(self, name: str) -> str:
        return f'/usr/sbin/{name}' if name == 'mariadbd' else f'/usr/bin/{name}'

    def _socket_path(self, port: int) -> Path:
        return self.run_dir / 'mysqld.sock'

    def _socket_for_url(self, port: int) -> str:
        return str(self._socket_path(port))

    def _common_options(self) -> list[str]:
        user = [f'--user={self.runs_as}'] if self.runs_as else []
        # --no-defaults first: Debian's /etc/mysql files describe the system server, not ours.
        return ['--no-defaults', *user, f'--datadir={self.data_dir}', '--innodb-log-file-size=8M']

    def _initialise(self, port: int) -> None:
        login = [] if self.runs_as else [f'--auth-root-socket-user={process.current_user()}']
        self._run(
            [
                self._binary('mariadb-install-db'),
                *self._common_options(),
                '--auth-root-authentication-method=socket',
                *login,
                '--skip-test-db',
            ],
            'mariadb-install-db',
        )

    def _server_command(self, port: int) -> list[str]:
        return [
            self._binary('mariadbd'),
            *self._common_options(),
            f'--socket={self._socket_path(port)}',
            f'--port={port}',
            f'--bind-address={HOST}',
            f'--pid-file={self.run_dir / "mysqld.pid"}',
            '--skip-name-resolve',
            '--character-set-server=utf8mb4',
            '--innodb-buffer-pool-size=32M',
        ]

    def _ready(self, port: int) -> bool:
        if not self._socket_path(port).exists():
            return False
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return True
        except OSError:
            return False

    def _create_account(self, port: int) -> None:
        """The database and its user, created as MariaDB's root over the socket.

        root@localhost logs in by ``unix_socket`` (who we are, no password);
        the SQL goes on standard input and names the password by its hash only.
        """
        password = hashes.new_password()
        stored = hashes.mysql_native(password)
        accounts = f"'{self.user}'@'localhost', '{self.user}'@'{HOST}'"
        sql = (
            f'CREATE DATABASE `{self.database}` CHARACTER SET utf8mb4;\n'
            f"CREATE USER '{self.user}'@'localhost' IDENTIFIED BY PASSWORD '{stored}';\n"
            f"CREATE USER '{self.user}'@'{HOST}' IDENTIFIED BY PASSWORD '{stored}';\n"
            f'GRANT ALL PRIVILEGES ON `{self.database}`.* TO {accounts};\n'
        )
        login = 'root' if process.is_root() else process.current_user()
        self._run(
            [
                self._binary('mariadb'),
                '--no-defaults',
                '--protocol=SOCKET',
                f'--socket={self._socket_path(port)}',
                f'--user={login}',
                '--batch',
            ],
            'creating the database and its user',
            stdin=sql,
        )
        write_private(
            self.credentials,
            "# uploadbot sandbox MariaDB: the journal user's credentials\n"
            f'[client]\nuser = {self.user}\npassword = {password}\n',
        )

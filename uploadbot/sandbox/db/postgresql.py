"""A real PostgreSQL (Debian's postgresql, 15 on Debian 12) in a fresh cluster.

The cluster is made with ``initdb`` (not Debian's pg_createcluster, which
registers a system cluster); its database and user are created in
single-user mode before the server first listens, so no superuser ever logs
in over the network. Credentials go to a pgpass file, which libpq reads.
"""

from __future__ import annotations

import signal
from pathlib import Path

from ..pwbconfig import write_private
from . import hashes, process
from .process import DatabaseError
from .server import HOST, DatabaseServer

#: Every login, local or TCP, proves the password by SCRAM; nobody gets in by "peer" or "trust".
PG_HBA = (
    '# uploadbot sandbox: passwords only\n'
    'local all all scram-sha-256\n'
    f'host all all {HOST}/32 scram-sha-256\n'
)


def _pgpass_field(text: str) -> str:
    return text.replace('\\', '\\\\').replace(':', '\\:')


class PostgreSQL(DatabaseServer):
    """``postgres`` on 127.0.0.1 and a socket in ``run/``, with one database and one user."""

    kind = 'postgresql'
    program = 'postgres'
    packages = ('postgresql',)
    service_account = 'postgres'
    credentials_name = 'pgpass'
    stop_signal = signal.SIGINT  # "fast" shutdown; SIGTERM would wait for every client

    def _binary(self, name: str) -> str:
        versions = sorted(
            Path('/usr/lib/postgresql').glob(f'*/bin/{name}'), key=lambda path: int(path.parent.parent.name)
        )
        if not versions:
            raise DatabaseError(f'no {name} under /usr/lib/postgresql; is postgresql installed?')
        return str(versions[-1])

    def _as_server(self, command: list[str]) -> list[str]:
        return [*process.as_user(self.runs_as), *command]

    def _socket_path(self, port: int) -> Path:
        return self.run_dir / f'.s.PGSQL.{port}'

    def _socket_for_url(self, port: int) -> str:
        return str(self.run_dir)

    def _initialise(self, port: int) -> None:
        superuser = self.runs_as or process.current_user()
        self._run(
            self._as_server(
                [
                    self._binary('initdb'),
                    '-D',
                    str(self.data_dir),
                    '-U',
                    superuser,
                    '-E',
                    'UTF8',
                    '--locale=C',
                    '--auth=trust',
                    '--no-instructions',
                    '--no-sync',
                ]
            ),
            'initdb',
        )
        # Replaced before the server first starts, so "trust" never lets anyone in.
        (self.data_dir / 'pg_hba.conf').write_text(PG_HBA)
        process.give_to(self.runs_as, self.data_dir / 'pg_hba.conf')
        password = hashes.new_password()
        sql = (
            f"CREATE ROLE {self.user} LOGIN PASSWORD '{hashes.scram_sha_256(password)}'\n"
            f"CREATE DATABASE {self.database} OWNER {self.user} ENCODING 'UTF8'\n"
        )
        output = self._run(
            self._as_server([self._binary('postgres'), '--single', '-D', str(self.data_dir), 'postgres']),
            'creating the database and its user',
            stdin=sql,
        )
        # Single-user mode exits 0 even when a statement fails: read what it said.
        if 'ERROR:' in output or 'FATAL:' in output:
            raise DatabaseError(f'creating the database and its user failed:\n{output}')
        entries = [(HOST, port), ('localhost', port), (str(self.run_dir), port)]
        write_private(
            self.credentials,
            ''.join(
                ':'.join(
                    _pgpass_field(str(part)) for part in (host, port, self.database, self.user, password)
                )
                + '\n'
                for host, port in entries
            ),
        )

    def _server_command(self, port: int) -> list[str]:
        return self._as_server(
            [
                self._binary('postgres'),
                '-D',
                str(self.data_dir),
                '-p',
                str(port),
                '-k',
                str(self.run_dir),
                '-c',
                f'listen_addresses={HOST}',
            ]
        )

    def _ready(self, port: int) -> bool:
        """postmaster.pid's last line says ``ready`` once connections are accepted."""
        try:
            lines = (self.data_dir / 'postmaster.pid').read_text().splitlines()
        except (FileNotFoundError, PermissionError):
            return False
        return len(lines) >= 8 and lines[7].strip() == 'ready'

    def _create_account(self, port: int) -> None:
        """Nothing more: :meth:`_initialise` created them before the server listened."""

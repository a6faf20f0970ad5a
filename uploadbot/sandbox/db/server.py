"""What the two sandbox database servers share: their folder, start, stop and record.

One folder holds one server::

    data/           the server's files (owned by the server's account when we are root)
    run/            its UNIX socket and pid file
    server.log      what the server printed
    server.pid      the process id ``stop`` ends, and the data folder that proves it ours
    server.json     where the server listens and who may log in (no password)
    client.cnf | pgpass   the credentials, mode 600, as an operator would keep them
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
import urllib.parse
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import ClassVar

from .. import packages
from ..php import free_port
from . import process
from .process import DatabaseError

HOST = '127.0.0.1'

#: Names we put into SQL unquoted-safe: letters, digits and underscores.
_NAME = re.compile(r'^[A-Za-z_][A-Za-z0-9_]{0,31}$')

#: The longest UNIX socket path Linux accepts (sun_path is 108 bytes with its NUL).
MAX_SOCKET_PATH = 107


@dataclass(frozen=True)
class DatabaseInfo:
    """A running sandbox database server: enough to build a journal URL (never a password).

    ``socket`` is what the journal URL names: the socket file for MariaDB
    (``?unix_socket=``), the socket folder for PostgreSQL (``?host=``).
    """

    kind: str
    host: str
    port: int
    socket: str
    database: str
    user: str
    credentials: str
    version: str
    pid: int
    init_seconds: float
    start_seconds: float

    def url(self, *, via_socket: bool = False) -> str:
        """The journal URL: ``mysql://HOST:PORT/DB`` or ``postgresql://HOST:PORT/DB``."""
        url = f'{self.kind}://{self.host}:{self.port}/{self.database}'
        if via_socket:
            key = 'unix_socket' if self.kind == 'mysql' else 'host'
            url += '?' + urllib.parse.urlencode({key: self.socket})
        return url

    @classmethod
    def read(cls, path: Path) -> DatabaseInfo:
        return cls(**json.loads(path.read_text()))


class DatabaseServer(ABC):
    """A real database server in a folder of its own, on 127.0.0.1 and a UNIX socket."""

    kind: ClassVar[str]
    program: ClassVar[str]
    packages: ClassVar[tuple[str, ...]]
    #: The account the server runs as when we are root.
    service_account: ClassVar[str]
    credentials_name: ClassVar[str]
    #: The signal that shuts the server down cleanly without waiting for clients.
    stop_signal: ClassVar[signal.Signals] = signal.SIGTERM

    def __init__(
        self, directory: Path | str, *, database: str = 'uploadbot_journal', user: str = 'uploadbot'
    ) -> None:
        for what, name in (('database', database), ('user', user)):
            if not _NAME.match(name):
                raise ValueError(f'{what} name {name!r}: use letters, digits and _')
        self.directory = Path(directory).resolve()
        self.database = database
        self.user = user
        self._process: subprocess.Popen | None = None

    # -- paths -------------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        return self.directory / 'data'

    @property
    def run_dir(self) -> Path:
        return self.directory / 'run'

    @property
    def credentials(self) -> Path:
        return self.directory / self.credentials_name

    @property
    def info_file(self) -> Path:
        return self.directory / 'server.json'

    @property
    def pid_file(self) -> Path:
        return self.directory / 'server.pid'

    @property
    def runs_as(self) -> str | None:
        """The account the server runs as: ``service_account`` when we are root, else us."""
        return self.service_account if process.is_root() else None

    # -- life cycle --------------------------------------------------------

    def start(self, port: int | None = None) -> DatabaseInfo:
        """Install the packages when missing, create the server when new, start it."""
        if self.running():
            return DatabaseInfo.read(self.info_file)
        packages.ensure_packages(self.packages)
        began = time.monotonic()
        fresh = not self.credentials.exists()  # written last when a server is created
        if fresh:
            if self.data_dir.exists() and any(self.data_dir.iterdir()):
                raise DatabaseError(
                    f'{self.directory} holds a server whose setup did not '
                    f'finish; remove the folder and start again'
                )
            port = port or free_port()
            self._prepare_folders()
            self._initialise(port)
        elif port is None:
            port = DatabaseInfo.read(self.info_file).port  # the credentials name it
        initialised = time.monotonic()
        self._spawn(self._server_command(port))
        try:
            self._wait_until_ready(port)
            if fresh:
                self._create_account(port)
        except BaseException:
            self.stop()  # never leave a half-made server running
            raise
        info = DatabaseInfo(
            kind=self.kind,
            host=HOST,
            port=port,
            socket=self._socket_for_url(port),
            database=self.database,
            user=self.user,
            credentials=str(self.credentials),
            version=self._version(),
            pid=self._process.pid,
            init_seconds=round(initialised - began, 3),
            start_seconds=round(time.monotonic() - initialised, 3),
        )
        self.info_file.write_text(json.dumps(asdict(info), indent=2) + '\n')
        return info

    def stop(self) -> bool:
        """End the server by its recorded process id once /proc shows it is ours."""
        pid = self.pid()
        if pid is None and self._process is not None and self._process.poll() is None:
            pid = self._process.pid  # our own child, so surely ours, though still starting
        if pid is not None:
            process.end(pid, self.stop_signal, self._process)
        self.pid_file.unlink(missing_ok=True)
        self._process = None
        return pid is not None

    def pid(self) -> int | None:
        """The server's process id, when it runs and is this folder's server."""
        try:
            pid = int(self.pid_file.read_text().split()[0])
        except (FileNotFoundError, ValueError, IndexError):
            return None
        return pid if process.serves(pid, self.program, self.data_dir) else None

    def running(self) -> bool:
        return self.pid() is not None

    # -- steps -------------------------------------------------------------

    def _prepare_folders(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.directory.chmod(0o711)  # the server's account passes through, reads nothing
        self.run_dir.mkdir(mode=0o755, exist_ok=True)
        self.data_dir.mkdir(mode=0o700, exist_ok=True)
        if self.runs_as:
            process.give_to(self.runs_as, self.run_dir, self.data_dir)
            process.check_reachable(self.runs_as, self.data_dir)
        if len(str(self._socket_path(0))) + 5 > MAX_SOCKET_PATH:
            raise DatabaseError(f'{self.directory} is too long a path for a UNIX socket')

    def _spawn(self, command: list[str]) -> None:
        with open(self.directory / 'server.log', 'ab') as log:
            self._process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.directory,
                env=process.clean_env(),
                start_new_session=True,
            )
        self.pid_file.write_text(f'{self._process.pid}\n{self.data_dir}\n')

    def _wait_until_ready(self, port: int, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise DatabaseError(
                    f'{self.program} exited with {self._process.returncode} '
                    f'while starting:\n{self.log_tail()}'
                )
            if self._ready(port):
                return
            time.sleep(0.02)
        raise DatabaseError(f'{self.program} was not ready within {timeout:.0f} s:\n{self.log_tail()}')

    def _run(self, command: list[str], what: str, *, stdin: str = '') -> str:
        """Run a setup program, the SQL (if any) on its standard input, never in its arguments."""
        result = subprocess.run(
            command,
            input=stdin,
            capture_output=True,
            text=True,
            cwd=self.directory,
            env=process.clean_env(),
            check=False,
        )
        if result.returncode != 0:
            raise DatabaseError(
                f'{what} failed ({result.returncode}):\n{result.stdout}{result.stderr}'.rstrip()
            )
        return result.stdout + result.stderr

    def _version(self) -> str:
        """The server's version number, e.g. ``10.11.19`` or ``15.18``."""
        text = self._run([self._binary(self.program), '--version'], 'version')
        found = re.search(r'\b(\d+\.\d+(?:\.\d+)?)', text.replace(self._binary(self.program), ''))
        return found.group(1) if found else text.strip()

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = (self.directory / 'server.log').read_text(errors='replace')
        except FileNotFoundError:
            return '(no log)'
        return '\n'.join(text.splitlines()[-lines:])

    # -- what each server does its own way ----------------------------------

    @abstractmethod
    def _binary(self, name: str) -> str:
        """The path of one of the server's programs."""

    @abstractmethod
    def _initialise(self, port: int) -> None:
        """Create the data folder and write the credentials file."""

    @abstractmethod
    def _server_command(self, port: int) -> list[str]:
        """The command that runs the server in the foreground."""

    @abstractmethod
    def _ready(self, port: int) -> bool:
        """Whether the server accepts connections now."""

    @abstractmethod
    def _create_account(self, port: int) -> None:
        """Create the database and its user on the fresh server (may do nothing)."""

    @abstractmethod
    def _socket_path(self, port: int) -> Path:
        """The UNIX socket file the server listens on."""

    @abstractmethod
    def _socket_for_url(self, port: int) -> str:
        """What the journal URL names to reach the socket."""

"""Processes of the sandbox database servers: the account they run as, and /proc.

MariaDB and PostgreSQL both refuse to run as root. When the test session is
root (as in CI) the servers run as Debian's ``mysql`` and ``postgres``
accounts: ``mariadbd --user=mysql`` switches itself, PostgreSQL's programs
are started through ``setpriv``, which replaces itself with the program, so
the process id we record is the server's own.
"""

from __future__ import annotations

import os
import pwd
import signal
import subprocess
import time
from pathlib import Path


class DatabaseError(RuntimeError):
    """A sandbox database server could not be set up, started or stopped."""


def is_root() -> bool:
    return os.geteuid() == 0


def current_user() -> str:
    return pwd.getpwuid(os.geteuid()).pw_name


def account(name: str) -> pwd.struct_passwd:
    """The system account ``name`` (created by the server's Debian package)."""
    try:
        return pwd.getpwnam(name)
    except KeyError:
        raise DatabaseError(
            f'there is no system account {name!r}; is its Debian package installed?'
        ) from None


def as_user(name: str | None) -> list[str]:
    """The command prefix that runs a program as ``name`` (none when ``name`` is None)."""
    if name is None:
        return []
    return ['setpriv', f'--reuid={name}', f'--regid={name}', '--init-groups']


def give_to(name: str | None, *paths: Path) -> None:
    """Make the server's account own its folders (nothing to do when it is us)."""
    if name is None:
        return
    user = account(name)
    for path in paths:
        os.chown(path, user.pw_uid, user.pw_gid)


def check_reachable(name: str | None, folder: Path) -> None:
    """Fail early, and clearly, when the server's account cannot write in ``folder``.

    pytest's own temporary folder (``/tmp/pytest-of-root``) is private to root,
    for example, so a server running as ``postgres`` could not use it.
    """
    if name is None:
        return
    probe = subprocess.run(
        [*as_user(name), 'test', '-w', str(folder), '-a', '-x', str(folder)], check=False, capture_output=True
    )
    if probe.returncode != 0:
        raise DatabaseError(
            f'the {name!r} account cannot write in {folder}: one of its parent '
            f'folders is private; use a folder every account may enter (e.g. under /tmp)'
        )


def clean_env() -> dict[str, str]:
    """Our environment without the variables that would steer a server or a client."""
    return {key: value for key, value in os.environ.items() if not key.startswith(('PG', 'MYSQL', 'MARIADB'))}


def state(pid: int) -> str | None:
    """The process's state letter from /proc (``Z`` for a zombie), None when it is gone."""
    try:
        stat = Path(f'/proc/{pid}/stat').read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return stat.rpartition(')')[2].split()[0]


def alive(pid: int) -> bool:
    return state(pid) not in (None, 'Z', 'X')


def command_line(pid: int) -> list[str]:
    try:
        raw = Path(f'/proc/{pid}/cmdline').read_bytes()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return []
    return [part.decode(errors='replace') for part in raw.split(b'\0') if part]


def serves(pid: int, program: str, data_dir: Path) -> bool:
    """Whether ``pid`` runs ``program`` on ``data_dir`` (not some process that reused the id)."""
    args = command_line(pid)
    if not args or Path(args[0]).name != program or not alive(pid):
        return False
    wanted = str(data_dir)
    return any(arg == wanted or arg.endswith('=' + wanted) for arg in args[1:])


def start_time(pid: int) -> int | None:
    """Clock ticks after boot when ``pid`` started: with the id, it names one process."""
    try:
        stat = Path(f'/proc/{pid}/stat').read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return int(stat.rpartition(')')[2].split()[19])


def process_tree(pid: int) -> set[tuple[int, int]]:
    """``pid`` and its descendants, each as (process id, start time)."""
    parents: dict[int, list[int]] = {}
    for entry in Path('/proc').iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / 'stat').read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue
        parent = int(stat.rpartition(')')[2].split()[1])
        parents.setdefault(parent, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        current = todo.pop()
        started = start_time(current)
        if started is not None and alive(current):
            found.add((current, started))
        todo.extend(parents.get(current, ()))
    return found


def still_running(tree: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """The processes of ``tree`` that still run (same id and start time)."""
    return {(pid, started) for pid, started in tree if start_time(pid) == started and alive(pid)}


def end(
    pid: int, polite: signal.Signals, process: subprocess.Popen | None = None, timeout: float = 60
) -> None:
    """Send ``polite`` to the server, wait for it to exit, then SIGKILL it if it lingers."""
    for sig in (polite, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process is not None:
                process.poll()
            else:
                _reap(pid)
            if not alive(pid):
                return
            time.sleep(0.05)
    raise DatabaseError(f'the database server (process {pid}) did not end')


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass

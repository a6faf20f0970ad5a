"""The sandbox's PHP processes: started in a session of their own, recognised by their
environment (never by a process id alone, which the system reuses), ended politely first."""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
from pathlib import Path

import requests


class SandboxError(RuntimeError):
    """The sandbox could not be set up or started."""


def wait_until_up(api_url: str, *, logs: Path, timeout: float = 60) -> None:
    """Until the wiki answers a siteinfo query; :class:`SandboxError` naming ``logs`` if it does not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            reply = requests.get(
                api_url, params={'action': 'query', 'meta': 'siteinfo', 'format': 'json'}, timeout=5
            )
            if reply.ok and 'query' in reply.json():
                return
        except (requests.RequestException, ValueError):
            pass
        time.sleep(0.2)
    raise SandboxError(f'the wiki at {api_url} did not answer within {timeout:.0f} s; see {logs}')


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def is_ours(pid: int, directory: Path) -> bool:
    """Whether ``pid`` runs and is a PHP process of this sandbox (not a reused id)."""
    try:
        cmdline = Path(f'/proc/{pid}/cmdline').read_bytes().split(b'\0')
        environ = Path(f'/proc/{pid}/environ').read_bytes().split(b'\0')
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return False
    marker = f'MW_CONFIG_FILE={directory / "LocalSettings.php"}'.encode()
    return bool(cmdline) and cmdline[0].endswith(b'php') and marker in environ


def terminate(pid: int, timeout: float = 10) -> None:
    """End a process group the sandbox started, politely first."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                waited, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                waited = 0
            if waited == pid or not Path(f'/proc/{pid}').exists():
                return
            time.sleep(0.1)
    print(f'process {pid} did not end', file=sys.stderr)

"""The run lock: one run per journal, a killed run's lock taken over by the next."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from uploadbot.errors import ExitCode
from uploadbot.run.lock import AlreadyRunning, RunLock, lock_path

ROOT = Path(__file__).resolve().parent.parent

SECRET = 'hunter2-bot-password-6f1c'

#: Takes the lock on the journal given as argv[1], says so, and waits to be killed.
#: It carries a secret in its arguments and its environment, as a bot run would.
HOLDER = textwrap.dedent("""
    import sys, time
    from uploadbot.run.lock import RunLock
    lock = RunLock(sys.argv[1])
    lock.acquire()
    print('locked', flush=True)
    time.sleep(120)
""")


@pytest.fixture
def journal(tmp_path) -> Path:
    return tmp_path / 'batch.csv.journal.sqlite'


@pytest.fixture
def holder(journal):
    """A separate process holding the lock; killed (SIGKILL) at the end if still alive."""
    env = {**os.environ, 'UPLOADBOT_TEST_SECRET': SECRET}
    process = subprocess.Popen(
        [sys.executable, '-c', HOLDER, str(journal), f'-password:{SECRET}'],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        if line.strip() != 'locked':
            process.kill()
            pytest.fail(f'the holder did not take the lock: {line!r} {process.stderr.read()}')
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
        process.stdout.close()
        process.stderr.close()


def kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


def test_the_lock_file_is_the_journal_name_with_lock_appended(journal):
    assert lock_path(journal) == journal.parent / 'batch.csv.journal.sqlite.lock'
    assert RunLock(journal).path == journal.parent / 'batch.csv.journal.sqlite.lock'
    directory_journal = journal.parent / 'incoming' / '.uploadbot.journal.sqlite'
    assert RunLock(directory_journal).path.name == '.uploadbot.journal.sqlite.lock'
    assert ExitCode.ALREADY_RUNNING == 5


def test_acquire_writes_pid_host_and_start_time(journal):
    with RunLock(journal) as lock:
        written = json.loads(lock.path.read_text())
        assert written['pid'] == os.getpid()
        assert written['host'] == socket.gethostname()
        assert written['started'].endswith('+00:00')
        assert lock.info == written
        assert lock.held
        assert lock.took_over is None
        assert lock.takeover_message() is None
    assert not lock.held
    assert lock.path.read_text() == ''  # a clean end leaves nothing to take over


def test_a_second_lock_in_the_same_process_is_refused(journal):
    with RunLock(journal):
        second = RunLock(journal)
        with pytest.raises(AlreadyRunning) as caught:
            second.acquire()
        assert not second.held
        message = str(caught.value)
        assert f'pid {os.getpid()}' in message
        assert str(journal) in message
        assert caught.value.holder['pid'] == os.getpid()


def test_flock_conflicts_between_two_opens_in_one_process(journal):
    """flock belongs to the open file description: a second open of the file is refused."""
    with RunLock(journal) as lock:
        fd = os.open(lock.path, os.O_RDWR)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(fd)
        # closing that other descriptor did not drop the lock
        assert lock.held
        with pytest.raises(AlreadyRunning):
            RunLock(journal).acquire()


def test_a_live_run_in_another_process_is_reported(journal, holder):
    with pytest.raises(AlreadyRunning) as caught:
        RunLock(journal).acquire()
    error = caught.value
    message = str(error)
    assert f'pid {holder.pid} ' in message
    assert socket.gethostname() in message
    assert str(journal) in message
    assert 'started 20' in message
    assert '\n' not in message
    assert error.holder['pid'] == holder.pid
    assert error.journal_path == journal
    assert error.lock_path == lock_path(journal)


def test_the_lock_of_a_killed_run_is_taken_over(journal, holder):
    before = json.loads(lock_path(journal).read_text())
    assert before['pid'] == holder.pid
    kill(holder)
    # the dead run's details are still in the file ...
    assert json.loads(lock_path(journal).read_text()) == before
    # ... but its lock went with it
    with RunLock(journal) as lock:
        assert lock.took_over == before
        message = lock.takeover_message()
        assert f'pid {holder.pid} ' in message
        assert before['started'] in message
        assert 'gone' in message
        assert json.loads(lock.path.read_text())['pid'] == os.getpid()


def test_release_lets_the_next_run_in(journal):
    first = RunLock(journal)
    first.acquire()
    with pytest.raises(AlreadyRunning):
        RunLock(journal).acquire()
    first.release()
    first.release()  # a second release is harmless
    with RunLock(journal) as second:
        assert second.took_over is None  # released cleanly: nothing to take over
    # and the same object can lock again
    first.acquire()
    first.release()


def test_released_by_another_process_lets_this_one_in(journal, holder):
    with pytest.raises(AlreadyRunning):
        RunLock(journal).acquire()
    holder.terminate()  # SIGTERM: no clean-up runs, the kernel drops the lock
    holder.wait(timeout=30)
    with RunLock(journal) as lock:
        assert lock.held


def test_the_lock_is_released_when_the_run_fails(journal):
    with pytest.raises(ZeroDivisionError), RunLock(journal):
        raise ZeroDivisionError
    with RunLock(journal) as lock:
        assert lock.took_over is None


def test_messages_and_lock_file_hold_no_secrets(journal, holder):
    with pytest.raises(AlreadyRunning) as caught:
        RunLock(journal).acquire()
    assert SECRET not in str(caught.value)
    assert SECRET not in repr(caught.value)
    assert SECRET not in lock_path(journal).read_text()
    kill(holder)
    with RunLock(journal) as lock:
        assert SECRET not in lock.takeover_message()
        assert SECRET not in lock.path.read_text()
        assert set(lock.took_over) == {'pid', 'host', 'started'}


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, '-c', 'pass'])
    process.wait(timeout=30)
    return process.pid


def _hold_with_details(path: Path, details: dict) -> int:
    """Lock ``path`` on a descriptor of our own (not a RunLock) and write ``details``."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.write(fd, json.dumps(details).encode())
    return fd


def test_a_lock_left_by_a_dead_process_of_this_host_is_stale(journal):
    """The safety net: the flock is still taken, but its recorded owner is gone."""
    details = {'pid': _dead_pid(), 'host': socket.gethostname(), 'started': '2020-01-01T00:00:00+00:00'}
    fd = _hold_with_details(lock_path(journal), details)
    try:
        with RunLock(journal) as lock:
            assert lock.took_over == details
            assert json.loads(lock.path.read_text())['pid'] == os.getpid()
            with pytest.raises(AlreadyRunning):  # and the new lock is a real one
                RunLock(journal).acquire()
    finally:
        os.close(fd)


def test_a_lock_recorded_on_another_host_is_never_broken(journal):
    details = {'pid': _dead_pid(), 'host': 'some-other-host.example', 'started': '2020-01-01T00:00:00+00:00'}
    fd = _hold_with_details(lock_path(journal), details)
    try:
        with pytest.raises(AlreadyRunning) as caught:
            RunLock(journal).acquire()
        assert 'some-other-host.example' in str(caught.value)
        assert json.loads(lock_path(journal).read_text()) == details
    finally:
        os.close(fd)


def test_a_taken_lock_without_details_yet_is_reported(journal):
    fd = os.open(lock_path(journal), os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    try:
        with pytest.raises(AlreadyRunning) as caught:
            RunLock(journal).acquire()
        assert caught.value.holder is None
        assert 'not written yet' in str(caught.value)
    finally:
        os.close(fd)


def test_garbage_in_a_free_lock_file_is_taken_over(journal):
    lock_path(journal).write_text('not json\x00\n')
    with RunLock(journal) as lock:
        assert lock.took_over is not None
        assert 'unreadable' in lock.took_over
        assert '\x00' not in lock.takeover_message()


def test_a_missing_directory_is_an_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        RunLock(tmp_path / 'nowhere' / 'batch.csv.journal.sqlite').acquire()

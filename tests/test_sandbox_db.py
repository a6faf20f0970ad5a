"""The sandbox database servers' safety rules that need no server running."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from uploadbot.sandbox.db import DatabaseError, MariaDB, PostgreSQL
from uploadbot.sandbox.packages import no_service_starts


def test_stop_leaves_alone_a_process_that_is_not_the_server(tmp_path):
    server = MariaDB(tmp_path / 'mariadb')
    server.directory.mkdir()
    server.pid_file.write_text(f'{os.getpid()}\n{server.data_dir}\n')  # a reused process id
    assert server.pid() is None
    assert server.stop() is False
    assert Path(f'/proc/{os.getpid()}').exists()


@pytest.mark.skipif(os.geteuid() != 0, reason='only root runs the servers as another account')
def test_a_server_folder_its_account_cannot_enter_is_refused_before_anything_runs(tmp_path):
    private = tmp_path / 'private'  # as pytest's own folders are: private to root
    private.mkdir(mode=0o700)
    server = PostgreSQL(private / 'pg')
    with pytest.raises(DatabaseError, match="the 'postgres' account cannot write in"):
        server.start()
    assert not server.credentials.exists()
    assert not server.pid_file.exists()


def test_package_installs_may_not_start_services(tmp_path):
    policy = tmp_path / 'policy-rc.d'
    with no_service_starts(policy):
        result = subprocess.run([str(policy), 'mariadb', 'start'], check=False)
        assert result.returncode == 101  # invoke-rc.d's "action forbidden"
    assert not policy.exists()


def test_an_existing_service_policy_is_left_as_it_was(tmp_path):
    policy = tmp_path / 'policy-rc.d'
    policy.write_text('#!/bin/sh\nexit 0\n')
    with no_service_starts(policy):
        pass
    assert policy.read_text() == '#!/bin/sh\nexit 0\n'

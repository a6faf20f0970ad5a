"""deploy/toolforge/jobs-shared.yaml: several jobs on one batch through ToolsDB."""

from __future__ import annotations

import shlex

import pytest
import yaml

from uploadbot.options import Options

from .test_deploy import DEPLOY, IMAGE, framework_payload

SHARED = DEPLOY / 'jobs-shared.yaml'


@pytest.fixture(scope='module')
def jobs() -> list[dict]:
    return yaml.safe_load(SHARED.read_text())


def options_of(job: dict) -> Options:
    words = shlex.split(
        job['command'].replace('$UPLOADBOT_JOURNAL', 'mysql://tools.db.svc.wikimedia.cloud/u__b')
    )
    return Options.parse([word for word in words if word.startswith('-')])


def test_the_jobs_framework_accepts_every_shared_job(jobs):
    for job in jobs:
        payload = framework_payload(job)
        assert (payload['name'], payload['imagename'], payload['mount']) == (job['name'], IMAGE, 'all')


def test_every_job_works_on_the_same_batch_through_the_same_server_journal(jobs):
    found = {(str(options.manifest), options.journal_url, options.batch) for options in map(options_of, jobs)}
    assert found == {('$HOME/batch/incoming', 'mysql://tools.db.svc.wikimedia.cloud/u__b', None)}


def test_each_job_writes_a_report_of_its_own(jobs):
    reports = [options_of(job).report for job in jobs]
    assert len(set(reports)) == len(jobs) >= 2


def test_no_credential_is_in_a_shared_job(jobs):
    for job in jobs:
        assert '-journal-cnf' not in job['command'] and 'password' not in job['command']


def test_the_jobs_together_keep_the_declared_rate(jobs):
    per_minute = sum(options_of(job).max_rate * 60 for job in jobs)
    assert per_minute <= 21

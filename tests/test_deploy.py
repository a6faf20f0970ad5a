"""deploy/toolforge: the jobs file, the set-up script and the recipe agree with the package."""

from __future__ import annotations

import configparser
import importlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from jobs_cli.cli import _job_to_arg_parser_args, arg_parser, get_api_payload
from toolforge_weld.errors import ToolforgeUserError

from uploadbot.options import Options

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / 'deploy' / 'toolforge'
JOBS_FILE = DEPLOY / 'jobs.yaml'
BOOTSTRAP = DEPLOY / 'bootstrap.sh'
RECIPE = DEPLOY / 'README.md'

#: Where jobs.yaml expects the checkout and the virtualenv in the tool's home.
SRC = '$HOME/uploadbot/src/'
VENV_BIN = '$HOME/uploadbot/venv/bin/'

#: The Jobs framework's limits: a Kubernetes name, at most 52 characters for a cron job.
JOB_NAME = re.compile(r'^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')
CRON_MACROS = {'@hourly', '@daily', '@weekly', '@monthly', '@yearly'}
CRON_FIELD = re.compile(r'^[\d*/,-]+$')
MEMORY = re.compile(r'^(\d+(?:\.\d+)?)(Mi|Gi)$')
EMAILS = {'none', 'all', 'onfinish', 'onfailure'}
#: The pre-built image both jobs run (see the reason in jobs.yaml).
IMAGE = 'python3.13'
ENV_ASSIGNMENT = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*=')


def load_jobs() -> dict[str, dict]:
    jobs = yaml.safe_load(JOBS_FILE.read_text())
    assert isinstance(jobs, list), 'jobs.yaml must be a list of jobs'
    names = [job['name'] for job in jobs]
    assert len(names) == len(set(names)), f'duplicate job names: {names}'
    return {job['name']: job for job in jobs}


def console_scripts() -> dict[str, str]:
    config = configparser.ConfigParser()
    config.read(ROOT / 'setup.cfg')
    scripts = {}
    for line in config['options.entry_points']['console_scripts'].strip().splitlines():
        name, _, target = line.partition('=')
        scripts[name.strip()] = target.strip()
    return scripts


def split_command(command: str) -> tuple[dict[str, str], str, list[str]]:
    """Environment assignments, the executable and its arguments of a job's command."""
    words = shlex.split(command)
    env = {}
    while words and ENV_ASSIGNMENT.match(words[0]):
        name, _, value = words.pop(0).partition('=')
        env[name] = value
    assert words, f'no executable in {command!r}'
    return env, words[0], words[1:]


@pytest.fixture(scope='module')
def jobs() -> dict[str, dict]:
    return load_jobs()


@pytest.fixture(scope='module')
def batch(jobs) -> dict:
    return jobs['uploadbot-batch']


@pytest.fixture(scope='module')
def audit(jobs) -> dict:
    return jobs['uploadbot-audit']


@pytest.fixture(scope='module')
def setup(jobs) -> dict:
    return jobs['uploadbot-setup']


def test_every_job_has_the_required_fields(jobs):
    assert set(jobs) == {'uploadbot-setup', 'uploadbot-batch', 'uploadbot-audit'}
    for name, job in jobs.items():
        assert JOB_NAME.match(name) and len(name) <= 52, name
        assert job.get('image') == IMAGE, name
        assert isinstance(job.get('command'), str) and job['command'].strip(), name
        assert job.get('emails', 'none') in EMAILS, name
        assert job.get('mount') == 'all', f"{name}: the jobs read and write the tool's home"
        assert not job.get('continuous'), name


def test_logs_go_to_the_log_service_not_to_files_that_grow_forever(jobs):
    for name, job in jobs.items():
        assert job.get('no-filelog') is True and 'filelog' not in job, name
        assert framework_payload(job)['filelog'] is False, name


def job_arguments(job: dict) -> list[str]:
    """The jobs framework's own reading of a jobs.yaml entry, as ``toolforge jobs load`` does."""
    return _job_to_arg_parser_args(job=dict(job))


def framework_payload(job: dict) -> dict:
    """What ``toolforge jobs load`` would send for ``job`` (its parser and its checks)."""
    return get_api_payload(arg_parser(['run', *job_arguments(job)]))


def test_the_jobs_framework_accepts_every_job(jobs):
    for name, job in jobs.items():
        payload = framework_payload(job)
        assert payload['name'] == name and payload['imagename'] == IMAGE
        assert payload['cmd'] == job['command'] and payload['mount'] == 'all'


def test_the_jobs_framework_refuses_a_field_it_does_not_know(jobs):
    with pytest.raises(SystemExit):
        framework_payload({**jobs['uploadbot-batch'], 'timout': 3300})


def test_the_jobs_framework_refuses_a_timeout_on_a_job_without_schedule(jobs):
    with pytest.raises(ToolforgeUserError):
        framework_payload({**jobs['uploadbot-setup'], 'timeout': 600})


def test_the_scheduled_job_has_a_timeout_beyond_its_run_time_budget(batch):
    payload = framework_payload(batch)
    assert payload['job_type'] == 'scheduled' and payload['schedule'] == '@hourly'
    _, _, args = split_command(batch['command'])
    budget = Options.parse(args).max_runtime
    assert budget + 5 * 60 <= payload['timeout'] < 3600, (budget, payload['timeout'])


def test_the_scheduled_job_declares_a_steady_rate(batch):
    _, _, args = split_command(batch['command'])
    assert Options.parse(args).max_rate == pytest.approx(20 / 60)


def test_setup_is_a_one_off_job_that_is_waited_for(jobs, setup):
    assert 'schedule' not in setup
    assert setup['wait'] is True
    # `load` creates the jobs in the file's order: the set-up must come first
    assert list(jobs) == ['uploadbot-setup', 'uploadbot-batch', 'uploadbot-audit']


def test_batch_is_scheduled_and_mails_on_failure(batch):
    schedule = batch['schedule']
    assert schedule in CRON_MACROS or (
        len(schedule.split()) == 5 and all(CRON_FIELD.match(f) for f in schedule.split())
    ), schedule
    assert batch['emails'] == 'onfailure'
    assert 'wait' not in batch


def test_batch_requests_memory_with_headroom_over_the_measured_peak(batch):
    match = MEMORY.match(str(batch.get('mem', '')))
    assert match, f'mem must be a quantity like 512Mi, not {batch.get("mem")!r}'
    mebibytes = float(match[1]) * (1024 if match[2] == 'Gi' else 1)
    assert 256 <= mebibytes <= 2048, mebibytes  # above the ~90 MB peak, within a tool's quota
    text = JOBS_FILE.read_text()
    assert 'peak RSS' in text and '60-90 MB' in text, 'the mem: comment must say how it was sized'


def test_the_audit_is_a_daily_job_of_its_own_that_mails_on_a_new_finding(audit):
    payload = framework_payload(audit)
    assert payload['job_type'] == 'scheduled' and payload['schedule'] == '@daily'
    assert payload['timeout'] < 24 * 3600 and audit['emails'] == 'onfailure'


def test_the_audit_reads_the_journal_of_the_scheduled_batch(batch, audit):
    _, executable, args = split_command(audit['command'])
    options = Options.parse(args)
    batch_options = Options.parse(split_command(batch['command'])[2])
    assert options.audit and executable == split_command(batch['command'])[1]
    assert (options.manifest, options.journal) == (batch_options.manifest, batch_options.journal)
    assert options.report != batch_options.report, 'the audit must not overwrite the run report'


def test_the_recipe_says_how_to_read_the_audits_mail(audit):
    text = RECIPE.read_text()
    for line in audit['command'].split():
        assert line in text, f'README.md does not show {line!r} of the audit job'
    for step in ("Reading the audit's mail", 'toolforge jobs logs uploadbot-audit', '| 7 |'):
        assert step in text, f'README.md does not mention {step!r}'


def test_setup_runs_the_bootstrap_script_of_the_checkout(setup):
    _, executable, args = split_command(setup['command'])
    assert executable.startswith(SRC), executable
    script = ROOT / executable.removeprefix(SRC)
    assert script == BOOTSTRAP
    assert script.is_file()
    assert os.access(script, os.X_OK), f'{script} must be executable (chmod +x, and commit the mode)'
    assert not args


def test_bootstrap_is_valid_bash():
    assert BOOTSTRAP.read_text().startswith('#!/bin/bash\n')
    bash = shutil.which('bash')
    assert bash
    result = subprocess.run([bash, '-n', str(BOOTSTRAP)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_bootstrap_refuses_a_home_without_a_checkout(tmp_path):
    result = subprocess.run(
        [str(BOOTSTRAP)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, 'HOME': str(tmp_path)},
    )
    assert result.returncode != 0
    assert 'no uploadbot checkout' in result.stderr
    assert not (tmp_path / 'uploadbot' / 'venv').exists()


def test_batch_runs_a_console_script_of_the_package(batch):
    env, executable, _ = split_command(batch['command'])
    assert executable.startswith(VENV_BIN), executable
    name = executable.removeprefix(VENV_BIN)
    scripts = console_scripts()
    assert name in scripts, f'{name} is not a console script in setup.cfg: {sorted(scripts)}'
    module, _, function = scripts[name].partition(':')
    assert callable(getattr(importlib.import_module(module), function))
    assert env == {'PYWIKIBOT_DIR': '$HOME/.pywikibot'}


def test_batch_keeps_its_files_in_the_tools_home(batch):
    _, _, args = split_command(batch['command'])
    paths = {
        arg.partition(':')[0]: arg.partition(':')[2]
        for arg in args
        if arg.partition(':')[0] in ('-manifest', '-template', '-report', '-journal')
    }
    assert {'-manifest', '-template', '-report'} <= set(paths)
    for option, value in paths.items():
        assert value.startswith('$HOME/'), f'{option}:{value} is not in the tool home'


def test_batch_passes_only_options_the_bot_accepts(batch):
    """Every -option: of the scheduled command is one uploadbot's own parser takes."""
    _, _, args = split_command(batch['command'])
    assert all(arg.startswith('-') for arg in args), args
    assert '-max-runtime:45m' in args
    options = Options.parse(args)
    assert options.manifest == Path('$HOME/batch/incoming')
    assert options.workers == 1  # one file at a time on Wikimedia wikis


def test_home_is_expanded_the_way_the_jobs_framework_runs_the_command(batch, tmp_path):
    """Run the command as the Jobs framework does -- ``/bin/sh -c --``, HOME set to the
    tool's home (the output captured here in two files) -- with a stand-in for the
    console script that records what it was given."""
    home = tmp_path / 'data' / 'project' / 'mytool'
    bin_dir = home / 'uploadbot' / 'venv' / 'bin'
    bin_dir.mkdir(parents=True)
    stand_in = bin_dir / 'uploadbot'
    stand_in.write_text(
        '#!/bin/sh\necho "PYWIKIBOT_DIR=$PYWIKIBOT_DIR"\n'
        'for arg in "$@"; do echo "$arg"; done\necho to-stderr >&2\n'
    )
    stand_in.chmod(0o755)
    wrapped = f'exec 1>>{home}/uploadbot-batch.out;exec 2>>{home}/uploadbot-batch.err;{batch["command"]}'
    env = {'PATH': os.environ.get('PATH', '/usr/bin:/bin'), 'HOME': str(home)}
    result = subprocess.run(['/bin/sh', '-c', '--', wrapped], cwd=home, env=env, timeout=60, check=False)
    assert result.returncode == 0
    lines = (home / 'uploadbot-batch.out').read_text().splitlines()
    assert (home / 'uploadbot-batch.err').read_text() == 'to-stderr\n'
    assert lines[0] == f'PYWIKIBOT_DIR={home}/.pywikibot'
    assert lines[1:] == [
        f'-manifest:{home}/batch/incoming',
        f'-template:{home}/batch/description.wiki',
        f'-report:{home}/batch/report.csv',
        '-max-runtime:45m',
        '-max-rate:20/min',
    ]


def test_the_recipe_shows_the_commands_of_the_jobs_file(batch, setup):
    text = RECIPE.read_text()
    assert batch['command'] in text, 'README.md must show the scheduled command as it is'
    for step in (
        'ssh login.toolforge.org',
        'become ',
        'toolforge jobs load',
        'toolforge jobs list',
        'toolforge jobs logs uploadbot-batch',
        'toolforge jobs delete uploadbot-batch',
        'toolforge envvars create UPLOADBOT_BOTPASSWORD',
        'toolforge envvars create UPLOADBOT_OAUTH_CONSUMER_KEY',
        'deploy/toolforge/user-config.py',
        '-commit-held',
        '-status',
        '-workers:1',
        '-max-runtime',
        '-max-rate',
        'timeout',
        'Commons:Bots/Requests',
    ):
        assert step in text, f'README.md does not mention {step!r}'
    for code in range(6):
        assert re.search(rf'^\| {code} \|', text, re.MULTILINE), f'exit code {code} is not explained'


USER_CONFIG = DEPLOY / 'user-config.py'


def pywikibot_config(tmp_path: Path, env: dict[str, str]) -> dict:
    """pywikibot's configuration as the recipe's user-config.py makes it from ``env``."""
    directory = tmp_path / 'pywikibot'
    directory.mkdir()
    shutil.copy(USER_CONFIG, directory)
    pod_tmp = tmp_path / 'pod-tmp'
    pod_tmp.mkdir()
    probe = (
        'import json, os, stat\nfrom pywikibot import config\n'
        'path = config.password_file\n'
        'print(json.dumps({"family": config.family, "mylang": config.mylang,\n'
        '  "usernames": {k: dict(v) for k, v in config.usernames.items() if v},\n'
        '  "authenticate": config.authenticate, "password_file": path,\n'
        '  "mode": stat.S_IMODE(os.stat(path).st_mode) if path else None,\n'
        '  "password": open(path).read() if path else None}))\n'
    )
    result = subprocess.run(
        [sys.executable, '-c', probe],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={'PATH': os.environ['PATH'], 'PYWIKIBOT_DIR': str(directory), 'TMPDIR': str(pod_tmp), **env},
    )
    assert result.returncode == 0, result.stderr
    assert 'Configuration variable' not in result.stderr, result.stderr
    return {**json.loads(result.stdout), 'left': sorted(p.name for p in pod_tmp.iterdir())}


def test_user_config_takes_a_botpassword_from_the_environment(tmp_path):
    found = pywikibot_config(
        tmp_path,
        {
            'UPLOADBOT_USERNAME': 'ExampleBot',
            'UPLOADBOT_BOTPASSWORD_NAME': 'uploadbot',
            'UPLOADBOT_BOTPASSWORD': 'not-a-real-secret',
        },
    )
    assert (found['family'], found['mylang']) == ('commons', 'commons')
    assert found['usernames'] == {'commons': {'commons': 'ExampleBot'}}
    assert found['password_file'].startswith(str(tmp_path / 'pod-tmp'))
    assert found['mode'] == 0o600
    assert found['password'] == "('ExampleBot', BotPassword('uploadbot', 'not-a-real-secret'))\n"
    assert found['left'] == [], 'the password file must be removed when the run ends'
    assert not [
        path
        for path in (tmp_path / 'pywikibot').rglob('*')
        if path.is_file() and b'not-a-real-secret' in path.read_bytes()
    ]


def test_user_config_takes_oauth_tokens_from_the_environment(tmp_path):
    tokens = {
        f'UPLOADBOT_OAUTH_{part}': f'token-{number}'
        for number, part in enumerate(('CONSUMER_KEY', 'CONSUMER_SECRET', 'ACCESS_KEY', 'ACCESS_SECRET'))
    }
    found = pywikibot_config(tmp_path, {'UPLOADBOT_USERNAME': 'ExampleBot', **tokens})
    assert found['authenticate'] == {'commons.wikimedia.org': ['token-0', 'token-1', 'token-2', 'token-3']}
    assert found['password_file'] is None and found['left'] == []


def test_the_modules_bootstrap_checks_are_the_projects_own():
    """bootstrap.sh proves the new virtualenv by importing modules: they must exist."""
    code = re.search(r"\"\$new/bin/python\" -c '([^']+)'", BOOTSTRAP.read_text()).group(1)
    result = subprocess.run(
        [sys.executable, '-c', code],
        capture_output=True,
        text=True,
        env={**os.environ, 'PYWIKIBOT_NO_USER_CONFIG': '2'},
        check=False,
    )
    assert result.returncode == 0, result.stderr

"""The sandbox wiki: configured for uploads, with accounts and a pywikibot directory."""

from __future__ import annotations

import csv
import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from uploadbot.sandbox import settings

pytestmark = pytest.mark.wiki

ROOT = Path(__file__).resolve().parent.parent


def test_sandbox_serves_mediawiki_1_39_on_loopback(wiki, sandbox):
    general = wiki.get(action='query', meta='siteinfo')['query']['general']
    assert general['generator'].startswith('MediaWiki 1.39')
    assert sandbox.server.startswith('http://127.0.0.1:')


def test_sandbox_allows_commons_common_file_types(wiki):
    extensions = {
        entry['ext']
        for entry in wiki.get(action='query', meta='siteinfo', siprop='fileextensions')['query'][
            'fileextensions'
        ]
    }
    assert set(settings.FILE_EXTENSIONS) <= extensions


def test_bot_account_may_upload_and_copy_upload(sandbox):
    config = Path(sandbox.pywikibot_dir)
    code = (
        'import pywikibot; pywikibot.handle_args(); s = pywikibot.Site(); s.login(); '
        'print(s.username(), s.has_right("upload"), s.has_right("upload_by_url"), '
        's.has_right("reupload"))'
    )
    result = subprocess.run(
        [sys.executable, '-c', code, f'-dir:{config}'], capture_output=True, text=True, timeout=120
    )
    assert result.stdout.split() == [sandbox.bot, 'True', 'True', 'True'], result.stderr


def test_password_file_is_readable_by_its_owner_only(sandbox):
    mode = stat.S_IMODE((Path(sandbox.pywikibot_dir) / 'user-password.py').stat().st_mode)
    assert mode == 0o600


def test_sandbox_json_names_the_api_and_the_accounts(sandbox):
    recorded = json.loads((Path(sandbox.pywikibot_dir).parent / 'sandbox.json').read_text())
    assert recorded['api_url'] == sandbox.api_url
    assert recorded['admin'] and recorded['admin_password'] and recorded['bot']


def test_description_templates_render(wiki):
    html = wiki.get(
        action='parse',
        contentmodel='wikitext',
        text='{{Information|description=Hello|author={{own}}}}{{cc-zero}}',
    )['parse']['text']
    assert 'class="description"' in html and 'Hello' in html
    assert 'Own work' in html
    assert 'CC0' in html


def test_licence_templates_are_filed_in_the_licence_category(wiki):
    """As on Commons, so the licence check before upload runs for real on the sandbox."""
    answer = wiki.get(action='query', list='categorymembers', cmtitle='Category:License tags', cmlimit='max')
    titles = {member['title'] for member in answer['query']['categorymembers']}
    assert {'Template:Cc-by-4.0', 'Template:Cc-by-sa-4.0', 'Template:Cc-zero'} <= titles


def test_the_example_batchs_categories_exist(wiki):
    with open(ROOT / 'examples' / 'batch.csv', newline='', encoding='utf-8') as handle:
        categories = {name for row in csv.DictReader(handle) for name in row['categories'].split(';') if name}
    assert categories
    answer = wiki.get(action='query', titles='|'.join(f'Category:{name}' for name in categories))
    missing = [page['title'] for page in answer['query']['pages'] if page.get('missing')]
    assert missing == []


def test_status_says_where_it_runs(sandbox):
    directory = Path(sandbox.pywikibot_dir).parent
    result = subprocess.run(
        [sys.executable, '-m', 'uploadbot.sandbox.cli', 'status', '--dir', str(directory)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0
    assert f'running at {sandbox.server}' in result.stdout


def test_stop_ends_the_server_and_job_runner_it_started(tmp_path):
    import requests

    from uploadbot.sandbox import Sandbox

    box = Sandbox(tmp_path / 'second', workers=1)
    info = box.start()
    pids = [int((box.directory / f'{name}.pid').read_text().split()[0]) for name in ('server', 'jobrunner')]
    assert requests.get(info.api_url, timeout=10).ok
    assert box.stop() is True
    assert not box.running()
    assert all(gone(pid) for pid in pids)
    with pytest.raises(requests.ConnectionError):
        requests.get(info.api_url, timeout=5)


def test_no_secret_is_in_the_arguments_of_any_process_the_sandbox_starts(tmp_path, monkeypatch):
    from uploadbot.sandbox import Sandbox, wiki

    commands = []

    def recording(real):
        def call(command, *args, **kwargs):
            commands.append(' '.join(map(str, command)))
            return real(command, *args, **kwargs)

        return call

    monkeypatch.setattr(wiki.subprocess, 'run', recording(subprocess.run))
    monkeypatch.setattr(wiki.subprocess, 'Popen', recording(subprocess.Popen))
    box = Sandbox(tmp_path / 'watched', workers=1)
    info = box.start()
    box.stop()
    secrets = [(box.directory / 'bot.secret').read_text().strip(), info.admin_password]
    assert len(commands) > 5 and all(len(secret) >= 16 for secret in secrets)
    assert [command for command in commands if any(s in command for s in secrets)] == []


def gone(pid: int) -> bool:
    """The process has ended (it may linger as a zombie until its parent reaps it)."""
    try:
        return 'zombie' in Path(f'/proc/{pid}/status').read_text()
    except FileNotFoundError:
        return True


def test_default_sandbox_runs_no_anti_abuse_extension(wiki):
    names = {
        extension['name']
        for extension in wiki.get(action='query', meta='siteinfo', siprop='extensions')['query']['extensions']
    }
    assert not names & {'TitleBlacklist', 'SpamBlacklist', 'Abuse Filter'}


def test_unknown_extension_is_refused_in_one_line_before_anything_is_made(tmp_path):
    directory = tmp_path / 'never'
    result = subprocess.run(
        [
            sys.executable,
            '-m',
            'uploadbot.sandbox.cli',
            'start',
            '--dir',
            str(directory),
            '--extensions',
            'titleblacklist,nosuch',
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert 'unknown extension nosuch' in result.stderr
    assert 'Traceback' not in result.stderr
    assert not directory.exists()


def test_stop_ends_the_job_loop_of_an_extension_sandbox_and_what_it_runs(tmp_path):
    from uploadbot.sandbox import Sandbox

    box = Sandbox(tmp_path / 'extensions', workers=1, extensions=['titleblacklist'])
    box.start()
    group = int((box.directory / 'jobrunner.pid').read_text().split()[0])
    assert b'jobloop.php' in Path(f'/proc/{group}/cmdline').read_bytes()
    assert box.stop() is True
    assert all(gone(pid) for pid in in_process_group(group))


def in_process_group(group: int) -> list[int]:
    """The processes whose process group is ``group``."""
    members = []
    for status in Path('/proc').glob('[0-9]*/stat'):
        try:
            fields = status.read_text().rsplit(')', 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if int(fields[2]) == group:
            members.append(int(status.parent.name))
    return members

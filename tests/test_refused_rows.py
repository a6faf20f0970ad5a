"""Rows the wiki refuses for good end ``refused`` once, and later runs leave them alone.

The sandbox refuses a file type outside ``$wgFileExtensions`` (the bot is
told not to check it first with ``-any-extension``) with ``filetype-banned``,
in one request; sent in chunks, MediaWiki 1.39 refuses the same name with
``illegal-filename`` at the first chunk. An AbuseFilter warning is injected
by the fault proxy in the words AbuseFilter uses (the default sandbox runs
no filters).
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from .proxy import FaultProxy, pywikibot_dir_through

pytestmark = pytest.mark.wiki

CHUNK = 64 * 1024


@pytest.fixture
def proxy(sandbox):
    proxy = FaultProxy(sandbox.port)
    yield proxy
    proxy.close()


def run_through(batch, proxy, tmp_path, *args) -> subprocess.CompletedProcess:
    through = pywikibot_dir_through(proxy, Path(batch.sandbox.pywikibot_dir), tmp_path / 'pwb')
    return batch.run('-any-extension', *args, pywikibot_dir=through)


def uploads_seen(proxy) -> int:
    return sum(1 for request in proxy.seen if request.action == 'upload')


def test_a_banned_file_type_is_refused_once_and_not_sent_by_the_next_run(batch, wiki, proxy, tmp_path, name):
    batch.add(f'{name}.txt', b'plain text, which the wiki does not take\n')
    first = run_through(batch, proxy, tmp_path)
    assert first.returncode == 6, first.stdout + first.stderr
    row = batch.outcomes()[f'{name}.txt']
    assert row['outcome'] == 'refused'
    assert 'filetype-banned' in row['message']
    assert uploads_seen(proxy) == 1
    second = run_through(batch, proxy, tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr
    assert uploads_seen(proxy) == 1, 'the second run sent nothing'
    row = batch.outcomes()[f'{name}.txt']
    assert (row['outcome'], row['attempts']) == ('refused', '1')
    assert row['message'].startswith('refused by an earlier run')
    assert '1 row(s) refused or found invalid by an earlier run wait for a person' in second.stderr
    assert wiki.file_info(f'{name}.txt') is None


def test_a_refused_row_is_sent_again_when_its_page_text_changes(batch, proxy, tmp_path, name):
    batch.add(f'{name}.txt', b'plain text again\n')
    assert run_through(batch, proxy, tmp_path).returncode == 6
    batch.rows[0]['description'] = 'a new description'
    again = run_through(batch, proxy, tmp_path)
    assert again.returncode == 6, 'a new refusal of the changed row is news'
    assert uploads_seen(proxy) == 2
    assert batch.outcomes()[f'{name}.txt']['attempts'] == '2'


def test_retry_refused_sends_an_unchanged_refused_row_again(batch, proxy, tmp_path, name):
    batch.add(f'{name}.txt', b'plain text once more\n')
    assert run_through(batch, proxy, tmp_path).returncode == 6
    assert run_through(batch, proxy, tmp_path, '-retry-refused').returncode == 6
    assert uploads_seen(proxy) == 2


def test_a_chunked_file_of_a_banned_type_is_refused_and_listed_by_status(batch, wiki, proxy, tmp_path, name):
    batch.add(f'{name}.txt', b'many lines of text\n' * (3 * CHUNK // 19))
    result = run_through(batch, proxy, tmp_path, f'-chunk-size:{CHUNK}')
    assert result.returncode == 6, result.stdout + result.stderr
    row = batch.outcomes()[f'{name}.txt']
    assert row['outcome'] == 'refused'
    assert 'illegal-filename' in row['message']
    assert uploads_seen(proxy) == 1, 'refused at the first chunk'
    status = subprocess.run(
        [
            sys.executable,
            '-m',
            'uploadbot',
            f'-dir:{batch.sandbox.pywikibot_dir}',
            f'-manifest:{batch.manifest}',
            '-status',
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=batch.folder,
    )
    assert '1 refused' in status.stdout
    listed = [line for line in status.stdout.splitlines() if f'{row["file"]} -> {name}.txt' in line]
    assert len(listed) == 1 and ': refused ' in listed[0]
    assert wiki.file_info(f'{name}.txt') is None


def test_an_abusefilter_warning_is_answered_by_sending_again_once(batch, wiki, proxy, tmp_path, name):
    path = batch.add(f'{name}.jpg')
    warned = proxy.add('abusefilter-warning', lambda request: request.is_direct_upload)
    result = run_through(batch, proxy, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert warned.hit == 1
    assert sum(1 for request in proxy.seen if request.is_direct_upload) == 2
    row = batch.outcomes()[f'{name}.jpg']
    assert row['outcome'] == 'uploaded'
    assert 'AbuseFilter warned (abusefilter-warning): Warning: This action' in row['message']
    assert [v['sha1'] for v in wiki.file_versions(f'{name}.jpg')] == [
        hashlib.sha1(path.read_bytes()).hexdigest()
    ]


def test_a_second_abusefilter_warning_fails_the_row_for_another_run(batch, wiki, proxy, tmp_path, name):
    batch.add(f'{name}.jpg')
    proxy.add('abusefilter-warning', lambda request: request.is_direct_upload, times=2)
    result = run_through(batch, proxy, tmp_path)
    assert result.returncode == 1
    row = batch.outcomes()[f'{name}.jpg']
    assert row['outcome'] == 'failed'
    assert 'abusefilter-warning' in row['message']
    assert wiki.file_info(f'{name}.jpg') is None

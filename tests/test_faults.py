"""Reliability through a fault-injecting proxy: every file lands exactly once."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from .proxy import FaultProxy, Request, pywikibot_dir_through

pytestmark = pytest.mark.wiki

CHUNK = 64 * 1024

#: The random faults' seed (``UPLOADBOT_CHAOS_SEED`` tries another sequence).
CHAOS_SEED = int(os.environ.get('UPLOADBOT_CHAOS_SEED', '20261121'))


def after(count: int, predicate):
    """A predicate that lets ``count`` matching requests through before it matches."""
    seen = [0]

    def matches(request: Request) -> bool:
        if not predicate(request):
            return False
        seen[0] += 1
        return seen[0] > count

    return matches


def is_upload(request: Request) -> bool:
    return request.action == 'upload' and request.param('checkstatus') is None


def is_sha1_query(request: Request) -> bool:
    return request.action == 'query' and request.param('list') == 'allimages'


@pytest.fixture
def proxy(sandbox):
    proxy = FaultProxy(sandbox.port)
    yield proxy
    proxy.close()


def run_through(batch, proxy, tmp_path, *args):
    through = pywikibot_dir_through(proxy, Path(batch.sandbox.pywikibot_dir), tmp_path / 'pwb')
    return batch.run(*args, timeout=900, pywikibot_dir=through)


def test_fifty_files_through_every_kind_of_fault_land_exactly_once(batch, wiki, proxy, tmp_path, name):
    paths = {}
    for index in range(50):
        size = 150_000 + index * 997 if index % 5 == 0 else 2500 + index * 31
        paths[f'{name} {index}.jpg'] = batch.add(f'{name} {index}.jpg', size=size)
    faults = [
        proxy.add('reset-before', after(3, lambda r: r.is_chunk), times=3),
        proxy.add('reset-after', after(2, lambda r: r.is_chunk), times=2),
        proxy.add('reset-after', after(1, lambda r: r.is_commit), times=2),
        proxy.add('reset-after', after(4, lambda r: r.is_direct_upload), times=2),
        proxy.add('status', after(1, is_sha1_query), status=502, times=2),
        proxy.add('retry-after', after(9, lambda r: r.is_chunk), status=503, times=2),
        proxy.add('status-after', after(12, lambda r: r.is_direct_upload), status=504, times=2),
        proxy.add('status-after', after(3, lambda r: r.is_commit), status=504, times=1),
        proxy.add('retry-after', after(15, is_upload), status=429, retry_after=1, times=2),
        proxy.add('delay', after(4, is_sha1_query), delay=3.0, times=1),
        proxy.add('maxlag', after(20, is_upload), times=2),
        proxy.add('badtoken', after(25, is_upload), times=2),
        proxy.add('drop-cookie', after(30, is_upload), times=2),
    ]
    result = run_through(batch, proxy, tmp_path, f'-chunk-size:{CHUNK}', '-query-timeout:1.5')
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert [fault.hit for fault in faults] == [fault.times for fault in faults], (
        'every fault was injected as often as planned'
    )
    outcomes = batch.outcomes()
    assert {row['outcome'] for row in outcomes.values()} == {'uploaded'}
    journal = batch.manifest.with_name(batch.manifest.name + '.journal.sqlite')
    with sqlite3.connect(journal) as db:
        recorded = dict(db.execute('SELECT filename, sha1 FROM rows WHERE state = ?', ('uploaded',)))
    assert len(recorded) == 50
    for filename, path in paths.items():
        digest = hashlib.sha1(path.read_bytes()).hexdigest()
        versions = wiki.file_versions(filename)
        assert [version['sha1'] for version in versions] == [digest], filename
        assert wiki.files_with_sha1(digest) == [filename.replace(' ', '_')]
        assert recorded[filename] == digest


def asks_who_the_bot_is(request: Request) -> bool:
    return b'userinfo' in request.body or 'userinfo' in request.path


def test_a_session_the_wiki_missed_for_a_moment_costs_a_retry_not_the_row(batch, wiki, proxy, tmp_path, name):
    """The wiki misses the session on an upload and on the bot's question who it is, so
    pywikibot logs in again; the wiki, which has the session again, refuses that login."""
    path = batch.add(f'{name}.jpg')
    missed = proxy.add('drop-cookie', is_upload)
    asked = proxy.add('drop-cookie', lambda r: missed.hit > 0 and asks_who_the_bot_is(r))
    result = run_through(batch, proxy, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (missed.hit, asked.hit) == (1, 1)
    first_upload = next(n for n, request in enumerate(proxy.seen) if is_upload(request))
    assert any(request.action == 'login' for request in proxy.seen[first_upload:]), (
        'the bot asked the wiki for a login over its live session'
    )
    assert batch.outcomes()[f'{name}.jpg']['outcome'] == 'uploaded'
    digest = hashlib.sha1(path.read_bytes()).hexdigest()
    assert [version['sha1'] for version in wiki.file_versions(f'{name}.jpg')] == [digest]


def test_a_wiki_refusing_the_checks_before_upload_ends_the_run_without_a_traceback(
    batch, wiki, proxy, tmp_path, name
):
    proxy.add('status', lambda r: r.param('list') == 'categorymembers', times=100, status=403)
    batch.add(f'{name}.jpg')
    result = run_through(batch, proxy, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert 'the wiki could not be asked before uploading' in result.stderr
    assert 'Traceback' not in result.stdout + result.stderr
    assert wiki.file_info(f'{name}.jpg') is None


def test_an_upload_answered_with_an_error_without_a_code_is_looked_up_then_sent_again(
    batch, wiki, proxy, tmp_path, name
):
    path = batch.add(f'{name}.jpg')
    fault = proxy.add('string-error', lambda request: request.is_direct_upload)
    result = run_through(batch, proxy, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert fault.hit == 1
    assert batch.outcomes()[f'{name}.jpg']['outcome'] == 'uploaded'
    digest = hashlib.sha1(path.read_bytes()).hexdigest()
    assert [version['sha1'] for version in wiki.file_versions(f'{name}.jpg')] == [digest]


def test_fifty_files_through_random_faults_from_the_first_request_end_in_one_run(
    batch, wiki, sandbox, tmp_path, name
):
    """About one request in eight misbehaves, site set-up and login included."""
    paths = {}
    for index in range(50):
        size = 200_000 + index * 613 if index % 5 == 0 else 3000 + index * 37
        paths[f'{name} {index}.jpg'] = batch.add(f'{name} {index}.jpg', size=size)
    proxy = FaultProxy(sandbox.port)
    try:
        first = proxy.add('status', status=503, times=1)  # the very first request fails
        chaos = proxy.chaos(1 / 8, seed=CHAOS_SEED, stall=5.0)
        through = pywikibot_dir_through(
            proxy, Path(sandbox.pywikibot_dir), tmp_path / 'pwb', socket_timeout=3
        )
        batch.write()
        result = subprocess.run(
            [
                sys.executable,
                '-m',
                'uploadbot',
                f'-dir:{through}',
                f'-manifest:{batch.manifest}',
                f'-template:{batch.template}',
                f'-report:{batch.report}',
                f'-chunk-size:{CHUNK}',
                '-query-timeout:3',
                '-upload-timeout:4',
            ],
            capture_output=True,
            text=True,
            timeout=1500,
            cwd=batch.folder,
        )
    finally:
        proxy.close()
    first_upload = next(number for number, request in enumerate(proxy.seen, 1) if request.action == 'upload')
    at_start = [entry for entry in chaos.log if entry[0] < first_upload]
    print(
        f'\nfaults injected: {dict(chaos.injected)} + 1 first-request 503; '
        f'{len(proxy.seen)} requests; {len(at_start)} random faults before the first upload '
        f'(set-up and login): {at_start}'
    )
    assert first.hit == 1
    assert sum(chaos.injected.values()) >= len(proxy.seen) // 16, 'faults were injected'
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert 'Traceback' not in result.stderr
    outcomes = batch.outcomes()
    assert {row['outcome'] for row in outcomes.values()} == {'uploaded'}
    assert len(outcomes) == 50
    journal = batch.manifest.with_name(batch.manifest.name + '.journal.sqlite')
    with sqlite3.connect(journal) as db:
        recorded = dict(db.execute('SELECT filename, sha1 FROM rows WHERE state = ?', ('uploaded',)))
    for filename, path in paths.items():
        digest = hashlib.sha1(path.read_bytes()).hexdigest()
        assert [version['sha1'] for version in wiki.file_versions(filename)] == [digest]
        assert wiki.files_with_sha1(digest) == [filename.replace(' ', '_')]
        assert recorded[filename] == digest

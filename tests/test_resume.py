"""The journal makes runs resumable and idempotent: kills, re-runs, edited batches."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .files import jpeg_bytes
from .proxy import FaultProxy, pywikibot_dir_through

pytestmark = pytest.mark.wiki

CHUNK = 64 * 1024


def sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def journal_row(batch, filename: str) -> dict | None:
    path = batch.manifest.with_name(batch.manifest.name + '.journal.sqlite')
    if not path.exists():
        return None
    db = sqlite3.connect(f'file:{path}?mode=ro', uri=True, timeout=10)
    try:
        db.row_factory = sqlite3.Row
        row = db.execute('SELECT * FROM rows WHERE filename = ?', (filename,)).fetchone()
    except sqlite3.OperationalError:
        return None  # the bot has not created its table yet
    finally:
        db.close()
    return dict(row) if row else None


def start_bot(batch, *args: str, pywikibot_dir: str | None = None) -> subprocess.Popen:
    batch.write()
    command = [
        sys.executable,
        '-m',
        'uploadbot',
        f'-dir:{pywikibot_dir or batch.sandbox.pywikibot_dir}',
        f'-manifest:{batch.manifest}',
        f'-template:{batch.template}',
        f'-report:{batch.report}',
        *args,
    ]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=batch.folder)


def wait_for(condition, timeout: float = 120, step: float = 0.01):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError('timed out waiting')


def test_killed_chunked_upload_goes_on_from_the_wikis_offset(batch, wiki, name):
    size = 64 * CHUNK + 999
    path = batch.add(f'{name}.jpg', size=size)
    bot = start_bot(batch, f'-chunk-size:{CHUNK}')
    try:
        wait_for(
            lambda: (
                (row := journal_row(batch, f'{name}.jpg'))
                and row['state'] == 'stashing'
                and row['offset'] >= size // 4
            )
        )
        bot.send_signal(signal.SIGKILL)
    finally:
        bot.wait()
    recorded_offset = journal_row(batch, f'{name}.jpg')['offset']
    assert 0 < recorded_offset < size
    batch.run(f'-chunk-size:{CHUNK}', check=True)
    row = batch.outcomes()[f'{name}.jpg']
    assert row['outcome'] == 'uploaded'
    sent_again = int(row['sent'])
    # The second run sent only what the first had not got acknowledged,
    # so at most one chunk (the one in flight at the kill) travelled twice.
    assert sent_again <= size - recorded_offset
    assert sent_again < size - CHUNK
    assert wiki.file_info(f'{name}.jpg')['sha1'] == sha1(path.read_bytes())


def test_kill_after_commit_sent_records_the_upload_without_a_second_version(
    batch, wiki, sandbox, tmp_path, name
):
    path = batch.add(f'{name}.jpg', size=3 * CHUNK)
    proxy = FaultProxy(sandbox.port)
    try:
        proxy.add('hold', lambda request: request.is_commit)
        through = pywikibot_dir_through(proxy, Path(sandbox.pywikibot_dir), tmp_path / 'pwb')
        bot = start_bot(batch, f'-chunk-size:{CHUNK}', pywikibot_dir=str(through))
        try:
            assert proxy.holding.wait(120), 'the commit never reached the proxy'
            wait_for(lambda: wiki.file_info(f'{name}.jpg'))
            bot.send_signal(signal.SIGKILL)
        finally:
            bot.wait()
    finally:
        proxy.close()
    assert journal_row(batch, f'{name}.jpg')['state'] == 'committing'
    batch.run(f'-chunk-size:{CHUNK}', check=True)
    row = batch.outcomes()[f'{name}.jpg']
    assert row['outcome'] == 'uploaded'
    assert row['sent'] == '0'
    assert len(wiki.file_versions(f'{name}.jpg')) == 1
    assert wiki.file_info(f'{name}.jpg')['sha1'] == sha1(path.read_bytes())


def test_kill_after_direct_upload_sent_records_it_once(batch, wiki, sandbox, tmp_path, name):
    batch.add(f'{name}.jpg', size=5000)
    proxy = FaultProxy(sandbox.port)
    try:
        proxy.add('hold', lambda request: request.is_direct_upload)
        through = pywikibot_dir_through(proxy, Path(sandbox.pywikibot_dir), tmp_path / 'pwb')
        bot = start_bot(batch, pywikibot_dir=str(through))
        try:
            assert proxy.holding.wait(120)
            bot.send_signal(signal.SIGKILL)
        finally:
            bot.wait()
    finally:
        proxy.close()
    batch.run(check=True)
    assert batch.outcomes()[f'{name}.jpg']['outcome'] == 'uploaded'
    assert len(wiki.file_versions(f'{name}.jpg')) == 1


def test_finished_batch_run_again_sends_no_bytes(batch, wiki, name):
    for index in range(4):
        batch.add(f'{name} {index}.jpg', size=(3 * CHUNK if index == 0 else 4000))
    batch.run(f'-chunk-size:{CHUNK}', check=True)
    batch.run(f'-chunk-size:{CHUNK}', check=True)
    rows = batch.outcomes()
    assert {row['outcome'] for row in rows.values()} == {'uploaded'}
    assert [row['sent'] for row in rows.values()] == ['0'] * 4
    assert all(len(wiki.file_versions(f'{name} {index}.jpg')) == 1 for index in range(4))


def test_large_file_already_on_the_wiki_is_skipped_before_any_byte(batch, wiki, admin, name):
    content = jpeg_bytes(3 * CHUNK, seed=77)
    admin.upload(f'{name} theirs.jpg', content)
    batch.add(f'{name} ours.jpg', content=content)
    batch.run(f'-chunk-size:{CHUNK}', check=True)
    row = batch.outcomes()[f'{name} ours.jpg']
    assert (row['outcome'], row['sent']) == ('skipped', '0')
    assert 'before sending any bytes' in row['message']
    assert wiki.file_info(f'{name} ours.jpg') is None


def test_expired_stash_starts_the_row_over(batch, wiki, admin, sandbox, name):
    admin.upload(f'{name}.jpg', jpeg_bytes(3000, seed=(name, 1)))
    admin.delete(f'File:{name}.jpg')
    path = batch.add(f'{name}.jpg', size=3 * CHUNK)
    batch.run(f'-chunk-size:{CHUNK}')
    assert batch.outcomes()[f'{name}.jpg']['outcome'] == 'held'
    database = Path(sandbox.pywikibot_dir).parent / 'data' / 'sandbox.sqlite'
    with sqlite3.connect(database, timeout=30) as db:
        db.execute('DELETE FROM uploadstash')
    batch.run(f'-chunk-size:{CHUNK}', '-commit-held', '-on:was-deleted=upload', check=True)
    row = batch.outcomes()[f'{name}.jpg']
    assert row['outcome'] == 'uploaded'
    assert 'stashed file was gone' in row['message']
    assert int(row['sent']) == path.stat().st_size
    assert wiki.file_info(f'{name}.jpg')['sha1'] == sha1(path.read_bytes())


def test_held_row_is_committed_after_the_policy_changes(batch, wiki, admin, name):
    admin.upload(f'{name}.jpg', jpeg_bytes(3000, seed=(name, 1)))
    admin.delete(f'File:{name}.jpg')
    path = batch.add(f'{name}.jpg', seed=5)
    assert batch.run().returncode == 3
    assert batch.run('-on:was-deleted=upload').returncode == 3
    assert batch.outcomes()[f'{name}.jpg']['outcome'] == 'held'
    batch.run('-commit-held', '-on:was-deleted=upload', check=True)
    row = batch.outcomes()[f'{name}.jpg']
    assert (row['outcome'], row['sent']) == ('uploaded', '0')
    assert wiki.file_info(f'{name}.jpg')['sha1'] == sha1(path.read_bytes())


def test_journal_survives_rows_added_removed_and_reordered(batch, wiki, name):
    first = batch.add(f'{name} a.jpg')
    batch.add(f'{name} b.jpg')
    batch.run(check=True)
    batch.rows.reverse()
    batch.rows.pop()  # a is gone from the manifest
    batch.add(f'{name} c.jpg')
    batch.run(check=True)
    rows = batch.outcomes()
    assert (rows[f'{name} b.jpg']['outcome'], rows[f'{name} b.jpg']['sent']) == ('uploaded', '0')
    assert rows[f'{name} c.jpg']['outcome'] == 'uploaded'
    assert int(rows[f'{name} c.jpg']['sent']) > 0
    assert f'{name} a.jpg' not in rows
    assert wiki.file_info(f'{name} a.jpg')['sha1'] == sha1(first.read_bytes())


def test_changed_file_is_uploaded_again_as_new_content(batch, wiki, name):
    path = batch.add(f'{name}.jpg', seed=1)
    batch.run(check=True)
    path.write_bytes(jpeg_bytes(2500, seed=(name, 2)))
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10_000_000))
    batch.run('-on:exists=new-version', check=True)
    assert batch.outcomes()[f'{name}.jpg']['outcome'] == 'new-version'
    assert wiki.file_info(f'{name}.jpg')['sha1'] == sha1(path.read_bytes())

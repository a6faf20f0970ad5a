"""Bad input: a clear outcome for its row, or for the batch before anything is sent.

What can be seen of one row before the batch starts (a path leaving the
manifest's folder, a page too large for the wiki) settles that row
``invalid`` or ``refused`` with one line naming the file, the row and the
column, and the other rows go on. What only shows while the batch runs (a
file deleted or changed under the bot, an empty file) fails that row, and
the batch goes on.
"""

from __future__ import annotations

import hashlib

import pytest

from .files import jpeg_bytes
from .test_resume import journal_row, start_bot, wait_for

pytestmark = pytest.mark.wiki

CHUNK = 64 * 1024


def sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def test_path_leaving_the_manifest_folder_is_refused(batch, wiki, name):
    outside = batch.folder.parent / f'{name} outside.jpg'
    outside.write_bytes(jpeg_bytes(3000, seed=(name, 'out')))
    batch.add(f'{name} inside.jpg')
    batch.rows.append({'file': f'../{outside.name}', 'filename': f'{name} out.jpg', 'description': 'x'})
    result = batch.run()
    assert result.returncode == 6, result.stdout + result.stderr
    row = batch.outcomes()[f'{name} out.jpg']
    assert (row['row'], row['outcome']) == ('3', 'invalid')
    assert "column 'file'" in row['message'] and 'outside' in row['message']
    assert wiki.file_info(f'{name} out.jpg') is None
    assert wiki.file_info(f'{name} inside.jpg') is not None


def test_symlink_inside_the_folder_is_followed(batch, wiki, name):
    real = batch.folder / 'real.jpg'
    real.write_bytes(jpeg_bytes(3000, seed=(name, 'real')))
    (batch.folder / 'link.jpg').symlink_to(real)
    batch.rows.append({'file': 'link.jpg', 'filename': f'{name}.jpg', 'description': 'x'})
    batch.run(check=True)
    assert wiki.file_info(f'{name}.jpg')['sha1'] == sha1(real.read_bytes())


def test_symlink_leading_outside_the_folder_is_refused(batch, wiki, name, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp('elsewhere') / 'secret.jpg'
    elsewhere.write_bytes(jpeg_bytes(3000, seed=(name, 'secret')))
    (batch.folder / 'link.jpg').symlink_to(elsewhere)
    batch.rows.append({'file': 'link.jpg', 'filename': f'{name}.jpg', 'description': 'x'})
    result = batch.run()
    assert result.returncode == 6, result.stdout + result.stderr
    assert 'row 2: invalid' in result.stderr and "column 'file'" in result.stderr
    assert wiki.file_info(f'{name}.jpg') is None


def test_file_changed_while_uploading_fails_and_nothing_is_published(batch, wiki, name):
    size = 48 * CHUNK
    path = batch.add(f'{name}.jpg', size=size)
    later = batch.add(f'{name} later.jpg')
    bot = start_bot(batch, f'-chunk-size:{CHUNK}')
    try:
        wait_for(
            lambda: (
                (row := journal_row(batch, f'{name}.jpg'))
                and row['state'] == 'stashing'
                and row['offset'] >= 4 * CHUNK
            )
        )
        with open(path, 'r+b') as handle:  # same size, new bytes near the end
            handle.seek(size - CHUNK)
            handle.write(b'\x00' * CHUNK)
        assert bot.wait(timeout=300) == 1
    finally:
        bot.kill()
    rows = batch.outcomes()
    assert rows[f'{name}.jpg']['outcome'] == 'failed'
    assert 'changed while it was uploaded' in rows[f'{name}.jpg']['message']
    assert rows[f'{name} later.jpg']['outcome'] == 'uploaded'
    assert wiki.file_info(f'{name}.jpg') is None
    assert wiki.file_info(f'{name} later.jpg')['sha1'] == sha1(later.read_bytes())


def test_file_deleted_during_the_batch_fails_its_row_and_the_batch_goes_on(batch, wiki, name):
    batch.add(f'{name} big.jpg', size=48 * CHUNK)
    doomed = batch.add(f'{name} doomed.jpg')
    last = batch.add(f'{name} last.jpg')
    bot = start_bot(batch, f'-chunk-size:{CHUNK}')
    try:
        wait_for(lambda: (row := journal_row(batch, f'{name} big.jpg')) and row['state'] == 'stashing')
        doomed.unlink()
        assert bot.wait(timeout=300) == 1
    finally:
        bot.kill()
    rows = batch.outcomes()
    assert rows[f'{name} big.jpg']['outcome'] == 'uploaded'
    assert rows[f'{name} doomed.jpg']['outcome'] == 'failed'
    assert 'cannot read' in rows[f'{name} doomed.jpg']['message']
    assert rows[f'{name} last.jpg']['outcome'] == 'uploaded'
    assert wiki.file_info(f'{name} last.jpg')['sha1'] == sha1(last.read_bytes())


@pytest.mark.parametrize(
    'text', ['שלום עולם', 'مرحبا', 'zero\u200bwidth\u200djoin'], ids=['hebrew', 'arabic', 'zero-width']
)
def test_names_with_right_to_left_or_zero_width_characters_land_under_that_name(batch, wiki, name, text):
    target = f'{name} {text}.jpg'
    path = batch.add(target)
    batch.run(check=True)
    row = batch.outcomes()[target]
    assert (row['outcome'], row['title']) == ('uploaded', f'File:{target}')
    assert wiki.file_info(target)['sha1'] == sha1(path.read_bytes())


def test_direction_marks_are_dropped_as_the_wiki_does(batch, wiki, name):
    target = f'{name} \u200fmarked.jpg'
    path = batch.add(target)
    batch.run(check=True)
    row = batch.outcomes()[target]
    assert row['outcome'] in ('uploaded', 'renamed')
    assert row['title'] == f'File:{name} marked.jpg'
    assert wiki.file_info(f'{name} marked.jpg')['sha1'] == sha1(path.read_bytes())


def test_zero_byte_file_is_refused_and_the_batch_goes_on(batch, wiki, name):
    batch.add(f'{name} empty.jpg', content=b'')
    after = batch.add(f'{name} after.jpg')
    assert batch.run().returncode == 6
    rows = batch.outcomes()
    assert rows[f'{name} empty.jpg']['outcome'] == 'refused'
    assert rows[f'{name} after.jpg']['outcome'] == 'uploaded'
    assert wiki.file_info(f'{name} after.jpg')['sha1'] == sha1(after.read_bytes())


def test_huge_field_value_is_refused_before_uploading(batch, wiki, name):
    batch.add(f'{name} fine.jpg')
    batch.add(f'{name} huge.jpg', description='x' * 3_000_000)
    result = batch.run()
    assert result.returncode == 2
    assert 'row 3' in result.stderr
    assert wiki.file_info(f'{name} fine.jpg') is None


def test_manifest_that_is_not_utf8_is_refused_naming_the_row(batch, wiki, name):
    batch.add(f'{name}.jpg', description='Zürich')
    batch.write()
    batch.manifest.write_bytes(batch.manifest.read_text().encode('latin-1'))
    import subprocess
    import sys

    result = subprocess.run(
        [
            sys.executable,
            '-m',
            'uploadbot',
            f'-dir:{batch.sandbox.pywikibot_dir}',
            f'-manifest:{batch.manifest}',
            f'-template:{batch.template}',
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert 'batch.csv' in result.stderr and 'row 2' in result.stderr and 'UTF-8' in result.stderr
    assert 'Traceback' not in result.stderr
    assert wiki.file_info(f'{name}.jpg') is None

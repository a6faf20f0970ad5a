"""First uploads end to end: direct and chunked, checked through the wiki's API."""

from __future__ import annotations

import hashlib

import pytest

from uploadbot.describe.template import DescriptionTemplate

pytestmark = pytest.mark.wiki

CHUNK = 64 * 1024


def sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def assert_on_wiki(wiki, name: str, data: bytes) -> dict:
    info = wiki.file_info(name)
    assert info is not None, f'File:{name} is not on the wiki'
    assert info['sha1'] == sha1(data)
    assert info['size'] == len(data)
    return info


def test_small_file_goes_as_one_direct_upload(batch, wiki, name):
    path = batch.add(f'{name}.jpg', size=5000)
    batch.run(f'-chunk-size:{CHUNK}', check=True)
    row = batch.outcomes()[f'{name}.jpg']
    assert (row['outcome'], row['chunks']) == ('uploaded', '0')
    assert_on_wiki(wiki, f'{name}.jpg', path.read_bytes())


def test_large_file_goes_in_chunks_when_size_is_not_a_multiple(batch, wiki, name):
    path = batch.add(f'{name}.jpg', size=3 * CHUNK + 1234)
    batch.run(f'-chunk-size:{CHUNK}', check=True)
    row = batch.outcomes()[f'{name}.jpg']
    assert (row['outcome'], row['chunks']) == ('uploaded', '4')
    assert_on_wiki(wiki, f'{name}.jpg', path.read_bytes())


def test_file_of_exactly_one_chunk_goes_direct(batch, wiki, name):
    path = batch.add(f'{name}.jpg', size=CHUNK)
    batch.run(f'-chunk-size:{CHUNK}', check=True)
    assert batch.outcomes()[f'{name}.jpg']['chunks'] == '0'
    assert_on_wiki(wiki, f'{name}.jpg', path.read_bytes())


def test_file_one_byte_over_a_chunk_goes_in_two_chunks(batch, wiki, name):
    path = batch.add(f'{name}.jpg', size=CHUNK + 1)
    batch.run(f'-chunk-size:{CHUNK}', check=True)
    assert batch.outcomes()[f'{name}.jpg']['chunks'] == '2'
    assert_on_wiki(wiki, f'{name}.jpg', path.read_bytes())


def test_chunk_size_accepts_binary_suffixes(batch, wiki, name):
    path = batch.add(f'{name}.jpg', size=2 * 1024 * 1024 + 7)
    batch.run('-chunk-size:1Mi', check=True)
    assert batch.outcomes()[f'{name}.jpg']['chunks'] == '3'
    assert_on_wiki(wiki, f'{name}.jpg', path.read_bytes())


def test_description_page_is_the_built_template(batch, wiki, name):
    batch.add(f'{name}.jpg', description='A red square, 16 pixels', author='Jane Doe')
    batch.run(check=True)
    expected = DescriptionTemplate.from_file(batch.template).build(
        {'description': 'A red square, 16 pixels', 'author': 'Jane Doe'}
    )
    assert wiki.page_text(f'File:{name}.jpg') == expected.rstrip()


def test_upload_comment_is_the_summary_option(batch, wiki, name):
    batch.add(f'{name}.jpg')
    batch.run('-summary:Batch 7 from the archive', check=True)
    assert wiki.file_info(f'{name}.jpg')['comment'] == 'Batch 7 from the archive'


def test_summary_column_wins_over_the_option(batch, wiki, name):
    batch.add(f'{name}.jpg', summary='Row-specific comment')
    batch.run('-summary:Batch comment', check=True)
    assert wiki.file_info(f'{name}.jpg')['comment'] == 'Row-specific comment'


def test_uploads_are_made_by_the_bot_account(batch, wiki, sandbox, name):
    batch.add(f'{name}.jpg')
    batch.run(check=True)
    assert wiki.file_info(f'{name}.jpg')['user'] == sandbox.bot


def test_empty_file_is_reported_as_refused_by_the_wiki(batch, wiki, name):
    batch.add(f'{name}.jpg', content=b'')
    result = batch.run()
    row = batch.outcomes()[f'{name}.jpg']
    assert result.returncode == 6
    assert row['outcome'] == 'refused'
    assert 'empty-file' in row['message']
    assert wiki.file_info(f'{name}.jpg') is None


def test_extension_not_matching_content_is_refused_before_uploading(batch, wiki, name):
    from .files import jpeg_bytes

    batch.add(f'{name}.png', content=jpeg_bytes(3000, seed=(name, 99)))
    result = batch.run()
    assert result.returncode == 6, result.stdout + result.stderr
    row = batch.outcomes()[f'{name}.png']
    assert row['outcome'] == 'refused' and row['sent'] == '0'
    assert "column 'filename'" in row['message'] and '.png' in row['message']
    assert 'Traceback' not in result.stderr
    assert wiki.file_info(f'{name}.png') is None


def test_file_the_wiki_refuses_to_verify_is_reported_refused(batch, wiki, name):
    svg = (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" '
        b'height="10"><script>alert(1)</script></svg>'
    )
    batch.add(f'{name}.svg', content=svg)
    result = batch.run()
    row = batch.outcomes()[f'{name}.svg']
    assert result.returncode == 6
    assert row['outcome'] == 'refused'
    assert 'verification-error' in row['message']
    assert 'script' in row['message'].lower()
    assert wiki.file_info(f'{name}.svg') is None


def test_each_row_gets_a_line_and_the_run_a_summary(batch, name):
    batch.add(f'{name} a.jpg')
    batch.add(f'{name} b.jpg')
    result = batch.run(check=True)
    output = result.stdout + result.stderr
    assert f'uploaded    File:{name} a.jpg' in output
    assert f'uploaded    File:{name} b.jpg' in output
    assert 'summary: 2 rows: 2 uploaded' in output


def test_a_second_run_reports_the_file_done_by_the_first(batch, wiki, name):
    path = batch.add(f'{name}.jpg')
    batch.run(check=True)
    batch.run(check=True)
    row = batch.outcomes()[f'{name}.jpg']
    assert (row['outcome'], row['sent']) == ('uploaded', '0')
    assert 'earlier run' in row['message']
    assert len(wiki.file_versions(f'{name}.jpg')) == 1
    assert_on_wiki(wiki, f'{name}.jpg', path.read_bytes())


def test_the_same_file_again_with_a_fresh_journal_is_unchanged(batch, wiki, name):
    batch.add(f'{name}.jpg')
    batch.run(check=True)
    batch.run(f'-journal:{batch.folder / "other.sqlite"}', check=True)
    assert batch.outcomes()[f'{name}.jpg']['outcome'] == 'unchanged'
    assert len(wiki.file_versions(f'{name}.jpg')) == 1

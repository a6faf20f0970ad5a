"""Every MediaWiki 1.39 upload warning, produced for real and met by the policy.

Each test makes the wiki warn (another file under the name, the same bytes
elsewhere, a deleted file, ...), runs the bot, and checks the wiki afterwards:
which file is there, which version is current, its SHA1, its uploader.
"""

from __future__ import annotations

import hashlib

import pytest

from .conftest import Batch, second_sandbox
from .files import bmp_bytes, jpeg_bytes
from .wikiapi import WikiAPI

pytestmark = pytest.mark.wiki


def sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


# -- exists ------------------------------------------------------------------


def test_exists_is_skipped_by_default_and_the_wiki_is_unchanged(batch, wiki, admin, name):
    theirs = jpeg_bytes(3000, seed=(name, 1))
    admin.upload(f'{name}.jpg', theirs)
    batch.add(f'{name}.jpg', seed=2)
    result = batch.run()
    row = batch.outcomes()[f'{name}.jpg']
    assert result.returncode == 0
    assert (row['outcome'], row['warnings']) == ('skipped', 'exists')
    assert f'File:{name}.jpg' in row['message']
    versions = wiki.file_versions(f'{name}.jpg')
    assert [v['sha1'] for v in versions] == [sha1(theirs)]


def test_exists_with_upload_adds_a_new_version(batch, wiki, admin, name):
    admin.upload(f'{name}.jpg', jpeg_bytes(3000, seed=(name, 1)))
    ours = batch.add(f'{name}.jpg', seed=2)
    batch.run('-on:exists=upload', check=True)
    assert batch.outcomes()[f'{name}.jpg']['outcome'] == 'new-version'
    versions = wiki.file_versions(f'{name}.jpg')
    assert len(versions) == 2 and versions[0]['sha1'] == sha1(ours.read_bytes())


def test_new_version_is_refused_on_someone_elses_file(batch, wiki, admin, name):
    theirs = jpeg_bytes(3000, seed=(name, 1))
    admin.upload(f'{name}.jpg', theirs)
    batch.add(f'{name}.jpg', seed=2)
    batch.run('-on:exists=new-version', check=True)
    row = batch.outcomes()[f'{name}.jpg']
    assert row['outcome'] == 'skipped'
    assert 'not the bot' in row['message']
    assert [v['sha1'] for v in wiki.file_versions(f'{name}.jpg')] == [sha1(theirs)]


def test_new_version_any_overwrites_someone_elses_file(batch, wiki, admin, sandbox, name):
    admin.upload(f'{name}.jpg', jpeg_bytes(3000, seed=(name, 1)))
    ours = batch.add(f'{name}.jpg', seed=2)
    batch.run('-on:exists=new-version-any', check=True)
    assert batch.outcomes()[f'{name}.jpg']['outcome'] == 'new-version'
    current = wiki.file_info(f'{name}.jpg')
    assert (current['sha1'], current['user']) == (sha1(ours.read_bytes()), sandbox.bot)


def test_new_version_replaces_the_bots_own_file(batch, wiki, sandbox, name):
    batch.add(f'{name}.jpg', seed=1)
    batch.run(check=True)
    batch.rows.clear()
    second = batch.add(f'{name}.jpg', seed=2)
    batch.run('-on:exists=new-version', check=True)
    assert batch.outcomes()[f'{name}.jpg']['outcome'] == 'new-version'
    versions = wiki.file_versions(f'{name}.jpg')
    assert len(versions) == 2 and versions[0]['sha1'] == sha1(second.read_bytes())


def test_exists_with_rename_takes_the_next_free_name(batch, wiki, admin, name):
    admin.upload(f'{name}.jpg', jpeg_bytes(3000, seed=(name, 1)))
    ours = batch.add(f'{name}.jpg', seed=2)
    batch.run('-on:exists=rename', check=True)
    row = batch.outcomes()[f'{name}.jpg']
    assert (row['outcome'], row['title']) == ('renamed', f'File:{name} (2).jpg')
    assert wiki.file_info(f'{name} (2).jpg')['sha1'] == sha1(ours.read_bytes())


def test_rename_skips_numbers_already_taken(batch, wiki, admin, name):
    admin.upload(f'{name}.jpg', jpeg_bytes(3000, seed=(name, 1)))
    admin.upload(f'{name} (2).jpg', jpeg_bytes(3000, seed=(name, 3)))
    ours = batch.add(f'{name}.jpg', seed=2)
    batch.run('-on:exists=rename', check=True)
    assert batch.outcomes()[f'{name}.jpg']['title'] == f'File:{name} (3).jpg'
    assert wiki.file_info(f'{name} (3).jpg')['sha1'] == sha1(ours.read_bytes())


def test_rename_works_for_a_chunked_upload(batch, wiki, admin, name):
    admin.upload(f'{name}.jpg', jpeg_bytes(3000, seed=(name, 1)))
    ours = batch.add(f'{name}.jpg', size=200_000, seed=2)
    batch.run('-on:exists=rename', '-chunk-size:64Ki', check=True)
    row = batch.outcomes()[f'{name}.jpg']
    assert (row['outcome'], row['chunks']) == ('renamed', '4')
    assert wiki.file_info(f'{name} (2).jpg')['sha1'] == sha1(ours.read_bytes())


# -- content warnings ----------------------------------------------------------


def test_duplicate_is_skipped_and_names_the_existing_file(batch, wiki, admin, name):
    content = jpeg_bytes(3000, seed=(name, 4))
    admin.upload(f'{name} original.jpg', content)
    batch.add(f'{name} copy.jpg', content=content)
    batch.run(check=True)
    row = batch.outcomes()[f'{name} copy.jpg']
    assert (row['outcome'], row['warnings']) == ('skipped', 'duplicate')
    assert f'File:{name}_original.jpg' in row['message'] or f'File:{name} original.jpg' in row['message']
    assert wiki.file_info(f'{name} copy.jpg') is None


def test_duplicate_with_upload_publishes_a_second_copy(batch, wiki, admin, name):
    content = jpeg_bytes(3000, seed=(name, 4))
    admin.upload(f'{name} original.jpg', content)
    batch.add(f'{name} copy.jpg', content=content)
    batch.run('-on:duplicate=upload', check=True)
    assert batch.outcomes()[f'{name} copy.jpg']['outcome'] == 'uploaded'
    assert sorted(wiki.files_with_sha1(sha1(content))) == sorted(
        [f'{name} original.jpg'.replace(' ', '_'), f'{name} copy.jpg'.replace(' ', '_')]
    )


def test_duplicateversions_is_skipped_rather_than_reverting(batch, wiki, name):
    first = batch.add(f'{name}.jpg', seed=1).read_bytes()
    batch.run(check=True)
    batch.rows.clear()
    batch.add(f'{name}.jpg', seed=2)
    batch.run('-on:exists=new-version', check=True)
    batch.rows.clear()
    batch.add(f'{name}.jpg', content=first)
    batch.run('-on:exists=new-version', check=True)
    row = batch.outcomes()[f'{name}.jpg']
    assert row['outcome'] == 'skipped'
    assert 'duplicateversions' in row['warnings'].split(';')
    assert len(wiki.file_versions(f'{name}.jpg')) == 2


def test_duplicateversions_with_upload_reverts_to_the_old_bytes(batch, wiki, name):
    first = batch.add(f'{name}.jpg', seed=1).read_bytes()
    batch.run(check=True)
    batch.rows.clear()
    batch.add(f'{name}.jpg', seed=2)
    batch.run('-on:exists=new-version', check=True)
    batch.rows.clear()
    batch.add(f'{name}.jpg', content=first)
    batch.run('-on:exists=new-version', '-on:duplicateversions=upload', check=True)
    assert batch.outcomes()[f'{name}.jpg']['outcome'] == 'new-version'
    versions = wiki.file_versions(f'{name}.jpg')
    assert len(versions) == 3 and versions[0]['sha1'] == sha1(first)


def test_nochange_with_upload_is_still_unchanged(batch, wiki, name):
    batch.add(f'{name}.jpg', seed=1)
    batch.run(check=True)
    batch.run(
        '-on:exists=upload', '-on:nochange=upload', f'-journal:{batch.folder / "second.sqlite"}', check=True
    )
    assert batch.outcomes()[f'{name}.jpg']['outcome'] == 'unchanged'
    assert len(wiki.file_versions(f'{name}.jpg')) == 1


# -- deleted files -------------------------------------------------------------


def test_was_deleted_is_held_with_its_filekey(batch, wiki, admin, name):
    admin.upload(f'{name}.jpg', jpeg_bytes(3000, seed=(name, 1)))
    admin.delete(f'File:{name}.jpg')
    batch.add(f'{name}.jpg', seed=2)
    result = batch.run()
    row = batch.outcomes()[f'{name}.jpg']
    assert result.returncode == 3
    assert (row['outcome'], row['warnings']) == ('held', 'was-deleted')
    assert row['filekey'] and 'expires' in row['message']
    assert wiki.file_info(f'{name}.jpg') is None


def test_was_deleted_with_upload_recreates_the_file(batch, wiki, admin, name):
    admin.upload(f'{name}.jpg', jpeg_bytes(3000, seed=(name, 1)))
    admin.delete(f'File:{name}.jpg')
    ours = batch.add(f'{name}.jpg', seed=2)
    batch.run('-on:was-deleted=upload', check=True)
    assert batch.outcomes()[f'{name}.jpg']['outcome'] == 'uploaded'
    assert wiki.file_info(f'{name}.jpg')['sha1'] == sha1(ours.read_bytes())


def test_duplicate_archive_is_skipped(batch, wiki, admin, name):
    content = jpeg_bytes(3000, seed=(name, 5))
    admin.upload(f'{name} old.jpg', content)
    admin.delete(f'File:{name} old.jpg')
    batch.add(f'{name} new.jpg', content=content)
    batch.run(check=True)
    row = batch.outcomes()[f'{name} new.jpg']
    assert (row['outcome'], row['warnings']) == ('skipped', 'duplicate-archive')
    assert wiki.file_info(f'{name} new.jpg') is None


# -- names ---------------------------------------------------------------------


def test_badfilename_is_renamed_to_the_wikis_suggestion(batch, wiki, name):
    ours = batch.add(f'{name} a:b.jpg', seed=6)
    batch.run(check=True)
    row = batch.outcomes()[f'{name} a:b.jpg']
    assert (row['outcome'], row['warnings']) == ('renamed', 'badfilename')
    assert row['title'] == f'File:{name} a-b.jpg'
    assert wiki.file_info(f'{name} a-b.jpg')['sha1'] == sha1(ours.read_bytes())


def test_badfilename_with_skip_uploads_nothing(batch, wiki, name):
    batch.add(f'{name} a:b.jpg', seed=6)
    batch.run('-on:badfilename=skip', check=True)
    assert batch.outcomes()[f'{name} a:b.jpg']['outcome'] == 'skipped'
    assert wiki.file_info(f'{name} a-b.jpg') is None


def test_page_exists_is_skipped(batch, wiki, admin, name):
    admin.edit(f'File:{name}.jpg', 'A description page with no file')
    batch.add(f'{name}.jpg', seed=7)
    batch.run(check=True)
    row = batch.outcomes()[f'{name}.jpg']
    assert (row['outcome'], row['warnings']) == ('skipped', 'page-exists')
    assert wiki.file_info(f'{name}.jpg') is None


@pytest.mark.parametrize(
    'code, target',
    [('page-exists', '{name}.jpg'), ('bad-prefix', 'DSC_{name}.jpg'), ('thumb-name', '120px-{name}.jpg')],
    ids=['page-exists', 'bad-prefix', 'thumb-name'],
)
def test_a_first_upload_let_past_a_name_warning_is_uploaded_in_the_forecast_and_the_run(
    batch, wiki, admin, name, code, target
):
    target = target.format(name=name)
    if code == 'page-exists':
        admin.edit(f'File:{target}', 'A description page with no file')
    ours = batch.add(target, seed=7)
    batch.run(f'-on:{code}=upload', '-simulate', check=True)
    assert batch.outcomes()[target]['outcome'] == 'uploaded'
    batch.run(f'-on:{code}=upload', check=True)
    row = batch.outcomes()[target]
    assert (row['outcome'], row['warnings']) == ('uploaded', code)
    assert wiki.file_info(target)['sha1'] == sha1(ours.read_bytes())


def test_exists_normalized_is_skipped(batch, wiki, admin, name):
    admin.upload(f'{name}.jpg', jpeg_bytes(3000, seed=(name, 1)))
    batch.add(f'{name}.JPG', seed=8)
    batch.run(check=True)
    row = batch.outcomes()[f'{name}.JPG']
    assert (row['outcome'], row['warnings']) == ('skipped', 'exists-normalized')
    assert wiki.file_info(f'{name}.JPG') is None


def test_thumb_name_is_skipped(batch, wiki, name):
    batch.add(f'120px-{name}.jpg', seed=9)
    batch.run(check=True)
    row = batch.outcomes()[f'120px-{name}.jpg']
    assert (row['outcome'], row['warnings']) == ('skipped', 'thumb-name')
    assert wiki.file_info(f'120px-{name}.jpg') is None


def test_thumb_of_an_existing_file_is_skipped(batch, wiki, admin, name):
    admin.upload(f'{name}.jpg', jpeg_bytes(3000, seed=(name, 1)))
    batch.add(f'120px-{name}.jpg', seed=10)
    batch.run(check=True)
    assert batch.outcomes()[f'120px-{name}.jpg']['warnings'] == 'thumb'
    assert wiki.file_info(f'120px-{name}.jpg') is None


def test_bad_prefix_is_skipped(batch, wiki, name):
    batch.add(f'DSC_{name}.jpg', seed=11)
    batch.run(check=True)
    row = batch.outcomes()[f'DSC_{name}.jpg']
    assert (row['outcome'], row['warnings']) == ('skipped', 'bad-prefix')
    assert wiki.file_info(f'DSC_{name}.jpg') is None


# -- precedence, several warnings, abort -----------------------------------------


def test_row_policy_wins_over_the_command_line(batch, wiki, admin, name):
    admin.upload(f'{name}.jpg', jpeg_bytes(3000, seed=(name, 1)))
    ours = batch.add(f'{name}.jpg', seed=2, policy='exists=new-version-any')
    batch.run('-on:exists=skip', check=True)
    assert batch.outcomes()[f'{name}.jpg']['outcome'] == 'new-version'
    assert wiki.file_info(f'{name}.jpg')['sha1'] == sha1(ours.read_bytes())


def test_command_line_wins_over_the_policy_file(batch, wiki, admin, name):
    admin.upload(f'{name}.jpg', jpeg_bytes(3000, seed=(name, 1)))
    ours = batch.add(f'{name}.jpg', seed=2)
    policy = batch.folder / 'policy.yaml'
    policy.write_text('warnings:\n  exists: skip\n')
    batch.run(f'-policy:{policy}', '-on:exists=new-version-any', check=True)
    assert wiki.file_info(f'{name}.jpg')['sha1'] == sha1(ours.read_bytes())


def test_policy_file_wins_over_the_defaults(batch, wiki, admin, name):
    admin.upload(f'{name}.jpg', jpeg_bytes(3000, seed=(name, 1)))
    batch.add(f'{name}.jpg', seed=2)
    policy = batch.folder / 'policy.yaml'
    policy.write_text('warnings:\n  exists: rename\n')
    batch.run(f'-policy:{policy}', check=True)
    assert batch.outcomes()[f'{name}.jpg']['title'] == f'File:{name} (2).jpg'


def test_strictest_action_wins_when_several_warnings_come_back(batch, wiki, admin, name):
    content = jpeg_bytes(3000, seed=(name, 12))
    admin.upload(f'{name} elsewhere.jpg', content)
    admin.upload(f'{name}.jpg', jpeg_bytes(3000, seed=(name, 13)))
    batch.add(f'{name}.jpg', content=content)
    batch.run('-on:exists=new-version-any', '-on:duplicate=skip', check=True)
    row = batch.outcomes()[f'{name}.jpg']
    assert set(row['warnings'].split(';')) == {'exists', 'duplicate'}
    assert row['outcome'] == 'skipped'
    assert wiki.file_info(f'{name}.jpg')['sha1'] == sha1(jpeg_bytes(3000, seed=(name, 13)))


def test_abort_stops_the_batch_and_reports_the_rest_aborted(batch, wiki, admin, name):
    admin.upload(f'{name} b.jpg', jpeg_bytes(3000, seed=(name, 1)))
    batch.add(f'{name} a.jpg', seed=2)
    batch.add(f'{name} b.jpg', seed=3)
    batch.add(f'{name} c.jpg', seed=4)
    result = batch.run('-on:exists=abort')
    outcomes = batch.outcomes()
    assert result.returncode == 4
    assert [outcomes[f'{name} {x}.jpg']['outcome'] for x in 'abc'] == ['uploaded', 'aborted', 'aborted']
    assert wiki.file_info(f'{name} c.jpg') is None


def test_invalid_policy_file_uploads_nothing(batch, wiki, name):
    batch.add(f'{name}.jpg', seed=2)
    policy = batch.folder / 'policy.yaml'
    policy.write_text('warnings:\n  exists: nuke\n')
    result = batch.run(f'-policy:{policy}')
    assert result.returncode == 2
    assert 'line 2' in result.stderr and "'exists'" in result.stderr
    assert 'Traceback' not in result.stderr
    assert wiki.file_info(f'{name}.jpg') is None


# -- warnings only some wikis give: a second sandbox configured for each ---------


@pytest.fixture(scope='module')
def warning_wiki(tmp_path_factory):
    """A sandbox that warns about files over 50 kB ($wgUploadSizeWarning)."""
    yield from second_sandbox(tmp_path_factory, 'warnsize', '$wgUploadSizeWarning = 50000;\n')


@pytest.fixture(scope='module')
def lenient_wiki(tmp_path_factory):
    """A sandbox that takes file types outside its list, with a warning."""
    yield from second_sandbox(tmp_path_factory, 'lenient', '$wgStrictFileExtensions = false;\n')


def test_large_file_is_uploaded_by_default(tmp_path, warning_wiki, name):
    batch = Batch(tmp_path, warning_wiki)
    ours = batch.add(f'{name}.jpg', size=80_000)
    batch.run(check=True)
    row = batch.outcomes()[f'{name}.jpg']
    assert (row['outcome'], row['warnings']) == ('uploaded', 'large-file')
    assert WikiAPI(warning_wiki.api_url).file_info(f'{name}.jpg')['sha1'] == sha1(ours.read_bytes())


def test_large_file_with_skip_uploads_nothing(tmp_path, warning_wiki, name):
    batch = Batch(tmp_path, warning_wiki)
    batch.add(f'{name}.jpg', size=80_000)
    batch.run('-on:large-file=skip', check=True)
    assert batch.outcomes()[f'{name}.jpg']['outcome'] == 'skipped'
    assert WikiAPI(warning_wiki.api_url).file_info(f'{name}.jpg') is None


def test_unwanted_file_type_is_skipped_by_default(tmp_path, lenient_wiki, name):
    batch = Batch(tmp_path, lenient_wiki)
    batch.add(f'{name}.bmp', content=bmp_bytes(name))
    batch.run('-any-extension', check=True)
    row = batch.outcomes()[f'{name}.bmp']
    assert (row['outcome'], row['warnings']) == ('skipped', 'filetype-unwanted-type')
    assert WikiAPI(lenient_wiki.api_url).file_info(f'{name}.bmp') is None


def test_unwanted_file_type_with_upload_is_published(tmp_path, lenient_wiki, name):
    batch = Batch(tmp_path, lenient_wiki)
    content = bmp_bytes(name)
    batch.add(f'{name}.bmp', content=content)
    batch.run('-any-extension', '-on:filetype-unwanted-type=upload', check=True)
    assert batch.outcomes()[f'{name}.bmp']['outcome'] == 'uploaded'
    assert WikiAPI(lenient_wiki.api_url).file_info(f'{name}.bmp')['sha1'] == sha1(content)


def test_unwanted_file_type_is_refused_before_uploading_without_the_option(tmp_path, lenient_wiki, name):
    batch = Batch(tmp_path, lenient_wiki)
    batch.add(f'{name}.bmp', content=bmp_bytes(name))
    result = batch.run()
    assert result.returncode == 6, result.stdout + result.stderr
    row = batch.outcomes()[f'{name}.bmp']
    assert (row['outcome'], row['sent']) == ('refused', '0')
    assert 'does not take .bmp' in row['message']

"""The upload layer's logic in milliseconds: task, stash, commit and forecast over a script.

The same behaviours are proven against the real sandbox wiki in the ``wiki``
tests; these pin down the order of requests and what the journal holds
before each one, which a real wiki cannot show from outside.
"""

from __future__ import annotations

import hashlib
import time

import pytest

from uploadbot.api.answers import Reply, WikiError
from uploadbot.api.retry import Uncertain
from uploadbot.item import UploadItem
from uploadbot.journal.base import Record
from uploadbot.journal.sqlite import SQLiteJournal
from uploadbot.policy import Policy
from uploadbot.state import State
from uploadbot.upload.commit import BatchAborted
from uploadbot.upload.forecast import forecast
from uploadbot.upload.task import ROW_RETRY_BUDGET, TaskSettings, UploadTask

from .scripted import ScriptedTransfer, file_page, pages, success, warned

BOT = 'Bot'
CHUNK = 1000


@pytest.fixture
def journal():
    with SQLiteJournal(':memory:') as journal:
        yield journal


def item_for(path, name='Photo.jpg', **rules) -> UploadItem:
    policy = Policy.defaults().overlay(
        {code.replace('_', '-'): action for code, action in rules.items()}, source='test'
    )
    return UploadItem(
        row=2, path=path, filename=name, text='page', comment='c', policy=policy, source=path.name
    )


def run(transfer, item, journal, **settings):
    task = UploadTask(
        transfer, item, journal=journal, settings=TaskSettings(chunk_size=CHUNK, own_user=BOT, **settings)
    )
    return task.run()


@pytest.fixture
def small(tmp_path):
    path = tmp_path / 'small.jpg'
    path.write_bytes(b'x' * 500)
    return path


@pytest.fixture
def large(tmp_path):
    path = tmp_path / 'large.jpg'
    path.write_bytes(bytes(range(256)) * 10)  # 2560 bytes: three chunks
    return path


def sha1_of(path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


# -- small files --------------------------------------------------------------------------


def test_a_clean_small_file_takes_one_request(small, journal):
    transfer = ScriptedTransfer(('upload', success('Photo.jpg', sha1_of(small))))
    outcome = run(transfer, item_for(small), journal)
    assert outcome.outcome is State.UPLOADED
    assert [call for call, _ in transfer.calls] == ['upload']


def test_the_commit_is_recorded_before_it_is_sent(small, journal):
    def answer(**sent):
        record = journal.get('small.jpg', 'Photo.jpg')
        assert (record.state, record.sha1) == (State.COMMITTING, sha1_of(small))
        return success('Photo.jpg')

    run(ScriptedTransfer(('upload', answer)), item_for(small), journal)
    assert journal.get('small.jpg', 'Photo.jpg').state is State.UPLOADED


def test_a_new_small_files_row_is_written_before_its_request_and_with_its_outcome(small, journal):
    written = []
    save = journal.save

    def counted(record):
        written.append(record.state)
        return save(record)

    journal.save = counted
    run(ScriptedTransfer(('upload', success('Photo.jpg', sha1_of(small)))), item_for(small), journal)
    assert written == [State.COMMITTING, State.UPLOADED]


def test_a_skipped_warning_ends_the_row_without_a_commit(small, journal):
    transfer = ScriptedTransfer(('upload', warned('k1', exists='Photo.jpg')))
    outcome = run(transfer, item_for(small), journal)
    assert (outcome.outcome, outcome.warnings) == (State.SKIPPED, ('exists',))
    assert transfer.finished()


def test_a_warned_file_is_recorded_as_stashed_under_its_filekey(small, journal):
    run(ScriptedTransfer(('upload', warned('k1', was_deleted='Photo.jpg'))), item_for(small), journal)
    record = journal.get('small.jpg', 'Photo.jpg')
    assert (record.state, record.filekey) == (State.HELD, 'k1')


def test_rename_commits_under_the_first_free_numbered_name(small, journal):
    transfer = ScriptedTransfer(
        ('upload', warned('k1', exists='Photo.jpg')),
        ('query', pages(('File:Photo (2).jpg', False), ('File:Photo (3).jpg', True))),
        ('commit', success('Photo (3).jpg')),
    )
    outcome = run(transfer, item_for(small, exists='rename'), journal)
    assert (outcome.outcome, outcome.title) == (State.RENAMED, 'File:Photo (3).jpg')
    assert transfer.calls[-1][1]['filename'] == 'Photo (3).jpg'


def test_upload_past_page_exists_is_a_first_upload(small, journal):
    transfer = ScriptedTransfer(
        ('upload', warned('k1', page_exists='Photo.jpg')), ('commit', success('Photo.jpg'))
    )
    outcome = run(transfer, item_for(small, page_exists='upload'), journal)
    assert outcome.outcome is State.UPLOADED
    assert transfer.calls[-1][1]['ignorewarnings'] is True


def test_new_version_over_another_users_file_is_skipped_after_one_look(small, journal):
    transfer = ScriptedTransfer(
        ('upload', warned('k1', exists='Photo.jpg')),
        ('query', file_page('Photo.jpg', sha1='other', user='Someone')),
    )
    outcome = run(transfer, item_for(small, exists='new-version'), journal)
    assert outcome.outcome is State.SKIPPED
    assert "not the bot's own" in outcome.message


def test_new_version_over_the_bots_own_file_is_a_new_version(small, journal):
    transfer = ScriptedTransfer(
        ('upload', warned('k1', exists='Photo.jpg')),
        ('query', file_page('Photo.jpg', sha1='older', user=BOT)),
        ('commit', success('Photo.jpg')),
    )
    assert run(transfer, item_for(small, exists='new-version'), journal).outcome is State.NEW_VERSION


def test_abort_records_the_row_then_stops_the_batch(small, journal):
    transfer = ScriptedTransfer(('upload', warned('k1', duplicate=['Other.jpg'])))
    with pytest.raises(BatchAborted) as stopped:
        run(transfer, item_for(small, duplicate='abort'), journal)
    assert stopped.value.outcome.outcome is State.ABORTED
    assert journal.get('small.jpg', 'Photo.jpg').state is State.ABORTED


def test_a_publish_whose_answer_was_lost_is_looked_up_not_sent_again(small, journal):
    now = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())
    transfer = ScriptedTransfer(
        ('upload', Uncertain('reset after sending')),
        ('query', file_page('Photo.jpg', sha1=sha1_of(small), user=BOT, timestamp=now)),
    )
    outcome = run(transfer, item_for(small), journal)
    assert outcome.outcome is State.UPLOADED
    assert [call for call, _ in transfer.calls] == ['upload', 'query']


def test_a_passing_wiki_error_fails_the_row_with_the_wikis_words(small, journal):
    transfer = ScriptedTransfer(('upload', WikiError('backend-fail-internal', 'disk trouble')))
    outcome = run(transfer, item_for(small), journal)
    assert outcome.outcome is State.FAILED
    assert outcome.message == 'the wiki refused it: backend-fail-internal: disk trouble'


def test_each_row_gets_its_own_retry_budget(small, tmp_path, journal):
    other = tmp_path / 'other.jpg'
    other.write_bytes(b'y' * 10)
    transfer = ScriptedTransfer(('upload', success('Photo.jpg')), ('upload', success('B.jpg')))
    run(transfer, item_for(small), journal)
    run(transfer, item_for(other, name='B.jpg'), journal)
    assert transfer.budgets == [ROW_RETRY_BUDGET, ROW_RETRY_BUDGET]


def test_a_finished_row_sends_nothing_on_a_second_run(small, journal):
    run(ScriptedTransfer(('upload', success('Photo.jpg'))), item_for(small), journal)
    again = ScriptedTransfer()
    outcome = run(again, item_for(small), journal)
    assert outcome.outcome is State.UPLOADED and again.calls == []


# -- large files: hashing, chunks, the stash --------------------------------------------------


def no_duplicates(**params):
    assert params['list'] == 'allimages'
    return {'allimages': []}


def continue_at(offset, filekey='k1'):
    return Reply('Continue', filekey=filekey, offset=offset)


def test_a_large_file_is_hashed_looked_up_then_sent_in_chunks(large, journal):
    transfer = ScriptedTransfer(
        ('query', no_duplicates),
        ('upload_chunk', continue_at(1000)),
        ('upload_chunk', continue_at(2000)),
        ('upload_chunk', Reply('Success', filekey='k2', imageinfo={'sha1': sha1_of(large)})),
        ('commit', success('Photo.jpg')),
    )
    outcome = run(transfer, item_for(large), journal)
    assert (outcome.outcome, outcome.chunks, outcome.sent) == (State.UPLOADED, 3, 2560)
    assert [args['offset'] for call, args in transfer.calls if call == 'upload_chunk'] == [0, 1000, 2000]


def test_a_large_duplicate_is_skipped_before_a_byte_is_sent(large, journal):
    transfer = ScriptedTransfer(('query', {'allimages': [{'name': 'Old_copy.jpg'}]}))
    outcome = run(transfer, item_for(large), journal)
    assert (outcome.outcome, outcome.sent) == (State.SKIPPED, 0)
    assert 'found before sending any bytes' in outcome.message


def test_a_bounced_chunk_goes_on_from_the_offset_the_error_names(large, journal):
    transfer = ScriptedTransfer(
        ('query', no_duplicates),
        ('upload_chunk', continue_at(1000)),
        ('upload_chunk', WikiError('stashfailed', 'Invalid chunk offset', {'offset': 2000})),
        ('upload_chunk', Reply('Success', filekey='k2', imageinfo={'sha1': sha1_of(large)})),
        ('commit', success('Photo.jpg')),
    )
    assert run(transfer, item_for(large), journal).outcome is State.UPLOADED
    assert [args['offset'] for call, args in transfer.calls if call == 'upload_chunk'] == [0, 1000, 2000]


def test_a_bounced_chunk_without_an_offset_asks_checkstatus(large, journal):
    transfer = ScriptedTransfer(
        ('query', no_duplicates),
        ('upload_chunk', continue_at(1000)),
        ('upload_chunk', WikiError('stashfailed', 'Invalid chunk offset')),
        ('check_status', continue_at(2000)),
        ('upload_chunk', Reply('Success', filekey='k2', imageinfo={'sha1': sha1_of(large)})),
        ('commit', success('Photo.jpg')),
    )
    assert run(transfer, item_for(large), journal).outcome is State.UPLOADED
    assert transfer.calls[3] == ('check_status', {'filekey': 'k1'})


def test_a_bounced_chunk_whose_upload_the_wiki_lost_starts_over_once(large, journal):
    transfer = ScriptedTransfer(
        ('query', no_duplicates),
        ('upload_chunk', continue_at(1000)),
        ('upload_chunk', WikiError('stashfailed', 'No chunked upload session with this key')),
        ('check_status', WikiError('stashnosuchfilekey', 'No such filekey')),
        ('query', {'mystashedfiles': []}),
        ('upload_chunk', continue_at(1000, filekey='k3')),
        ('upload_chunk', continue_at(2000, filekey='k3')),
        ('upload_chunk', Reply('Success', filekey='k4', imageinfo={'sha1': sha1_of(large)})),
        ('commit', success('Photo.jpg')),
    )
    assert run(transfer, item_for(large), journal).outcome is State.UPLOADED
    chunks = [(args['offset'], args['filekey']) for call, args in transfer.calls if call == 'upload_chunk']
    assert chunks == [(0, None), (1000, 'k1'), (0, None), (1000, 'k3'), (2000, 'k3')]


def test_a_row_fails_when_the_fresh_start_after_a_lost_upload_fails_too(large, journal):
    lost = WikiError('stashfailed', 'No chunked upload session with this key')
    transfer = ScriptedTransfer(
        ('query', no_duplicates),
        ('upload_chunk', continue_at(1000)),
        ('upload_chunk', lost),
        ('check_status', WikiError('stashnosuchfilekey', 'No such filekey')),
        ('query', {'mystashedfiles': []}),
        ('upload_chunk', continue_at(1000, filekey='k3')),
        ('upload_chunk', lost),
        ('check_status', WikiError('stashnosuchfilekey', 'No such filekey')),
        ('query', {'mystashedfiles': []}),
    )
    outcome = run(transfer, item_for(large), journal)
    assert outcome.outcome is State.FAILED
    assert 'No chunked upload session' in outcome.message
    assert transfer.finished()


def test_each_chunks_offset_is_recorded_before_the_next_chunk(large, journal):
    def second_chunk(**sent):
        record = journal.get('large.jpg', 'Photo.jpg')
        assert (record.state, record.offset, record.filekey) == (State.STASHING, 1000, 'k1')
        return continue_at(2000)

    transfer = ScriptedTransfer(
        ('query', no_duplicates),
        ('upload_chunk', continue_at(1000)),
        ('upload_chunk', second_chunk),
        ('upload_chunk', Reply('Success', filekey='k2', imageinfo={'sha1': sha1_of(large)})),
        ('commit', success('Photo.jpg')),
    )
    run(transfer, item_for(large), journal)
    assert transfer.finished()


def test_a_run_killed_mid_chunks_resumes_from_the_wikis_offset(large, journal):
    first = ScriptedTransfer(
        ('query', no_duplicates), ('upload_chunk', continue_at(1000)), ('upload_chunk', KeyboardInterrupt())
    )
    with pytest.raises(KeyboardInterrupt):
        run(first, item_for(large), journal)
    second = ScriptedTransfer(
        ('check_status', continue_at(1000)),
        ('upload_chunk', continue_at(2000)),
        ('upload_chunk', Reply('Success', filekey='k2', imageinfo={'sha1': sha1_of(large)})),
        ('commit', success('Photo.jpg')),
    )
    outcome = run(second, item_for(large), journal)
    assert (outcome.outcome, outcome.sent) == (State.UPLOADED, 1560)


def test_a_file_changed_during_upload_is_never_published(large, journal):
    transfer = ScriptedTransfer(
        ('query', no_duplicates),
        ('upload_chunk', continue_at(1000)),
        ('upload_chunk', continue_at(2000)),
        ('upload_chunk', Reply('Success', filekey='k2', imageinfo={'sha1': 'different'})),
    )
    outcome = run(transfer, item_for(large), journal)
    assert outcome.outcome is State.FAILED
    assert 'nothing was published' in outcome.message and transfer.finished()


# -- the forecast --------------------------------------------------------------------------


def test_the_forecast_of_a_first_upload_past_page_exists_is_uploaded(small):
    wiki = ScriptedTransfer(('query', {'pages': [{'title': 'File:Photo.jpg'}]}), ('query', {'allimages': []}))
    found, problems = forecast(wiki, [item_for(small, page_exists='upload')], own_user=BOT)
    assert (found[0].outcome, found[0].warnings, problems) == (State.UPLOADED, ('page-exists',), [])


def test_the_forecast_and_the_run_agree_on_new_version_over_another_users_file(small, journal):
    item = item_for(small, exists='new-version')
    wiki = ScriptedTransfer(
        ('query', file_page('Photo.jpg', sha1='x', user='Someone')), ('query', {'allimages': []})
    )
    found, _ = forecast(wiki, [item], own_user=BOT)
    transfer = ScriptedTransfer(
        ('upload', warned('k1', exists='Photo.jpg')),
        ('query', file_page('Photo.jpg', sha1='x', user='Someone')),
    )
    assert found[0].outcome is run(transfer, item, journal).outcome is State.SKIPPED


# -- the item and its source --------------------------------------------------------------


def test_an_items_size_is_read_once_when_it_is_made(small):
    item = item_for(small)
    small.write_bytes(b'x' * 900)
    assert item.size == 500


def test_a_task_starts_from_the_record_its_source_gives(small, journal):
    class Refused:
        """A source whose bytes never come: the row fails with its words."""

        resumes_stash = True

        def load(self, journal, item):
            return journal.save(Record(*item.key, row=item.row))

        def start(self, task):
            raise OSError(0, 'the source had nothing to give')

    item = item_for(small)
    task = UploadTask(
        ScriptedTransfer([]),
        item,
        journal=journal,
        settings=TaskSettings(chunk_size=CHUNK, own_user=BOT),
        source=Refused(),
    )
    outcome = task.run()
    assert (outcome.outcome, journal.get(*item.key).attempts) == (State.FAILED, 1)
    assert 'the source had nothing to give' in outcome.message

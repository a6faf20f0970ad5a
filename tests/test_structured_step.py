"""The structured-data step of the upload task, over a scripted transfer.

The conversation is the one a wiki with WikibaseMediaInfo has: the file
page's id and revision (``prop=info``), the entity (``wbgetentities``, in its
documented JSON) and one ``wbeditentity``. What the journal holds between the
upload and the edit is what lets a killed run finish with the edit alone.
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from uploadbot.api.answers import WikiError
from uploadbot.api.retry import GaveUp, Uncertain
from uploadbot.describe.mediainfo_cells import read_cells
from uploadbot.item import UploadItem
from uploadbot.journal.base import Record
from uploadbot.journal.sqlite import SQLiteJournal
from uploadbot.policy import Policy
from uploadbot.state import DataStep, State
from uploadbot.upload.mediainfo_edit import DataSettings
from uploadbot.upload.task import TaskSettings, UploadTask

from .scripted import ScriptedTransfer, success, warned

SETTINGS = DataSettings(datatypes={'P180': 'wikibase-item', 'P571': 'time'}, tags=('uploadbot',))
PAGE = {'pages': [{'title': 'File:Cat.jpg', 'pageid': 5, 'lastrevid': 70}]}
MISSING = {'entities': {'M5': {'id': 'M5', 'missing': ''}}}
SAVED = {'success': 1, 'entity': {'id': 'M5', 'lastrevid': 71}}


@pytest.fixture
def journal():
    with SQLiteJournal(':memory:') as journal:
        yield journal


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / 'cat.jpg'
    path.write_bytes(b'c' * 300)
    return path


def item_for(path, **fields) -> UploadItem:
    data, problems = read_cells(
        fields or {'caption.en': 'A cat', 'depicts': 'Q146', 'statement.P571': '1890'}
    )
    assert problems == []
    return UploadItem(
        row=2,
        path=path,
        filename='Cat.jpg',
        text='page',
        comment='c',
        policy=Policy.defaults(),
        source=path.name,
        structured=data,
    )


def run(transfer, item, journal, data=SETTINGS):
    task = UploadTask(
        transfer, item, journal=journal, settings=TaskSettings(chunk_size=1000, own_user='Bot', data=data)
    )
    return task.run()


def entity_with(edit_data, lastrevid=71):
    statements = {}
    for number, claim in enumerate(edit_data.get('claims', [])):
        statements.setdefault(claim['mainsnak']['property'], []).append({**claim, 'id': f'M5${number}'})
    return {
        'entities': {
            'M5': {
                'type': 'mediainfo',
                'id': 'M5',
                'lastrevid': lastrevid,
                'labels': edit_data.get('labels', {}),
                'statements': statements,
            }
        }
    }


def sent_data(transfer, index=-1):
    edits = [args for method, args in transfer.calls if method == 'wbeditentity']
    return json.loads(edits[index]['data'])


def test_a_published_file_gets_one_edit_with_its_captions_and_statements(photo, journal):
    transfer = ScriptedTransfer(
        ('upload', success('Cat.jpg')),
        ('query', PAGE),
        ('wbgetentities', MISSING),
        ('query', PAGE),
        ('wbeditentity', SAVED),
    )
    outcome = run(transfer, item_for(photo), journal)
    assert transfer.finished()
    edit = transfer.calls[-1][1]
    assert edit['id'] == 'M5' and edit['write'] is True and edit['baserevid'] == 70
    assert edit['bot'] is True and edit['tags'] == 'uploadbot'
    data = json.loads(edit['data'])
    assert data['labels'] == {'en': {'language': 'en', 'value': 'A cat'}}
    assert [c['mainsnak']['property'] for c in data['claims']] == ['P180', 'P571']
    assert outcome.outcome == State.UPLOADED and outcome.structured == DataStep.DONE
    assert 'structured data: added 1 caption(s) and 2 statement(s)' in outcome.message
    record = journal.get(photo.name, 'Cat.jpg')
    assert (record.structured, record.entity) == (DataStep.DONE, 'M5')


def test_the_pending_step_is_written_before_the_edit(photo, journal):
    seen = []

    def edit(**args):
        seen.append(journal.get(photo.name, 'Cat.jpg'))
        return SAVED

    transfer = ScriptedTransfer(
        ('upload', success('Cat.jpg')),
        ('query', PAGE),
        ('wbgetentities', MISSING),
        ('query', PAGE),
        ('wbeditentity', edit),
    )
    run(transfer, item_for(photo), journal)
    assert seen[0].state == State.UPLOADED
    assert (seen[0].structured, seen[0].entity) == (DataStep.PENDING, 'M5')


def killed_after_upload(journal, photo, **changes):
    stat = photo.stat()
    journal.save(
        Record(
            photo.name,
            'Cat.jpg',
            row=2,
            state=State.UPLOADED,
            size=stat.st_size,
            mtime_ns=stat.st_mtime_ns,
            title='File:Cat.jpg',
            attempts=1,
            structured=DataStep.PENDING,
            **changes,
        )
    )


def test_a_run_killed_between_upload_and_edit_is_finished_with_the_edit_alone(photo, journal):
    killed_after_upload(journal, photo, entity='M5')
    transfer = ScriptedTransfer(('wbgetentities', MISSING), ('query', PAGE), ('wbeditentity', SAVED))
    outcome = run(transfer, item_for(photo), journal)
    assert transfer.finished()
    assert outcome.outcome == State.UPLOADED and outcome.structured == DataStep.DONE
    assert outcome.message.startswith('already done by an earlier run: structured data: added')


def test_a_finished_row_is_left_alone_on_a_rerun(photo, journal):
    first = ScriptedTransfer(
        ('upload', success('Cat.jpg')),
        ('query', PAGE),
        ('wbgetentities', MISSING),
        ('query', PAGE),
        ('wbeditentity', SAVED),
    )
    run(first, item_for(photo), journal)
    again = ScriptedTransfer()
    outcome = run(again, item_for(photo), journal)
    assert again.calls == []
    assert outcome.structured == DataStep.DONE


def test_new_data_for_a_finished_row_adds_only_what_is_missing(photo, journal):
    first = ScriptedTransfer(
        ('upload', success('Cat.jpg')),
        ('query', PAGE),
        ('wbgetentities', MISSING),
        ('query', PAGE),
        ('wbeditentity', SAVED),
    )
    run(first, item_for(photo, depicts='Q146'), journal)
    before = sent_data(first)
    later = ScriptedTransfer(('wbgetentities', entity_with(before)), ('wbeditentity', SAVED))
    run(later, item_for(photo, depicts='Q146;Q42'), journal)
    assert [c['mainsnak']['datavalue']['value']['id'] for c in sent_data(later)['claims']] == ['Q42']
    assert later.calls[-1][1]['baserevid'] == 71


def test_an_entity_that_has_it_all_gets_no_edit(photo, journal):
    killed_after_upload(journal, photo, entity='M5')
    whole = item_for(photo)
    first = ScriptedTransfer(('wbgetentities', MISSING), ('query', PAGE), ('wbeditentity', SAVED))
    run(first, whole, journal)
    journal.save(Record(**{**journal.get(photo.name, 'Cat.jpg').__dict__, 'structured': DataStep.PENDING}))
    second = ScriptedTransfer(('wbgetentities', entity_with(sent_data(first))))
    outcome = run(second, whole, journal)
    assert second.finished()
    assert 'structured data: nothing to add' in outcome.message
    assert outcome.structured == DataStep.DONE


def test_an_edit_conflict_is_merged_again_from_a_fresh_read(photo, journal):
    someone = {
        'claims': [
            {
                'mainsnak': {
                    'snaktype': 'value',
                    'property': 'P180',
                    'datavalue': {
                        'type': 'wikibase-entityid',
                        'value': {'entity-type': 'item', 'numeric-id': 146, 'id': 'Q146'},
                    },
                }
            }
        ]
    }
    transfer = ScriptedTransfer(
        ('upload', success('Cat.jpg')),
        ('query', PAGE),
        ('wbgetentities', MISSING),
        ('query', PAGE),
        (
            'wbeditentity',
            WikiError(
                'failed-save',
                'The save has failed.',
                {'messages': [{'name': 'wikibase-api-failed-save'}, {'name': 'edit-conflict'}]},
            ),
        ),
        ('wbgetentities', entity_with(someone, 72)),
        ('wbeditentity', SAVED),
    )
    outcome = run(transfer, item_for(photo), journal)
    assert transfer.finished()
    assert [c['mainsnak']['property'] for c in sent_data(transfer)['claims']] == ['P571']
    assert transfer.calls[-1][1]['baserevid'] == 72
    assert outcome.structured == DataStep.DONE


def test_an_edit_whose_answer_was_lost_is_not_sent_twice(photo, journal):
    killed_after_upload(journal, photo, entity='M5')
    item = item_for(photo)
    probe = ScriptedTransfer(('wbgetentities', MISSING), ('query', PAGE), ('wbeditentity', SAVED))
    run(probe, item, journal)
    saved = entity_with(sent_data(probe))
    journal.save(Record(**{**journal.get(photo.name, 'Cat.jpg').__dict__, 'structured': DataStep.PENDING}))
    transfer = ScriptedTransfer(
        ('wbgetentities', MISSING),
        ('query', PAGE),
        ('wbeditentity', Uncertain('ConnectionError: reset')),
        ('wbgetentities', saved),
    )
    outcome = run(transfer, item, journal)
    assert transfer.finished()
    assert outcome.structured == DataStep.DONE
    assert 'nothing to add' in outcome.message


def test_passing_trouble_leaves_the_row_uploaded_with_its_data_pending(photo, journal):
    transfer = ScriptedTransfer(
        ('upload', success('Cat.jpg')),
        ('query', PAGE),
        ('wbgetentities', GaveUp('gave up after retries: maxlag')),
    )
    outcome = run(transfer, item_for(photo), journal)
    assert outcome.outcome == State.UPLOADED
    assert outcome.structured == DataStep.PENDING
    assert 'structured data pending: gave up after retries: maxlag' in outcome.message
    assert journal.get(photo.name, 'Cat.jpg').entity == 'M5'


def test_a_refused_edit_is_reported_on_the_uploaded_row(photo, journal):
    transfer = ScriptedTransfer(
        ('upload', success('Cat.jpg')),
        ('query', PAGE),
        ('wbgetentities', MISSING),
        ('query', PAGE),
        ('wbeditentity', WikiError('permissiondenied', 'No.')),
    )
    outcome = run(transfer, item_for(photo), journal)
    assert outcome.outcome == State.UPLOADED
    assert outcome.structured == DataStep.FAILED
    assert 'structured data refused: permissiondenied: No.' in outcome.message


def test_a_skipped_row_gets_no_edit(photo, journal):
    transfer = ScriptedTransfer(
        ('upload', warned('k1', exists='Cat.jpg')),
        (
            'query',
            {
                'pages': [
                    {
                        'title': 'File:Cat.jpg',
                        'imageinfo': [{'user': 'Someone', 'sha1': 'x', 'timestamp': '2026-01-01T00:00:00Z'}],
                    }
                ]
            },
        ),
    )
    item = item_for(photo)
    outcome = run(transfer, item, journal)
    assert outcome.outcome == State.SKIPPED
    assert not any(method.startswith('wb') for method, _ in transfer.calls)
    assert outcome.structured == ''


def test_a_row_without_structured_data_makes_no_wikibase_request(photo, journal):
    item = UploadItem(
        row=2,
        path=photo,
        filename='Cat.jpg',
        text='page',
        comment='c',
        policy=Policy.defaults(),
        source=photo.name,
    )
    transfer = ScriptedTransfer(('upload', success('Cat.jpg')))
    outcome = run(transfer, item, journal)
    assert transfer.finished() and outcome.structured == ''


def test_a_journal_from_before_structured_data_still_opens(tmp_path):
    path = tmp_path / 'old.journal.sqlite'
    old = sqlite3.connect(path)
    old.executescript("""
        CREATE TABLE rows (
            source TEXT NOT NULL, filename TEXT NOT NULL, row INTEGER, state TEXT NOT NULL,
            size INTEGER, mtime_ns INTEGER, sha1 TEXT, filekey TEXT, offset INTEGER,
            title TEXT, warnings TEXT, message TEXT, url TEXT, attempts INTEGER,
            last_error TEXT, created REAL, updated REAL, PRIMARY KEY (source, filename));
        INSERT INTO rows VALUES ('a.jpg', 'A.jpg', 2, 'uploaded', 1, 1, 'x', '', 0,
            'File:A.jpg', '', '', '', 1, '', 1.0, 1.0);
    """)
    old.commit()
    old.close()
    with SQLiteJournal(path) as journal:
        record = journal.get('a.jpg', 'A.jpg')
        assert (record.state, record.structured, record.entity) == (State.UPLOADED, '', '')
        journal.save(Record('b.jpg', 'B.jpg', structured=DataStep.PENDING, entity='M9'))
        assert journal.get('b.jpg', 'B.jpg').entity == 'M9'


def test_a_failed_save_that_is_no_conflict_is_a_refusal(photo, journal):
    transfer = ScriptedTransfer(
        ('upload', success('Cat.jpg')),
        ('query', PAGE),
        ('wbgetentities', MISSING),
        ('query', PAGE),
        (
            'wbeditentity',
            WikiError(
                'failed-save', 'The save has failed.', {'messages': [{'name': 'abusefilter-disallowed'}]}
            ),
        ),
    )
    outcome = run(transfer, item_for(photo), journal)
    assert outcome.structured == DataStep.FAILED
    assert 'structured data refused: failed-save' in outcome.message


def test_a_later_run_replaces_the_earlier_structured_data_note(photo, journal):
    killed_after_upload(journal, photo, entity='M5', message='copied by the wiki')
    failing = ScriptedTransfer(('wbgetentities', GaveUp('gave up after retries: maxlag')))
    run(failing, item_for(photo), journal)
    later = ScriptedTransfer(('wbgetentities', MISSING), ('query', PAGE), ('wbeditentity', SAVED))
    run(later, item_for(photo), journal)
    assert (
        journal.get(photo.name, 'Cat.jpg').message
        == 'copied by the wiki; structured data: added 1 caption(s) and 2 statement(s)'
    )

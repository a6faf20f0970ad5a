"""The journal's store: records survive reopening, keyed by source and target."""

from __future__ import annotations

import sqlite3

from uploadbot.journal.sqlite import Record, SQLiteJournal, default_path


def test_a_saved_record_is_there_after_reopening(tmp_path):
    path = tmp_path / 'j.sqlite'
    with SQLiteJournal(path) as journal:
        journal.save(Record('a.jpg', 'A.jpg', row=2, state='stashing', offset=4096, filekey='k1'))
    with SQLiteJournal(path) as journal:
        record = journal.get('a.jpg', 'A.jpg')
    assert (record.state, record.offset, record.filekey) == ('stashing', 4096, 'k1')


def test_records_are_keyed_by_source_and_target_not_row(tmp_path):
    with SQLiteJournal(tmp_path / 'j.sqlite') as journal:
        journal.save(Record('a.jpg', 'A.jpg', row=2))
        journal.save(Record('a.jpg', 'A.jpg', row=9, state='uploaded'))
        journal.save(Record('a.jpg', 'Other.jpg', row=3))
        records = list(journal.records())
    assert [(r.filename, r.row, r.state) for r in records] == [
        ('Other.jpg', 3, 'pending'),
        ('A.jpg', 9, 'uploaded'),
    ]


def test_records_in_states_alone_leaves_out_rows_without_structured_data(tmp_path):
    with SQLiteJournal(tmp_path / 'j.sqlite') as journal:
        journal.save(Record('a.jpg', 'A.jpg', row=2, state='uploaded'))
        journal.save(Record('b.jpg', 'B.jpg', row=3, state='failed'))
        picked = list(journal.records_in(['failed']))
    assert [record.filename for record in picked] == ['B.jpg']


def test_saving_stamps_created_once_and_updated_each_time(tmp_path):
    with SQLiteJournal(tmp_path / 'j.sqlite') as journal:
        first = journal.save(Record('a.jpg', 'A.jpg'))
        second = journal.save(first)
    assert second.created == first.created and second.updated >= first.updated


def test_journal_uses_write_ahead_logging(tmp_path):
    SQLiteJournal(tmp_path / 'j.sqlite').close()
    with sqlite3.connect(tmp_path / 'j.sqlite') as db:
        assert db.execute('PRAGMA journal_mode').fetchone()[0] == 'wal'


def test_default_journal_sits_beside_the_manifest_or_inside_a_folder(tmp_path):
    manifest = tmp_path / 'batch.csv'
    manifest.write_text('file\n')
    assert default_path(manifest) == tmp_path / 'batch.csv.journal.sqlite'
    assert default_path(tmp_path) == tmp_path / '.uploadbot.journal.sqlite'


def test_warnings_come_back_from_the_store_as_the_tuple_they_were_saved_as(tmp_path):
    path = tmp_path / 'j.sqlite'
    with SQLiteJournal(path) as journal:
        journal.save(Record('a.jpg', 'A.jpg', state='skipped', warnings=('exists', 'duplicate')))
    with SQLiteJournal(path) as journal:
        assert journal.get('a.jpg', 'A.jpg').warnings == ('exists', 'duplicate')
    with sqlite3.connect(path) as db:
        assert db.execute('SELECT warnings FROM rows').fetchone() == ('exists;duplicate',)


def test_a_records_outcome_is_the_record_with_what_this_run_adds():
    record = Record(
        'a.jpg', 'A.jpg', row=4, state='uploaded', size=10, title='File:A.jpg', warnings=('exists',)
    )
    outcome = record.outcome(chunks=3, sent=10, message='sent again')
    assert (outcome.row, outcome.file, outcome.outcome, outcome.title, outcome.warnings) == (
        4,
        'a.jpg',
        'uploaded',
        'File:A.jpg',
        ('exists',),
    )
    assert (outcome.bytes, outcome.chunks, outcome.sent, outcome.message) == (10, 3, 10, 'sent again')

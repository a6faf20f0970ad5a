"""The SHA1 of the next large file, read by a thread while the run sends the one before.

The thread's steps are awaited with ``ReadAhead.idle()`` (it has nothing it may
read yet), so what it has read at each point is fixed, not a matter of timing.
"""

from __future__ import annotations

import hashlib
import os

import pytest

from uploadbot.api.answers import Reply
from uploadbot.item import UploadItem
from uploadbot.journal.base import Record
from uploadbot.journal.sqlite import SQLiteJournal
from uploadbot.policy import Policy
from uploadbot.state import State
from uploadbot.upload import task as task_module
from uploadbot.upload.readahead import ReadAhead
from uploadbot.upload.task import TaskSettings, UploadTask

from .scripted import ScriptedTransfer, success

CHUNK = 1000


def item(tmp_path, row: int, size: int, **fields) -> UploadItem:
    path = tmp_path / f'file{row}.jpg'
    path.write_bytes(bytes([row]) * size)
    return UploadItem(
        row=row,
        path=str(path),
        filename=f'File{row}.jpg',
        text='page',
        comment='c',
        policy=Policy.defaults(),
        **fields,
    )


def sha1_of(item: UploadItem) -> str:
    with open(item.path, 'rb') as source:
        return hashlib.sha1(source.read()).hexdigest()


def asked(read_ahead: ReadAhead, item: UploadItem) -> str | None:
    """What a task asking for ``item``'s SHA1 gets, for the file as it is now."""
    stat = os.stat(item.path)
    return read_ahead.sha1(item, stat.st_size, stat.st_mtime_ns)


@pytest.fixture
def three_large(tmp_path):
    return [item(tmp_path, row, 2500) for row in (2, 3, 4)]


def test_the_first_large_file_is_read_before_its_task_asks(three_large):
    with ReadAhead(three_large, larger_than=CHUNK) as read_ahead:
        read_ahead.idle()
        assert read_ahead.files_read == 1
        assert asked(read_ahead, three_large[0]) == sha1_of(three_large[0])


def test_asking_for_one_file_lets_the_thread_read_the_next_one_only(three_large):
    with ReadAhead(three_large, larger_than=CHUNK) as read_ahead:
        read_ahead.idle()
        asked(read_ahead, three_large[0])
        read_ahead.idle()
        assert read_ahead.files_read == 2
        assert asked(read_ahead, three_large[1]) == sha1_of(three_large[1])


def test_a_file_changed_after_it_was_read_ahead_is_read_again_by_its_task(three_large):
    with ReadAhead(three_large, larger_than=CHUNK) as read_ahead:
        read_ahead.idle()
        with open(three_large[0].path, 'ab') as grown:
            grown.write(b'more')
        assert asked(read_ahead, three_large[0]) is None


def test_a_file_asked_for_before_the_thread_came_to_it_is_left_to_its_task(three_large):
    read_ahead = ReadAhead(three_large, larger_than=CHUNK)
    assert asked(read_ahead, three_large[1]) is None  # the task reads it itself
    with read_ahead:
        read_ahead.idle()
        assert read_ahead.files_read == 1  # the third file, not the first or the second
        assert asked(read_ahead, three_large[2]) == sha1_of(three_large[2])


def test_small_files_and_url_rows_are_not_read_ahead(tmp_path):
    small = item(tmp_path, 2, CHUNK)
    url = UploadItem(
        row=3,
        path=None,
        filename='Url.jpg',
        text='page',
        comment='c',
        policy=Policy.defaults(),
        url='https://x/y.jpg',
    )
    with ReadAhead([small, url], larger_than=CHUNK) as read_ahead:
        read_ahead.idle()
        assert read_ahead.files_read == 0
        assert asked(read_ahead, small) is None


def test_a_file_the_journal_already_knows_is_not_read_ahead(three_large):
    known = three_large[0]
    stat = os.stat(known.path)
    with SQLiteJournal(':memory:') as journal:
        journal.save(
            Record(*known.key, row=known.row, size=stat.st_size, mtime_ns=stat.st_mtime_ns, sha1='a' * 40)
        )
        with ReadAhead(three_large, larger_than=CHUNK, journal=journal) as read_ahead:
            read_ahead.idle()
            assert read_ahead.files_read == 1
            assert asked(read_ahead, known) is None
            assert asked(read_ahead, three_large[1]) == sha1_of(three_large[1])


def test_closing_stops_the_thread_before_the_files_it_has_not_come_to(three_large):
    read_ahead = ReadAhead(three_large, larger_than=CHUNK).start()
    read_ahead.idle()
    read_ahead.close()
    assert asked(read_ahead, three_large[0]) == sha1_of(three_large[0])
    assert read_ahead.files_read == 1


def test_a_large_files_task_takes_the_sha1_read_ahead_instead_of_reading_the_file(three_large, monkeypatch):
    large = three_large[0]
    transfer = ScriptedTransfer(
        ('query', {'allimages': []}),
        ('upload_chunk', Reply('Continue', filekey='k', offset=1000)),
        ('upload_chunk', Reply('Continue', filekey='k', offset=2000)),
        ('upload_chunk', Reply('Success', filekey='k', imageinfo={'sha1': sha1_of(large)})),
        ('commit', success(large.filename)),
    )
    with SQLiteJournal(':memory:') as journal, ReadAhead([large], larger_than=CHUNK) as read_ahead:
        read_ahead.idle()
        monkeypatch.setattr(task_module, 'file_sha1', lambda path: pytest.fail('read again'))
        task = UploadTask(
            transfer,
            large,
            journal=journal,
            settings=TaskSettings(chunk_size=CHUNK, own_user='Bot'),
            read_ahead=read_ahead,
        )
        outcome = task.run()
        assert (outcome.outcome, outcome.sha1) == (State.UPLOADED, sha1_of(large))


# -- a read-ahead started with the plan, handed to the run -----------------------------


def test_a_run_given_the_read_ahead_skips_the_rows_its_checks_took_out(three_large):
    first, taken_out, last = three_large
    with SQLiteJournal(':memory:') as journal, ReadAhead(three_large, larger_than=CHUNK) as read_ahead:
        read_ahead.idle()
        read_ahead.use(journal, [first, last])
        asked(read_ahead, first)
        read_ahead.idle()
        assert read_ahead.files_read == 2  # the first and the last
        assert asked(read_ahead, last) == sha1_of(last)


def test_a_row_taken_out_after_it_was_read_ahead_does_not_hold_up_the_next(three_large):
    taken_out, second, _ = three_large
    with SQLiteJournal(':memory:') as journal, ReadAhead(three_large, larger_than=CHUNK) as read_ahead:
        read_ahead.idle()
        read_ahead.use(journal, three_large[1:])
        read_ahead.idle()
        assert read_ahead.files_read == 2
        assert asked(read_ahead, second) == sha1_of(second)


def test_a_run_given_the_read_ahead_has_it_ask_the_runs_journal(three_large):
    first, known, last = three_large
    stat = os.stat(known.path)
    with SQLiteJournal(':memory:') as journal, ReadAhead(three_large, larger_than=CHUNK) as read_ahead:
        journal.save(
            Record(*known.key, row=known.row, size=stat.st_size, mtime_ns=stat.st_mtime_ns, sha1='a' * 40)
        )
        read_ahead.idle()
        read_ahead.use(journal, three_large)
        asked(read_ahead, first)
        read_ahead.idle()
        assert asked(read_ahead, known) is None
        assert asked(read_ahead, last) == sha1_of(last)

"""The SHA1 of a large file read ahead of the sender stands only for the bytes it was read from."""

from __future__ import annotations

import hashlib
import os

from uploadbot.item import UploadItem
from uploadbot.journal.sqlite import Record, SQLiteJournal
from uploadbot.policy import Policy
from uploadbot.upload.ahead import HashesAhead

CHUNK = 1024


def _item(tmp_path, row: int, content: bytes) -> UploadItem:
    path = tmp_path / f'f{row}.bin'
    path.write_bytes(content)
    return UploadItem(row=row, path=str(path), filename=f'F{row}.jpg', text='page', comment='c',
                      policy=Policy.defaults(), source=path.name)


def _stamp(item: UploadItem) -> tuple[int, int]:
    stat = os.stat(item.path)
    return stat.st_size, stat.st_mtime_ns


def test_a_large_file_read_ahead_gives_its_sha1(tmp_path):
    content = b'x' * (3 * CHUNK)
    item = _item(tmp_path, 2, content)
    with SQLiteJournal(tmp_path / 'j.sqlite') as journal:
        ahead = HashesAhead([item], chunk_size=CHUNK, journal=journal)
        ahead.join(30)
        assert ahead.sha1(item, *_stamp(item)) == hashlib.sha1(content).hexdigest()


def test_a_file_changed_since_it_was_read_ahead_gets_no_sha1(tmp_path):
    item = _item(tmp_path, 2, b'x' * (3 * CHUNK))
    with SQLiteJournal(tmp_path / 'j.sqlite') as journal:
        ahead = HashesAhead([item], chunk_size=CHUNK, journal=journal)
        ahead.join(30)
        size, mtime_ns = _stamp(item)
        os.utime(item.path, ns=(mtime_ns + 10**9, mtime_ns + 10**9))
        assert ahead.sha1(item, *_stamp(item)) == ''


def test_a_file_whose_sha1_the_journal_holds_is_not_read_again(tmp_path):
    item = _item(tmp_path, 2, b'x' * (3 * CHUNK))
    size, mtime_ns = _stamp(item)
    with SQLiteJournal(tmp_path / 'j.sqlite') as journal:
        journal.save(Record(*item.key, row=2, size=size, mtime_ns=mtime_ns, sha1='a' * 40))
        ahead = HashesAhead([item], chunk_size=CHUNK, journal=journal)
        ahead.join(30)
        assert ahead.sha1(item, size, mtime_ns) == ''


def test_a_file_that_fits_in_one_request_is_not_read_ahead(tmp_path):
    item = _item(tmp_path, 2, b'x' * CHUNK)
    with SQLiteJournal(tmp_path / 'j.sqlite') as journal:
        ahead = HashesAhead([item], chunk_size=CHUNK, journal=journal)
        ahead.join(30)
        assert ahead.sha1(item, *_stamp(item)) == ''

"""The one rule for "is this still the file the journal wrote of": size and modification time."""

from __future__ import annotations

import os

from uploadbot.journal.base import same_file

MTIME_NS = 1_700_000_000_123_456_789


def a_file(tmp_path, content: bytes = b'abc', mtime_ns: int = MTIME_NS):
    path = tmp_path / 'a.jpg'
    path.write_bytes(content)
    os.utime(path, ns=(mtime_ns, mtime_ns))
    return path


def test_a_file_of_the_recorded_size_and_time_is_the_same_file(tmp_path):
    assert same_file(3, MTIME_NS, os.stat(a_file(tmp_path)))


def test_a_file_touched_since_is_new_content(tmp_path):
    assert not same_file(3, MTIME_NS, os.stat(a_file(tmp_path, mtime_ns=MTIME_NS + 1)))


def test_a_file_of_another_size_is_new_content(tmp_path):
    assert not same_file(3, MTIME_NS, os.stat(a_file(tmp_path, content=b'abcd')))

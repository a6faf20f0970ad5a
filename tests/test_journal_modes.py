"""The journal finds the filesystem under it and uses a mode that works there."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess

import pytest

from uploadbot.journal.base import Record
from uploadbot.journal.mounts import Mount, mount_of, parse_mounts
from uploadbot.journal.sqlite import SQLiteJournal
from uploadbot.sandbox.packages import PackagesMissing, ensure_packages

#: A mount table as Toolforge's bastions show it (trimmed): the tools' homes on NFS.
TOOLFORGE = r"""/dev/sda1 / ext4 rw,relatime 0 0
proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
tmpfs /tmp tmpfs rw,nosuid,nodev 0 0
tools-nfs.svc.eqiad.wmflabs:/srv/tools/project /data/project nfs4 rw,noatime,vers=4.2 0 0
tools-nfs.svc.eqiad.wmflabs:/srv/tools/home /home nfs4 rw,noatime,vers=4.2 0 0
//filer/share /mnt/my\040share cifs rw,relatime 0 0
sshfs#me@host: /mnt/remote fuse.sshfs rw,nosuid,nodev 0 0
/dev/sdb1 /data/project/local ext4 rw 0 0
"""


@pytest.mark.parametrize(
    'path, fstype',
    [
        ('/data/project/mytool/batch.csv.journal.sqlite', 'nfs4'),
        ('/home/me/.uploadbot.journal.sqlite', 'nfs4'),
        ('/tmp/batch.csv.journal.sqlite', 'tmpfs'),
        ('/srv/batch.csv.journal.sqlite', 'ext4'),
        ('/mnt/my share/j.sqlite', 'cifs'),
        ('/mnt/remote/j.sqlite', 'fuse.sshfs'),
        ('/data/project/local/j.sqlite', 'ext4'),
        ('/data/projectx/j.sqlite', 'ext4'),
    ],
)
def test_the_mount_under_a_path_is_the_longest_mount_point_containing_it(path, fstype):
    assert mount_of(path, TOOLFORGE).fstype == fstype


@pytest.mark.parametrize(
    'fstype', ['nfs', 'nfs4', 'cifs', 'smb3', 'fuse', 'fuse.sshfs', 'fuseblk', 'ceph', 'glusterfs', '9p']
)
def test_network_and_fuse_filesystems_count_as_networked(fstype):
    assert Mount('x', '/x', fstype).networked


@pytest.mark.parametrize('fstype', ['ext4', 'xfs', 'btrfs', 'tmpfs', 'overlay', 'zfs'])
def test_local_filesystems_do_not(fstype):
    assert not Mount('x', '/x', fstype).networked


def test_the_last_mount_over_the_same_point_wins():
    table = 'a /srv ext4 rw 0 0\nserver:/x /srv nfs4 rw 0 0\n'
    assert mount_of('/srv/j.sqlite', table).fstype == 'nfs4'


def test_escaped_spaces_in_the_mount_table_are_read_back():
    assert parse_mounts(TOOLFORGE)[5].point == '/mnt/my share'


def test_on_a_local_disk_the_journal_uses_wal(tmp_path):
    with SQLiteJournal(tmp_path / 'j.sqlite', mount=Mount('/dev/sda1', '/', 'ext4')) as journal:
        assert journal.journal_mode == 'wal'


def test_on_a_network_filesystem_the_journal_uses_the_rollback_journal(tmp_path):
    nfs = Mount('server:/home', '/home', 'nfs4')
    with SQLiteJournal(tmp_path / 'j.sqlite', mount=nfs) as journal:
        assert journal.journal_mode == 'truncate'
        journal.save(Record('a.jpg', 'A.jpg', row=2))
        assert not (tmp_path / 'j.sqlite-wal').exists()
        assert not (tmp_path / 'j.sqlite-shm').exists()


def test_a_wal_journal_moved_onto_a_network_filesystem_leaves_wal(tmp_path):
    path = tmp_path / 'j.sqlite'
    with SQLiteJournal(path, mount=Mount('/dev/sda1', '/', 'ext4')) as journal:
        journal.save(Record('a.jpg', 'A.jpg', row=2))
    with SQLiteJournal(path, mount=Mount('server:/home', '/home', 'nfs4')) as journal:
        assert journal.journal_mode == 'truncate'
        assert journal.get('a.jpg', 'A.jpg').row == 2


def test_the_journal_of_this_machines_temp_folder_is_found_in_proc_mounts(tmp_path):
    with SQLiteJournal(tmp_path / 'j.sqlite') as journal:
        assert journal.networked is False


def test_a_journal_written_before_refusals_were_kept_gains_the_column(tmp_path):
    path = tmp_path / 'old.sqlite'
    with sqlite3.connect(path) as db:
        db.execute(
            'CREATE TABLE rows (source TEXT NOT NULL, filename TEXT NOT NULL, '
            'row INTEGER, state TEXT NOT NULL, size INTEGER, mtime_ns INTEGER, '
            'sha1 TEXT, filekey TEXT, offset INTEGER, title TEXT, warnings TEXT, '
            'message TEXT, url TEXT, attempts INTEGER, last_error TEXT, created REAL, '
            'updated REAL, PRIMARY KEY (source, filename))'
        )
        db.execute(
            "INSERT INTO rows VALUES ('a.jpg', 'A.jpg', 2, 'failed', 1, 1, '', '', 0, "
            "'', '', 'x', '', 1, 'x', 1.0, 1.0)"
        )
    with SQLiteJournal(path) as journal:
        record = journal.get('a.jpg', 'A.jpg')
        assert (record.state, record.refused_for) == ('failed', '')


@pytest.fixture
def fuse_folder(tmp_path):
    """A folder on a real FUSE mount (bindfs over a temporary folder), unmounted after.

    bindfs is installed from Debian's packages when it is missing, as the
    sandbox installs MediaWiki; only a machine without FUSE in its kernel
    skips, and CI, which must run these tests, fails instead.
    """
    try:
        ensure_packages(('bindfs',))
        missing = '' if os.path.exists('/dev/fuse') else 'this machine has no /dev/fuse'
    except PackagesMissing as error:  # not root: it may not install them
        missing = str(error)
    if missing:
        if os.environ.get('CI'):  # a skip there would pass unseen
            pytest.fail(missing)
        pytest.skip(missing)
    source, point = tmp_path / 'source', tmp_path / 'mounted'
    source.mkdir()
    point.mkdir()
    subprocess.run(['bindfs', str(source), str(point)], check=True, timeout=30)
    try:
        yield point
    finally:
        unmounted = subprocess.run(['fusermount', '-u', str(point)], check=False, timeout=30)
        if unmounted.returncode:  # something still holds a file: detach it anyway
            subprocess.run(['fusermount', '-u', '-z', str(point)], check=False, timeout=30)


@pytest.mark.mount
def test_on_a_real_fuse_mount_the_journal_finds_it_and_uses_the_rollback_journal(fuse_folder):
    path = fuse_folder / 'batch.csv.journal.sqlite'
    with SQLiteJournal(path) as journal:
        assert journal.networked
        assert journal.journal_mode == 'truncate'
        journal.save(Record('a.jpg', 'A.jpg', row=2, state='stashing', offset=4096))
    with SQLiteJournal(path) as again:
        assert again.get('a.jpg', 'A.jpg').offset == 4096
    assert sorted(entry.name for entry in fuse_folder.iterdir()) == [
        'batch.csv.journal.sqlite',
        'batch.csv.journal.sqlite-journal',
    ]


@pytest.mark.wiki
@pytest.mark.mount
def test_a_batch_with_its_journal_on_a_fuse_mount_uploads_and_resumes_there(batch, wiki, name, fuse_folder):
    journal_path = fuse_folder / 'batch.journal.sqlite'
    path = batch.add(f'{name}.jpg')
    batch.run(f'-journal:{journal_path}', check=True)
    assert batch.outcomes()[f'{name}.jpg']['outcome'] == 'uploaded'
    batch.run(f'-journal:{journal_path}', check=True)
    assert batch.outcomes()[f'{name}.jpg']['sent'] == '0', 'the second run read the journal'
    # The file format's read and write versions: 1 for the rollback journal, 2 for WAL.
    assert journal_path.read_bytes()[18:20] == b'\x01\x01'
    db = sqlite3.connect(journal_path)
    try:
        assert db.execute('SELECT state FROM rows').fetchall() == [('uploaded',)]
    finally:
        db.close()
    assert not (fuse_folder / 'batch.journal.sqlite-wal').exists()
    assert wiki.file_info(f'{name}.jpg')['sha1'] == hashlib.sha1(path.read_bytes()).hexdigest()

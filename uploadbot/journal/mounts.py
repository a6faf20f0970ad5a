"""Which filesystem a path lives on, read from the kernel's mount table.

SQLite's WAL mode needs shared memory that every process opening the
database maps (the ``-shm`` file); over a network filesystem that memory is
not shared between machines and its locks are not reliable, so SQLite's
documentation says WAL does not work there. Toolforge keeps a tool's home
on NFS, so the SQLite journal asks here where it is before it chooses its
journal mode (see :mod:`uploadbot.journal.sqlite`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

#: Filesystem types whose files live on another machine (or behind FUSE,
#: which may be anything, sshfs and s3 among them).
NETWORK_TYPES = frozenset(
    {
        'nfs',
        'nfs4',
        'cifs',
        'smb3',
        'smbfs',
        'ncpfs',
        'afs',
        'ceph',
        'glusterfs',
        'lustre',
        'gpfs',
        'beegfs',
        '9p',
        'virtiofs',
        'davfs',
        'ocfs2',
        'gfs2',
    }
)

MOUNT_TABLE = Path('/proc/mounts')


@dataclass(frozen=True)
class Mount:
    """One line of the mount table: what is mounted, where, as which type."""

    source: str
    point: str
    fstype: str

    @property
    def networked(self) -> bool:
        """Whether the files live elsewhere (NFS, CIFS, FUSE and the like)."""
        base = self.fstype.split('.')[0]
        return base in NETWORK_TYPES or base in ('fuse', 'fuseblk') or self.fstype.startswith('fuse.')


def _unescape(field: str) -> str:
    """The kernel writes spaces, tabs, newlines and backslashes in octal (``\\040``)."""
    for code, char in (('\\040', ' '), ('\\011', '\t'), ('\\012', '\n'), ('\\134', '\\')):
        field = field.replace(code, char)
    return field


def parse_mounts(text: str) -> list[Mount]:
    """The mounts of a ``/proc/mounts`` text, in the order the kernel lists them."""
    mounts = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 3:
            mounts.append(Mount(_unescape(fields[0]), _unescape(fields[1]), fields[2]))
    return mounts


def mount_of(path: str | os.PathLike[str], table: str) -> Mount | None:
    """The mount holding ``path`` (an absolute, resolved path) in mount table text.

    The longest mount point that contains the path wins; when one point is
    mounted over several times, the last mount (the one on top) counts.
    """
    target = os.path.normpath(os.fspath(path))
    best: Mount | None = None
    for mount in parse_mounts(table):
        point = mount.point.rstrip('/') or '/'
        inside = target == point or target.startswith(point.rstrip('/') + '/')
        if inside and (best is None or len(point) >= len(best.point.rstrip('/') or '/')):
            best = mount
    return best


def mount_of_file(path: str | os.PathLike[str]) -> Mount | None:
    """The mount under a file (or, before it exists, under its folder); None if unknown."""
    try:
        table = MOUNT_TABLE.read_text(encoding='utf-8', errors='replace')
    except OSError:
        return None
    where = Path(path).resolve()
    while not where.exists() and where != where.parent:
        where = where.parent
    return mount_of(where, table)

"""What each SQLite journal mode costs the journal's writes, as ratios to WAL.

The journal commits one transaction per step of every row (see
uploadbot/journal/base.py), so its cost is the cost of a small committed
``INSERT OR REPLACE``. This times that, N times, in four modes:

- ``wal``: WAL with ``synchronous=NORMAL`` (the journal on a local disk; the baseline);
- ``wal-exclusive``: WAL with ``locking_mode=EXCLUSIVE`` (no shared memory; safe on NFS,
  but the lock is held for the whole run, so ``-status`` cannot read meanwhile);
- ``truncate``: the rollback journal, truncated after each commit, ``synchronous=FULL``
  (the journal on a network filesystem);
- ``delete``: the rollback journal, deleted after each commit, ``synchronous=FULL``.

Run ``python benchmarks/journal_modes.py [--count N] [--dir DIR ...]``; each DIR
(default: a temporary folder) is measured, best of three rounds.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from pathlib import Path

from uploadbot.journal.base import COLUMNS, Record
from uploadbot.journal.mounts import mount_of_file

MODES = {
    'wal': ('WAL', 'NORMAL', 'NORMAL'),
    'wal-exclusive': ('WAL', 'NORMAL', 'EXCLUSIVE'),
    'truncate': ('TRUNCATE', 'FULL', 'NORMAL'),
    'delete': ('DELETE', 'FULL', 'NORMAL'),
}


def one_round(folder: Path, mode: str, count: int) -> float:
    """Seconds for ``count`` committed saves in ``mode``, in a fresh file."""
    journal_mode, synchronous, locking = MODES[mode]
    path = folder / f'bench-{mode}.sqlite'
    for leftover in folder.glob(f'bench-{mode}.sqlite*'):
        leftover.unlink()
    db = sqlite3.connect(path, isolation_level=None)
    db.execute(f'PRAGMA locking_mode={locking}')
    db.execute(f'PRAGMA journal_mode={journal_mode}')
    db.execute(f'PRAGMA synchronous={synchronous}')
    db.execute(f'CREATE TABLE rows ({", ".join(COLUMNS)}, PRIMARY KEY (source, filename))')
    insert = f'INSERT OR REPLACE INTO rows ({", ".join(COLUMNS)}) VALUES ({", ".join("?" for _ in COLUMNS)})'
    started = time.perf_counter()
    for index in range(count):
        record = Record(
            f'file {index % 50}.jpg',
            f'File {index % 50}.jpg',
            row=index,
            state='stashing',
            offset=index * 4096,
            updated=time.time(),
        )
        db.execute(
            insert,
            [str(getattr(record, name)) if name == 'state' else getattr(record, name) for name in COLUMNS],
        )
    seconds = time.perf_counter() - started
    db.close()
    for leftover in folder.glob(f'bench-{mode}.sqlite*'):
        leftover.unlink()
    return seconds


def measure(folder: Path, count: int) -> None:
    mount = mount_of_file(folder)
    print(f'\n{folder} ({mount.fstype if mount else "unknown"}), {count} saves, best of 3')
    print('| mode | seconds | saves/s | ratio to wal |')
    print('|---|---|---|---|')
    best = {mode: min(one_round(folder, mode, count) for _ in range(3)) for mode in MODES}
    for mode, seconds in best.items():
        print(f'| {mode} | {seconds:.3f} | {count / seconds:.0f} | {seconds / best["wal"]:.2f} |')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--count', type=int, default=2000)
    parser.add_argument('--dir', type=Path, action='append')
    args = parser.parse_args()
    if args.dir:
        for folder in args.dir:
            measure(folder, args.count)
        return
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as folder:
        measure(Path(folder), args.count)


if __name__ == '__main__':
    main()

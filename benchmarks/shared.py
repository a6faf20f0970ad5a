#!/usr/bin/env python3
"""Files per second for one batch shared by N processes (MariaDB journal) or N threads (SQLite).

    python benchmarks/shared.py [--files 2000] [--counts 1,2,4,8] [--latency 0.05]
        [--tmp DIR] [--json FILE]

One fresh sandbox wiki and one MariaDB (both from Debian's packages, on
127.0.0.1), and a proxy on 127.0.0.1 that holds every request ``--latency``
seconds before forwarding it: the wiki as seen from a distant machine. For
each N, a fresh batch of small distinct JPEGs is uploaded twice over:

* ``threads``: one process, ``-workers:N``, the SQLite journal;
* ``processes``: N processes started together, each with ``-workers:1``,
  sharing one batch through the MariaDB journal (rows claimed, leases).

Reported: wall time from the start to the last exit, files per second, and
the ratio to one process with one worker. Every run's journal must show
every row uploaded, or the benchmark says so. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.files import jpeg_bytes  # noqa: E402
from tests.proxy import FaultProxy, pywikibot_dir_through  # noqa: E402
from uploadbot.sandbox import Sandbox  # noqa: E402
from uploadbot.sandbox.db import MariaDB  # noqa: E402

TEMPLATE = '{{{description}}}\n'


def make_batch(folder: Path, count: int, tag: str) -> Path:
    folder.mkdir(parents=True)
    with open(folder / 'batch.csv', 'w', newline='', encoding='utf-8') as handle:
        writer = csv.writer(handle)
        writer.writerow(['file', 'filename', 'description'])
        for number in range(count):
            name = f'{number:05d}.jpg'
            (folder / name).write_bytes(jpeg_bytes(1200, seed=(tag, number)))
            writer.writerow([name, f'Shared bench {tag} {number:05d}.jpg', 'benchmark'])
    (folder / 'page.wiki').write_text(TEMPLATE)
    return folder / 'batch.csv'


def run(commands: list[list[str]], cwd: Path) -> tuple[float, list[int]]:
    started = time.perf_counter()
    processes = [subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL) for command in commands]
    codes = [process.wait() for process in processes]
    return time.perf_counter() - started, codes


def uploaded_in_sqlite(journal: Path) -> int:
    import sqlite3
    with sqlite3.connect(journal) as db:
        return db.execute("SELECT COUNT(*) FROM rows WHERE state = 'uploaded'").fetchone()[0]


def uploaded_in_server(url: str, credentials: str, batch: str) -> int:
    import sqlalchemy

    from uploadbot.journal.connect import create_journal_engine
    engine = create_journal_engine(url, credentials)
    with engine.connect() as connection:
        found = connection.execute(sqlalchemy.text(
            "SELECT COUNT(*) FROM uploadbot_rows WHERE batch = :b AND state = 'uploaded'"),
            {'b': batch}).scalar_one()
    engine.dispose()
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--files', type=int, default=2000)
    parser.add_argument('--counts', default='1,2,4,8')
    parser.add_argument('--latency', type=float, default=0.05)
    parser.add_argument('--tmp', type=Path, default=None)
    parser.add_argument('--json', type=Path, default=None)
    args = parser.parse_args()
    counts = [int(part) for part in args.counts.split(',')]
    folder = Path(tempfile.mkdtemp(prefix='uploadbot-shared-', dir=args.tmp))
    folder.chmod(0o755)  # the database server's own account must enter it
    box = Sandbox(folder / 'sandbox')
    info = box.start()
    database = MariaDB(folder / 'mariadb')
    db = database.start()
    proxy = FaultProxy(info.port)
    proxy.seen = _Count()
    proxy.add('delay', delay=args.latency, times=10 ** 12)
    pwb = pywikibot_dir_through(proxy, Path(info.pywikibot_dir), folder / 'pwb-proxy')
    rows = []
    try:
        for kind in ('threads', 'processes'):
            for count in counts:
                tag = f'{kind}-{count}-{time.time():.0f}'
                manifest = make_batch(folder / tag, args.files, tag)
                base = [sys.executable, '-m', 'uploadbot', f'-dir:{pwb}',
                        f'-manifest:{manifest}', f'-template:{manifest.parent / "page.wiki"}']
                if kind == 'threads':
                    journal = manifest.parent / 'journal.sqlite'
                    seconds, codes = run([[*base, f'-journal:{journal}', f'-workers:{count}']],
                                         manifest.parent)
                    done = uploaded_in_sqlite(journal)
                else:
                    server = [f'-journal:{db.url()}', f'-journal-cnf:{db.credentials}',
                              f'-batch:{tag}']
                    seconds, codes = run([[*base, *server] for _ in range(count)],
                                         manifest.parent)
                    done = uploaded_in_server(db.url(), db.credentials, tag)
                row = {'kind': kind, 'n': count, 'files': args.files, 'seconds': seconds,
                       'files_per_s': args.files / seconds, 'uploaded': done,
                       'exit_codes': sorted(set(codes))}
                rows.append(row)
                print(json.dumps(row), flush=True)
    finally:
        proxy.close()
        database.stop()
        box.stop()
    base = next((row for row in rows if row['kind'] == 'threads' and row['n'] == 1), rows[0])
    print(f'\n{args.files} files, {args.latency * 1000:.0f} ms added to every request\n')
    print('| journal | N | wall s | files/s | ÷ 1 worker | every row uploaded |')
    print('|---|---:|---:|---:|---:|---|')
    for row in rows:
        journal = ('SQLite, one process, -workers:N' if row['kind'] == 'threads'
                   else 'MariaDB, N processes')
        print(f"| {journal} | {row['n']} | {row['seconds']:.1f} | {row['files_per_s']:.1f} | "
              f"{row['files_per_s'] / base['files_per_s']:.2f} | "
              f"{'yes' if row['uploaded'] == row['files'] else row['uploaded']} |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


class _Count:
    """The proxy's list of seen requests, kept as a count only (thousands of requests)."""

    def __init__(self) -> None:
        self.count = 0

    def append(self, request) -> None:
        self.count += 1


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/env python3
"""Files per second for one batch shared by N processes (MariaDB journal) or N threads (SQLite).

    python benchmarks/shared.py [--files 2000] [--counts 1,2,4,8] [--latency 0.05]
        [--kinds threads,processes] [--server-workers 4] [--tmp DIR] [--json FILE]

One fresh sandbox wiki and one MariaDB (both from Debian's packages, on
127.0.0.1), and a proxy on 127.0.0.1 that holds every request ``--latency``
seconds before forwarding it: the wiki as seen from a distant machine. For
each N, a fresh batch of small distinct JPEGs is uploaded twice over:

* ``threads``: one process, ``-workers:N``, the SQLite journal;
* ``processes``: N processes started together, each with ``-workers:1``,
  sharing one batch through the MariaDB journal (rows claimed, leases).

Reported: wall time from the start to the last exit, files per second, the
ratio to one process with one worker, requests per file, what MariaDB was
sent per file (statements, pings, commits, and its fsyncs, from its
``SHOW GLOBAL STATUS``), and where the CPU time went: the bot's processes
(``wait4``), the wiki's PHP server and job runner, MariaDB (both from
``/proc``), the delaying proxy (this process), and how busy the machine's
cores were (``/proc/stat``). On a small machine the last column says why a
row stops scaling. Every run's journal must show
every row uploaded, or the benchmark says so. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
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
from uploadbot.sandbox.db import DatabaseInfo, MariaDB  # noqa: E402

TEMPLATE = '{{{description}}}\n{{cc-zero}}\n'  # the sandbox checks licences


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


TICK = os.sysconf('SC_CLK_TCK')


def run(commands: list[list[str]], cwd: Path) -> tuple[float, list[int], float]:
    """Wall seconds, exit codes, and the CPU seconds the commands' processes used."""
    started = time.perf_counter()
    processes = [
        subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for command in commands
    ]
    codes, cpu = [], 0.0
    for process in processes:
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        codes.append(process.returncode)
        cpu += usage.ru_utime + usage.ru_stime
    return time.perf_counter() - started, codes, cpu


def process_cpu(pids: list[int]) -> float:
    """CPU seconds used so far by ``pids`` and every live process below them."""
    parents: dict[int, int] = {}
    for entry in Path('/proc').iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(_stat(int(entry.name))[1])
            except (OSError, IndexError):
                continue
    family, grown = set(pids), True
    while grown:
        more = {pid for pid, parent in parents.items() if parent in family} - family
        family |= more
        grown = bool(more)
    total = 0.0
    for pid in family:
        try:
            fields = _stat(pid)
        except OSError:
            continue
        # its own utime and stime, and those of its children that ended
        total += sum(int(value) for value in fields[11:15]) / TICK
    return total


def _stat(pid: int) -> list[str]:
    """/proc/PID/stat's fields after the command's name (state is [0], ppid [1])."""
    return Path(f'/proc/{pid}/stat').read_text().rpartition(')')[2].split()


def machine_cpu() -> tuple[float, float]:
    """Busy and total CPU seconds of every core since boot, from /proc/stat."""
    values = [int(value) for value in Path('/proc/stat').read_text().split('\n')[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values) - idle) / TICK, sum(values) / TICK


def own_cpu() -> float:
    """This process's CPU seconds: the delaying proxy's threads, mostly."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def wiki_pids(box: Sandbox) -> list[int]:
    """The sandbox's PHP server (with its worker processes) and job runner."""
    return [
        int((box.directory / f'{name}.pid').read_text().split()[0])
        for name in ('server', 'jobrunner')
        if (box.directory / f'{name}.pid').exists()
    ]


def uploaded_in_sqlite(journal: Path) -> int:
    import sqlite3

    with sqlite3.connect(journal) as db:
        return db.execute("SELECT COUNT(*) FROM rows WHERE state = 'uploaded'").fetchone()[0]


def uploaded_in_server(url: str, credentials: str, batch: str) -> int:
    import sqlalchemy

    from uploadbot.journal.connect import create_journal_engine

    engine = create_journal_engine(url, credentials)
    with engine.connect() as connection:
        found = connection.execute(
            sqlalchemy.text("SELECT COUNT(*) FROM uploadbot_rows WHERE batch = :b AND state = 'uploaded'"),
            {'b': batch},
        ).scalar_one()
    engine.dispose()
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--files', type=int, default=2000)
    parser.add_argument('--counts', default='1,2,4,8')
    parser.add_argument('--latency', type=float, default=0.05)
    parser.add_argument('--kinds', default='threads,processes')
    parser.add_argument(
        '--server-workers',
        type=int,
        default=4,
        help="the sandbox's PHP server workers (requests served at once)",
    )
    parser.add_argument('--tmp', type=Path, default=None)
    parser.add_argument('--json', type=Path, default=None)
    args = parser.parse_args()
    counts = [int(part) for part in args.counts.split(',')]
    folder = Path(tempfile.mkdtemp(prefix='uploadbot-shared-', dir=args.tmp))
    folder.chmod(0o755)  # the database server's own account must enter it
    box = Sandbox(folder / 'sandbox', workers=args.server_workers)
    info = box.start()
    database = MariaDB(folder / 'mariadb')
    db = database.start()
    proxy = FaultProxy(info.port)
    proxy.seen = _Count()
    proxy.add('delay', delay=args.latency, times=10**12)
    pwb = pywikibot_dir_through(proxy, Path(info.pywikibot_dir), folder / 'pwb-proxy')
    rows = []
    try:
        for kind in args.kinds.split(','):
            for count in counts:
                tag = f'{kind}-{count}-{time.time():.0f}'
                manifest = make_batch(folder / tag, args.files, tag)
                before = _readings(box, db, proxy)
                base = [
                    sys.executable,
                    '-m',
                    'uploadbot',
                    f'-dir:{pwb}',
                    f'-manifest:{manifest}',
                    f'-template:{manifest.parent / "page.wiki"}',
                ]
                if kind == 'threads':
                    journal = manifest.parent / 'journal.sqlite'
                    seconds, codes, bot_cpu = run(
                        [[*base, f'-journal:{journal}', f'-workers:{count}']], manifest.parent
                    )
                    done = uploaded_in_sqlite(journal)
                else:
                    server = [f'-journal:{db.url()}', f'-journal-cnf:{db.credentials}', f'-batch:{tag}']
                    seconds, codes, bot_cpu = run([[*base, *server] for _ in range(count)], manifest.parent)
                    done = uploaded_in_server(db.url(), db.credentials, tag)
                after = _readings(box, db, proxy)
                spent = {key: after[key] - before[key] for key in after}
                row = {
                    'kind': kind,
                    'n': count,
                    'files': args.files,
                    'seconds': seconds,
                    'files_per_s': args.files / seconds,
                    'uploaded': done,
                    'exit_codes': sorted(set(codes)),
                    **{
                        f'{key}_per_file': spent[key] / args.files for key in ('requests', *DATABASE_COUNTERS)
                    },
                    'cpu_bot': bot_cpu,
                    **{f'cpu_{key}': spent[key] for key in ('wiki', 'mariadb', 'proxy')},
                    'cores_busy': spent['busy'] / spent['total'] * os.cpu_count(),
                }
                rows.append(row)
                print(json.dumps(row), flush=True)
    finally:
        proxy.close()
        database.stop()
        box.stop()
    base = next((row for row in rows if row['kind'] == 'threads' and row['n'] == 1), None)
    print(
        f'\n{args.files} files, {args.latency * 1000:.0f} ms added to every request, '
        f'{args.server_workers} PHP server workers\n'
    )
    print(
        '| journal | N | wall s | files/s | ÷ 1 worker | requests/file '
        '| DB statements, pings, commits, fsyncs /file | CPU s: bot '
        '| wiki | MariaDB | proxy | cores busy | every row uploaded |'
    )
    print('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|')
    for row in rows:
        journal = 'SQLite, one process, -workers:N' if row['kind'] == 'threads' else 'MariaDB, N processes'
        print(
            f'| {journal} | {row["n"]} | {row["seconds"]:.1f} | {row["files_per_s"]:.2f} | '
            f'{_ratio(row, base)} | '
            f'{row["requests_per_file"]:.2f} | '
            f'{_per_file(row, DATABASE_COUNTERS)} | '
            f'{row["cpu_bot"]:.0f} | {row["cpu_wiki"]:.0f} | '
            f'{row["cpu_mariadb"]:.0f} | {row["cpu_proxy"]:.0f} | '
            f'{row["cores_busy"]:.2f} of {os.cpu_count()} | '
            f'{"yes" if row["uploaded"] == row["files"] else row["uploaded"]} |'
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


def _per_file(row: dict, counters: dict[str, str]) -> str:
    return ', '.join(f'{row[key + "_per_file"]:.1f}' for key in counters)


def _ratio(row: dict, base: dict | None) -> str:
    """Files per second against one process with one worker, when this run measured it."""
    return f'{row["files_per_s"] / base["files_per_s"]:.2f}' if base else '—'


#: MariaDB's counters of what its clients sent (``SHOW GLOBAL STATUS``), by our name.
DATABASE_COUNTERS = {
    'statements': 'Questions',
    'pings': 'Com_admin_commands',
    'commits': 'Com_commit',
    'fsyncs': 'Innodb_data_fsyncs',
}


def database_counters(db: DatabaseInfo) -> dict[str, int]:
    """The server's counters now (the few statements of asking count too: noise)."""
    import sqlalchemy

    from uploadbot.journal.connect import create_journal_engine

    engine = create_journal_engine(db.url(), db.credentials)
    with engine.connect() as connection:
        status = dict(connection.execute(sqlalchemy.text('SHOW GLOBAL STATUS')).all())
    engine.dispose()
    return {ours: int(status[theirs]) for ours, theirs in DATABASE_COUNTERS.items()}


def _readings(box: Sandbox, db: DatabaseInfo, proxy: FaultProxy) -> dict[str, float]:
    busy, total = machine_cpu()
    return {
        'wiki': process_cpu(wiki_pids(box)),
        'mariadb': process_cpu([db.pid]),
        'proxy': own_cpu(),
        'busy': busy,
        'total': total,
        'requests': proxy.seen.count,
        **database_counters(db),
    }


class _Count:
    """The proxy's list of seen requests, kept as a count only (thousands of requests)."""

    def __init__(self) -> None:
        self.count = 0

    def append(self, request) -> None:
        self.count += 1


if __name__ == '__main__':
    sys.exit(main())

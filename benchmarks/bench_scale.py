#!/usr/bin/env python3
"""uploadbot at 100,000 rows: planning, ``-check``, the journal, upload overhead.

    python benchmarks/bench_scale.py [--sizes 2000,20000,100000] [--check-sizes 2000,20000]
        [--latency-workers 1,4] [--stages plan,check,latency,upload,status] [--code DIR]
        [--label NAME] [--json FILE] [--tmp DIR]
    make bench-scale [SCALE_ARGS=...]

Generates N tiny distinct PNGs (1x1 pixel, a different colour each) and a CSV
manifest with a one-field template, then measures, each in a process of its
own waited for with ``os.wait4`` (wall time, peak RSS):

* ``plan``: reading the manifest, checking every row and building its page
  (``uploadbot.planning.plan_before_wiki``, what every run does first), for every size;
* ``check``: ``uploadbot -check`` against a fresh sandbox wiki, requests
  counted from the wiki's server log, for every check size;
* ``latency``: ``-check`` of 20,000 rows (the largest check size up to it)
  through a delaying proxy on 127.0.0.1 that holds every request 50 ms
  before forwarding it, as from a distant machine, at each ``-workers:N``;
* ``upload``: 2,000 tiny files by the raw client of ``clients.py`` (the
  floor) and by uploadbot, then uploadbot's re-run of its finished batch;
  the bot's overhead per file is (uploadbot − floor) / files;
* ``status``: a journal of 100,000 finished rows (written through the code's
  own journal class), its size per row, and ``uploadbot -status`` on it.

``--code DIR`` runs another tree of the code (``git archive`` of a commit),
to measure "before" with the same harness. Nothing is asserted: the table
says what was measured.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
TEMPLATE = '== Summary ==\n{{Information\n |description = {{{description}}}\n}}\n{{cc-zero}}\n'
#: Upload content is offset from check content, so no upload is a duplicate of a checked file.
UPLOAD_BASE = {'raw': 1_000_000, 'ub': 2_000_000}


def tiny_png(number: int) -> bytes:
    """A 1x1 RGB PNG whose one pixel's colour is ``number`` (distinct below 2**24)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))

    header = struct.pack('>IIBBBBB', 1, 1, 8, 2, 0, 0, 0)
    pixel = b'\x00' + number.to_bytes(3, 'big')
    return (
        b'\x89PNG\r\n\x1a\n'
        + chunk(b'IHDR', header)
        + chunk(b'IDAT', zlib.compress(pixel))
        + chunk(b'IEND', b'')
    )


def make_files(folder: Path, numbers: range, prefix: str) -> list[tuple[str, str]]:
    """(relative path, target name) of one tiny PNG per number, written when missing."""
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for number in numbers:
        path = folder / f'{prefix}{number:07d}.png'
        if not path.exists():
            path.write_bytes(tiny_png(number))
        made.append((f'{folder.name}/{path.name}', f'Scale {prefix}{number:07d}.png'))
    return made


def write_manifest(path: Path, files: list[tuple[str, str]]) -> Path:
    with open(path, 'w', newline='') as out:
        writer = csv.writer(out)
        writer.writerow(['file', 'filename', 'description'])
        for relative, name in files:
            writer.writerow([relative, name, f'Benchmark file {name}'])
    return path


def measure(command: list[str], *, cwd: Path, env: dict, log: Path) -> dict:
    """Run one measured process; wall seconds, CPU seconds, peak RSS, exit code."""
    started = time.perf_counter()
    with open(log, 'wb') as out:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        _, status, usage = os.wait4(process.pid, 0)
    return {
        'seconds': time.perf_counter() - started,
        'cpu_s': usage.ru_utime + usage.ru_stime,
        'rss_mb': usage.ru_maxrss / 1024,
        'exit': os.waitstatus_to_exitcode(status),
    }


def plan_worker(args: list[str]) -> int:
    """Inside the measured process: plan a batch as every run does, print seconds and rows."""
    manifest, template = args
    arguments = [f'-manifest:{manifest}', f'-template:{template}']
    started = time.perf_counter()
    try:  # as the command plans: before pywikibot is loaded
        from uploadbot.planning import plan_before_wiki

        def plan_batch():
            planned = plan_before_wiki(arguments)
            planned.close()
            return planned.plan

    except ImportError:  # a tree from before planning.py (``--before DIR``)
        try:
            from uploadbot.from_options import plan_batch as plan_options
        except ImportError:  # a tree from before from_options.py
            from uploadbot.cli import _plan as plan_options
        from uploadbot.options import Options

        def plan_batch():
            return plan_options(Options.parse(arguments))

    imported = time.perf_counter()
    plan = plan_batch()
    done = time.perf_counter()
    print(
        json.dumps(
            {
                'import_s': imported - started,
                'plan_s': done - imported,
                'items': len(plan.items),
                'problems': len(plan.problems),
            }
        )
    )
    return 0


def journal_worker(args: list[str]) -> int:
    """Inside a process: a journal of ``count`` finished rows, written with the code's class."""
    from dataclasses import replace

    from uploadbot.journal.base import Record
    from uploadbot.journal.sqlite import SQLiteJournal
    from uploadbot.state import State

    path, count = Path(args[0]), int(args[1])
    with SQLiteJournal(path) as journal:
        template = Record(
            'files/x.png',
            'X.png',
            state=State.UPLOADED,
            size=69,
            mtime_ns=1_700_000_000_000_000_000,
            sha1='0' * 40,
            title='File:X.png',
            url='http://127.0.0.1/index.php/File:X.png',
            attempts=1,
        )
        save_all = getattr(journal, 'save_all', None)
        records = (
            replace(
                template,
                source=f'files/s{n:07d}.png',
                filename=f'S{n:07d}.png',
                row=n + 2,
                title=f'File:S{n:07d}.png',
                sha1=f'{n:040x}',
            )
            for n in range(count)
        )
        if save_all:
            save_all(records)
        else:
            for record in records:
                journal.save(record)
    return 0


class Scale:
    """The measurements of one run of this benchmark, kept as table rows."""

    def __init__(self, folder: Path, code: Path, label: str) -> None:
        self.folder, self.code, self.label = folder, code, label
        self.rows: list[dict] = []
        self.env = dict(os.environ, PYTHONPATH=str(code))
        #: planning and -status need no wiki, so no pywikibot configuration either
        self.offline = dict(self.env, PYWIKIBOT_NO_USER_CONFIG='2')
        self.template = folder / 'description.wiki'
        self.template.write_text(TEMPLATE)
        self.box = self.info = self.server_log = None
        self.runs = 0
        self.again_sizes: list[int] = []

    def manifest(self, count: int) -> Path:
        path = self.folder / f'check-{count}.csv'
        if not path.exists():
            write_manifest(path, make_files(self.folder / 'files', range(count), 's'))
        return path

    def add(self, work: str, rows: int, result: dict, **extra) -> dict:
        row = {'version': self.label, 'work': work, 'rows': rows, **result, **extra}
        row['ms_per_row'] = 1000 * row['seconds'] / rows
        self.rows.append(row)
        print(
            f'{self.label:>8} {work:<28} {rows:>7} rows {row["seconds"]:8.2f} s '
            f'{row["rss_mb"]:7.1f} MB {row.get("requests", "")} requests'
            f'{"  exit " + str(row["exit"]) if row["exit"] else ""}',
            file=sys.stderr,
        )
        return row

    def log(self) -> Path:
        self.runs += 1
        return self.folder / f'{self.label}-run{self.runs}.log'

    # -- planning and the journal (no wiki) -------------------------------------

    def plan(self, count: int) -> None:
        log = self.log()
        result = measure(
            [
                sys.executable,
                str(HERE / 'bench_scale.py'),
                '--plan-worker',
                str(self.manifest(count)),
                str(self.template),
            ],
            cwd=self.code,
            env=self.offline,
            log=log,
        )
        inner = {}
        for line in log.read_text(errors='replace').splitlines():
            if line.startswith('{'):
                inner = json.loads(line)
        self.add('planning', count, result, plan_s=inner.get('plan_s'), import_s=inner.get('import_s'))

    def status(self, count: int) -> None:
        journal = self.folder / f'status-{count}.journal.sqlite'
        for stale in self.folder.glob(f'{journal.name}*'):
            stale.unlink()
        made = measure(
            [sys.executable, str(HERE / 'bench_scale.py'), '--journal-worker', str(journal), str(count)],
            cwd=self.code,
            env=self.offline,
            log=self.log(),
        )
        size = journal.stat().st_size + sum(p.stat().st_size for p in self.folder.glob(f'{journal.name}-wal'))
        self.add('journal written', count, made, bytes_per_row=size / count)
        self.add(
            '-status',
            count,
            measure(
                [
                    sys.executable,
                    '-m',
                    'uploadbot',
                    f'-dir:{self.info.pywikibot_dir}',
                    f'-manifest:{self.manifest(2000)}',
                    f'-journal:{journal}',
                    '-status',
                ],
                cwd=self.code,
                env=self.env,
                log=self.log(),
            ),
        )

    # -- against the sandbox wiki -----------------------------------------------

    def start_wiki(self) -> None:
        sys.path.insert(0, str(ROOT))
        from uploadbot.sandbox import Sandbox

        self.box = Sandbox(self.folder / 'sandbox', workers=4)
        self.info = self.box.start()
        self.server_log = self.box.directory / 'logs' / 'server.log'

    def requests_since(self, offset: int) -> int:
        import bench

        time.sleep(1)  # the server's workers may log a moment late
        with open(self.server_log, 'rb') as log:
            log.seek(offset)
            return len(bench.LOG_LINE.findall(log.read()))

    def check(self, count: int, *, workers: int = 1, latency: float = 0.0) -> None:
        pywikibot_dir, proxy = Path(self.info.pywikibot_dir), None
        if latency:
            proxy, pywikibot_dir = self.delaying_proxy(latency)
        journal = self.folder / f'{self.label}-check-{count}-{self.runs}.journal.sqlite'
        command = [
            sys.executable,
            '-m',
            'uploadbot',
            f'-dir:{pywikibot_dir}',
            f'-manifest:{self.manifest(count)}',
            f'-template:{self.template}',
            f'-journal:{journal}',
            '-check',
            f'-workers:{workers}',
        ]
        try:
            for attempt in ('first', 'again'):
                if attempt == 'again' and (latency or count not in self.again_sizes):
                    break
                offset = self.server_log.stat().st_size
                result = measure(command, cwd=self.code, env=self.env, log=self.log())
                result['requests'] = self.requests_since(offset)
                work = (
                    f'-check +{latency * 1000:.0f} ms -workers:{workers}'
                    if latency
                    else f'-check -workers:{workers}'
                    if attempt == 'first'
                    else f'-check again -workers:{workers}'
                )
                row = self.add(work, count, result)
                row['req_per_row'] = result['requests'] / count
        finally:
            if proxy is not None:
                proxy.close()

    def delaying_proxy(self, latency: float):
        """A proxy on 127.0.0.1 that holds every request ``latency`` seconds, and its pwb dir."""
        sys.path.insert(0, str(ROOT))
        from tests.proxy import FaultProxy, pywikibot_dir_through

        class Count:  # the proxy's list of seen requests, kept as a count only
            seen = 0

            def append(self, request) -> None:
                self.seen += 1

        proxy = FaultProxy(int(self.info.api_url.split(':')[2].split('/')[0]))
        proxy.seen = Count()
        proxy.add('delay', delay=latency, times=10**12)
        target = self.folder / f'pwb-proxy-{proxy.port}'
        return proxy, pywikibot_dir_through(proxy, Path(self.info.pywikibot_dir), target)

    def upload(self, count: int) -> None:
        """The raw floor and uploadbot on ``count`` tiny files each, then uploadbot's re-run."""
        import hashlib

        import bench

        harness = bench.Bench(self.folder, self.info, self.server_log)
        harness.cwd = self.code
        for tool in ('raw', 'ub'):
            made = make_files(
                self.folder / f'up-{self.label}-{tool}',
                range(UPLOAD_BASE[tool], UPLOAD_BASE[tool] + count),
                tool,
            )
            items = [
                bench._item(
                    self.folder / relative,
                    name,
                    hashlib.sha1((self.folder / relative).read_bytes()).hexdigest(),
                )
                for relative, name in made
            ]
            os.environ['PYTHONPATH'] = str(self.code)
            row = harness.run('upload', 'upload', tool, items)
            self.add(f'upload ({bench.TOOLS[tool]})', count, row, requests=row['requests'])
            if tool == 'ub':
                again = harness.run('re-run', 'upload', tool, items, batch=harness.last_batch)
                self.add('re-run (uploadbot)', count, again, requests=again['requests'])
        self.errors = harness.errors

    def stop_wiki(self) -> None:
        if self.box is not None:
            self.box.stop()


def table(rows: list[dict]) -> str:
    """A Markdown table of the rows (README-ready)."""
    columns = [
        ('version', 'code', '{}'),
        ('work', 'work', '{}'),
        ('rows', 'rows', '{:,}'),
        ('seconds', 'wall s', '{:.2f}'),
        ('cpu_s', 'CPU s', '{:.2f}'),
        ('plan_s', 'of which planning s', '{:.2f}'),
        ('requests', 'requests', '{:,}'),
        ('req_per_row', 'req/row', '{:.3f}'),
        ('rss_mb', 'peak RSS MB', '{:.0f}'),
        ('ms_per_row', 'ms/row', '{:.3f}'),
        ('bytes_per_row', 'journal B/row', '{:.0f}'),
    ]
    lines = [
        '| ' + ' | '.join(title for _, title, _ in columns) + ' |',
        '|' + '|'.join('---' if key in ('version', 'work') else '---:' for key, _, _ in columns) + '|',
    ]
    for row in rows:
        lines.append(
            '| '
            + ' | '.join('–' if row.get(key) is None else form.format(row[key]) for key, _, form in columns)
            + ' |'
        )
    return '\n'.join(lines)


def overhead(rows: list[dict]) -> list[str]:
    """The bot's per-file overhead over the raw floor, per code version."""
    lines = []
    for version in dict.fromkeys(row['version'] for row in rows):
        found = {row['work']: row for row in rows if row['version'] == version}
        raw, ub = found.get('upload (raw (floor))'), found.get('upload (uploadbot)')
        if raw and ub:
            per_file = 1000 * (ub['seconds'] - raw['seconds']) / ub['rows']
            cpu = 1000 * (ub['cpu_s'] - raw['cpu_s']) / ub['rows']
            lines.append(
                f'{version}: uploadbot {ub["seconds"]:.2f} s ({ub["cpu_s"]:.2f} s CPU), '
                f'floor {raw["seconds"]:.2f} s ({raw["cpu_s"]:.2f} s CPU) for '
                f'{ub["rows"]} files: overhead {per_file:+.2f} ms of wall time and '
                f'{cpu:+.2f} ms of CPU time per file (CPU time is what the bot itself '
                "spends; wall time also moves with the server and the machine's load)"
            )
    return lines


def main(argv: list[str]) -> int:
    if argv[:1] == ['--plan-worker']:
        return plan_worker(argv[1:])
    if argv[:1] == ['--journal-worker']:
        return journal_worker(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    numbers = lambda text: [int(n) for n in text.split(',') if n]  # noqa: E731
    parser.add_argument('--sizes', type=numbers, default=[2000, 20000, 100000])
    parser.add_argument('--check-sizes', type=numbers, default=[2000, 20000, 100000])
    parser.add_argument(
        '--check-workers', type=int, default=1, help='-workers:N for the -check runs without latency'
    )
    parser.add_argument(
        '--again-sizes',
        type=numbers,
        default=[2000, 20000],
        help='check sizes whose -check runs a second time (hashes kept)',
    )
    parser.add_argument('--latency-workers', type=numbers, default=[1, 4])
    parser.add_argument('--latency', type=float, default=0.05, help='seconds added per request')
    parser.add_argument('--stages', default='plan,check,latency,upload,status')
    parser.add_argument('--code', type=Path, default=ROOT, help='the tree of code to measure')
    parser.add_argument('--label', default='after')
    parser.add_argument('--json', type=Path, help='also write the rows as JSON to this file')
    parser.add_argument('--tmp', help='where the files and the sandbox go')
    args = parser.parse_args(argv)
    stages = set(args.stages.split(','))
    sys.path.insert(0, str(HERE))
    with tempfile.TemporaryDirectory(prefix='uploadbot-scale-', dir=args.tmp) as tmp:
        scale = Scale(Path(tmp), args.code.resolve(), args.label)
        scale.errors = []
        scale.again_sizes = args.again_sizes
        try:
            for count in args.sizes if 'plan' in stages else ():
                scale.plan(count)
            if stages & {'check', 'latency', 'upload', 'status'}:
                scale.start_wiki()  # -status, too, makes pywikibot's site (no request)
            if 'status' in stages:
                scale.status(100_000)
            for count in args.check_sizes if 'check' in stages else ():
                scale.check(count, workers=args.check_workers)
            if 'latency' in stages:
                count = max([n for n in args.check_sizes if n <= 20000] or [20000])
                for workers in args.latency_workers:
                    scale.check(count, workers=workers, latency=args.latency)
            if 'upload' in stages:
                scale.upload(2000)
        finally:
            scale.stop_wiki()
    print(table(scale.rows))
    for line in overhead(scale.rows):
        print(f'\n{line}')
    print(f'\n{os.cpu_count()} CPUs; load average (1 min) now {os.getloadavg()[0]:.2f}')
    for error in scale.errors:
        print(f'ERROR {error}', file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps({'rows': scale.rows, 'errors': scale.errors}, indent=1) + '\n')
    return 1 if scale.errors or any(row['exit'] for row in scale.rows) else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))

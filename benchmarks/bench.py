#!/usr/bin/env python3
"""uploadbot against the floor: the same uploads by a raw client, pywikibot and uploadbot.

    python benchmarks/bench.py [--quick] [--repeat N] [--json FILE] [--tmp DIR]
    make bench [BENCH_ARGS=--quick]

One fresh sandbox wiki; on it each tool uploads the same workloads under its
own names and with its own bytes (the wiki would warn ``duplicate`` otherwise):
40 small images, one 256 MiB file in 4 MiB chunks (64 MiB with --quick) and
one 1 GiB file (skipped with --quick); then uploadbot re-runs its finished
small batch and runs fresh small batches with -workers:1, 2 and 4.

The raw client (benchmarks/clients.py) is the floor: the fewest requests the
Upload API needs and nothing else. Every tool runs in a process of its own,
waited for with ``os.wait4``, so wall time, CPU time and peak RSS are measured
alike; requests are counted from the wiki's server log, which knows nothing
about the tools. The machine may be shared and a wiki on two cores is noisy,
so each measurement is repeated (--repeat, default 3; the tools interleaved,
each after the wiki's job queue drained and the disk took what was written
before: ``os.sync``) and the fastest run is kept. After every
run the SHA1 of each file on the wiki is checked against the local file: a
mismatch or a failed run makes the exit code 1.
Timings are reported, never asserted: goals are marked met or missed.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import csv
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
MiB = 2**20
CHUNK = 4 * MiB
SMALL_COUNT = 40
COMMENT = 'uploadbot benchmark'
TEMPLATE = (
    '== Summary ==\n{{Information\n |description = {{en|1={{{description}}}}}\n'
    ' |source = {{own}}\n |author = UploadBot\n}}\n== Licensing ==\n{{cc-by-sa-4.0}}\n'
)
#: PHP's built-in server logs one line per request: ``[pid] [date] ip:port [200]: POST /api.php``
LOG_LINE = re.compile(rb'\] \S+:\d+ \[\d{3}\]: [A-Z]+ ')
TOOLS = {'raw': 'raw (floor)', 'mw': 'mwclient', 'pwb': 'pywikibot', 'ub': 'uploadbot'}


def small_files(folder: Path, tag: str, count: int) -> list[dict]:
    """``count`` distinct JPEGs of 50 to 425 kB (about 9.5 MB together)."""
    from tests.files import jpeg_bytes

    items = []
    for number in range(count):
        content = jpeg_bytes(50_000 + 25_000 * (number % 16), seed=(tag, number))
        path = folder / f'{tag}-{number:03d}.jpg'
        path.write_bytes(content)
        items.append(_item(path, f'{tag.capitalize()}-{number:03d}.jpg', hashlib.sha1(content).hexdigest()))
    return items


def big_file(folder: Path, tag: str, size: int) -> dict:
    """A JPEG head, then seeded random bytes, written block by block (never whole in memory)."""
    from tests.files import jpeg_bytes

    rng, digest = random.Random(tag), hashlib.sha1()
    path = folder / f'{tag}.jpg'
    with open(path, 'wb') as out:
        block = jpeg_bytes(1000, seed=tag)
        remaining = size
        while remaining:
            out.write(block)
            digest.update(block)
            remaining -= len(block)
            block = rng.randbytes(min(remaining, CHUNK))
    return _item(path, f'{tag.capitalize()}.jpg', digest.hexdigest())


def byte_compile(tree: Path) -> None:
    """Write the bytecode of ``tree``'s uploadbot, as ``pip install`` does at install time.

    The other tools run from site-packages, compiled when they were installed;
    an editable install (or a ``git archive``) has no bytecode, and with
    ``PYTHONDONTWRITEBYTECODE`` set (as on the development machine) Python never
    writes it, so every run would compile uploadbot's sources again (about 0.13 s
    of its start-up, which no installed copy pays).
    """
    compileall.compile_dir(tree / 'uploadbot', quiet=1)


def wiki_cpu_seconds(folder: Path) -> float:
    """CPU seconds the sandbox in ``folder`` has used so far: its server, the server's
    workers and its job runner (``/proc``; 0 where Linux does not tell).

    The wiki does the same work for every tool on a workload, so its CPU seconds
    for one run against another show how fast the machine was during each.
    """
    roots = set()
    for name in ('server', 'jobrunner'):
        with contextlib.suppress(OSError, ValueError):
            roots.add(int((folder / f'{name}.pid').read_text().split()[0]))
    ticks = 0
    for stat in Path('/proc').glob('[0-9]*/stat'):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(')', 1)[1].split()
            if int(stat.parent.name) in roots or int(fields[1]) in roots:  # fields[1]: the parent
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf('SC_CLK_TCK')


def _item(path: Path, name: str, sha1: str) -> dict:
    """One file to upload; every tool gets the same page text, with only its name in it."""
    text = TEMPLATE.replace('{{{description}}}', f'Benchmark file {name}')
    return {
        'path': str(path),
        'name': name,
        'sha1': sha1,
        'size': path.stat().st_size,
        'text': text,
        'description': f'Benchmark file {name}',
    }


def verify(api_url: str, items: list[dict]) -> list[str]:
    """Problems with the uploaded files: missing, or SHA1 or size unlike the local file."""
    import requests

    problems = []
    for start in range(0, len(items), 50):
        group = items[start : start + 50]
        data = requests.get(
            api_url,
            timeout=60,
            params={
                'action': 'query',
                'format': 'json',
                'formatversion': '2',
                'prop': 'imageinfo',
                'iiprop': 'sha1|size',
                'titles': '|'.join(f'File:{i["name"]}' for i in group),
            },
        ).json()
        pages = {page['title']: page for page in data['query']['pages']}
        for item in group:
            info = (pages.get(f'File:{item["name"]}', {}).get('imageinfo') or [{}])[0]
            if (info.get('sha1'), info.get('size')) != (item['sha1'], item['size']):
                problems.append(
                    f'File:{item["name"]}: wiki has sha1={info.get("sha1")} '
                    f'size={info.get("size")}, local {item["sha1"]} {item["size"]}'
                )
    return problems


class Bench:
    """Runs the tools one measured process at a time and keeps the rows."""

    def __init__(self, folder: Path, info, log: Path) -> None:
        import clients

        self.folder, self.info, self.server_log = folder, info, log
        #: the sandbox's folder: its server and job runner, whose CPU each run counts
        self.wiki_folder = log.parent.parent
        self.shim = clients.write_sitecustomize(folder / 'shim')
        self.rows: list[dict] = []
        self.errors: list[str] = []
        self.runs = 0
        self.last_batch: dict | None = None
        self.cwd = ROOT  # the tree whose uploadbot runs (bench_scale.py measures others)
        self.compiled: set[Path] = set()
        #: where the tools send their requests: the wiki, or a delaying proxy in front of it
        self.api_url, self.pywikibot_dir = info.api_url, info.pywikibot_dir

    def manifest(self, items: list[dict], tag: str) -> dict:
        """An uploadbot batch: CSV manifest, fresh journal path."""
        manifest = self.folder / f'{tag}.csv'
        with open(manifest, 'w', newline='') as out:
            writer = csv.writer(out)
            writer.writerow(['file', 'filename', 'description'])
            for item in items:
                writer.writerow(
                    [os.path.relpath(item['path'], self.folder), item['name'], item['description']]
                )
        return {'manifest': manifest, 'journal': self.folder / f'{tag}.journal.sqlite', 'items': items}

    def command(
        self, tool: str, items: list[dict], batch: dict | None, extra: list[str], counts: Path, env: dict
    ) -> list[str]:
        """The command line of one run; uploadbot runs exactly as an operator would run it."""
        if tool == 'ub':
            batch = self.last_batch = batch or self.manifest(items, f'batch{self.runs}')
            template = self.folder / 'description.wiki'
            template.write_text(TEMPLATE)
            env['PYTHONPATH'] = os.pathsep.join(filter(None, [str(self.shim), env.get('PYTHONPATH')]))
            env['BENCH_COUNTS'] = str(counts)
            return [
                sys.executable,
                '-m',
                'uploadbot',
                f'-dir:{self.pywikibot_dir}',
                f'-manifest:{batch["manifest"]}',
                f'-template:{template}',
                f'-report:{self.folder / f"report{self.runs}.csv"}',
                f'-journal:{batch["journal"]}',
                '-chunk-size:4Mi',
                f'-summary:{COMMENT}',
                *extra,
            ]
        spec = self.folder / f'run{self.runs}.spec.json'
        spec.write_text(
            json.dumps(
                {
                    'api_url': self.api_url,
                    'comment': COMMENT,
                    'pywikibot_dir': str(self.pywikibot_dir),
                    'chunk_size': CHUNK,
                    'files': items,
                }
            )
        )
        python = mwclient_python() if tool == 'mw' else sys.executable
        return [python, str(HERE / 'bench.py'), '--worker', tool, str(spec), str(counts)]

    def run(
        self,
        workload: str,
        floor: str,
        tool: str,
        items: list[dict],
        *,
        batch: dict | None = None,
        extra: tuple[str, ...] = (),
        label: str = '',
    ) -> dict:
        """One tool in one measured process; its files checked on the wiki afterwards."""
        self.runs += 1
        if tool == 'ub' and self.cwd not in self.compiled:
            byte_compile(self.cwd)
            self.compiled.add(self.cwd)
        counts_path = self.folder / f'run{self.runs}.counts.json'
        output = self.folder / f'run{self.runs}.log'
        env = dict(os.environ)
        command = self.command(tool, items, batch, list(extra), counts_path, env)
        self.settle()
        offset = self.server_log.stat().st_size
        wiki_cpu = wiki_cpu_seconds(self.wiki_folder)
        started, clock = time.time(), time.perf_counter()
        with open(output, 'wb') as out:
            process = subprocess.Popen(
                command, cwd=self.cwd, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
            _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - clock
        wiki_cpu = wiki_cpu_seconds(self.wiki_folder) - wiki_cpu
        process.returncode = code = os.waitstatus_to_exitcode(status)
        counts = json.loads(counts_path.read_text()) if counts_path.exists() else {}
        requests = self.log_requests(offset, counts.get('requests', 0))
        setup = counts.get('setup')
        row = {
            'workload': workload,
            'floor': floor,
            'tool': label or TOOLS[tool],
            'files': len(items),
            'seconds': seconds,
            'setup_s': counts['first_upload'] - started if counts.get('first_upload') else None,
            'cpu_s': usage.ru_utime + usage.ru_stime,
            'wiki_cpu_s': wiki_cpu,
            'requests': requests,
            'counted': counts.get('requests'),
            'req_per_file': requests / len(items),
            'per_file_req': (requests - (counts.get('requests', 0) if setup is None else setup)) / len(items),
            'rss_mb': counts.get('peak_rss_kb', usage.ru_maxrss) / 1024,
            'file_bytes': counts.get('file_bytes', 0),
            'exit': code,
        }
        problems = (
            [
                f'exit code {code}; see the tail of {output.name} below:\n'
                + output.read_text(errors='replace')[-2000:]
            ]
            if code
            else []
        )
        problems += verify(self.info.api_url, items) if not code else []
        self.errors += [f'{workload} / {row["tool"]}: {problem}' for problem in problems]
        print(
            f'{workload:>18} {row["tool"]:<22} {seconds:7.2f} s {requests:5} requests '
            f'{row["rss_mb"]:6.1f} MB{"  ERROR" if problems else ""}',
            file=sys.stderr,
        )
        return row

    def settle(self, timeout: float = 60) -> None:
        """Wait for the job runner to finish the last run's jobs, then for the disk to take
        the bytes written so far, so neither slows this run.

        Linux writes dirty pages back once they are 30 s old (``vm.dirty_expire_centisecs``)
        or a tenth of the memory is dirty: the 750 MB or so the wiki writes for a 256 MiB
        upload (stash chunks, the assembled file, the published one) used to go to the
        disk during whichever run came next.
        """
        import requests

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            stats = requests.get(
                self.info.api_url,
                timeout=30,
                params={'action': 'query', 'meta': 'siteinfo', 'siprop': 'statistics', 'format': 'json'},
            ).json()['query']['statistics']
            if not stats.get('jobs'):
                break
            time.sleep(0.2)
        os.sync()

    def log_requests(self, offset: int, expected: int) -> int:
        """Requests the server logged since ``offset`` (its workers may log a moment late)."""
        deadline = time.monotonic() + 5
        while True:
            with open(self.server_log, 'rb') as log:
                log.seek(offset)
                count = len(LOG_LINE.findall(log.read()))
            if count >= expected or time.monotonic() > deadline:
                return count
            time.sleep(0.05)

    def best(self, runs: list[dict]) -> dict:
        """Of repeated runs keep the fastest (others' noise only ever adds time)."""
        row = min(runs, key=lambda run: run['seconds'])
        row['runs'] = [round(run['seconds'], 3) for run in runs]
        self.rows.append(row)
        return row

    def through(self, latency: float):
        """Send every tool's requests through a proxy that holds each ``latency`` seconds."""
        import side_by_side

        return side_by_side.through(self, latency)

    def compare(self, workload: str, make, repeat: int, *, delete: bool = False) -> dict:
        """All three tools on the same workload, interleaved ``repeat`` times."""
        runs: dict[str, list[dict]] = {tool: [] for tool in TOOLS}
        for attempt in range(repeat):
            for tool in TOOLS:
                items = make(f'{tool}-{attempt}')
                runs[tool].append(self.run(workload, workload, tool, items))
                runs[tool][-1]['_batch'] = self.last_batch
                for item in items if delete else ():
                    os.unlink(item['path'])
        return {tool: self.best(tool_runs) for tool, tool_runs in runs.items()}

    def all(self, quick: bool, repeat: int) -> None:
        """Every workload, small first: a failure shows before the long uploads start."""
        files = self.folder / 'files'
        files.mkdir()
        for tool in TOOLS:  # warm-up: pywikibot's caches and cookies, the wiki's first upload
            self.run('warm-up', 'warm-up', tool, small_files(files, f'warm-{tool}', 1))
        small = f'small ({SMALL_COUNT} files)'
        first = self.compare(small, lambda tag: small_files(files, f'{tag}-s', SMALL_COUNT), repeat)['ub']
        self.best(
            [
                self.run(
                    're-run small',
                    small,
                    'ub',
                    first['_batch']['items'],
                    batch=first['_batch'],
                    label='uploadbot re-run',
                )
                for _ in range(repeat)
            ]
        )
        for workers in (1, 2, 4):
            self.best(
                [
                    self.run(
                        'small -workers',
                        small,
                        'ub',
                        small_files(files, f'ub-w{workers}-{attempt}', SMALL_COUNT),
                        extra=(f'-workers:{workers}',),
                        label=f'uploadbot -workers:{workers}',
                    )
                    for attempt in range(repeat)
                ]
            )
        for size in (64 * MiB,) if quick else (256 * MiB, 1024 * MiB):
            name = f'chunked {size // MiB} MiB' if size < 1024 * MiB else 'chunked 1 GiB'
            # the local file, and per upload the published file and the stash's copy
            if shutil.disk_usage(self.folder).free < (6 * repeat + 1) * size + 1024 * MiB:
                print(f'{name}: skipped, not enough disk space in {self.folder}', file=sys.stderr)
                continue
            self.compare(
                name,
                lambda tag: [big_file(files, f'{tag}-{size // MiB}mib', size)],  # noqa: B023
                repeat,
                delete=True,
            )


def ratios(rows: list[dict]) -> None:
    """Each row against the raw client's row of its floor workload."""
    floors = {row['workload']: row for row in rows if row['tool'] == TOOLS['raw']}
    for row in rows:
        floor = floors.get(row['floor'])
        row['x_floor'] = row['seconds'] / floor['seconds'] if floor else None
        row['rss_diff_mb'] = row['rss_mb'] - floor['rss_mb'] if floor else None


def goals(rows: list[dict]) -> list[dict]:
    """The issue's goals for uploadbot, each with what was measured and met or missed."""

    def find(workload: str, tool: str) -> dict | None:
        return next((r for r in rows if r['workload'] == workload and r['tool'] == tool), None)

    result = []

    def goal(text: str, measured: str, met: bool) -> None:
        result.append({'goal': text, 'measured': measured, 'met': bool(met)})

    small = f'small ({SMALL_COUNT} files)'
    ub, raw = find(small, TOOLS['ub']), find(small, TOOLS['raw'])
    if ub and raw:
        goal('small batch: seconds <= 1.10 x floor', f'{ub["x_floor"]:.3f} x', ub['x_floor'] <= 1.10)
        goal(
            'small batch: <= 1.05 requests/file (after the session set-up)',
            f'{ub["per_file_req"]:.3f} (all requests: {ub["req_per_file"]:.3f}; '
            f'floor {raw["per_file_req"]:.3f} / {raw["req_per_file"]:.3f})',
            ub['per_file_req'] <= 1.05,
        )
    for row in rows:
        if row['tool'] == TOOLS['ub'] and row['workload'].startswith('chunked'):
            goal(
                f'{row["workload"]}: seconds <= 1.05 x floor',
                f'{row["x_floor"]:.3f} x',
                row['x_floor'] <= 1.05,
            )
    for row in rows:
        if row['tool'] == TOOLS['ub'] and row['workload'] == row['floor']:
            goal(
                f'{row["workload"]}: peak RSS <= floor + 15 MB',
                f'{row["rss_mb"]:.1f} MB = floor {row["rss_diff_mb"]:+.1f} MB',
                row['rss_diff_mb'] <= 15,
            )
    rerun = find('re-run small', 'uploadbot re-run')
    if ub and rerun:
        share = rerun['seconds'] / ub['seconds']
        goal(
            're-run of the finished small batch: <= 5 % of the first run, 0 bytes sent',
            f'{rerun["seconds"]:.2f} s = {share:.0%} of {ub["seconds"]:.2f} s; '
            f'{rerun["file_bytes"]} file bytes sent',
            share <= 0.05 and rerun['file_bytes'] == 0,
        )
    return result


def table(rows: list[dict]) -> str:
    """A Markdown table of the rows (README-ready)."""
    columns = [
        ('workload', 'workload', '{}'),
        ('tool', 'tool', '{}'),
        ('files', 'files', '{}'),
        ('seconds', 'seconds', '{:.2f}'),
        ('setup_s', 'setup s', '{:.2f}'),
        ('cpu_s', 'CPU s', '{:.2f}'),
        ('requests', 'requests', '{}'),
        ('req_per_file', 'req/file', '{:.3f}'),
        ('per_file_req', 'req/file after setup', '{:.3f}'),
        ('rss_mb', 'peak RSS MB', '{:.1f}'),
        ('x_floor', '× floor s', '{:.2f}'),
        ('rss_diff_mb', 'RSS − floor MB', '{:+.1f}'),
    ]
    lines = [
        '| ' + ' | '.join(title for _, title, _ in columns) + ' |',
        '|' + '|'.join('---' if key in ('workload', 'tool') else '---:' for key, _, _ in columns) + '|',
    ]
    for row in rows:
        lines.append(
            '| '
            + ' | '.join('–' if row.get(key) is None else form.format(row[key]) for key, _, form in columns)
            + ' |'
        )
    return '\n'.join(lines)


def mwclient_python() -> str:
    """The interpreter of mwclient's own virtual environment (``make bench-deps``).

    mwclient brings requests-oauthlib, which pywikibot imports whenever it can:
    in one environment with mwclient, pywikibot's and uploadbot's processes
    would carry 1.3 MB that no install of theirs has.
    """
    python = Path(os.environ.get('MWCLIENT_VENV', ROOT / '.venv-mwclient')) / 'bin' / 'python'
    if not python.exists():
        raise SystemExit(f'no {python}: run `make bench-deps` (mwclient in a virtual environment of its own)')
    return str(python)


def main(argv: list[str]) -> int:
    if argv[:1] == ['--worker']:  # a measured process: nothing imported beyond the client
        import clients

        return clients.worker(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--quick', action='store_true', help='64 MiB instead of 256 MiB, no 1 GiB')
    parser.add_argument('--json', type=Path, help='also write the results as JSON to this file')
    parser.add_argument(
        '--repeat', type=int, default=3, help='run each measurement N times and keep the fastest (default 3)'
    )
    parser.add_argument('--tmp', help='where the sandbox and the files go (default: system tmp)')
    parser.add_argument(
        '--table',
        action='store_true',
        help="only the issue's side-by-side table (side_by_side.py): 100 small "
        'files at 0 and 50 ms, 256 MiB at 0 ms, planning 100,000 rows; medians',
    )
    parser.add_argument('--small', type=int, default=100, help='--table: small files per run')
    parser.add_argument('--big-mib', type=int, default=256, help='--table: the big file, MiB')
    parser.add_argument('--plan-rows', type=int, default=100_000, help='--table: rows planned')
    parser.add_argument(
        '--before', type=Path, help='--table: also run the uploadbot of this tree (a git archive)'
    )
    args = parser.parse_args(argv)
    if args.table:
        import side_by_side

        return side_by_side.main(args)
    sys.path.insert(0, str(ROOT))
    from uploadbot.sandbox import Sandbox

    with tempfile.TemporaryDirectory(prefix='uploadbot-bench-', dir=args.tmp) as tmp:
        box = Sandbox(Path(tmp) / 'sandbox', workers=4)
        info = box.start()
        try:
            bench = Bench(Path(tmp), info, box.directory / 'logs' / 'server.log')
            load = [os.getloadavg()[0]]
            bench.all(args.quick, max(1, args.repeat))
            load.append(os.getloadavg()[0])
        finally:
            box.stop()
    ratios(bench.rows)
    results = goals(bench.rows)
    print(table(bench.rows))
    print()
    for goal in results:
        print(f'- {"met   " if goal["met"] else "MISSED"} {goal["goal"]}: {goal["measured"]}')
    print(
        f'\n{os.cpu_count()} CPUs; load average (1 min) {load[0]:.2f} before, {load[1]:.2f} '
        'after: other work on the machine slows the wiki and every tool, unevenly'
    )
    for error in bench.errors:
        print(f'ERROR {error}', file=sys.stderr)
    if args.json:
        rows = [{key: value for key, value in row.items() if not key.startswith('_')} for row in bench.rows]
        args.json.write_text(
            json.dumps(
                {
                    'quick': args.quick,
                    'repeat': args.repeat,
                    'cpus': os.cpu_count(),
                    'load': load,
                    'rows': rows,
                    'goals': results,
                    'errors': bench.errors,
                },
                indent=1,
            )
            + '\n'
        )
    return 1 if bench.errors else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))

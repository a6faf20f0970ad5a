"""The side-by-side table: the raw floor, mwclient, pywikibot and uploadbot in one run.

    python benchmarks/bench.py --table [--repeat 3] [--small 100] [--big-mib 256]
        [--plan-rows 100000] [--before DIR] [--json FILE] [--tmp DIR]
    make bench-table

One fresh sandbox wiki. Each repetition runs, for every tool in a process of
its own and with its own bytes: ``--small`` small JPEGs with no added latency,
one ``--big-mib`` file in 4 MiB chunks, and the small JPEGs again through a
proxy on 127.0.0.1 that holds every request 50 ms (``tests/proxy.py``). Each
tool's seconds are divided by the raw floor's seconds *of the same
repetition*, and the median of the repetitions' ratios is reported (so a
slow minute of a shared machine moves both sides of a ratio). Then planning
``--plan-rows`` rows (``bench_scale.py``'s planning process, with a template
holding ``{{Information}}`` and a category), median of the repetitions.
``--before DIR`` (a ``git archive`` of another commit) adds that tree's
uploadbot as a fifth tool, interleaved with the others, and plans with it too.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

import bench

LATENCY = 0.050
PLAN_TEMPLATE = (
    '== Summary ==\n{{Information\n |description = {{{description}}}\n'
    ' |source = {{own}}\n |author = UploadBot\n}}\n{{cc-zero}}\n'
    '[[Category:Benchmark uploads]]\n'
)


@contextlib.contextmanager
def delaying_proxy(harness: bench.Bench, latency: float):
    """(API URL, pywikibot dir) through a proxy that holds every request ``latency`` s."""
    sys.path.insert(0, str(bench.ROOT))
    from tests.proxy import FaultProxy, pywikibot_dir_through

    class Count:  # the proxy's list of seen requests, kept as a count only
        seen = 0

        def append(self, request) -> None:
            self.seen += 1

    port = int(harness.info.api_url.split(':')[2].split('/')[0])
    proxy = FaultProxy(port)
    proxy.seen = Count()
    proxy.add('delay', delay=latency, times=10**12)
    try:
        yield (
            harness.info.api_url.replace(f':{port}/', f':{proxy.port}/'),
            pywikibot_dir_through(
                proxy, Path(harness.info.pywikibot_dir), harness.folder / f'pwb-proxy-{proxy.port}'
            ),
        )
    finally:
        proxy.close()


@contextlib.contextmanager
def through(harness: bench.Bench, route: tuple[str, Path] | None):
    """Every tool's requests along ``route`` (API URL, pywikibot dir); None: direct."""
    saved = harness.api_url, harness.pywikibot_dir
    if route is not None:
        harness.api_url, harness.pywikibot_dir = route
    try:
        yield
    finally:
        harness.api_url, harness.pywikibot_dir = saved


def workloads(small: int, big_mib: int) -> list[tuple[str, float, object]]:
    """(name, added latency, maker of one tool's files) in the issue's order."""
    return [
        (
            f'{small} small JPEGs, no added latency',
            0.0,
            lambda folder, tag: bench.small_files(folder, tag, small),
        ),
        (
            f'{big_mib} MiB, 4 MiB chunks, no added latency',
            0.0,
            lambda folder, tag: [bench.big_file(folder, tag, big_mib * bench.MiB)],
        ),
        (
            f'{small} small JPEGs, {LATENCY * 1000:.0f} ms added per request',
            LATENCY,
            lambda folder, tag: bench.small_files(folder, tag, small),
        ),
    ]


#: The label of uploadbot run from another tree (``--before DIR``).
BEFORE = 'uploadbot before'
#: The label of the control: the floor's client run a second time in each repetition.
#: Its ratio to the floor would be 1.00 on a quiet machine; how far it strays is how
#: far any tool's ratio in the same run may stray for no reason of its own.
AGAIN = 'raw (floor) again'
#: Tool keys of the side-by-side runs that are not bench.TOOLS, with the client they run.
EXTRA = {'again': 'raw', 'before': 'ub'}
LABELS = {'again': AGAIN, 'before': BEFORE}


def side_by_side(
    harness: bench.Bench, repeat: int, small: int, big_mib: int, before: Path | None = None
) -> dict:
    """Every tool on every workload, ``repeat`` times; runs by workload and tool."""
    tools = [*bench.TOOLS, 'again', *(['before'] if before else [])]
    files = harness.folder / 'files'
    files.mkdir(exist_ok=True)
    runs: dict[str, dict[str, list[dict]]] = {}
    with delaying_proxy(harness, LATENCY) as far:
        routes = {0.0: None, LATENCY: far}
        # warm-up, direct and through the proxy (its pywikibot dir has its own login
        # cookie and API cache): caches, cookies, the wiki's first upload; not counted
        for name, route in routes.items():
            with through(harness, route):
                for tool in tools:
                    harness.cwd = before if tool == 'before' else bench.ROOT
                    harness.run(
                        'warm-up',
                        'warm-up',
                        EXTRA.get(tool, tool),
                        bench.small_files(files, f'warm{name:.2f}-{tool}', 1),
                    )
        for attempt in range(repeat):
            # The order turns with each repetition, so no tool always meets the wiki
            # just after the same other tool (or always first, with the least in its stash).
            order = tools[attempt % len(tools) :] + tools[: attempt % len(tools)]
            for number, (work, latency, make) in enumerate(workloads(small, big_mib)):
                with through(harness, routes[latency]):
                    for tool in order:
                        items = make(files, f'{tool}-{attempt}-w{number}')
                        harness.cwd = before if tool == 'before' else bench.ROOT
                        row = harness.run(
                            work, work, EXTRA.get(tool, tool), items, label=LABELS.get(tool, '')
                        )
                        runs.setdefault(work, {}).setdefault(tool, []).append(row)
                        if len(items) == 1 and items[0]['size'] > bench.CHUNK:
                            os.unlink(items[0]['path'])  # the wiki keeps its copies
    return runs


def medians(runs: dict[str, dict[str, list[dict]]]) -> list[dict]:
    """Per workload and tool: the median of the per-repetition ratios to the floor, and more."""
    rows = []
    for work, by_tool in runs.items():
        floor = by_tool['raw']
        for tool_runs in by_tool.values():
            ratios = [run['seconds'] / base['seconds'] for run, base in zip(tool_runs, floor)]
            rows.append(
                {
                    'work': work,
                    'tool': tool_runs[0]['tool'],
                    'x_floor': statistics.median(ratios),
                    'ratios': [round(r, 3) for r in ratios],
                    'seconds': statistics.median(r['seconds'] for r in tool_runs),
                    'cpu_s': statistics.median(r['cpu_s'] for r in tool_runs),
                    'wiki_cpu_s': statistics.median(r['wiki_cpu_s'] for r in tool_runs),
                    'wiki_cpu_runs': [round(r['wiki_cpu_s'], 2) for r in tool_runs],
                    'setup_s': statistics.median(r['setup_s'] or 0 for r in tool_runs),
                    'requests': statistics.median(r['requests'] for r in tool_runs),
                    'rss_mb': statistics.median(r['rss_mb'] for r in tool_runs),
                    'rss_diff_mb': statistics.median(
                        r['rss_mb'] - b['rss_mb'] for r, b in zip(tool_runs, floor)
                    ),
                }
            )
    return rows


def plan_rows(folder: Path, rows: int, repeat: int, code: Path = bench.ROOT) -> dict:
    """Planning ``rows`` rows as a whole process, ``repeat`` times: medians."""
    import bench_scale

    bench.byte_compile(code)
    (folder / 'plan').mkdir(exist_ok=True)
    scale = bench_scale.Scale(folder / 'plan', code, 'plan')
    scale.template = scale.folder / 'description.wiki'
    scale.template.write_text(PLAN_TEMPLATE)
    for _ in range(repeat):
        scale.plan(rows)
    return {
        'rows': rows,
        'runs': [round(r['seconds'], 2) for r in scale.rows],
        'seconds': statistics.median(r['seconds'] for r in scale.rows),
        'cpu_s': statistics.median(r['cpu_s'] for r in scale.rows),
        'rss_mb': statistics.median(r['rss_mb'] for r in scale.rows),
        'exit': max(r['exit'] for r in scale.rows),
    }


def markdown(rows: list[dict]) -> str:
    """The issue's table (ratios), then the medians behind it."""
    works = list(dict.fromkeys(row['work'] for row in rows))
    tools = list(dict.fromkeys(row['tool'] for row in rows))
    cell = {(row['work'], row['tool']): row for row in rows}
    lines = ['| work | ' + ' | '.join(tools) + ' |', '|---|' + '---:|' * len(tools)]
    for work in works:
        lines.append(
            f'| {work} | ' + ' | '.join(f'{cell[work, tool]["x_floor"]:.2f}×' for tool in tools) + ' |'
        )
    lines += [
        '',
        '| work | tool | median s | ratios | CPU s | wiki CPU s | set-up s | requests '
        '| peak RSS MB | RSS − floor MB |',
        '|---|---|---:|---|---:|---|---:|---:|---:|---:|',
    ]
    for row in rows:
        lines.append(
            f'| {row["work"]} | {row["tool"]} | {row["seconds"]:.2f} | '
            f'{", ".join(f"{r:.2f}" for r in row["ratios"])} | {row["cpu_s"]:.2f} | '
            f'{", ".join(f"{r:.1f}" for r in row["wiki_cpu_runs"])} | {row["setup_s"]:.2f} | '
            f'{row["requests"]:.0f} | {row["rss_mb"]:.1f} | '
            f'{row["rss_diff_mb"]:+.1f} |'
        )
    return '\n'.join(lines)


def goals(rows: list[dict], planning: dict) -> list[tuple[str, str, bool]]:
    """The issue's "done when", each met or missed."""
    ub = {row['work']: row for row in rows if row['tool'] == bench.TOOLS['ub']}  # this tree's
    mw = {row['work']: row for row in rows if row['tool'] == bench.TOOLS['mw']}
    result = []
    for work, row in ub.items():
        limit = 1.02 if 'MiB' in work else 1.03 if 'ms added' in work else 1.05
        result.append(
            (f'{work}: uploadbot <= {limit} x floor', f'{row["x_floor"]:.3f} x', row['x_floor'] <= limit)
        )
        if 'MiB' in work:
            result.append(
                (
                    f'{work}: uploadbot no slower than mwclient',
                    f'{row["seconds"]:.2f} s against {mw[work]["seconds"]:.2f} s',
                    row['seconds'] <= mw[work]['seconds'],
                )
            )
        result.append(
            (f'{work}: peak RSS <= floor + 15 MB', f'{row["rss_diff_mb"]:+.1f} MB', row['rss_diff_mb'] <= 15)
        )
    result.append(
        (
            f'planning {planning["rows"]:,} rows: <= 10 s and <= 200 MB',
            f'{planning["seconds"]:.2f} s ({planning["cpu_s"]:.2f} s CPU), {planning["rss_mb"]:.0f} MB',
            planning['seconds'] <= 10 and planning['rss_mb'] <= 200 and not planning['exit'],
        )
    )
    return result


def resolution(rows: list[dict]) -> list[str]:
    """What the control says of this run: the floor against itself, per workload.

    A goal whose margin (2, 3 or 5 %) is smaller than the control's distance
    from 1.00 cannot be told apart from the machine's noise in this run.
    """
    lines = []
    floor = {row['work']: row for row in rows if row['tool'] == bench.TOOLS['raw']}
    for row in rows:
        if row['tool'] == AGAIN:
            lines.append(
                f'{row["work"]}: the floor against itself {row["x_floor"]:.3f} x '
                f"(ratios {', '.join(f'{r:.2f}' for r in row['ratios'])}); the wiki's CPU "
                f"for the floor's runs {', '.join(f'{r:.1f}' for r in floor[row['work']]['wiki_cpu_runs'])} s"
            )
    return lines


def main(args) -> int:
    sys.path.insert(0, str(bench.ROOT))
    from uploadbot.sandbox import Sandbox

    repeat = max(1, args.repeat)
    with tempfile.TemporaryDirectory(prefix='uploadbot-table-', dir=args.tmp) as tmp:
        load = [os.getloadavg()[0]]
        planning = plan_rows(Path(tmp), args.plan_rows, repeat)
        earlier = plan_rows(Path(tmp), args.plan_rows, repeat, args.before) if args.before else None
        box = Sandbox(Path(tmp) / 'sandbox', workers=4)
        info = box.start()
        try:
            harness = bench.Bench(Path(tmp), info, box.directory / 'logs' / 'server.log')
            rows = medians(side_by_side(harness, repeat, args.small, args.big_mib, args.before))
        finally:
            box.stop()
        load.append(os.getloadavg()[0])
    print(markdown(rows))
    print(
        f'\nplanning {planning["rows"]:,} rows (whole process, median of {repeat}): '
        f'{planning["seconds"]:.2f} s, {planning["cpu_s"]:.2f} s CPU, '
        f'{planning["rss_mb"]:.0f} MB peak RSS (runs: {planning["runs"]})'
    )
    if earlier:
        print(
            f'planning with {args.before}: {earlier["seconds"]:.2f} s, '
            f'{earlier["cpu_s"]:.2f} s CPU, {earlier["rss_mb"]:.0f} MB (runs: {earlier["runs"]})'
        )
    print()
    results = goals(rows, planning)
    for text, measured, met in results:
        print(f'- {"met   " if met else "MISSED"} {text}: {measured}')
    print('\nThe control (the same floor client, run twice in every repetition):')
    for line in resolution(rows):
        print(f'- {line}')
    print(
        f'\n{os.cpu_count()} CPUs; load average (1 min) {load[0]:.2f} before, {load[1]:.2f} '
        f'after; medians of {repeat} repetitions'
    )
    for error in harness.errors:
        print(f'ERROR {error}', file=sys.stderr)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    'rows': rows,
                    'planning': planning,
                    'load': load,
                    'planning_before': earlier,
                    'goals': results,
                    'resolution': resolution(rows),
                    'errors': harness.errors,
                },
                indent=1,
            )
            + '\n'
        )
    return 1 if harness.errors or planning['exit'] else 0

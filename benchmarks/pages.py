"""What do the preview and the report page cost on real batches?

- **preview**: ``-check`` alone against ``-check -preview:DIR`` on one batch of
  ``--rows`` tiny PNGs (default 10,000), each with a fresh journal (both hash
  every file), against a fresh sandbox wiki (or ``--pywikibot-dir DIR``'s).
  Prints both times, their ratio, and the parse requests per rendered row.
- **report**: ``-status -report:FILE.html`` on a journal of ``--report-rows``
  rows (default 100,000), the wiki out of reach: wall time and peak memory of
  the process; then, where Debian's chromium is installed, how long its
  first and last pages take to load in it.

Asserts nothing.

    .venv/bin/python benchmarks/pages.py [--rows N] [--report-rows N] [--tmp DIR]
                                         [--pywikibot-dir DIR] [--only preview|report]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import bench_scale  # noqa: E402 (beside this script)

from uploadbot.journal.base import Record  # noqa: E402
from uploadbot.journal.sqlite import SQLiteJournal  # noqa: E402
from uploadbot.state import State  # noqa: E402

RENDERED = re.compile(r'(\d+) rows, (\d+) rendered by the wiki in (\d+) parse requests')


def preview(folder: Path, rows: int, pywikibot_dir: str | None) -> None:
    scale = bench_scale.Scale(folder, HERE.parent, 'preview')
    box = None
    if pywikibot_dir is None:
        scale.start_wiki()
        box, pywikibot_dir = scale.box, scale.info.pywikibot_dir
    try:
        manifest = scale.manifest(rows)
        times = {}
        for label, extra in (('-check', []), ('-check -preview', [f'-preview:{folder / "p"}'])):
            command = [
                sys.executable,
                '-m',
                'uploadbot',
                f'-dir:{pywikibot_dir}',
                f'-manifest:{manifest}',
                f'-template:{scale.template}',
                f'-journal:{folder / (label.replace(" ", "") + ".sqlite")}',
                '-check',
                *extra,
            ]
            log = folder / f'{label.replace(" ", "")}.log'
            result = bench_scale.measure(command, cwd=folder, env=scale.env, log=log)
            times[label] = result
            print(
                f'{label:<18} {rows} rows: {result["seconds"]:.1f} s, '
                f'{result["rss_mb"]:.0f} MB peak, exit {result["exit"]}'
            )
        found = RENDERED.search((folder / '-check-preview.log').read_text())
        ratio = times['-check -preview']['seconds'] / times['-check']['seconds']
        print(f'preview / check: {ratio:.2f}')
        if found:
            total, rendered, parses = (int(part) for part in found.groups())
            print(
                f'rendered {rendered} of {total} rows in {parses} parse requests: '
                f'{parses / max(rendered, 1):.2f} per rendered row'
            )
    finally:
        if box is not None:
            scale.stop_wiki()


def report(folder: Path, rows: int) -> None:
    journal_path = folder / 'report.journal.sqlite'
    base = Record(
        'files/x.png',
        'X.png',
        state=State.UPLOADED,
        size=69,
        sha1='0' * 40,
        title='File:X.png',
        url='http://wiki.invalid/index.php/File:X.png',
    )
    with SQLiteJournal(journal_path) as journal:
        journal.save_all(
            replace(
                base,
                source=f'files/s{n:07d}.png',
                filename=f'S{n:07d}.png',
                title=f'File:S{n:07d}.png',
                row=n + 1,
                state=State.FAILED if n % 1000 == 0 else State.UPLOADED,
                message='timeout' if n % 1000 == 0 else '',
            )
            for n in range(rows)
        )
    page = folder / 'report.html'
    command = [
        sys.executable,
        '-m',
        'uploadbot',
        '-status',
        f'-journal:{journal_path}',
        f'-manifest:{folder / "batch.csv"}',
        f'-report:{page}',
    ]
    env = dict(bench_scale.os.environ, PYTHONPATH=str(HERE.parent), PYWIKIBOT_NO_USER_CONFIG='2')
    result = bench_scale.measure(command, cwd=folder, env=env, log=folder / 'report.log')
    pages = sorted(folder.glob('report*.html'))
    size = sum(path.stat().st_size for path in pages)
    print(
        f'report page of {rows} journal rows: {result["seconds"]:.1f} s, '
        f'{result["rss_mb"]:.0f} MB peak, {len(pages)} pages, {size / 2**20:.1f} MiB, '
        f'exit {result["exit"]}'
    )
    if not Path('/usr/bin/chromium').exists():
        print('chromium is not installed: the pages were not opened')
        return
    from playwright.sync_api import sync_playwright

    from tests.browser import ARGS, CHROMIUM

    last = folder / f'report-{len(pages)}.html'
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for path in (page, last):
            tab = browser.new_page()
            started = time.perf_counter()
            tab.goto(path.as_uri(), wait_until='load')
            print(f'{path.name} loads in chromium in {time.perf_counter() - started:.2f} s')
        browser.close()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rows', type=int, default=10_000)
    parser.add_argument('--report-rows', type=int, default=100_000)
    parser.add_argument('--pywikibot-dir', help="a running wiki's pywikibot directory")
    parser.add_argument('--only', choices=('preview', 'report'))
    parser.add_argument('--tmp', help='where the files and the sandbox go')
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(dir=args.tmp) as scratch:
        folder = Path(scratch)
        if args.only != 'preview':
            (folder / 'report').mkdir()
            report(folder / 'report', args.report_rows)
        if args.only != 'report':
            (folder / 'preview').mkdir()
            preview(folder / 'preview', args.rows, args.pywikibot_dir)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))

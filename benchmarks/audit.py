#!/usr/bin/env python3
"""What ``-audit`` costs at 100,000 published rows: requests per 1,000 rows, time, memory.

    python benchmarks/audit.py [--rows 100000] [--files 500] [--sandbox DIR] [--tmp DIR]

Uploads ``--files`` tiny distinct PNGs to the sandbox wiki with uploadbot
(real published rows), then the admin deletes two of them, moves one and
edits one. 100,000 real uploads would take the sandbox hours, so the
benchmark fills a second journal with ``--rows`` published records whose
titles go round those real files (row i has file i mod N: every query names
as many distinct existing titles as a real batch would, and each file stands
for rows / N rows). Then ``uploadbot -audit`` runs on it twice (the first
audit, everything new; a second one writing the CSV report), each in its own
process waited for with ``os.wait4``: wall time and peak RSS; the requests are
the audit's own count (its summary line). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT), str(HERE)]

from bench_scale import make_files, measure, write_manifest  # noqa: E402

TEMPLATE = '== Summary ==\n{{Information\n |description = {{{description}}}\n}}\n{{cc-zero}}\n'
SUMMARY = re.compile(r'^audit: .*?(\d+) requests, ([\d.]+) s$', re.MULTILINE)


def upload_files(folder: Path, info, count: int, label: str) -> Path:
    """A batch of ``count`` tiny PNGs uploaded by uploadbot; its journal's path."""
    numbers = range(
        3_000_000 + (int(label) % 10_000) * count, 3_000_000 + (int(label) % 10_000) * count + count
    )
    files = make_files(folder / 'files', numbers, f'Audit {label} ')
    manifest = write_manifest(folder / 'batch.csv', files)
    (folder / 'description.wiki').write_text(TEMPLATE)
    result = measure(
        [
            sys.executable,
            '-m',
            'uploadbot',
            f'-dir:{info.pywikibot_dir}',
            f'-manifest:{manifest}',
            f'-template:{folder / "description.wiki"}',
            '-workers:4',
        ],
        cwd=folder,
        env=dict(os.environ),
        log=folder / 'upload.log',
    )
    print(f'uploaded {count} files in {result["seconds"]:.0f} s (exit {result["exit"]})')
    return Path(f'{manifest}.journal.sqlite')


def change_some(info, journal_path: Path) -> None:
    """The admin deletes two files, moves one and edits one: findings for the audit."""
    from tests.wikiapi import WikiAPI
    from uploadbot.journal.sqlite import SQLiteJournal

    admin = WikiAPI(info.api_url).login(info.admin, info.admin_password)
    with SQLiteJournal(journal_path) as journal:
        titles = [record.title for record in journal.records()][:4]
    for title in titles[:2]:
        admin.post(action='delete', title=title, reason='benchmark', token=admin.csrf())
    admin.post(
        action='move', **{'from': titles[2]}, to=titles[2].replace('.png', ' moved.png'), token=admin.csrf()
    )
    admin.edit(titles[3], admin.page_text(titles[3]) + '\nEdited by the admin.')


def fill(journal_path: Path, big: Path, rows: int) -> None:
    """``rows`` published records, row i on the real file i mod N."""
    from uploadbot.journal.sqlite import SQLiteJournal

    with SQLiteJournal(journal_path) as journal:
        real = [record for record in journal.records() if record.title]
    with SQLiteJournal(big) as journal:
        for start in range(0, rows, 10_000):
            journal.save_all(
                replace(
                    real[index % len(real)], row=index + 1, source=f'{real[index % len(real)].source}#{index}'
                )
                for index in range(start, min(rows, start + 10_000))
            )


def audit(info, big: Path, folder: Path, *extra: str) -> dict:
    log = folder / f'audit{len(list(folder.glob("audit*.log")))}.log'
    result = measure(
        [
            sys.executable,
            '-m',
            'uploadbot',
            f'-dir:{info.pywikibot_dir}',
            f'-journal:{big}',
            '-audit',
            *extra,
        ],
        cwd=folder,
        env=dict(os.environ),
        log=log,
    )
    found = SUMMARY.search(log.read_text())
    result['requests'] = int(found[1]) if found else -1
    result['audit_s'] = float(found[2]) if found else -1.0
    result['summary'] = next(
        (line for line in log.read_text().splitlines() if line.startswith('audit:')), '?'
    )
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rows', type=int, default=100_000)
    parser.add_argument('--files', type=int, default=500)
    parser.add_argument('--sandbox', type=Path, help='a running sandbox to use')
    parser.add_argument('--tmp', type=Path)
    args = parser.parse_args(argv)
    from uploadbot.sandbox import Sandbox, SandboxInfo

    folder = Path(tempfile.mkdtemp(prefix='audit-bench-', dir=args.tmp))
    box = None
    if args.sandbox:
        info = SandboxInfo.read(args.sandbox)
    else:
        box = Sandbox(folder / 'sandbox', workers=4)
        info = box.start()
    try:
        label = time.strftime('%H%M%S')
        journal_path = upload_files(folder, info, args.files, label)
        change_some(info, journal_path)
        big = folder / 'big.journal.sqlite'
        fill(journal_path, big, args.rows)
        first = audit(info, big, folder)
        second = audit(info, big, folder, f'-report:{folder / "audit.csv"}')
    finally:
        if box is not None:
            box.stop()
    with open(folder / 'audit.csv', newline='') as handle:
        reported = sum(1 for _ in csv.DictReader(handle))
    print(
        f'{args.rows} published rows on {args.files} real files ({args.rows // args.files} '
        'rows each); 2 deleted, 1 moved, 1 edited'
    )
    print('| audit | exit | requests | per 1,000 rows | wall s | audit s | peak RSS MB |')
    print('|---|---|---|---|---|---|---|')
    for name, result in (('first (all new)', first), ('second, CSV report', second)):
        print(
            f'| {name} | {result["exit"]} | {result["requests"]} | '
            f'{1000 * result["requests"] / args.rows:.2f} | {result["seconds"]:.1f} | '
            f'{result["audit_s"]:.1f} | {result["rss_mb"]:.0f} |'
        )
    print(first['summary'])
    print(f'report rows: {reported}')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
"""What a crash costs, and what a re-run of a finished batch costs.

    python benchmarks/resume.py [--size 64Mi] [--chunk 4Mi] [--files 40]

On a fresh sandbox wiki it (1) starts a chunked upload of one large file,
kills the bot with SIGKILL half-way, runs it again and reports how many bytes
travelled twice (the file's size subtracted from all bytes sent by both runs,
as counted from the journal and the second run's report); and (2) uploads a
batch of small files, runs the finished batch again, and reports the second
run's time as a share of the first's, and the bytes it sent.
"""

from __future__ import annotations

import argparse
import csv
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.files import jpeg_bytes  # noqa: E402
from uploadbot.options import parse_size  # noqa: E402
from uploadbot.sandbox import Sandbox  # noqa: E402


def bot(folder: Path, pywikibot_dir: str, *args: str) -> list[str]:
    return [
        sys.executable,
        '-m',
        'uploadbot',
        f'-dir:{pywikibot_dir}',
        f'-manifest:{folder / "batch.csv"}',
        f'-template:{folder / "t.wiki"}',
        f'-report:{folder / "report.csv"}',
        *args,
    ]


def write_batch(folder: Path, rows: list[tuple[str, str]]) -> None:
    (folder / 't.wiki').write_text('{{Information|description={{{description|benchmark}}}}}{{cc-zero}}')
    with open(folder / 'batch.csv', 'w', newline='') as handle:
        writer = csv.writer(handle)
        writer.writerow(['file', 'filename'])
        writer.writerows(rows)


def report(folder: Path) -> list[dict[str, str]]:
    with open(folder / 'report.csv', newline='') as handle:
        return list(csv.DictReader(handle))


def offset_in_journal(folder: Path) -> tuple[str, int]:
    uri = f'file:{folder / "batch.csv.journal.sqlite"}?mode=ro'
    try:
        with sqlite3.connect(uri, uri=True) as db:
            return db.execute('SELECT state, offset FROM rows').fetchone() or ('', 0)
    except sqlite3.OperationalError:
        return '', 0


def crash(folder: Path, pywikibot_dir: str, size: int, chunk: int) -> None:
    path = folder / 'big.jpg'
    with open(path, 'wb') as handle:
        handle.write(jpeg_bytes(size, seed='resume benchmark'))
    write_batch(folder, [('big.jpg', f'Resume benchmark {time.time_ns()}.jpg')])
    first = subprocess.Popen(
        bot(folder, pywikibot_dir, f'-chunk-size:{chunk}'),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while True:
        state, offset = offset_in_journal(folder)
        if state == 'stashing' and offset >= size // 2:
            break
        time.sleep(0.005)
    first.send_signal(signal.SIGKILL)
    first.wait()
    recorded = offset_in_journal(folder)[1]
    subprocess.run(bot(folder, pywikibot_dir, f'-chunk-size:{chunk}'), check=True, capture_output=True)
    row = report(folder)[0]
    sent_again = int(row['sent'])
    print(
        f'crash: {size / 2**20:.0f} MiB file in {chunk / 2**20:.0f} MiB chunks, killed '
        f'with {recorded} bytes recorded; the second run sent {sent_again} bytes; '
        f'at most {recorded + chunk + sent_again - size} bytes travelled twice '
        f'(one chunk is {chunk}); outcome {row["outcome"]}'
    )


def rerun(folder: Path, pywikibot_dir: str, files: int) -> None:
    rows = []
    for index in range(files):
        (folder / f'{index}.jpg').write_bytes(jpeg_bytes(20_000, seed=('rerun', index, time.time_ns())))
        rows.append((f'{index}.jpg', f'Rerun benchmark {time.time_ns()} {index}.jpg'))
    write_batch(folder, rows)
    timings, loops = [], []
    for _ in range(2):
        started = time.perf_counter()
        result = subprocess.run(bot(folder, pywikibot_dir), check=True, capture_output=True, text=True)
        timings.append(time.perf_counter() - started)
        loops.append(float(re.search(r' requests, ([\d.]+) s,', result.stderr).group(1)))
    sent = sum(int(row['sent']) for row in report(folder))
    print(
        f're-run: {files} files: whole process {timings[0]:.2f} s, then {timings[1]:.2f} s '
        f'({timings[1] / timings[0]:.0%}, start-up and login included); the batch loop '
        f'{loops[0]:.2f} s, then {loops[1]:.2f} s ({loops[1] / max(loops[0], 1e-9):.0%}); '
        f'{sent} bytes sent by the re-run'
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--size', default='64Mi')
    parser.add_argument('--chunk', default='4Mi')
    parser.add_argument('--files', type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        box = Sandbox(Path(folder) / 'sandbox')
        info = box.start()
        try:
            for name, step in (
                (
                    'crash',
                    lambda f: crash(f, info.pywikibot_dir, parse_size(args.size), parse_size(args.chunk)),
                ),
                ('rerun', lambda f: rerun(f, info.pywikibot_dir, args.files)),
            ):
                work = Path(folder) / name
                work.mkdir()
                step(work)
        finally:
            box.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())

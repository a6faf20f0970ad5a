#!/usr/bin/env python3
"""Measure chunked uploads at several chunk sizes on a sandbox wiki.

    python benchmarks/chunk_size.py [--size 128Mi] [--chunks 1Mi,4Mi,16Mi] [--repeat 2]

Starts a fresh sandbox in a temporary directory, uploads one file of the
given size once per chunk size and repetition (each time under a new name, so
the wiki does the same work), and prints seconds, MiB/s and requests. The
ratio column compares each chunk size with the fastest one in the same run.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.files import jpeg_bytes
from uploadbot.options import parse_size
from uploadbot.sandbox import Sandbox


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--size', default='128Mi')
    parser.add_argument('--chunks', default='1Mi,4Mi,16Mi')
    parser.add_argument('--repeat', type=int, default=2)
    args = parser.parse_args()
    size = parse_size(args.size)
    chunk_sizes = [parse_size(text) for text in args.chunks.split(',')]
    with tempfile.TemporaryDirectory() as folder:
        box = Sandbox(Path(folder) / 'sandbox')
        info = box.start()
        try:
            source = Path(folder) / 'big.jpg'
            head = jpeg_bytes(1000, seed=1)
            with open(source, 'wb') as handle:
                handle.write(head)
                remaining = size - len(head)
                while remaining > 0:
                    block = os.urandom(min(remaining, 1 << 22))
                    handle.write(block)
                    remaining -= len(block)
            rows = measure(info.pywikibot_dir, source, chunk_sizes, args.repeat)
        finally:
            box.stop()
    best = min(seconds for _, seconds, _ in rows)
    print(f'{size / 2**20:.0f} MiB file; best of {args.repeat} runs per chunk size')
    print(f'{"chunk":>8} {"seconds":>8} {"MiB/s":>7} {"requests":>9} {"ratio":>6}')
    for chunk, seconds, requests in rows:
        print(
            f'{chunk / 2**20:>6.0f}Mi {seconds:>8.2f} {size / 2**20 / seconds:>7.1f} '
            f'{requests:>9} {seconds / best:>6.2f}'
        )
    return 0


def measure(pywikibot_dir: str, source: Path, chunk_sizes: list[int], repeat: int):
    os.environ['PYWIKIBOT_DIR'] = pywikibot_dir  # read when pywikibot is imported
    import pywikibot

    from uploadbot.api.transfer import SiteTransfer
    from uploadbot.item import UploadItem
    from uploadbot.journal.sqlite import SQLiteJournal
    from uploadbot.policy import Policy
    from uploadbot.upload.task import TaskSettings, UploadTask

    site = pywikibot.Site()
    site.login()
    transfer = SiteTransfer(site)
    rows = []
    for chunk in chunk_sizes:
        timings = []
        for attempt in range(repeat):
            # Same bytes each time would meet the 'duplicate' warning; upload anyway.
            policy = Policy.defaults().overlay({'duplicate': 'upload'}, source='benchmark')
            item = UploadItem(
                row=attempt,
                path=source,
                filename=f'Bench {chunk} {attempt}.jpg',
                text='benchmark',
                comment='benchmark',
                policy=policy,
            )
            before = transfer.counters.requests
            started = time.perf_counter()
            settings = TaskSettings(chunk_size=chunk, own_user=site.username())
            with SQLiteJournal(':memory:') as journal:
                outcome = UploadTask(transfer, item, journal=journal, settings=settings).run()
            timings.append(time.perf_counter() - started)
            assert outcome.outcome == 'uploaded', outcome
            requests = transfer.counters.requests - before
        rows.append((chunk, min(timings), requests))
    return rows


if __name__ == '__main__':
    sys.exit(main())

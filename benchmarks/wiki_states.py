#!/usr/bin/env python3
"""What a sandbox wiki's PHP server processes are doing, sampled while a benchmark runs.

    python benchmarks/wiki_states.py SECONDS [--interval 0.02] [--comm php]

Every ``--interval`` seconds it reads, for each process named ``php`` that
runs PHP's built-in server (``-S``: the server and its workers, not the job
runner), the state and the kernel function it waits in (``/proc/PID/stat``
and ``/proc/PID/wchan``), then prints how many processes were in each on
average. Run it beside ``shared.py``: a worker asleep in
``hrtimer_nanosleep`` is backing off from a lock (SQLite's busy wait, or
MediaWiki's retry after a busy database), one in ``poll_schedule_timeout``
waits for a request, and ``R`` is running.
"""

from __future__ import annotations

import argparse
import collections
import time
from pathlib import Path


def server_processes(comm: str) -> list[Path]:
    """The /proc folders of PHP built-in server processes."""
    found = []
    for folder in Path('/proc').iterdir():
        if not folder.name.isdigit():
            continue
        try:
            if (folder / 'comm').read_text().strip() != comm:
                continue
            if b'-S' not in (folder / 'cmdline').read_bytes().split(b'\0'):
                continue
        except OSError:  # ended meanwhile
            continue
        found.append(folder)
    return found


def sample(folders: list[Path]) -> list[tuple[str, str]]:
    """Each live process's state and the kernel function it waits in."""
    seen = []
    for folder in folders:
        try:
            state = (folder / 'stat').read_text().rpartition(')')[2].split()[0]
            waiting_in = (folder / 'wchan').read_text().strip()
        except OSError:
            continue
        seen.append((state, waiting_in if waiting_in != '0' else ''))
    return seen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('seconds', type=float)
    parser.add_argument('--interval', type=float, default=0.02)
    parser.add_argument('--comm', default='php')
    args = parser.parse_args()
    counts: collections.Counter[tuple[str, str]] = collections.Counter()
    samples = 0
    end = time.monotonic() + args.seconds
    while time.monotonic() < end:
        counts.update(sample(server_processes(args.comm)))
        samples += 1
        time.sleep(args.interval)
    print(f'{samples} samples; processes on average in each state:')
    for (state, waiting_in), count in counts.most_common():
        print(f'  {count / samples:5.2f}  {state} {waiting_in}')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())

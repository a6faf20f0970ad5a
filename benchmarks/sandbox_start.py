"""What do the anti-abuse extensions cost a sandbox's start?

Starts fresh sandboxes in turn, without extensions (the baseline) and with
each set given, in the same run (the machine's load hits both alike), then
starts each once more on its existing directory. Prints the medians and the
ratio to the baseline; asserts nothing.

    .venv/bin/python benchmarks/sandbox_start.py [--repeat N] [--tmp DIR]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from uploadbot.sandbox import Sandbox
from uploadbot.sandbox.extensions import EXTENSIONS

SETS = {'none': (), 'blacklists': ('titleblacklist', 'spamblacklist'), 'all': tuple(EXTENSIONS)}


def start_twice(directory: Path, extensions: tuple[str, ...]) -> tuple[float, float]:
    """Seconds for a fresh start, then for a start on the same directory."""
    box = Sandbox(directory, workers=2, extensions=extensions)
    times = []
    for _ in range(2):
        began = time.monotonic()
        box.start()
        times.append(time.monotonic() - began)
        box.stop()
    return times[0], times[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--tmp', help='where the sandboxes go (default: the system temp dir)')
    args = parser.parse_args()
    fresh: dict[str, list[float]] = {label: [] for label in SETS}
    again: dict[str, list[float]] = {label: [] for label in SETS}
    root = Path(tempfile.mkdtemp(prefix='sandbox-start-', dir=args.tmp))
    try:
        for round_ in range(args.repeat):
            for label, extensions in SETS.items():
                first, second = start_twice(root / f'{label}-{round_}', extensions)
                fresh[label].append(first)
                again[label].append(second)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    base = statistics.median(fresh['none'])
    print(f'| extensions | fresh start (median of {args.repeat}) | ratio | start again |')
    print('|---|---|---|---|')
    for label, extensions in SETS.items():
        median = statistics.median(fresh[label])
        print(
            f'| {",".join(extensions) or "none"} | {median:.1f} s | {median / base:.2f}x | '
            f'{statistics.median(again[label]):.1f} s |'
        )


if __name__ == '__main__':
    main()

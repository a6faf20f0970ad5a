"""How long do ``-help`` and ``-status`` take to answer, and how much of it is pywikibot's import?

Neither needs the wiki, so neither should wait for it. Each command runs as
an operator would start it, in a fresh process, with the wiki out of reach:

- ``-help`` in an empty folder, with ``PYWIKIBOT_DIR`` pointing at an empty
  folder (no ``user-config.py``) and every HTTP proxy variable pointing at a
  closed port;
- ``-status`` on a journal of ``--rows`` rows, with a pywikibot directory
  whose family points at a closed port and that holds no password file.

Prints the median wall time of ``--repeat`` runs of each, beside the
interpreter's own start and ``import pywikibot`` alone, and, from
``python -X importtime``, how long each command spent importing pywikibot.
A run that has not answered after ``--timeout`` seconds is stopped and
counted as that long. With ``--pywikibot-dir DIR`` (a wiki that answers, such
as the sandbox's ``DIR/pywikibot``) both run once more with that directory,
for what they cost when the wiki is up. Asserts nothing.

    .venv/bin/python benchmarks/startup.py [--repeat N] [--rows N] [--timeout S]
                                           [--pywikibot-dir DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from uploadbot.journal.base import Record
from uploadbot.journal.sqlite import SQLiteJournal
from uploadbot.state import State

FAMILY = """from pywikibot import family


class Family(family.Family):
    name = 'nowhere'
    langs = {{'en': '127.0.0.1:{port}'}}

    def scriptpath(self, code):
        return ''

    def protocol(self, code):
        return 'http'
"""

CONFIG = """family = 'nowhere'
mylang = 'en'
usernames['nowhere']['en'] = 'UploadBot'
"""


def closed_port() -> int:
    """A port nothing listens on: bound, then let go."""
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def pywikibot_dir_of_a_wiki_that_is_down(folder: Path, port: int) -> Path:
    (folder / 'families').mkdir(parents=True)
    (folder / 'families' / 'nowhere_family.py').write_text(FAMILY.format(port=port))
    (folder / 'user-config.py').write_text(CONFIG)
    return folder


def journal_of(manifest: Path, rows: int) -> None:
    """The journal a run of ``rows`` rows would leave beside ``manifest``: most uploaded,
    some failed or refused (listed by ``-status``)."""
    manifest.write_text('file\n')
    states = [State.UPLOADED] * 8 + [State.FAILED, State.REFUSED]
    with SQLiteJournal(f'{manifest}.journal.sqlite') as journal:
        journal.save_all(
            Record(
                f'{number}.jpg',
                f'File {number}.jpg',
                row=number + 2,
                state=states[number % len(states)],
                size=2500,
                message='' if number % 10 < 8 else 'a reason',
            )
            for number in range(rows)
        )


def timed(command: list[str], env: dict[str, str], cwd: Path, timeout: float) -> tuple[float, int | None]:
    """Seconds until the command answered, and its exit code (None: stopped at ``timeout``)."""
    began = time.monotonic()
    try:
        result = subprocess.run(command, env=env, cwd=cwd, timeout=timeout, capture_output=True, check=False)
    except subprocess.TimeoutExpired:
        return timeout, None
    return time.monotonic() - began, result.returncode


def pywikibot_import_seconds(
    command: list[str], env: dict[str, str], cwd: Path, timeout: float
) -> float | None:
    """Seconds the command spent importing pywikibot (None: it did not import it)."""
    try:
        result = subprocess.run(
            [command[0], '-X', 'importtime', *command[1:]],
            env=env,
            cwd=cwd,
            timeout=timeout,
            capture_output=True,
            text=True,
            check=False,
        )
        stderr = result.stderr
    except subprocess.TimeoutExpired as stopped:
        stderr = (stopped.stderr or b'').decode(errors='replace')
    found = re.search(r'^import time:\s+\d+ \|\s+(\d+) \|\s+pywikibot$', stderr, re.MULTILINE)
    return int(found[1]) / 1e6 if found else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--repeat', type=int, default=7)
    parser.add_argument('--rows', type=int, default=10_000)
    parser.add_argument('--timeout', type=float, default=60.0)
    parser.add_argument('--pywikibot-dir', type=Path, help='the pywikibot directory of a wiki that answers')
    args = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix='uploadbot-startup-') as tmp:
        root = Path(tmp)
        port = closed_port()
        empty = root / 'empty'
        empty.mkdir()
        down = pywikibot_dir_of_a_wiki_that_is_down(root / 'down', port)
        batch = root / 'batch'
        batch.mkdir()
        journal_of(batch / 'batch.csv', args.rows)
        nowhere = f'http://127.0.0.1:{port}'
        no_config = {
            **os.environ,
            'PYWIKIBOT_DIR': str(empty),
            'http_proxy': nowhere,
            'https_proxy': nowhere,
            'HTTP_PROXY': nowhere,
            'HTTPS_PROXY': nowhere,
        }
        cases = [
            ('python -c pass (the interpreter)', [python, '-c', 'pass'], no_config, empty),
            (
                'import pywikibot',
                [python, '-c', 'import pywikibot'],
                {**os.environ, 'PYWIKIBOT_DIR': str(down)},
                empty,
            ),
            ('uploadbot -help, no configuration', [python, '-m', 'uploadbot', '-help'], no_config, empty),
            (
                f'uploadbot -status, {args.rows} rows, wiki down',
                [python, '-m', 'uploadbot', f'-dir:{down}', f'-manifest:{batch / "batch.csv"}', '-status'],
                dict(os.environ),
                batch,
            ),
        ]
        if args.pywikibot_dir:
            up = f'-dir:{args.pywikibot_dir.resolve()}'
            cases += [
                (
                    'uploadbot -help, wiki up',
                    [python, '-m', 'uploadbot', up, '-help'],
                    dict(os.environ),
                    empty,
                ),
                (
                    f'uploadbot -status, {args.rows} rows, wiki up',
                    [python, '-m', 'uploadbot', up, f'-manifest:{batch / "batch.csv"}', '-status'],
                    dict(os.environ),
                    batch,
                ),
            ]
        print(f'| command | median of {args.repeat} | exit | pywikibot import | share |')
        print('|---|---|---|---|---|')
        for label, command, env, cwd in cases:
            runs = [timed(command, env, cwd, args.timeout) for _ in range(args.repeat)]
            median = statistics.median(seconds for seconds, _ in runs)
            codes = ','.join(sorted({'stopped' if code is None else str(code) for _, code in runs}))
            shown = f'> {args.timeout:.0f} s' if median >= args.timeout else f'{median:.3f} s'
            if 'uploadbot' not in label:
                print(f'| {label} | {shown} | {codes} | | |')
                continue
            imported = pywikibot_import_seconds(command, env, cwd, args.timeout)
            share = '' if median >= args.timeout else f'{(imported or 0) / median:.0%}'
            print(
                f'| {label} | {shown} | {codes} | '
                f'{"not imported" if imported is None else f"{imported:.3f} s"} | {share} |'
            )


if __name__ == '__main__':
    main()

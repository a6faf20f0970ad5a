"""``python -m uploadbot.sandbox.db start|stop|status mariadb|postgresql --dir DIR``.

A real database server to rehearse a server journal on; ``start`` prints the
journal URLs, the credentials file and how long the server took to start.
"""

from __future__ import annotations

import argparse
import sys

from ..packages import PackagesMissing
from . import DatabaseError, DatabaseInfo, MariaDB, PostgreSQL

KINDS = {'mariadb': MariaDB, 'postgresql': PostgreSQL}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog='python -m uploadbot.sandbox.db', description='A real local MariaDB or PostgreSQL server.'
    )
    parser.add_argument('command', choices=('start', 'stop', 'status'))
    parser.add_argument('kind', choices=sorted(KINDS))
    parser.add_argument(
        '--dir',
        required=True,
        help="the server's folder (its parents must let the server's "
        'account through, e.g. a folder under /tmp)',
    )
    parser.add_argument('--port', type=int, help='port on 127.0.0.1 (default: a free one)')
    args = parser.parse_args(argv)
    server = KINDS[args.kind](args.dir)
    try:
        if args.command == 'start':
            info = server.start(args.port)
            print(
                f'{args.kind} {info.version} running (process {info.pid})\n'
                f'  journal URL:   {info.url()}\n'
                f'  over socket:   {info.url(via_socket=True)}\n'
                f'  credentials:   {info.credentials} (-journal-cnf:)\n'
                f'  set up in {info.init_seconds:.2f} s, started in {info.start_seconds:.2f} s'
            )
        elif args.command == 'stop':
            print('stopped' if server.stop() else 'was not running')
        else:
            if not server.running():
                print('not running')
                return 3
            print(f'running at {DatabaseInfo.read(server.info_file).url()}')
    except (PackagesMissing, DatabaseError) as error:
        print(f'uploadbot.sandbox.db: {error}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())

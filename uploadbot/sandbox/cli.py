"""``uploadbot-sandbox start|stop|status``: a local MediaWiki to rehearse on."""

from __future__ import annotations

import argparse
import sys

from . import extensions
from .packages import PackagesMissing
from .php import SandboxError
from .wiki import Sandbox


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog='uploadbot-sandbox',
        description='A real local MediaWiki 1.39 (SQLite, PHP built-in server) for uploadbot.',
    )
    parser.add_argument('command', choices=('start', 'stop', 'status'))
    parser.add_argument('--dir', default='.sandbox', help='sandbox directory (default .sandbox)')
    parser.add_argument('--port', type=int, help='port on 127.0.0.1 (default: a free one)')
    parser.add_argument('--workers', type=int, default=4, help='PHP server workers (default 4)')
    parser.add_argument(
        '--no-copy-uploads', action='store_true', help='turn off uploads by URL ($wgAllowCopyUploads)'
    )
    parser.add_argument(
        '--extensions',
        type=_extensions,
        default=(),
        metavar='NAMES',
        help='comma-separated anti-abuse extensions to turn on: '
        + ','.join(extensions.EXTENSIONS)
        + ' (default none)',
    )
    args = parser.parse_args(argv)
    sandbox = Sandbox(
        args.dir, workers=args.workers, copy_uploads=not args.no_copy_uploads, extensions=args.extensions
    )
    try:
        if args.command == 'start':
            info = sandbox.start(args.port)
            print(
                f'sandbox running at {info.server}/index.php\n'
                f'  api:           {info.api_url}\n'
                f'  pywikibot dir: {info.pywikibot_dir}\n'
                f'  admin:         {info.admin} (password in {sandbox.directory}/sandbox.json)\n'
                f'  bot:           {info.bot} (BotPassword in the pywikibot dir)'
                + (f'\n  extensions:    {", ".join(info.extensions)}' if info.extensions else '')
            )
        elif args.command == 'stop':
            print('sandbox stopped' if sandbox.stop() else 'sandbox was not running')
        else:
            print(sandbox.status())
            return 0 if sandbox.running() else 3
    except (PackagesMissing, SandboxError) as error:
        print(f'uploadbot-sandbox: {error}', file=sys.stderr)
        return 1
    return 0


def _extensions(text: str) -> tuple[str, ...]:
    try:
        return extensions.parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


if __name__ == '__main__':
    sys.exit(main())

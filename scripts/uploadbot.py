#!/usr/bin/env python3
"""Upload a batch of files to a MediaWiki wiki through the upload stash.

A pywikibot script: ``pwb uploadbot -manifest:batch.csv -template:page.wiki``.
The options are described in :mod:`uploadbot.cli` (``pwb uploadbot -help``).
"""

import sys

from uploadbot.cli import main

if __name__ == '__main__':
    sys.exit(main())

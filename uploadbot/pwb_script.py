#!/usr/bin/env python3
"""Upload a batch of files to a MediaWiki wiki through the upload stash.

The pywikibot script: ``pwb uploadbot -manifest:batch.csv -template:page.wiki``
runs the same command as the ``uploadbot`` console script (``-help`` lists
the options). pwb finds this file through ``user_script_paths`` in
``user-config.py``; the sandbox's pywikibot directory has it already.
"""

import sys
from pathlib import Path

if __name__ == '__main__':
    # pwb puts this script's folder first on the import path, where the name
    # 'uploadbot' would find this very file instead of the package.
    here = Path(__file__).resolve().parent
    sys.path[:] = [entry for entry in sys.path if Path(entry or '.').resolve() != here]

    from uploadbot.__main__ import main

    sys.exit(main())

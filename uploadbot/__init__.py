"""uploadbot: batches of files into MediaWiki through the upload stash.

The command line (``uploadbot -manifest:...``) is one way in; a pywikibot
script is the other. These names are the Python API (see the README's
"From a pywikibot script"); they are imported on first use, so importing
the package stays cheap::

    import uploadbot
    item = uploadbot.UploadItem(row=1, path=path, filename='Example.png', text=page,
                                comment='Upload', policy=uploadbot.Policy.defaults())
    with uploadbot.SQLiteJournal('batch.journal.sqlite') as journal:
        bot = uploadbot.UploadBot.on_site(site, [item], journal=journal)
        bot.run()
"""

from __future__ import annotations

import importlib

__version__ = '0.2.0'

_EXPORTS = {
    'UploadBot': 'uploadbot.run.bot',
    'Report': 'uploadbot.run.report',
    'UploadItem': 'uploadbot.item',
    'Policy': 'uploadbot.policy',
    'DescriptionTemplate': 'uploadbot.describe.template',
    'read_manifest': 'uploadbot.batch.manifest',
    'Planner': 'uploadbot.batch.plan',
    'SQLiteJournal': 'uploadbot.journal.sqlite',
    'State': 'uploadbot.state',
    'Outcome': 'uploadbot.state',
    'ExitCode': 'uploadbot.errors',
    'UploadbotError': 'uploadbot.errors',
    'InputError': 'uploadbot.errors',
}

__all__ = ['__version__', *_EXPORTS]


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(__all__)

"""A ready pywikibot configuration directory for the sandbox wiki.

pywikibot reads ``user-config.py`` from its base directory (``-dir:`` or
``PYWIKIBOT_DIR``), registers the family files in ``families/`` beside it,
and finds ``pwb`` scripts in the folders of ``user_script_paths``. The sandbox
writes all of that, so ``uploadbot -dir:DIR/pywikibot ...`` and
``pwb -dir:DIR/pywikibot uploadbot ...`` work with no hand editing.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

FAMILY = 'sandbox'

_FAMILY_FILE = '''"""pywikibot family of the uploadbot sandbox wiki (written by uploadbot-sandbox)."""

from pywikibot import family


class Family(family.Family):

    name = {name!r}
    langs = {{'en': {netloc!r}}}

    def scriptpath(self, code):
        return ''

    def protocol(self, code):
        return {scheme!r}
'''

_USER_CONFIG = """# pywikibot configuration for the uploadbot sandbox wiki (written by uploadbot-sandbox).
family = {family!r}
mylang = 'en'
usernames[{family!r}]['en'] = {user!r}
password_file = 'user-password.py'
# The sandbox is a local test wiki: no throttling.
put_throttle = 0
minthrottle = 0
maxthrottle = 1
# Retry passing failures soon: a local wiki recovers in a second.
max_retries = 8
retry_wait = 1
retry_max = 10
# `pwb uploadbot` finds the script in scripts/ beside this file.
user_script_paths = ['scripts']
"""


def write_config(directory: Path, *, api_url: str, user: str, bot_suffix: str, bot_secret: str) -> Path:
    """Write the pywikibot directory for a sandbox whose API is ``api_url``."""
    parts = urlsplit(api_url)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / 'families').mkdir(exist_ok=True)
    (directory / 'scripts').mkdir(exist_ok=True)
    (directory / 'families' / f'{FAMILY}_family.py').write_text(
        _FAMILY_FILE.format(name=FAMILY, netloc=parts.netloc, scheme=parts.scheme)
    )
    (directory / 'user-config.py').write_text(_USER_CONFIG.format(family=FAMILY, user=user))
    (directory / 'scripts' / 'uploadbot.py').write_text(
        (Path(__file__).parent.parent / 'pwb_script.py').read_text()
    )
    write_private(
        directory / 'user-password.py', f'({user!r}, BotPassword({bot_suffix!r}, {bot_secret!r}))\n'
    )
    return directory


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read (mode 600) from the first byte."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as handle:
        handle.write(text)
    os.chmod(path, 0o600)

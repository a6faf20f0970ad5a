"""What test_refusals_sandbox.py needs beside its tests: the rules, the logins, the files.

The rules are the wiki's own pages and filters, written by the admin: a title
blacklist entry, a spam blacklist entry and three AbuseFilter filters, each
meeting only names (or page texts) the tests choose.
"""

from __future__ import annotations

import re
from pathlib import Path

from uploadbot.sandbox import Sandbox, SandboxInfo
from uploadbot.sandbox.wiki import BOT_PASSWORD_NAME

from .files import bmp_bytes, jpeg_bytes, png_bytes
from .wikiapi import WikiAPI

TITLE_RULE = 'Blacklisted title'
SPAM_SITE = 'spam.example.org'
SPAM_TEXT = f'Seen at https://{SPAM_SITE}/offer'
DISALLOWED = 'Disallowed by filter'
WARNED = 'Warned by filter'
UNSTASHABLE = 'Unstashable'
#: AbuseFilter filters by kind: description, rules and consequence.
FILTERS = {
    'disallow': (
        'No uploads named Disallowed by filter',
        f'action == "upload" & page_title contains "{DISALLOWED}"',
        'disallow',
    ),
    'warn': (
        'Warn about uploads named Warned by filter',
        f'action == "upload" & page_title contains "{WARNED}"',
        'warn',
    ),
    'stash': (
        'No stashing of files named Unstashable',
        f'action == "stashupload" & page_title contains "{UNSTASHABLE}"',
        'disallow',
    ),
}
#: A BotPassword with these grants may not upload at all.
NO_UPLOAD = ('basic', 'editpage', 'createeditmovepage')
#: These grants let it upload new files only (no ``reupload``).
NEW_FILES_ONLY = ('basic', 'uploadfile', 'editpage', 'createeditmovepage')


def write_rules(admin: WikiAPI) -> dict[str, int]:
    """Write the blacklists and the filters; returns the filters' ids by kind."""
    admin.edit('MediaWiki:Titleblacklist', f'.*{TITLE_RULE}.*\n')
    admin.edit('MediaWiki:Spam-blacklist', re.escape(SPAM_SITE) + '\n')
    return {
        kind: admin.add_abuse_filter(description, rules, action=action)
        for kind, (description, rules, action) in FILTERS.items()
    }


def add_logins(info: SandboxInfo) -> dict[str, str]:
    """Further BotPasswords of the bot with fewer grants; their secrets by name."""
    box = Sandbox(Path(info.pywikibot_dir).parent)
    return {
        'noupload': box.add_bot_password('noupload', NO_UPLOAD),
        'newfiles': box.add_bot_password('newfiles', NEW_FILES_ONLY),
    }


def log_in(info: SandboxInfo, appid: str = BOT_PASSWORD_NAME, secret: str | None = None) -> WikiAPI:
    """A fresh login session as the bot, through one of its BotPasswords."""
    if secret is None:
        secret = (Path(info.pywikibot_dir).parent / 'bot.secret').read_text().strip()
    return WikiAPI(info.api_url).login(f'{info.bot}@{appid}', secret)


# -- reading answers -----------------------------------------------------------------


def error(answer: dict) -> dict:
    assert 'error' in answer, answer
    return answer['error']


def success(answer: dict) -> dict:
    assert answer.get('upload', {}).get('result') == 'Success', answer
    return answer['upload']


def stashed(answers: list[dict]) -> str:
    """The filekey of a file whose chunks all went into the stash."""
    assert [a.get('upload', {}).get('result') for a in answers] == ['Continue'] * (len(answers) - 1) + [
        'Success'
    ], answers
    return answers[-1]['upload']['filekey']


def bad_name(name: str, bad: str) -> str:
    """A name MediaWiki refuses, built on ``name``."""
    return {
        'tildes': f'{name} ~~~.jpg',
        'too long': f'{name} {"x" * 240}.jpg',
        'too short': '.jpg',
        'no extension': name,
    }[bad]


# -- files ---------------------------------------------------------------------------


def jpeg(name: str, size: int = 5000) -> bytes:
    """A JPEG of three chunks of 2 KiB, unique to ``name``."""
    return jpeg_bytes(size, seed=name)


def image_bytes(name: str, kind: str) -> bytes:
    """A PNG or BMP of noise (about 7 kB): more than two chunks, unique to ``name``."""
    make = {'PNG': png_bytes, 'BMP': bmp_bytes}[kind]
    return make(name, side=48, noise=True)


def svg_with_script(*, script_first: bool) -> bytes:
    """An SVG with a script element, in its first KB or after 3 KB of comment."""
    padding = b'<!-- ' + b'x' * 3000 + b' -->'
    script, shape = b'<script>alert(1)</script>', b'<rect width="10" height="10"/>'
    body = script + padding + shape if script_first else padding + shape + script
    return (
        b'<?xml version="1.0"?>'
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">' + body + b'</svg>'
    )

"""pywikibot's files in its directory, made safely when several runs start at once.

pywikibot (11) makes its files the first time it needs them, and two of them
in a way that breaks when processes do it at the same moment on a directory
that does not have them yet (a fresh Toolforge tool, jobs scheduled on the
same minute):

- ``config.makepath`` — through ``config.datafilepath('logs', ...)`` for
  ``logs/commands.log``, which ``pywikibot.handle_args`` writes, and for log
  files — tests ``exists()`` and then calls ``mkdir()`` without ``exist_ok``:
  of the runs that pass the test together, all but one die with
  ``FileExistsError`` inside ``handle_args``;
- ``tools.file_mode_checker(create=True)``, which ``PywikibotCookieJar.save``
  calls after every login, makes a missing cookie file with ``O_EXCL``: a run
  logging in at the same moment as another gets ``FileExistsError`` out of
  ``site.login()``.

pywikibot's files are not patched: this module makes the folder and the file
first, in ways that may race (``exist_ok``; ``O_CREAT`` without ``O_EXCL``), so
that pywikibot finds them there and skips its own making. The rest of its
start-up files are safe as they are: ``apicache-py3/`` is made with
``exist_ok`` and each entry written to a temporary file and renamed;
``throttle.ctrl`` is written whole with errors suppressed and read skipping
broken lines; a cookie file read while another run writes it fails as
``LoadError``, which pywikibot takes for "no cookie" and logs in. Left as it
is: with ``-log``, runs started together may get the same log file name
(pywikibot numbers them from ``throttle.ctrl``, read by all at once); they
append to one file, which works, though two of them rotating it at
``logfilesize`` may make Python's logging print a "Logging error".

One thing pywikibot does at start-up is changed, not its files: its log header
(every imported module's file and modification time, about 560 of them) costs
30 to 70 ms at each start, and goes at the level ``VERBOSE``, which only a log
file (``-log``) or the terminal with ``-v`` shows. :func:`log_header_only_where_read`
has it written there only.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from pywikibot import bot, config
from pywikibot.comms import http


def missing_user_config() -> str:
    """Why pywikibot's directory cannot serve a run ('' when it can).

    With no ``user-config.py`` there, pywikibot installed as a package goes on
    silently with its defaults: Wikipedia in a language called ``language``,
    no account. A scheduled run would then spend minutes retrying a wiki it
    was never meant for before failing on something else. Left alone when
    ``PYWIKIBOT_NO_USER_CONFIG`` is set (not ``0``): that user chose no file.
    """
    if os.environ.get('PYWIKIBOT_NO_USER_CONFIG', '0') != '0':
        return ''
    wanted = Path(config.base_dir) / config.user_config_file
    if wanted.is_file():
        return ''
    return (
        f"pywikibot's directory {config.base_dir} has no {config.user_config_file}: it names "
        'the wiki and the account (make one with "pwb generate_user_files", or give the '
        'directory that has it with -dir: or PYWIKIBOT_DIR)'
    )


def make_logs_folder() -> None:
    """``logs/`` in pywikibot's directory, before ``pywikibot.handle_args`` wants it."""
    Path(config.datafilepath('logs', create=False)).mkdir(parents=True, exist_ok=True)


def log_header_only_where_read() -> None:
    """pywikibot's log header written only to a log file or a ``-v`` terminal (see above);
    call it before ``pywikibot.handle_args``, which writes the header."""
    header = getattr(bot, 'writelogheader', None)
    if header is not None and not getattr(header, 'only_where_read', False):
        bot.writelogheader = _only_where_read(header)


def _only_where_read(header: Callable[[], None]) -> Callable[[], None]:
    def writelogheader() -> None:
        handlers = logging.getLogger('pywiki').handlers
        if config.verbose_output or any(isinstance(h, logging.FileHandler) for h in handlers):
            header()

    writelogheader.only_where_read = True  # type: ignore[attr-defined]
    return writelogheader


def make_cookie_file() -> None:
    """The cookie file the site's login will save to (mode 600, as pywikibot makes it).

    Call it once the site is made: making it names the file
    (``http.cookie_jar.filename``, after the account).
    """
    filename = http.cookie_jar.filename
    if filename:
        os.close(os.open(filename, os.O_CREAT | os.O_WRONLY, 0o600))

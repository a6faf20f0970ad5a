"""pywikibot's files made first, the way runs started at once can, and its set-up's errors
in one line.

Each test runs in a process of its own, on a fresh pywikibot directory
(pywikibot reads where its directory is once, when it is imported).
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from .files import jpeg_bytes

FAMILY = """from pywikibot import family


class Family(family.Family):
    name = 'nowhere'
    langs = {'en': '127.0.0.1:9'}
"""


def in_pywikibot_dir(directory: Path, code: str) -> subprocess.CompletedProcess:
    """Run ``code`` with ``directory`` as pywikibot's (a folder without a user-config.py is
    passed over by pywikibot for the working folder)."""
    (directory / 'user-config.py').write_text("family = 'wikipedia'\nmylang = 'test'\n")
    env = {**os.environ, 'PYWIKIBOT_DIR': str(directory)}
    env.pop('PYWIKIBOT_NO_USER_CONFIG', None)
    return subprocess.run(
        [sys.executable, '-c', code], env=env, capture_output=True, text=True, timeout=60, cwd=directory
    )


def test_the_logs_folder_may_be_made_by_every_run_that_starts(tmp_path):
    result = in_pywikibot_dir(
        tmp_path,
        'from uploadbot.api.pwbdir import make_logs_folder\nmake_logs_folder()\nmake_logs_folder()\n',
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / 'logs').is_dir()


def test_the_cookie_file_is_made_private_and_keeps_what_another_run_saved(tmp_path):
    code = (
        'from pywikibot.comms import http\n'
        'from uploadbot.api.pwbdir import make_cookie_file\n'
        'for name in ("new.lwp", "saved.lwp"):\n'
        f'    http.cookie_jar.filename = {str(tmp_path)!r} + "/" + name\n'
        '    make_cookie_file()\n'
    )
    (tmp_path / 'saved.lwp').write_text('#LWP-Cookies-2.0\n')
    (tmp_path / 'saved.lwp').chmod(0o600)
    result = in_pywikibot_dir(tmp_path, code)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE((tmp_path / 'new.lwp').stat().st_mode) == 0o600
    assert (tmp_path / 'saved.lwp').read_text() == '#LWP-Cookies-2.0\n'


def test_an_error_in_pywikibots_set_up_is_one_line_and_exit_1(tmp_path):
    pwb = tmp_path / 'pwb'
    (pwb / 'families').mkdir(parents=True)
    (pwb / 'families' / 'nowhere_family.py').write_text(FAMILY)
    (pwb / 'user-config.py').write_text("family = 'nowhere'\nmylang = 'en'\n")
    (pwb / 'logs').write_text('a file where pywikibot wants its logs folder')
    (tmp_path / 'a.jpg').write_bytes(jpeg_bytes(2000))
    (tmp_path / 'batch.csv').write_text('file\na.jpg\n')  # a batch that plans: the set-up comes next
    result = subprocess.run(
        [sys.executable, '-m', 'uploadbot', f'-dir:{pwb}', f'-manifest:{tmp_path / "batch.csv"}'],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 1
    said = [line for line in result.stderr.splitlines() if not line.startswith('planning: ')]
    assert said == [
        f"ERROR: pywikibot could not be set up: FileExistsError: [Errno 17] File exists: '{pwb / 'logs'}'"
    ]


#: pywikibot's logging set up as ``handle_args`` does it for ``-log`` or ``-v`` (without the
#: site it also makes), its log header replaced by a stand-in that says when it is made.
HEADER_RUN = """import pywikibot
from pywikibot import bot, config
bot.writelogheader = lambda: print('header made')
from uploadbot.api.pwbdir import log_header_only_where_read, make_logs_folder
make_logs_folder()
log_header_only_where_read()
{setting}
bot.init_handlers()
"""


def test_pywikibots_log_header_is_made_for_a_log_file_and_for_a_verbose_terminal(tmp_path):
    for setting in ("config.log = ['*']", 'config.verbose_output = 1'):
        result = in_pywikibot_dir(tmp_path, HEADER_RUN.format(setting=setting))
        assert (result.returncode, result.stdout) == (0, 'header made\n'), result.stderr


def test_pywikibots_log_header_is_not_made_where_nobody_reads_it(tmp_path):
    result = in_pywikibot_dir(tmp_path, HEADER_RUN.format(setting=''))
    assert (result.returncode, result.stdout) == (0, ''), result.stderr

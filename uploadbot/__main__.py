"""The command's way in: ``uploadbot``, ``python -m uploadbot`` and ``pwb uploadbot``.

``-help`` and ``-status`` are answered before pywikibot is loaded
(:mod:`uploadbot.command`), and so is a run's plan (:mod:`uploadbot.planning`):
a bad batch is refused at once, and the first large file's SHA1 is read while
:mod:`uploadbot.cli` loads pywikibot, logs in and sends.
"""

import sys

from uploadbot.command import say_error, without_wiki
from uploadbot.errors import ExitCode, InputError


def main(*args: str) -> int:
    """Run the command with pywikibot-style arguments; returns the exit code."""
    # pwb passes no arguments: its script finds its own in sys.argv, as
    # pywikibot.handle_args does.
    given = args or tuple(sys.argv[1:])
    answered = without_wiki(given)
    if answered is not None:
        return answered
    from uploadbot.planning import plan_before_wiki  # the manifest's readers and the template's parser

    try:
        planned = plan_before_wiki(given)
    except InputError as error:
        say_error(str(error))
        return ExitCode.BAD_INPUT
    try:
        from uploadbot.cli import main as with_wiki  # pywikibot, the site, the login
    except Exception as error:  # pywikibot's configuration (-dir:, user-config.py): one line
        if planned is not None:
            planned.close()
        say_error(f'pywikibot could not be set up: {type(error).__name__}: {error}')
        return ExitCode.FAILED
    return with_wiki(*args, planned=planned)


def run() -> None:
    """Console-script entry point."""
    sys.exit(main(*sys.argv[1:]))


if __name__ == '__main__':
    run()

"""The command's way in: ``uploadbot``, ``python -m uploadbot`` and ``pwb uploadbot``.

``-help`` and ``-status`` are answered before pywikibot is loaded
(:mod:`uploadbot.command`); everything else goes to :mod:`uploadbot.cli`,
which sets pywikibot up and talks to the wiki.
"""

import sys

from uploadbot.command import without_wiki


def main(*args: str) -> int:
    """Run the command with pywikibot-style arguments; returns the exit code."""
    # pwb passes no arguments: its script finds its own in sys.argv, as
    # pywikibot.handle_args does.
    answered = without_wiki(args or sys.argv[1:])
    if answered is not None:
        return answered
    from uploadbot.cli import main as with_wiki  # pywikibot, the site, the login

    return with_wiki(*args)


def run() -> None:
    """Console-script entry point."""
    sys.exit(main(*sys.argv[1:]))


if __name__ == '__main__':
    run()

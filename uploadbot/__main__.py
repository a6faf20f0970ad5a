"""``python -m uploadbot``: the same as the ``uploadbot`` command."""

from uploadbot.cli import run

run()

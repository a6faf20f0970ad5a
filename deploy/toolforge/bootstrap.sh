#!/bin/bash
# Build the virtualenv uploadbot runs from, in the tool's home on Toolforge.
#
# Run it as the one-off job `uploadbot-setup` (see jobs.yaml), not on the
# bastion: the job runs in the same `python3.11` image as the scheduled job,
# so the virtualenv's Python is the one the batch will run with.
#
#   $HOME/uploadbot/src      the uploadbot checkout (git clone ... there first)
#   $HOME/uploadbot/venv     a symbolic link to the current virtualenv, venv-<time>
#
# Each run builds a new venv-<time> beside the old one and only then moves the
# `venv` link to it, so a batch that starts meanwhile runs from a complete
# virtualenv (scripts in a virtualenv name its absolute path, which is why it
# is not built elsewhere and renamed). The previous virtualenv is kept, to go
# back to by hand; older ones are removed.
#
# Run it again after every `git pull` in the checkout: uploadbot is installed
# as a copy, not in editable mode.
#
# UPLOADBOT_PIP_EXTRA: more requirements to install with it, separated by
# spaces -- 'pywikibot[mwoauth]' for an OAuth login. Set it for the tool's
# jobs with `toolforge envvars create UPLOADBOT_PIP_EXTRA 'pywikibot[mwoauth]'`.
# UPLOADBOT_HOME, UPLOADBOT_SRC and UPLOADBOT_PYTHON override the places and
# the interpreter (default: python3 of the image).

set -euo pipefail

UPLOADBOT_HOME=${UPLOADBOT_HOME:-$HOME/uploadbot}
SRC=${UPLOADBOT_SRC:-$UPLOADBOT_HOME/src}
PYTHON=${UPLOADBOT_PYTHON:-python3}
KEEP=2    # virtualenvs kept: the new one and the one before

say() { printf 'uploadbot-setup: %s\n' "$*"; }
fail() { printf 'uploadbot-setup: %s\n' "$*" >&2; exit 1; }

[ -f "$SRC/setup.cfg" ] || fail "no uploadbot checkout in $SRC (clone the repository there first)"
command -v "$PYTHON" >/dev/null || fail "no $PYTHON in this image"

stamp=$(date -u +%Y%m%dT%H%M%SZ)
new="$UPLOADBOT_HOME/venv-$stamp"
say "building $new with $("$PYTHON" --version 2>&1) from $SRC"

"$PYTHON" -m venv "$new"
"$new/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
read -r -a extra <<<"${UPLOADBOT_PIP_EXTRA:-}"
[ ${#extra[@]} -eq 0 ] || say "with ${extra[*]}"
# With the server extra (SQLAlchemy, PyMySQL, psycopg): a journal in ToolsDB
# (jobs-shared.yaml) needs it; a run with an SQLite journal never loads it.
"$new/bin/python" -m pip install --quiet --disable-pip-version-check "$SRC[server]" "${extra[@]}"

# The console script must exist and the package must import (without a
# pywikibot configuration: that lives in $HOME/.pywikibot and is not needed here).
[ -x "$new/bin/uploadbot" ] || fail "$new/bin/uploadbot was not installed"
PYWIKIBOT_NO_USER_CONFIG=2 "$new/bin/python" -c 'import uploadbot.cli, uploadbot.run.lock' \
    || fail "uploadbot does not import in $new"

# Switch the link in one step (rename over the old link).
link="$UPLOADBOT_HOME/venv"
if [ -e "$link" ] && [ ! -L "$link" ]; then
    # a virtualenv made by hand where the link goes: keep it aside
    mv "$link" "$UPLOADBOT_HOME/venv-manual-$stamp"
    say "moved the existing $link to venv-manual-$stamp"
fi
ln -s "venv-$stamp" "$link.new-$stamp"
mv -T "$link.new-$stamp" "$link"
say "$link -> venv-$stamp"

# Remove all but the newest $KEEP virtualenvs built by this script.
mapfile -t built < <(cd "$UPLOADBOT_HOME" && ls -1d venv-2[0-9]*Z 2>/dev/null | sort -r)
for old in "${built[@]:$KEEP}"; do
    rm -rf -- "${UPLOADBOT_HOME:?}/$old"
    say "removed the old $old"
done

say "done: $("$link/bin/python" -m pip show uploadbot 2>/dev/null | sed -n 's/^Version: /uploadbot /p')"

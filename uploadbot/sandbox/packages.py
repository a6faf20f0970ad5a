"""The Debian packages the sandbox wiki runs on, installed when missing."""

from __future__ import annotations

import os
import subprocess

#: MediaWiki 1.39 and the PHP extensions it needs with SQLite.
PACKAGES = ('mediawiki', 'php-cli', 'php-sqlite3', 'php-intl', 'php-mbstring',
            'php-xml', 'php-gd')

MEDIAWIKI_DIR = '/usr/share/mediawiki'


class PackagesMissing(RuntimeError):
    """The packages are missing and this process may not install them."""


def missing_packages() -> list[str]:
    """Packages of :data:`PACKAGES` that dpkg does not report installed."""
    missing = []
    for name in PACKAGES:
        result = subprocess.run(
            ['dpkg-query', '-W', '-f=${Status}', name],
            capture_output=True, text=True, check=False)
        if 'install ok installed' not in result.stdout:
            missing.append(name)
    return missing


def ensure_packages() -> None:
    """Install missing packages with apt-get, which only root may do."""
    missing = missing_packages()
    if not missing:
        return
    if os.geteuid() != 0:
        raise PackagesMissing(
            'the sandbox needs these Debian packages, which are not installed: '
            + ' '.join(missing)
            + '\ninstall them as root: apt-get install ' + ' '.join(missing))
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    subprocess.run(['apt-get', 'update', '-qq'], check=True, env=env)
    subprocess.run(['apt-get', 'install', '-y', '-qq', *missing],
                   check=True, env=env)

"""The Debian packages the sandbox servers run on, installed when missing."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path

#: MediaWiki 1.39 and the PHP extensions it needs with SQLite.
PACKAGES = ('mediawiki', 'php-cli', 'php-sqlite3', 'php-intl', 'php-mbstring', 'php-xml', 'php-gd')

#: The database servers the server journals are tested on (MariaDB 10.11 on Debian 12).
MARIADB_PACKAGES = ('mariadb-server', 'mariadb-client')
POSTGRESQL_PACKAGES = ('postgresql',)

MEDIAWIKI_DIR = '/usr/share/mediawiki'

#: Debian's hook that tells maintainer scripts whether they may start services.
POLICY_RC_D = Path('/usr/sbin/policy-rc.d')

#: ``exit 101``: "action forbidden", so a postinst never starts a system service.
_NO_SERVICES = "#!/bin/sh\n# written by uploadbot's sandbox while it installs packages\nexit 101\n"

#: Seconds apt waits for another apt or dpkg (other test sessions share the machine).
LOCK_TIMEOUT = 600


class PackagesMissing(RuntimeError):
    """The packages are missing and this process may not install them."""


def missing_packages(names: Sequence[str] = PACKAGES) -> list[str]:
    """Packages of ``names`` that dpkg does not report installed."""
    missing = []
    for name in names:
        result = subprocess.run(
            ['dpkg-query', '-W', '-f=${Status}', name], capture_output=True, text=True, check=False
        )
        if 'install ok installed' not in result.stdout:
            missing.append(name)
    return missing


def ensure_packages(names: Sequence[str] = PACKAGES) -> list[str]:
    """Install the missing ones of ``names`` with apt-get (only root may); returns them.

    No system service starts while they install: the sandbox runs its own
    servers in its own directories, never the ones Debian would start.
    """
    missing = missing_packages(names)
    if not missing:
        return []
    if os.geteuid() != 0:
        raise PackagesMissing(
            'the sandbox needs these Debian packages, which are not installed: '
            + ' '.join(missing)
            + '\ninstall them as root: apt-get install '
            + ' '.join(missing)
        )
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    lock = f'-oDPkg::Lock::Timeout={LOCK_TIMEOUT}'
    with no_service_starts():
        subprocess.run(['apt-get', lock, 'update', '-qq'], check=True, env=env)
        subprocess.run(['apt-get', lock, 'install', '-y', '-qq', *missing], check=True, env=env)
    return missing


@contextlib.contextmanager
def no_service_starts(policy: Path = POLICY_RC_D) -> Iterator[None]:
    """Forbid maintainer scripts to start services, unless a policy is already there.

    An existing ``policy-rc.d`` belongs to the machine's owner and is left as it is.
    """
    if policy.exists():
        yield
        return
    policy.write_text(_NO_SERVICES)
    policy.chmod(0o755)
    try:
        yield
    finally:
        policy.unlink(missing_ok=True)

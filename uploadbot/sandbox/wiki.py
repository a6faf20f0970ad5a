"""A real MediaWiki 1.39 on SQLite, served by PHP's built-in server.

The sandbox lives in one directory (``.sandbox/`` by default)::

    install/LocalSettings.php   written once by install.php (database, secret key)
    LocalSettings.php           the overlay, written on every start (settings.py)
    data/                       the SQLite database
    images/                     uploaded files and the upload stash
    pywikibot/                  a ready pywikibot config directory (pwbconfig.py)
    install/extension-tables    extensions whose tables are made (extensions.py)
    install/pages               the digest of the shipped pages last imported (PAGES)
    sandbox.json                where the wiki is and who may log in
    server.pid, jobrunner.pid   the processes ``stop`` ends
    logs/                       their output

A second ``start`` on the same directory reuses the wiki and its files.
``extensions`` turns on Debian's anti-abuse extensions (extensions.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from . import extensions as ext
from . import packages, php, pwbconfig, settings
from .php import SandboxError, free_port

ADMIN = 'Admin'
BOT = 'UploadBot'
BOT_PASSWORD_NAME = 'uploadbot'
BOT_GRANTS = (
    'basic',
    'highvolume',
    'editpage',
    'createeditmovepage',
    'uploadfile',
    'uploadeditmovefile',
    'delete',
)
#: The pages every sandbox has, by namespace: the templates description pages use (the
#: licence templates in ``Category:License tags``, as on Commons), and the categories of
#: the licence templates and of the example batch (``examples/batch.csv``).
PAGES = {'Template': Path(__file__).parent / 'templates', 'Category': Path(__file__).parent / 'categories'}
JOB_LOOP = Path(__file__).parent / 'jobloop.php'
BOT_ACCOUNT = Path(__file__).parent / 'botaccount.php'
DEFAULT_WORKERS = 4


@dataclass(frozen=True)
class SandboxInfo:
    """What ``sandbox.json`` records: enough for tests and scripts to use the wiki."""

    api_url: str
    server: str
    port: int
    admin: str
    admin_password: str
    bot: str
    pywikibot_dir: str
    extensions: tuple[str, ...] = ()

    @classmethod
    def read(cls, directory: Path) -> SandboxInfo:
        recorded = json.loads((directory / 'sandbox.json').read_text())
        recorded['extensions'] = tuple(recorded.get('extensions', ()))
        return cls(**recorded)


class Sandbox:
    """One sandbox directory and the wiki in it."""

    def __init__(
        self,
        directory: Path | str = '.sandbox',
        *,
        workers: int = DEFAULT_WORKERS,
        copy_uploads: bool = True,
        extensions: Iterable[str] = (),
        extra_settings: str = '',
    ) -> None:
        self.directory = Path(directory).resolve()
        self.workers = workers
        self.copy_uploads = copy_uploads
        self.extensions = ext.parse(extensions)
        self.extra_settings = extra_settings

    # -- paths -------------------------------------------------------------

    @property
    def settings_file(self) -> Path:
        return self.directory / 'LocalSettings.php'

    @property
    def pywikibot_dir(self) -> Path:
        return self.directory / 'pywikibot'

    def _pid_file(self, name: str) -> Path:
        return self.directory / f'{name}.pid'

    @property
    def installed(self) -> bool:
        return (self.directory / 'install' / 'LocalSettings.php').exists()

    # -- life cycle --------------------------------------------------------

    def start(self, port: int | None = None) -> SandboxInfo:
        """Install the wiki when new, then serve it; returns where it is.

        A sandbox that runs already is returned as it is, whatever the options.
        """
        if self.running():
            return SandboxInfo.read(self.directory)
        packages.ensure_packages()
        port = port or free_port()
        server = f'http://127.0.0.1:{port}'
        for sub in ('data', 'images', 'tmp', 'cache', 'logs'):
            (self.directory / sub).mkdir(parents=True, exist_ok=True)
        (self.directory / 'router.php').write_text(settings.ROUTER)
        first_time = not self.installed
        if first_time:
            self._install(server)
        self.settings_file.write_text(
            settings.local_settings(server, copy_uploads=self.copy_uploads)
            + ext.local_settings(self.extensions)
            + self.extra_settings
        )
        self._make_extension_tables()
        if first_time:
            self._create_accounts()
        self._import_pages()
        self._spawn('server', self._server_command(port), workers=self.workers)
        self._spawn('jobrunner', self._jobrunner_command())
        info = self._write_info(server, port)
        php.wait_until_up(info.api_url, logs=self.directory / 'logs')
        return info

    def stop(self) -> bool:
        """End exactly the processes this sandbox started; True when any ran."""
        stopped = False
        for name in ('jobrunner', 'server'):
            pid = self._recorded_pid(name)
            if pid is not None:
                php.terminate(pid)
                stopped = True
            self._pid_file(name).unlink(missing_ok=True)
        return stopped

    def running(self) -> bool:
        return self._recorded_pid('server') is not None

    def status(self) -> str:
        if not self.running():
            return f'sandbox in {self.directory}: not running'
        info = SandboxInfo.read(self.directory)
        extensions = f', extensions {",".join(info.extensions)}' if info.extensions else ''
        return (
            f'sandbox in {self.directory}: running at {info.server} '
            f'(api {info.api_url}, pywikibot dir {info.pywikibot_dir}{extensions})'
        )

    def add_bot_password(self, appid: str, grants: Iterable[str], *, user: str = BOT) -> str:
        """A BotPassword ``user@appid`` with only ``grants``; returns its secret.

        The bot's own login is one; tests add others with fewer rights (no
        upload, no overwriting others' files). MediaWiki makes up the secret
        and prints it, so it is never in a process's arguments, where every
        account on the machine could read it.
        """
        output = self._run(
            [
                *self._maintenance('createBotPassword.php'),
                '--appid',
                appid,
                '--grants',
                ','.join(grants),
                user,
            ]
        )
        found = re.search(r"password:'([^']+)'", output)
        if not found:
            raise SandboxError(f'createBotPassword.php gave no password for {user}@{appid}')
        return found.group(1)

    # -- steps -------------------------------------------------------------

    def _install(self, server: str) -> None:
        """Create the SQLite wiki with install.php (only once per directory)."""
        (self.directory / 'install').mkdir(exist_ok=True)
        password = secrets.token_urlsafe(18)
        (self.directory / 'admin.secret').touch(mode=0o600)
        pwbconfig.write_private(self.directory / 'admin.secret', password)
        self._run(
            [
                'php',
                f'{packages.MEDIAWIKI_DIR}/maintenance/install.php',
                '--dbtype',
                'sqlite',
                '--dbpath',
                str(self.directory / 'data'),
                '--dbname',
                'sandbox',
                '--server',
                server,
                '--scriptpath',
                '',
                '--confpath',
                str(self.directory / 'install'),
                '--passfile',
                str(self.directory / 'admin.secret'),
                '--lang',
                'en',
                '--skins',
                'Vector',
                '--quiet',
                'uploadbot sandbox',
                ADMIN,
            ],
            env_config=False,
        )

    def _make_extension_tables(self) -> None:
        """Make the tables of extensions that have some, once, before anything edits the wiki."""
        stamp = self.directory / 'install' / 'extension-tables'
        made = set(stamp.read_text().split()) if stamp.exists() else set()
        for name in sorted(ext.with_tables(self.extensions) - made):
            self._run([*self._maintenance('sql.php'), f'{packages.MEDIAWIKI_DIR}/{ext.TABLES[name]}'])
            made.add(name)
            stamp.write_text(''.join(f'{made_name}\n' for made_name in sorted(made)))

    def _create_accounts(self) -> None:
        """A bot account, with no password but a BotPassword for uploads; the admin can delete."""
        self._run(['php', str(BOT_ACCOUNT), BOT], MW_INSTALL_PATH=packages.MEDIAWIKI_DIR)
        secret = self.add_bot_password(BOT_PASSWORD_NAME, BOT_GRANTS)
        pwbconfig.write_private(self.directory / 'bot.secret', secret)

    def _import_pages(self) -> None:
        """The shipped pages (``PAGES``), when they changed since they were last imported.

        So a sandbox made by an older version gets new pages at its next start,
        and an unchanged one costs no PHP process.
        """
        files = {namespace: sorted(folder.glob('*.wiki')) for namespace, folder in PAGES.items()}
        digest = hashlib.sha256(
            b''.join(
                f'{path.parent.name}/{path.name}\n'.encode() + path.read_bytes()
                for paths in files.values()
                for path in paths
            )
        ).hexdigest()
        stamp = self.directory / 'install' / 'pages'
        if stamp.exists() and stamp.read_text().strip() == digest:
            return
        for namespace, paths in files.items():
            self._run(
                [
                    *self._maintenance('importTextFiles.php'),
                    '--prefix',
                    f'{namespace}:',
                    '--overwrite',
                    '--summary',
                    'uploadbot sandbox pages',
                    *(str(path) for path in paths),
                ]
            )
        stamp.write_text(digest + '\n')

    def _write_info(self, server: str, port: int) -> SandboxInfo:
        info = SandboxInfo(
            api_url=f'{server}/api.php',
            server=server,
            port=port,
            admin=ADMIN,
            admin_password=(self.directory / 'admin.secret').read_text().strip(),
            bot=BOT,
            pywikibot_dir=str(self.pywikibot_dir),
            extensions=self.extensions,
        )
        pwbconfig.write_private(self.directory / 'sandbox.json', json.dumps(info.__dict__, indent=2) + '\n')
        pwbconfig.write_config(
            self.pywikibot_dir,
            api_url=info.api_url,
            user=BOT,
            bot_suffix=BOT_PASSWORD_NAME,
            bot_secret=(self.directory / 'bot.secret').read_text().strip(),
        )
        return info

    # -- processes ---------------------------------------------------------

    def _maintenance(self, script: str) -> list[str]:
        return ['php', f'{packages.MEDIAWIKI_DIR}/maintenance/{script}']

    def _jobrunner_command(self) -> list[str]:
        """One long-lived runJobs.php; with extensions, a fresh one for every job.

        AbuseFilter keeps its list of filters for a process's whole life, so a
        long-lived job runner would publish asynchronous uploads past filters
        written after it started (jobloop.php).
        """
        run_jobs = self._maintenance('runJobs.php')
        if self.extensions:
            return ['php', str(JOB_LOOP), run_jobs[1]]
        return [*run_jobs, '--wait']

    def _server_command(self, port: int) -> list[str]:
        ini = [arg for key, value in settings.PHP_INI.items() for arg in ('-d', f'{key}={value}')]
        return [
            'php',
            *ini,
            '-S',
            f'127.0.0.1:{port}',
            '-t',
            packages.MEDIAWIKI_DIR,
            str(self.directory / 'router.php'),
        ]

    def _env(self, **extra: str) -> dict[str, str]:
        return dict(os.environ, MW_CONFIG_FILE=str(self.settings_file), **extra)

    def _run(self, command: list[str], *, env_config: bool = True, **extra: str) -> str:
        """Run a maintenance script; returns its output."""
        env = self._env(**extra) if env_config else dict(os.environ)
        result = subprocess.run(
            command, env=env, capture_output=True, text=True, cwd=packages.MEDIAWIKI_DIR, check=False
        )
        if result.returncode != 0:
            raise SandboxError(f'{Path(command[1]).name} failed:\n{result.stdout}{result.stderr}')
        return result.stdout

    def _spawn(self, name: str, command: list[str], *, workers: int = 0) -> None:
        extra = {'PHP_CLI_SERVER_WORKERS': str(workers)} if workers > 1 else {}
        log = open(self.directory / 'logs' / f'{name}.log', 'ab')  # noqa: SIM115 (child keeps it)
        with log:
            process = subprocess.Popen(
                command,
                env=self._env(**extra),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=packages.MEDIAWIKI_DIR,
                start_new_session=True,
            )
        self._pid_file(name).write_text(f'{process.pid}\n{self.directory}\n')

    def _recorded_pid(self, name: str) -> int | None:
        """The process id recorded for ``name``, if that process still runs."""
        try:
            pid = int(self._pid_file(name).read_text().split()[0])
        except (FileNotFoundError, ValueError, IndexError):
            return None
        return pid if php.is_ours(pid, self.directory) else None

# pywikibot's configuration for uploadbot on Toolforge: copy to ~/.pywikibot/user-config.py.
#
# Nothing secret is in this file or anywhere in the tool's home (which is on
# NFS). The account and its secret come from the tool's environment variables,
# which `toolforge envvars create NAME` stores and the Jobs framework injects
# into every job (see README.md here, step 4):
#
#   UPLOADBOT_USERNAME                     the bot account, e.g. ExampleBot
#   UPLOADBOT_BOTPASSWORD_NAME             with a BotPassword: its name, e.g. uploadbot
#   UPLOADBOT_BOTPASSWORD                  ... and the password Special:BotPasswords showed
#   UPLOADBOT_OAUTH_CONSUMER_KEY           or, with an owner-only OAuth consumer,
#   UPLOADBOT_OAUTH_CONSUMER_SECRET        its four tokens
#   UPLOADBOT_OAUTH_ACCESS_KEY
#   UPLOADBOT_OAUTH_ACCESS_SECRET
#   UPLOADBOT_FAMILY, UPLOADBOT_LANG       the wiki (default: commons, commons)
#   UPLOADBOT_OAUTH_HOST                   the wiki's host for OAuth (default commons.wikimedia.org)
#
# Names beginning with an underscore are this file's own helpers; pywikibot
# ignores them.
import atexit as _atexit
import os as _os
import tempfile as _tempfile

family = _os.environ.get('UPLOADBOT_FAMILY', 'commons')
mylang = _os.environ.get('UPLOADBOT_LANG', 'commons')
usernames[family][mylang] = _os.environ['UPLOADBOT_USERNAME']

if _os.environ.get('UPLOADBOT_OAUTH_CONSUMER_KEY'):
    authenticate[_os.environ.get('UPLOADBOT_OAUTH_HOST', 'commons.wikimedia.org')] = tuple(
        _os.environ[f'UPLOADBOT_OAUTH_{_part}']
        for _part in ('CONSUMER_KEY', 'CONSUMER_SECRET', 'ACCESS_KEY', 'ACCESS_SECRET'))
elif _os.environ.get('UPLOADBOT_BOTPASSWORD'):
    # pywikibot reads a BotPassword only from a password file. This one is
    # made for this run alone, in the container's own temporary space (not
    # the NFS home), readable by the job's user only (mkstemp: mode 600), and
    # removed when the run ends; the container goes with the job anyway.
    _handle, password_file = _tempfile.mkstemp(prefix='uploadbot-password-', suffix='.py')
    with _os.fdopen(_handle, 'w', encoding='utf-8') as _file:
        _file.write(f"({usernames[family][mylang]!r}, BotPassword("
                    f"{_os.environ.get('UPLOADBOT_BOTPASSWORD_NAME', 'uploadbot')!r}, "
                    f"{_os.environ['UPLOADBOT_BOTPASSWORD']!r}))\n")
    _atexit.register(lambda _path=password_file: _os.path.exists(_path) and _os.remove(_path))

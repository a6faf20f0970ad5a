"""pywikibot family file for your own MediaWiki: copy, rename and edit.

Save it as ``<name>_family.py`` in the ``families/`` folder of your pywikibot
directory (pywikibot registers every family file there), set ``name`` to the
same ``<name>``, the host in ``langs``, and the script path of your wiki
(where ``api.php`` lives: ``''`` for ``https://wiki.example.org/api.php``,
``'/w'`` for ``https://wiki.example.org/w/api.php``). Then put
``family = '<name>'`` and ``mylang = 'en'`` in ``user-config.py``.
"""

from pywikibot import family


class Family(family.Family):
    name = 'mywiki'
    langs = {'en': 'wiki.example.org'}

    def scriptpath(self, code):
        return '/w'

    def protocol(self, code):
        return 'https'

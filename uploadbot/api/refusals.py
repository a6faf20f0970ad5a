"""Which refusals of the wiki are permanent, and which are passing trouble.

A permanent refusal stays until a person changes something — the file, its
name, its description page, the policy, the wiki's lists or the account's
rights — so sending the same row again on the next run only fails again.
The row ends ``refused`` and later runs leave it alone until it changes
(or ``-retry-refused`` is given). Everything else (the network, HTTP 5xx,
lag, timeouts, a stash that lost a chunk) is passing: the row ends
``failed`` and the next run tries again.

The codes come from MediaWiki 1.39's own source, as the Upload API gives
them for uploads (``includes/api/ApiUpload.php``, ``includes/upload/
UploadBase.php``, ``includes/api/ApiMessageTrait.php`` for the legacy
permission keys) and from the extensions Debian ships with it
(TitleBlacklist, SpamBlacklist, AbuseFilter).

An AbuseFilter *warning* (``abusefilter-warning``; a filter's own warning
message keeps that API code) is not a refusal: MediaWiki lets the same
request through when it is sent again, once, after the warning.
"""

from __future__ import annotations

#: Refusals a later run cannot get past without a person, by API error code.
PERMANENT = frozenset(
    {
        # the file itself (UploadBase::verifyUpload, ApiUpload::checkVerification)
        'filetype-banned',  # extension not allowed / prohibited ($wgFileExtensions ...)
        'filetype-missing',  # the name has no extension
        'verification-error',  # content does not match the type, scripts in SVG, ...
        'empty-file',
        'file-too-large',
        'hookaborted',  # an extension's UploadVerifyFile hook said no
        # the name (ApiUpload::checkVerification, UploadBase::verifyTitlePermissions)
        'illegal-filename',
        'filename-tooshort',
        'filename-toolong',
        'windows-nonascii-filename',
        'invalidtitle',
        'fileexists-forbidden',
        'fileexists-shared-forbidden',
        'protectedpage',
        'protectedtitle',
        'cascadeprotected',
        'protectednamespace',
        'cantcreate',
        'cantedit',
        # extensions (TitleBlacklist, SpamBlacklist, AbuseFilter)
        'titleblacklist-forbidden',
        'spamblacklist',
        'abusefilter-disallowed',
        # the account and the wiki's settings
        'permissiondenied',
        'blocked',
        'autoblocked',
        'confirmemail',
        'uploaddisabled',
        'copyuploaddisabled',
        'copyuploadbaddomain',
        'copyuploadbadurl',
    }
)

#: Prefixes of permanent codes whose tail varies (a blacklist's or filter's own message key).
PERMANENT_PREFIXES = ('titleblacklist-forbidden', 'abusefilter-disallowed')

#: The code (and prefix) of an AbuseFilter warning: sent again once, as MediaWiki allows.
ABUSEFILTER_WARNING = 'abusefilter-warning'


def is_permanent(code: str) -> bool:
    """Whether the wiki's error ``code`` refuses the row until a person changes something."""
    return code in PERMANENT or code.startswith(PERMANENT_PREFIXES)


def is_abusefilter_warning(code: str) -> bool:
    """Whether ``code`` is an AbuseFilter warning (resend once, keep its message)."""
    return code.startswith(ABUSEFILTER_WARNING)

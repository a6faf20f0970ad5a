"""The wiki's permanent refusals of an upload, produced for real on MediaWiki 1.39.

A sandbox with TitleBlacklist, SpamBlacklist and AbuseFilter refuses uploads as Commons
does. The tests send raw Upload API requests (direct upload, chunks, commit by filekey,
asynchronous where it differs) and pin down what the bot's classification (permanent
"refused" against passing "failed") relies on: the code, the data, where it comes.

| Refusal | `code` | `info` (en) | Data fields beside code and info | Where it comes |
|---|---|---|---|---|
| Title blacklist (`MediaWiki:Titleblacklist`) | `titleblacklist-forbidden-edit` | The title "File:…" has been banned from creation. It matches the following disallowed titles list entry: "…" | `invalidparameter: filename`, `filekey` | Direct upload (before warnings, even without `ignorewarnings`) and commit. Chunks and `stash=1` pass. An async commit is refused at once, with `stasherrors` instead of `filekey`. |
| Spam blacklist (a link in the page text) | `spamblacklist` | The text you wanted to publish was blocked by the spam filter. … triggered our spam filter: spam.example.org | `spamblacklist: {matches: [...]}`, `filekey` | Direct upload and commit, only after the warnings (a warned upload answers `Warning` first). Chunks pass (they carry no text). Async commit: `Poll`, then `checkstatus` gives the error, no `filekey`. |
| AbuseFilter "disallow" on `action == "upload"` | `abusefilter-disallowed` | This action has been automatically identified as harmful, and therefore disallowed. … matched is: <filter description> | `abusefilter: {id: "N", description, actions: ["disallow"]}`, `filekey` | Direct upload and commit, after the warnings. Chunks and `stash=1` pass. Async commit: `checkstatus` gives the error, no `filekey`. |
| AbuseFilter "disallow" on `action == "stashupload"` | `abusefilter-disallowed` | as above | `abusefilter: {…}`; no `filekey` | The last chunk (when the whole file is stashed) and `stash=1`; async assembly: `checkstatus`. A direct upload without `stash` never meets it; a warned `stash=1` answers `Warning` with `stasherrors`. A filter on both actions refuses a direct upload with `stasherrors` instead of `filekey`. |
| AbuseFilter "warn" | `abusefilter-warning` | '''Warning:''' This action has been automatically identified as harmful. … you may submit it again to confirm it. … | `abusefilter: {id, description, actions: ["warn"]}`, `filekey` | Where "disallow" would come. `ignorewarnings` does not pass it. The same request again in the same login session (same filter, same title) succeeds; a new session is warned again. Async commit: `checkstatus` error, a second async commit passes. |
| Banned file type (`$wgProhibitedFileExtensions`, or not in `$wgFileExtensions`) | `filetype-banned` | ".exe" is not a permitted file type. Permitted file types are jpg, … | `filetype` (the last extension), `allowed: [...]`, `blacklisted: [...]` only for prohibited extensions anywhere in the name (`x.exe.jpg`: `filetype: jpg`, `blacklisted: [exe]`); no `filekey` | Direct upload, `stash=1`, commit (async: at once). The file is checked before its name: content of a known type that does not fit the extension gives `verification-error` instead. At the first chunk it is `illegal-filename` with no data. |
| Content not matching its extension (PNG named `.jpg`) | `verification-error` | File extension ".jpg" does not match the detected MIME type of the file (image/png). | `details: ["filetype-mime-mismatch", "jpg", "image/png"]`; no `filekey` | Direct upload, `stash=1`, commit. Chunks pass; the last chunk fails as `stashfailed` "This file did not pass file verification." (no details; async assembly and async commit: the same in `checkstatus`). |
| SVG with a script | `verification-error` | Found scriptable element "script" in the uploaded SVG file. | `details: ["uploaded-script-svg", "script"]` (`["uploadscripted"]` when the script is in the first KB) | Direct upload, `stash=1`. Each chunk is checked on its own: a chunk with the script in its first KB is refused as `uploadscripted` (no data); a chunk that looks like HTML as `stashfailed` "Files of the MIME type "text/html" are not allowed…" with `offset`. |
| No upload right (a BotPassword without the upload grants) | `permissiondenied` | The action you have requested is limited to users in one of the groups: … | none; no `filekey` | First, at every step: direct upload, first chunk, commit. |
| Overwriting a file without `reupload` (BotPassword without "uploadeditmovefile") | `fileexists-forbidden` | A file with this name already exists, and cannot be overwritten. … [[File:…]] | `invalidparameter: filename`, `filekey` | Direct upload (instead of the `exists` warning, with or without `ignorewarnings`) and commit (async: at once, `stasherrors` instead of `filekey`). Chunks pass with the `exists` warning. No group has `reupload-own` by default, so such a login cannot overwrite even its own file. |
| Protected title (create or upload protection) | `protectedpage` | This page has been protected to prevent editing or other actions. | `invalidparameter: filename`, `filekey` | Direct upload and commit; chunks pass. |
| Bad name: `~~~` / over 240 bytes / `.jpg` alone / no extension and content of no known type | `illegal-filename` / `filename-toolong` / `filename-tooshort` / `filetype-missing` | The filename is not allowed. / Filenames may not be longer than 240 bytes. / The filename is too short. / The file has no extension (like ".jpg"). | `invalidparameter: filename`, `filekey`; `illegal-filename` also `filename` (as sent) | Direct upload and commit. At the first chunk all four are `illegal-filename` with no data. Content of a known type without extension gets one, with the `badfilename` warning. |
| `badfilename` | never an error in 1.39 | — | — | Only a warning (`:` `/` `#` `[` … replaced), with the name the wiki would use. |

Each `filekey` above (with an equal `sessionkey`) names a new copy of the file
in the stash: a refused commit leaves one more. `fileexists-shared-forbidden`
needs a shared repository (InstantCommons), which the sandbox has not.
"""

from __future__ import annotations

import pytest

from uploadbot.sandbox import SandboxInfo, extensions

from .conftest import second_sandbox
from .files import NO_KNOWN_TYPE, jpeg_bytes
from .refusing import (
    DISALLOWED,
    FILTERS,
    SPAM_SITE,
    SPAM_TEXT,
    TITLE_RULE,
    UNSTASHABLE,
    WARNED,
    add_logins,
    bad_name,
    error,
    image_bytes,
    jpeg,
    log_in,
    stashed,
    success,
    svg_with_script,
    write_rules,
)
from .wikiapi import WikiAPI

pytestmark = pytest.mark.wiki


# -- the refusing wiki -----------------------------------------------------------


@pytest.fixture(scope='module')
def refusing(tmp_path_factory) -> SandboxInfo:
    """A sandbox with TitleBlacklist, SpamBlacklist and AbuseFilter."""
    yield from second_sandbox(tmp_path_factory, 'refusing', extensions=extensions.EXTENSIONS)


@pytest.fixture(scope='module')
def refusing_admin(refusing) -> WikiAPI:
    return WikiAPI(refusing.api_url).login(refusing.admin, refusing.admin_password)


@pytest.fixture(scope='module')
def rules(refusing_admin) -> dict[str, int]:  # the filters' ids
    return write_rules(refusing_admin)


@pytest.fixture(scope='module')
def logins(refusing) -> dict[str, str]:  # BotPasswords with fewer grants
    return add_logins(refusing)


@pytest.fixture
def bot(refusing, rules) -> WikiAPI:
    return log_in(refusing)


# -- title blacklist -------------------------------------------------------------


def test_title_blacklist_refuses_a_direct_upload_before_any_warning(bot, refusing_admin, name):
    target = f'{name} {TITLE_RULE}.jpg'
    refusal = error(bot.send_file(target, jpeg(name)))
    assert refusal['code'] == 'titleblacklist-forbidden-edit'
    assert f'.*{TITLE_RULE}.*' in refusal['info']
    assert refusal['invalidparameter'] == 'filename' and refusal['filekey']
    assert refusing_admin.file_info(target) is None


def test_title_blacklist_lets_the_chunks_in_and_refuses_the_commit_with_a_new_filekey(bot, name):
    target = f'{name} {TITLE_RULE}.jpg'
    filekey = stashed(bot.send_chunks(target, jpeg(name)))
    refusal = error(bot.commit(filekey, target, text='A description', ignorewarnings=True))
    assert refusal['code'] == 'titleblacklist-forbidden-edit'
    assert refusal['filekey'] and refusal['filekey'] != filekey


def test_title_blacklist_refuses_an_asynchronous_commit_at_once(bot, name):
    target = f'{name} {TITLE_RULE}.jpg'
    filekey = stashed(bot.send_chunks(target, jpeg(name)))
    refusal = error(bot.commit(filekey, target, text='A description', **{'async': True}))
    assert refusal['code'] == 'titleblacklist-forbidden-edit'
    assert 'filekey' not in refusal


# -- spam blacklist --------------------------------------------------------------


def test_spam_blacklist_refuses_a_page_text_linking_a_listed_site(bot, refusing_admin, name):
    refusal = error(bot.send_file(f'{name}.jpg', jpeg(name), text=SPAM_TEXT))
    assert refusal['code'] == 'spamblacklist'
    assert refusal['spamblacklist'] == {'matches': [SPAM_SITE]}
    assert refusal['filekey']
    assert refusing_admin.file_info(f'{name}.jpg') is None


def test_spam_blacklist_comes_after_the_warnings(bot, refusing_admin, name):
    content = jpeg(name)
    refusing_admin.upload(f'{name} elsewhere.jpg', content)
    answer = bot.send_file(f'{name}.jpg', content, text=SPAM_TEXT)
    assert answer['upload']['result'] == 'Warning'
    assert list(answer['upload']['warnings']) == ['duplicate']


def test_spam_blacklist_refuses_the_commit_not_the_chunks(bot, name):
    filekey = stashed(bot.send_chunks(f'{name}.jpg', jpeg(name)))
    refusal = error(bot.commit(filekey, f'{name}.jpg', text=SPAM_TEXT))
    assert refusal['code'] == 'spamblacklist'
    assert refusal['filekey']


def test_spam_blacklist_refuses_an_asynchronous_commit_in_its_job(bot, refusing_admin, name):
    filekey = stashed(bot.send_chunks(f'{name}.jpg', jpeg(name)))
    queued = bot.commit(filekey, f'{name}.jpg', text=SPAM_TEXT, **{'async': True})
    assert queued['upload']['result'] == 'Poll'
    refusal = error(bot.check_status(filekey))
    assert refusal['code'] == 'spamblacklist'
    assert refusal['spamblacklist'] == {'matches': [SPAM_SITE]}
    assert 'filekey' not in refusal
    assert refusing_admin.file_info(f'{name}.jpg') is None


# -- AbuseFilter: disallow -------------------------------------------------------


def test_abuse_filter_disallow_refuses_a_direct_upload_and_names_the_filter(bot, refusing_admin, rules, name):
    target = f'{name} {DISALLOWED}.jpg'
    refusal = error(bot.send_file(target, jpeg(name)))
    assert refusal['code'] == 'abusefilter-disallowed'
    assert refusal['abusefilter'] == {
        'id': str(rules['disallow']),
        'description': FILTERS['disallow'][0],
        'actions': ['disallow'],
    }
    assert refusal['filekey']
    assert refusing_admin.file_info(target) is None


def test_abuse_filter_on_upload_lets_the_chunks_in_and_refuses_the_commit(bot, name):
    target = f'{name} {DISALLOWED}.jpg'
    filekey = stashed(bot.send_chunks(target, jpeg(name)))
    refusal = error(bot.commit(filekey, target, text='A description'))
    assert refusal['code'] == 'abusefilter-disallowed'
    assert refusal['filekey']


def test_abuse_filter_disallow_refuses_an_asynchronous_commit_in_its_job(bot, refusing_admin, name):
    target = f'{name} {DISALLOWED}.jpg'
    filekey = stashed(bot.send_chunks(target, jpeg(name)))
    assert bot.commit(filekey, target, text='A description', **{'async': True})['upload']['result'] == 'Poll'
    refusal = error(bot.check_status(filekey))
    assert refusal['code'] == 'abusefilter-disallowed'
    assert 'filekey' not in refusal
    assert refusing_admin.file_info(target) is None


def test_abuse_filter_on_stashupload_refuses_the_last_chunk(bot, rules, name):
    answers = bot.send_chunks(f'{name} {UNSTASHABLE}.jpg', jpeg(name))
    assert [a.get('upload', {}).get('result') for a in answers[:-1]] == ['Continue', 'Continue']
    refusal = error(answers[-1])
    assert refusal['code'] == 'abusefilter-disallowed'
    assert refusal['abusefilter']['id'] == str(rules['stash'])
    assert 'filekey' not in refusal


def test_abuse_filter_on_stashupload_refuses_asynchronous_assembly_in_its_job(bot, name):
    answers = bot.send_chunks(f'{name} {UNSTASHABLE}.jpg', jpeg(name), **{'async': True})
    assert answers[-1]['upload']['result'] == 'Poll'
    refusal = error(bot.check_status(answers[-1]['upload']['filekey']))
    assert refusal['code'] == 'abusefilter-disallowed'


def test_abuse_filter_on_stashupload_never_meets_a_direct_upload(bot, name):
    assert success(bot.send_file(f'{name} {UNSTASHABLE}.jpg', jpeg(name)))


# -- AbuseFilter: warn -----------------------------------------------------------


def test_abuse_filter_warning_refuses_the_first_upload_with_a_filekey(bot, rules, name):
    refusal = error(bot.send_file(f'{name} {WARNED}.jpg', jpeg(name)))
    assert refusal['code'] == 'abusefilter-warning'
    assert refusal['abusefilter'] == {
        'id': str(rules['warn']),
        'description': FILTERS['warn'][0],
        'actions': ['warn'],
    }
    assert refusal['filekey']


def test_ignorewarnings_does_not_pass_an_abuse_filter_warning(bot, name):
    refusal = error(bot.send_file(f'{name} {WARNED}.jpg', jpeg(name), ignorewarnings=True))
    assert refusal['code'] == 'abusefilter-warning'


def test_abuse_filter_warning_passes_when_the_same_session_sends_again(bot, refusing_admin, name):
    target, content = f'{name} {WARNED}.jpg', jpeg(name)
    assert error(bot.send_file(target, content))['code'] == 'abusefilter-warning'
    assert success(bot.send_file(target, content))
    assert refusing_admin.file_info(target)['size'] == len(content)


def test_abuse_filter_warning_comes_again_in_a_new_session(bot, refusing, name):
    target, content = f'{name} {WARNED}.jpg', jpeg(name)
    assert error(bot.send_file(target, content))['code'] == 'abusefilter-warning'
    again = log_in(refusing).send_file(target, content)
    assert error(again)['code'] == 'abusefilter-warning'


def test_abuse_filter_warning_passes_on_a_second_commit(bot, refusing_admin, name):
    target = f'{name} {WARNED}.jpg'
    filekey = stashed(bot.send_chunks(target, jpeg(name)))
    warned = error(bot.commit(filekey, target, text='A description'))
    assert warned['code'] == 'abusefilter-warning'
    assert success(bot.commit(warned['filekey'], target, text='A description'))
    assert refusing_admin.file_info(target) is not None


# -- banned file types -------------------------------------------------------------


def test_prohibited_extension_is_filetype_banned_and_says_what_is_allowed(bot, name):
    content = NO_KNOWN_TYPE[:3000]  # the same bytes every run, of no type MediaWiki knows
    refusal = error(bot.send_file(f'{name}.exe', content))
    assert refusal['code'] == 'filetype-banned'
    assert (refusal['filetype'], refusal['blacklisted']) == ('exe', ['exe'])
    assert 'jpg' in refusal['allowed']
    assert 'filekey' not in refusal


def test_extension_the_wiki_does_not_take_is_filetype_banned_without_blacklisted(bot, name):
    refusal = error(bot.send_file(f'{name}.bmp', image_bytes(name, 'BMP')))
    assert (refusal['code'], refusal['filetype']) == ('filetype-banned', 'bmp')
    assert 'blacklisted' not in refusal and 'filekey' not in refusal


def test_prohibited_extension_anywhere_in_the_name_is_filetype_banned(bot, name):
    refusal = error(bot.send_file(f'{name}.exe.jpg', jpeg(name)))
    assert refusal['code'] == 'filetype-banned'
    assert (refusal['filetype'], refusal['blacklisted']) == ('jpg', ['exe'])


def test_content_of_another_type_is_checked_before_the_extension(bot, name):
    refusal = error(bot.send_file(f'{name}.exe', jpeg(name)))
    assert refusal['code'] == 'verification-error'
    assert refusal['details'] == ['filetype-mime-mismatch', 'exe', 'image/jpeg']


def test_banned_extension_is_illegal_filename_at_the_first_chunk(bot, name):
    answers = bot.send_chunks(f'{name}.exe.jpg', jpeg(name))
    assert len(answers) == 1
    refusal = error(answers[0])
    assert refusal['code'] == 'illegal-filename'
    assert not {'filetype', 'filekey', 'invalidparameter'} & set(refusal)


def test_commit_under_a_banned_name_is_filetype_banned(bot, name):
    filekey = stashed(bot.send_chunks(f'{name}.jpg', jpeg(name)))
    refusal = error(bot.commit(filekey, f'{name}.exe.jpg', text='A description'))
    assert (refusal['code'], refusal['blacklisted']) == ('filetype-banned', ['exe'])


# -- content that fails verification ---------------------------------------------------


def test_png_named_jpg_is_verification_error_with_its_details(bot, name):
    refusal = error(bot.send_file(f'{name}.jpg', image_bytes(name, 'PNG')))
    assert refusal['code'] == 'verification-error'
    assert refusal['details'] == ['filetype-mime-mismatch', 'jpg', 'image/png']
    assert 'filekey' not in refusal


def test_png_named_jpg_in_chunks_fails_at_the_last_chunk_as_stashfailed(bot, name):
    answers = bot.send_chunks(f'{name}.jpg', image_bytes(name, 'PNG'))
    assert all(a['upload']['result'] == 'Continue' for a in answers[:-1]) and len(answers) > 2
    refusal = error(answers[-1])
    assert refusal['code'] == 'stashfailed'
    assert refusal['info'] == 'This file did not pass file verification.'
    assert 'details' not in refusal and 'filekey' not in refusal


def test_commit_of_a_png_under_a_jpg_name_is_verification_error(bot, name):
    filekey = stashed(bot.send_chunks(f'{name}.png', image_bytes(name, 'PNG')))
    refusal = error(bot.commit(filekey, f'{name}.jpg', text='A description'))
    assert refusal['code'] == 'verification-error'
    assert refusal['details'] == ['filetype-mime-mismatch', 'jpg', 'image/png']


def test_svg_with_a_script_is_verification_error(bot, name):
    refusal = error(bot.send_file(f'{name}.svg', svg_with_script(script_first=False)))
    assert refusal['code'] == 'verification-error'
    assert refusal['details'] == ['uploaded-script-svg', 'script']


def test_script_in_the_first_chunk_is_refused_at_that_chunk_as_uploadscripted(bot, name):
    answers = bot.send_chunks(f'{name}.svg', svg_with_script(script_first=True))
    assert len(answers) == 1
    assert error(answers[0])['code'] == 'uploadscripted'


# -- rights ------------------------------------------------------------------------------


@pytest.mark.parametrize('step', ['direct upload', 'first chunk', 'commit'])
def test_login_without_the_upload_grant_is_permissiondenied_at_every_step(bot, refusing, logins, name, step):
    noupload = log_in(refusing, 'noupload', logins['noupload'])
    if step == 'direct upload':
        answer = noupload.send_file(f'{name}.jpg', jpeg(name))
    elif step == 'first chunk':
        answers = noupload.send_chunks(f'{name}.jpg', jpeg(name))
        assert len(answers) == 1
        answer = answers[0]
    else:  # a file the bot stashed through its full BotPassword
        answer = noupload.commit(stashed(bot.send_chunks(f'{name}.jpg', jpeg(name))), f'{name}.jpg')
    refusal = error(answer)
    assert refusal['code'] == 'permissiondenied'
    assert 'filekey' not in refusal


def test_overwriting_someone_elses_file_without_reupload_is_fileexists_forbidden(
    refusing, refusing_admin, logins, name
):
    theirs = jpeg_bytes(3000, seed=(name, 'theirs'))
    refusing_admin.upload(f'{name}.jpg', theirs)
    newfiles = log_in(refusing, 'newfiles', logins['newfiles'])
    refusal = error(newfiles.send_file(f'{name}.jpg', jpeg(name)))
    assert refusal['code'] == 'fileexists-forbidden'
    assert refusal['invalidparameter'] == 'filename' and refusal['filekey']
    assert refusing_admin.file_info(f'{name}.jpg')['size'] == len(theirs)


def test_fileexists_forbidden_comes_at_the_commit_after_an_exists_warning_in_the_chunks(
    refusing, refusing_admin, logins, name
):
    refusing_admin.upload(f'{name}.jpg', jpeg_bytes(3000, seed=(name, 'theirs')))
    newfiles = log_in(refusing, 'newfiles', logins['newfiles'])
    answers = newfiles.send_chunks(f'{name}.jpg', jpeg(name))
    filekey = stashed(answers)
    assert list(answers[-1]['upload']['warnings']) == ['exists']
    refusal = error(newfiles.commit(filekey, f'{name}.jpg', ignorewarnings=True))
    assert refusal['code'] == 'fileexists-forbidden'


def test_login_without_reupload_cannot_overwrite_even_its_own_file(refusing, logins, name):
    newfiles = log_in(refusing, 'newfiles', logins['newfiles'])
    assert success(newfiles.send_file(f'{name}.jpg', jpeg(name)))
    again = newfiles.send_file(f'{name}.jpg', jpeg_bytes(5000, seed=(name, 2)))
    assert error(again)['code'] == 'fileexists-forbidden'


def test_create_protected_name_is_protectedpage_at_the_commit_not_the_chunks(bot, refusing_admin, name):
    protected = refusing_admin.post(
        action='protect', title=f'File:{name}.jpg', protections='create=sysop', token=refusing_admin.csrf()
    )
    assert 'protect' in protected, protected
    filekey = stashed(bot.send_chunks(f'{name}.jpg', jpeg(name)))
    refusal = error(bot.commit(filekey, f'{name}.jpg'))
    assert refusal['code'] == 'protectedpage'
    assert refusal['invalidparameter'] == 'filename' and refusal['filekey']


# -- names ---------------------------------------------------------------------------------


def test_badfilename_is_a_warning_never_an_error(bot, name):
    answer = bot.send_file(f'{name} a:b.jpg', jpeg(name))
    assert answer['upload']['result'] == 'Warning'
    assert answer['upload']['warnings'] == {'badfilename': f'{name} a-b.jpg'.replace(' ', '_')}


def test_name_with_tildes_is_illegal_filename(bot, name):
    refusal = error(bot.send_file(f'{name} ~~~.jpg', jpeg(name)))
    assert refusal['code'] == 'illegal-filename'
    assert refusal['filename'] == f'{name} ~~~.jpg'
    assert refusal['invalidparameter'] == 'filename' and refusal['filekey']


@pytest.mark.parametrize(
    'bad, code',
    [
        ('too long', 'filename-toolong'),
        ('too short', 'filename-tooshort'),
        ('no extension', 'filetype-missing'),
    ],
)
def test_bad_name_is_refused_with_its_own_code_and_a_filekey(bot, name, bad, code):
    content = NO_KNOWN_TYPE[:3000] if bad == 'no extension' else jpeg(name)
    refusal = error(bot.send_file(bad_name(name, bad), content))
    assert (refusal['code'], refusal['invalidparameter']) == (code, 'filename')
    assert refusal['filekey']


@pytest.mark.parametrize('bad', ['tildes', 'too long', 'too short', 'no extension'])
def test_bad_names_are_illegal_filename_at_the_first_chunk(bot, name, bad):
    answers = bot.send_chunks(bad_name(name, bad), NO_KNOWN_TYPE)
    assert len(answers) == 1
    refusal = error(answers[0])
    assert refusal['code'] == 'illegal-filename'
    assert 'filekey' not in refusal and 'invalidparameter' not in refusal

"""Licence, category and title checks before upload, on a wiki set up like Commons.

A second sandbox has the TitleBlacklist extension, an upload rate limit for
the bot and an on-wiki list of copy-upload domains; it files the licence
templates the sandbox ships in `Category:License tags` and a subcategory, and
each test writes the categories and the blacklist it needs. A third sandbox
has no template in that category, as a wiki may not.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from uploadbot.api import facts
from uploadbot.errors import ExitCode
from uploadbot.sandbox import Sandbox

from .conftest import Batch, second_sandbox
from .files import jpeg_bytes
from .proxy import FaultProxy, pywikibot_dir_through
from .wikiapi import WikiAPI

pytestmark = pytest.mark.wiki

SETTINGS = """
wfLoadExtension( 'TitleBlacklist' );
$wgGroupPermissions['bot']['noratelimit'] = false;
$wgRateLimits['upload']['user'] = [ 3, 60 ];
$wgCopyUploadAllowOnWikiDomainConfig = true;
"""

TEMPLATE = (
    '{{Information |description={{{description}}} |source={{own}} |author=UploadBot}}\n'
    '{{{license|{{cc-by-sa-4.0}}}}}\n'
)


def wait_for(predicate, what: str, seconds: float = 30.0) -> None:
    """Category links are written after the edit's answer: wait until they show."""
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, f'{what} did not show on the wiki'
        time.sleep(0.2)


def members(wiki: WikiAPI, category: str) -> set[str]:
    answer = wiki.get(action='query', list='categorymembers', cmtitle=f'Category:{category}', cmlimit='max')
    return {member['title'] for member in answer['query']['categorymembers']}


@pytest.fixture(scope='module')
def commons(tmp_path_factory):
    """The Commons-like sandbox, with licence tags, categories and a title blacklist."""
    box = Sandbox(tmp_path_factory.mktemp('commons'), workers=2, extra_settings=SETTINGS)
    info = box.start()
    admin = WikiAPI(info.api_url).login(info.admin, info.admin_password)
    # The sandbox files its licence templates in Category:License tags; one moves to a
    # subcategory, where Commons keeps most of its own.
    admin.edit('Category:CC license tags', '[[Category:License tags]]')
    text = admin.page_text('Template:Cc-by-sa-4.0')
    assert '[[Category:License tags]]' in text
    admin.edit(
        'Template:Cc-by-sa-4.0', text.replace('[[Category:License tags]]', '[[Category:CC license tags]]')
    )
    admin.edit('Template:Cc-by-sa', '#REDIRECT [[Template:Cc-by-sa-4.0]]')
    admin.edit('Category:Bridges', 'Bridges.')
    admin.edit('Category:Towers', 'Towers.')
    admin.edit('Category:Old bridges', '#REDIRECT [[:Category:Bridges]]')
    admin.edit('Category:Towers old', '{{Category redirect|Towers}}\n[[Category:Category redirects]]')
    admin.edit('MediaWiki:Titleblacklist', r'File:(DSC|IMG)[ _]?\d+\.jpe?g')
    admin.edit(
        'MediaWiki:Copyupload-allowed-domains',
        '# hosts the wiki copies from\nupload.wikimedia.org\n*.example.org\n',
    )
    wait_for(
        lambda: (
            'Template:Cc-by-sa-4.0' in members(admin, 'CC license tags')
            and 'Template:Cc-by-sa-4.0' not in members(admin, 'License tags')
            and 'Template:Cc-zero' in members(admin, 'License tags')
            and 'Category:Towers old' in members(admin, 'Category redirects')
        ),
        'the licence and redirect categories',
    )
    yield info
    box.stop()


def commons_batch(tmp_path, commons, name: str) -> Batch:
    batch = Batch(tmp_path, commons)
    batch.template.write_text(TEMPLATE)
    camera = 'DSC_00000001.jpg'  # refused by the blacklist, so never on the wiki
    batch.add(f'{name} good.jpg', categories='Bridges')  # row 2
    batch.add(f'{name} nolicence.jpg', categories='Bridges', license='All rights mine')  # 3
    batch.add(f'{name} beans.jpg', categories='Beans')  # row 4
    batch.add(f'{name} hard.jpg', categories='Old bridges')  # row 5
    batch.add(f'{name} soft.jpg', categories='Towers old')  # row 6
    batch.add(camera, categories='Bridges')  # row 7
    batch.add(f'{name} self.jpg', categories='Towers', license='{{self|cc-zero}}')  # row 8
    batch.rows.append(
        {
            'file': 'https://files.example.com/pictures/bridge.jpg',  # row 9
            'filename': f'{name} remote.jpg',
            'description': 'from afar',
            'categories': 'Bridges',
        }
    )
    batch.add(f'{name} redirect.jpg', categories='Bridges', license='{{cc-by-sa}}')  # row 10
    batch.write()
    return batch


def test_check_flags_licence_categories_and_blacklisted_names_by_row_and_column(tmp_path, commons, name):
    batch = commons_batch(tmp_path, commons, name)
    result = batch.run('-check')
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    problems = [line for line in output.splitlines() if ', row ' in line]
    by_row = {int(line.split(', row ')[1].split(',')[0]): line for line in problems}
    assert sorted(by_row) == [3, 4, 5, 6, 7], output
    assert "column 'license'" in by_row[3] and 'no licence' in by_row[3]
    assert "column 'categories'" in by_row[4] and "'Beans' does not exist" in by_row[4]
    assert "'Old bridges' is a redirect to 'Bridges'" in by_row[5]
    assert "'Towers old' is a redirect to 'Towers'" in by_row[6]
    assert "column 'filename'" in by_row[7] and 'title blacklist' in by_row[7]
    assert 'row 9: the wiki does not copy from files.example.com' in output
    assert "at the account's upload limit of 3 per 60 s, 9 upload(s) take at least 2 min" in output
    assert 'Traceback' not in output


@pytest.fixture(scope='module')
def unlicensed(tmp_path_factory):
    """A sandbox whose licence templates are taken out of Category:License tags."""
    sandbox = second_sandbox(tmp_path_factory, 'unlicensed')
    info = next(sandbox)
    admin = WikiAPI(info.api_url).login(info.admin, info.admin_password)
    for title in members(admin, 'License tags'):
        admin.edit(title, admin.page_text(title).replace('[[Category:License tags]]', ''))
    wait_for(lambda: not members(admin, 'License tags'), 'an empty licence category')
    yield info
    next(sandbox, None)


def test_a_wiki_whose_licence_category_holds_no_templates_gets_a_warning_instead(tmp_path, unlicensed, name):
    batch = Batch(tmp_path, unlicensed)
    batch.template.write_text(TEMPLATE)
    batch.add(f'{name}.jpg', license='All rights mine')
    result = batch.run('-check', '-no-category-check')
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert (
        'WARNING: licence check skipped: Category:License tags on this wiki holds no '
        'templates; name them with -licence-templates:' in output
    )
    assert 'no licence' not in output


def test_a_held_row_is_checked_again_before_commit_held_publishes_it(tmp_path, sandbox, name):
    admin = WikiAPI(sandbox.api_url).login(sandbox.admin, sandbox.admin_password)
    admin.edit(f'Category:{name}', 'For a while.')
    admin.upload(f'{name}.jpg', jpeg_bytes(3000, seed=(name, 'theirs')))
    admin.delete(f'File:{name}.jpg')
    batch = Batch(tmp_path, sandbox)
    batch.add(f'{name}.jpg', categories=name)
    unchecked = ('-no-licence-check', '-no-title-check')
    assert batch.run(*unchecked).returncode == ExitCode.HELD  # was-deleted: held
    admin.delete(f'Category:{name}')
    assert batch.run(*unchecked).returncode == ExitCode.HELD  # left alone, unchecked
    published = batch.run(*unchecked, '-commit-held', '-on:was-deleted=upload')
    assert published.returncode == ExitCode.REFUSED, published.stdout + published.stderr
    row = batch.outcomes()[f'{name}.jpg']
    assert row['outcome'] == 'invalid'
    assert f'the category {name!r} does not exist' in row['message']
    assert admin.file_info(f'{name}.jpg') is None


def test_a_wiki_without_the_title_blacklist_is_asked_about_no_title(tmp_path, sandbox, name):
    """Which extensions a wiki has comes from pywikibot's siteinfo; the test above shows
    the titles put to a wiki that has TitleBlacklist."""
    proxy = FaultProxy(sandbox.port)
    try:
        pwb = pywikibot_dir_through(proxy, Path(sandbox.pywikibot_dir), tmp_path / 'pwb')
        batch = Batch(tmp_path, sandbox)
        batch.add(f'{name} one.jpg')
        batch.add(f'{name} two.jpg')
        result = batch.run('-check', '-no-licence-check', '-no-category-check', pywikibot_dir=pwb)
    finally:
        proxy.close()
    assert result.returncode == 0, result.stdout + result.stderr
    assert any(request.param('list') == 'allimages' for request in proxy.seen), (
        'the check did not reach the wiki through the proxy'
    )
    assert [request for request in proxy.seen if request.action == 'titleblacklist'] == []


class SmallAnswers:
    """The real wiki as a :class:`~uploadbot.api.facts.Reader`, asked for ``cllimit=2``
    whatever the caller asks, so that it continues its answers after two categories."""

    def __init__(self, wiki: WikiAPI) -> None:
        self.wiki = wiki
        self.continued = 0

    def api(self, action: str, **params) -> dict:
        if 'cllimit' in params:
            params['cllimit'] = 2
        self.continued += 'clcontinue' in params
        return self.wiki.post(action=action, **params)

    def query(self, **params) -> dict:
        answer = self.api('query', **params)
        return {
            **answer.get('query', {}),
            **({'continue': answer['continue']} if 'continue' in answer else {}),
        }


def test_category_states_follow_the_wikis_continued_answers(commons, name):
    admin = WikiAPI(commons.api_url).login(commons.admin, commons.admin_password)
    old = [f'{name} moved {number}' for number in range(5)]
    for category in old:
        admin.edit(f'Category:{category}', '{{Category redirect|Bridges}}\n[[Category:Category redirects]]')
    wait_for(
        lambda: {f'Category:{category}' for category in old} <= members(admin, 'Category redirects'),
        'the redirect categories',
    )
    wiki = SmallAnswers(admin)
    states = facts.category_states(wiki, [*old, 'Bridges', f'{name} nowhere'])
    assert wiki.continued >= 2
    assert {name: state.target for name, state in states.items() if state.target} == {
        category: 'Bridges' for category in old
    }
    assert states[f'{name} nowhere'].missing and 'Bridges' not in states


def test_every_soft_redirect_is_found_when_one_answer_cannot_list_them_all(tmp_path, commons, name):
    admin = WikiAPI(commons.api_url).login(commons.admin, commons.admin_password)
    old = [f'{name} old {number}' for number in range(12)]  # a query lists 10 unless told more
    for category in old:
        admin.edit(f'Category:{category}', '{{Category redirect|Towers}}\n[[Category:Category redirects]]')
    wait_for(
        lambda: {f'Category:{category}' for category in old} <= members(admin, 'Category redirects'),
        'the redirect categories',
    )
    batch = Batch(tmp_path, commons)
    batch.template.write_text(TEMPLATE)
    for number, category in enumerate(old):
        batch.add(f'{name} {number}.jpg', categories=category)
    result = batch.run('-check', '-no-title-check')
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert sorted(
        int(line.split(', row ')[1].split(',')[0])
        for line in output.splitlines()
        if "is a redirect to 'Towers'" in line
    ) == list(range(2, 14)), output


def test_all_or_nothing_refuses_such_rows_before_uploading_anything(tmp_path, commons, name):
    batch = commons_batch(tmp_path, commons, name)
    result = batch.run('-all-or-nothing')
    assert result.returncode == 2, result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert sorted(
        int(line.split(', row ')[1].split(',')[0]) for line in output.splitlines() if ', row ' in line
    ) == [3, 4, 5, 6, 7], output
    assert 'nothing was uploaded' in result.stderr
    assert WikiAPI(commons.api_url).file_info(f'{name} good.jpg') is None


def test_each_check_can_be_turned_off(tmp_path, commons, name):
    batch = commons_batch(tmp_path, commons, name)
    result = batch.run('-check', '-no-licence-check', '-no-category-check', '-no-title-check')
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert 'no licence' not in output and 'is a redirect' not in output
    assert 'does not exist' not in output and 'title blacklist' not in output


def test_licence_templates_given_by_the_operator_replace_the_wikis_category(tmp_path, commons, name):
    batch = commons_batch(tmp_path, commons, name)
    result = batch.run('-check', '-licence-templates:Cc-zero', '-no-category-check', '-no-title-check')
    output = result.stdout + result.stderr
    flagged = {line.split(', row ')[1].split(',')[0] for line in output.splitlines() if 'no licence' in line}
    assert flagged == {'2', '3', '4', '5', '6', '7', '9', '10'}, output


def test_a_clean_batch_passes_the_checks_and_uploads(tmp_path, commons, name):
    batch = Batch(tmp_path, commons)
    batch.template.write_text(TEMPLATE)
    batch.add(f'{name}.jpg', categories='Bridges')
    batch.run(check=True)
    assert batch.outcomes()[f'{name}.jpg']['outcome'] == 'uploaded'
    assert '[[Category:Bridges]]' in WikiAPI(commons.api_url).page_text(f'File:{name}.jpg')


@pytest.mark.parametrize('journal', ['sqlite', pytest.param('mariadb', marks=pytest.mark.database)])
def test_rows_the_journal_has_finished_are_not_checked_again(tmp_path, commons, name, journal, request):
    """Neither by a run nor by -check, on one machine's journal as on a shared one."""
    admin = WikiAPI(commons.api_url).login(commons.admin, commons.admin_password)
    admin.edit(f'Category:{name}', 'For a while.')
    batch = Batch(tmp_path, commons)
    batch.template.write_text(TEMPLATE)
    shared: tuple[str, ...] = ()
    if journal == 'mariadb':
        mariadb = request.getfixturevalue('mariadb')
        shared = (f'-journal:{mariadb.url()}', f'-journal-cnf:{mariadb.credentials}', f'-batch:{name}')
    batch.add(f'{name} early.jpg', categories=name)
    batch.run(*shared, check=True)
    admin.delete(f'Category:{name}')
    for again in (batch.run(*shared, '-check'), batch.run(*shared)):
        assert again.returncode == 0, again.stdout + again.stderr
    batch.add(f'{name} late.jpg', categories=name)
    for late, code in (
        (batch.run(*shared, '-check'), ExitCode.BAD_INPUT),
        (batch.run(*shared), ExitCode.REFUSED),
    ):
        assert late.returncode == code, late.stdout + late.stderr
        output = late.stdout + late.stderr  # -check lists problems in its forecast
        problems = [line for line in output.splitlines() if 'does not exist' in line]
        assert len(problems) == 1 and 'row 3' in problems[0], output

"""Commons' rules without a wiki: options, the pace, folders, what a page carries."""

from __future__ import annotations

import threading

import pytest

from uploadbot.api.facts import domain_allowed
from uploadbot.api.pace import Pacer
from uploadbot.batch.manifest import read_directory, read_manifest
from uploadbot.batch.prechecks import categories_in, templates_in
from uploadbot.errors import InputError
from uploadbot.options import MAX_FILE_SIZE, Options, parse_rate
from uploadbot.run.report import duration

# -- options -----------------------------------------------------------------


@pytest.mark.parametrize(
    'text, per_second', [('30/min', 0.5), ('1000/h', 1000 / 3600), ('2/s', 2.0), ('1.5 / min', 0.025)]
)
def test_rates_are_per_second_minute_or_hour(text, per_second):
    assert parse_rate(text) == pytest.approx(per_second)


@pytest.mark.parametrize('text', ['30', '30/day', '0/min', 'fast', '/min'])
def test_rates_that_are_not_rates_are_refused(text):
    with pytest.raises(ValueError):
        parse_rate(text)


def test_max_download_defaults_to_the_5_gib_commons_takes():
    assert Options().max_download == MAX_FILE_SIZE == 5 * 2**30


def test_tags_and_tracking_categories_repeat():
    options = Options.parse(
        ['-tag:batch-2025', '-tag:GLAM', '-tracking-category:Uploads by X', '-max-rate:12/min', '-recursive']
    )
    assert options.tags == ['batch-2025', 'GLAM']
    assert options.tracking_categories == ['Uploads by X']
    assert options.max_rate == pytest.approx(0.2)
    assert options.recursive


def test_each_wiki_check_can_be_turned_off():
    options = Options.parse(['-no-licence-check', '-no-category-check', '-no-title-check'])
    assert not (options.licence_check or options.category_check or options.title_check)
    assert Options().licence_check and Options().category_check and Options().title_check


def test_licence_templates_come_from_a_list_or_a_file(tmp_path):
    assert Options.parse(['-licence-templates:Cc-zero;CC-BY-4.0']).licence_templates == [
        'Cc-zero',
        'CC-BY-4.0',
    ]
    listed = tmp_path / 'licences.txt'
    listed.write_text('# ours\nCc-zero\nPD-old\n')
    assert Options.parse([f'-licence-templates:{listed}']).licence_templates == ['Cc-zero', 'PD-old']


def test_a_bad_rate_is_bad_input_naming_the_option():
    with pytest.raises(InputError, match='-max-rate:fast'):
        Options.parse(['-max-rate:fast'])


# -- the pace ----------------------------------------------------------------


def test_slots_are_one_interval_apart_whatever_the_threads():
    pacer = Pacer(4.0, sleep=lambda seconds: None)
    slots: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(25):
            slot = pacer.wait()
            with lock:
                slots.append(slot)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    slots.sort()
    gaps = [later - earlier for earlier, later in zip(slots, slots[1:])]
    assert len(slots) == 100
    assert min(gaps) == pytest.approx(0.25)


def test_an_idle_pacer_gives_no_burst_afterwards():
    now = [100.0]
    waited: list[float] = []

    def sleep(seconds: float) -> None:
        waited.append(seconds)
        now[0] += seconds

    pacer = Pacer(1.0, clock=lambda: now[0], sleep=sleep)
    pacer.wait()
    now[0] += 60  # a long pause: no credit is saved up
    pacer.wait()
    pacer.wait()
    assert waited == [pytest.approx(1.0)]


# -- folders -----------------------------------------------------------------


def make_tree(tmp_path):
    folder = tmp_path / 'photos'
    for name in (
        'top.jpg',
        'Bridges/b.jpg',
        'Bridges/Old/c.jpg',
        'Towers/a.jpg',
        '.hidden/x.jpg',
        'Towers/.part.jpg',
    ):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b'x')
    return folder


def test_recursive_lists_subfolders_with_their_folder_field(tmp_path):
    manifest = read_directory(make_tree(tmp_path), recursive=True)
    assert [(row.file, row.fields.get('folder', '')) for row in manifest.rows] == [
        ('top.jpg', ''),
        ('Bridges/b.jpg', 'Bridges'),
        ('Bridges/Old/c.jpg', 'Bridges/Old'),
        ('Towers/a.jpg', 'Towers'),
    ]


def test_without_recursive_subfolders_are_left_alone(tmp_path):
    assert [row.file for row in read_directory(make_tree(tmp_path)).rows] == ['top.jpg']


def test_recursive_on_a_manifest_file_is_bad_input(tmp_path):
    manifest = tmp_path / 'b.csv'
    manifest.write_text('file\na.jpg\n')
    with pytest.raises(InputError, match='-recursive'):
        read_manifest(manifest, recursive=True)


# -- what a page carries -----------------------------------------------------


def test_templates_include_names_passed_to_a_wrapper():
    text = '{{Information|description=x}}\n{{self|cc-by-sa-4.0|GFDL}}\n{{Template:PD-old}}'
    assert {'Information', 'Self', 'Cc-by-sa-4.0', 'GFDL', 'PD-old'} <= templates_in(text)


def test_named_and_marked_up_values_are_not_taken_for_templates():
    assert templates_in('{{Information|description=cc-zero|author=[[User:X]]}}') == {'Information'}


def test_categories_are_the_pages_own_links_not_links_to_categories():
    text = '[[Category:Bridges]] [[category: old_towers]] [[:Category:Elsewhere]] [[Bridges]]'
    assert categories_in(text) == ['Bridges', 'Old towers']


@pytest.mark.parametrize(
    'host, allowed',
    [
        ('upload.example.org', True),
        ('www.example.org', True),
        ('example.org', True),
        ('a.b.example.org', False),
        ('example.com', False),
        ('EXAMPLE.ORG', True),
    ],
)
def test_copy_domains_match_as_mediawiki_matches_them(host, allowed):
    assert domain_allowed(host, ['example.org', '*.example.org']) is allowed


@pytest.mark.parametrize('seconds, text', [(40, '40 s'), (720, '12 min'), (7500, '2 h 05 min'), (0, '0 s')])
def test_durations_read_as_a_person_says_them(seconds, text):
    assert duration(seconds) == text

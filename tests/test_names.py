"""Target file names are checked the way MediaWiki would treat them on upload."""

import io

import pytest

from uploadbot.names import (
    MAX_NAME_BYTES,
    check_target_name,
    content_matches_extension,
    derive_filename,
    detect_content_type,
    extension,
    name_refusals,
    normalize_title,
)

# check_target_name


def test_an_ordinary_name_has_no_problems():
    assert check_target_name('Sunset over Paris, 2021 (1).jpg') == []


def test_leading_and_trailing_spaces_are_not_a_problem():
    assert check_target_name('  Sunset.jpg  ') == []


def test_underscores_and_a_lower_case_first_letter_are_not_a_problem():
    assert check_target_name('sunset_over_paris.jpg') == []


def test_non_ascii_letters_are_not_a_problem():
    assert check_target_name('Ærø – Straße 日本.jpg') == []


@pytest.mark.parametrize('name', ['', '   '])
def test_an_empty_name_is_a_problem(name):
    assert check_target_name(name) == ['the name is empty']


def test_a_name_without_extension_is_a_problem():
    assert check_target_name('Sunset') == ['the name has no extension']


def test_a_name_ending_in_a_dot_has_no_extension():
    assert check_target_name('Sunset.') == ['the name has no extension']


def test_a_name_that_is_only_an_extension_is_a_problem():
    assert check_target_name('.jpg') == ['the name has nothing before its extension']


def test_a_name_starting_with_a_dot_is_accepted_when_more_follows():
    # MediaWiki keeps ".profile" as the part before the final extension.
    assert check_target_name('.profile.jpg') == []


def test_a_name_of_exactly_240_bytes_is_accepted():
    name = 'a' * (MAX_NAME_BYTES - 4) + '.jpg'
    assert check_target_name(name) == []


def test_a_name_over_240_bytes_is_a_problem():
    name = 'a' * (MAX_NAME_BYTES - 3) + '.jpg'
    assert check_target_name(name) == ['the name is 241 bytes of UTF-8; MediaWiki allows at most 240']


def test_the_length_limit_counts_utf8_bytes_not_characters():
    name = 'é' * 119 + '.jpg'  # 123 characters, 242 bytes
    assert check_target_name(name) == ['the name is 242 bytes of UTF-8; MediaWiki allows at most 240']


@pytest.mark.parametrize('char', list('#<>[]|{}'))
def test_characters_forbidden_in_titles_would_be_replaced(char):
    assert check_target_name(f'a{char}b.jpg') == [f"{char!r} would be replaced by '-'"]


@pytest.mark.parametrize('char', [':', '/', '\\'])
def test_characters_forbidden_in_file_names_would_be_replaced(char):
    assert check_target_name(f'a{char}b.jpg') == [f"{char!r} would be replaced by '-'"]


@pytest.mark.parametrize('char, code', [('\t', '0009'), ('\x00', '0000'), ('\x7f', '007F')])
def test_control_characters_would_be_replaced(char, code):
    assert check_target_name(f'a{char}b.jpg') == [f"the control character U+{code} would be replaced by '-'"]


def test_each_replaced_character_is_reported_once():
    assert check_target_name('a:b:c#d.jpg') == [
        "':' would be replaced by '-'",
        "'#' would be replaced by '-'",
    ]


@pytest.mark.parametrize('name', ['./a.jpg', '../a.jpg', 'a/../b.jpg'])
def test_relative_paths_are_reported_through_their_slashes(name):
    assert check_target_name(name) == ["'/' would be replaced by '-'"]


@pytest.mark.parametrize('name', ['File:Sunset.jpg', 'image:Sunset.jpg', 'File : Sunset.jpg'])
def test_a_file_namespace_prefix_would_be_dropped(name):
    problems = check_target_name(name)
    assert len(problems) == 1
    assert problems[0].endswith('would be dropped')


def test_percent_encoding_is_forbidden():
    assert check_target_name('a%20b.jpg') == [
        "'%20' looks like percent-encoding, which MediaWiki forbids in titles"
    ]


def test_a_percent_sign_alone_is_fine():
    assert check_target_name('100% sure.jpg') == []


def test_html_character_references_are_forbidden():
    assert check_target_name('Tom&amp;Jerry.jpg') == [
        "'&amp;' looks like an HTML character reference, which MediaWiki forbids in titles"
    ]


def test_an_ampersand_alone_is_fine():
    assert check_target_name('Tom & Jerry.jpg') == []


def test_three_tildes_are_forbidden():
    assert check_target_name('a~~~b.jpg') == ["'~~~' (a signature) is forbidden in titles"]


def test_invisible_direction_marks_would_be_removed():
    assert check_target_name('a\u200eb.jpg') == [
        'the invisible direction marks (U+200E, U+200F, U+202A-U+202E) would be removed'
    ]


def test_the_replacement_character_is_forbidden():
    assert check_target_name('a\ufffdb.jpg') == ['U+FFFD (the replacement character) is forbidden in titles']


def test_several_problems_are_all_reported():
    assert len(check_target_name('a#b~~~c')) == 3


# name_refusals: what MediaWiki refuses, leaving out what it mends itself


def test_refusals_leave_out_characters_mediawiki_replaces():
    assert name_refusals('a:b#c.jpg') == []


def test_refusals_leave_out_a_prefix_mediawiki_drops():
    assert name_refusals('File:Sunset.jpg') == []


def test_refusals_include_what_mediawiki_refuses():
    assert name_refusals('a:b~~~c') == [
        "'~~~' (a signature) is forbidden in titles",
        'the name has no extension',
    ]


# normalize_title


def test_normalize_turns_underscores_into_spaces():
    assert normalize_title('Sunset_over_Paris.jpg') == 'Sunset over Paris.jpg'


def test_normalize_collapses_runs_of_spaces_and_underscores():
    assert normalize_title('a  _ b.jpg') == 'A b.jpg'


def test_normalize_treats_unicode_spaces_as_spaces():
    assert normalize_title('a\u00a0b\u3000c.jpg') == 'A b c.jpg'


def test_normalize_strips_the_ends():
    assert normalize_title('  _a.jpg_ ') == 'A.jpg'


def test_normalize_capitalises_the_first_letter_only():
    assert normalize_title('élan vital.JPG') == 'Élan vital.JPG'


def test_normalize_keeps_a_first_letter_whose_capital_is_two_letters():
    assert normalize_title('ßtraße.jpg') == 'ßtraße.jpg'


def test_normalize_composes_decomposed_accents():
    assert normalize_title('e\u0301te\u0301.jpg') == '\u00c9t\u00e9.jpg'


def test_normalize_removes_direction_marks():
    assert normalize_title('a\u200fb.jpg') == 'Ab.jpg'


def test_normalize_of_an_empty_name_is_empty():
    assert normalize_title(' _ ') == ''


# derive_filename


def test_derive_takes_the_base_name_of_a_path():
    assert derive_filename('photos/2021/Sunset.jpg') == 'Sunset.jpg'


def test_derive_takes_the_base_name_of_a_windows_path():
    assert derive_filename('C:\\photos\\Sunset.jpg') == 'Sunset.jpg'


def test_derive_takes_the_last_segment_of_a_url_percent_decoded():
    assert derive_filename('https://example.org/a/Caf%C3%A9%20Noir.jpg') == 'Café Noir.jpg'


def test_derive_ignores_the_query_and_fragment_of_a_url():
    assert derive_filename('https://example.org/get/x.png?size=large#top') == 'x.png'


def test_derive_reads_file_urls():
    assert derive_filename('file:///home/me/a%20b.tif') == 'a b.tif'


def test_derive_gives_an_empty_name_for_a_url_ending_in_a_slash():
    assert derive_filename('https://example.org/photos/') == ''


def test_derive_does_not_percent_decode_local_paths():
    assert derive_filename('dir/100%25.jpg') == '100%25.jpg'


# extension


def test_extension_is_lower_case_without_the_dot():
    assert extension('Sunset.JPG') == 'jpg'


def test_extension_is_the_part_after_the_last_dot():
    assert extension('archive.tar.gz') == 'gz'


def test_extension_is_empty_without_a_dot():
    assert extension('README') == ''


def test_extension_is_empty_after_a_final_dot():
    assert extension('Sunset.') == ''


# detect_content_type


def _image_bytes(fmt):
    image = pytest.importorskip('PIL.Image')
    out = io.BytesIO()
    image.new('RGB', (4, 4), 'red').save(out, format=fmt)
    return out.getvalue()[:4096]


@pytest.mark.parametrize(
    'fmt, expected',
    [
        ('JPEG', 'jpg'),
        ('PNG', 'png'),
        ('GIF', 'gif'),
        ('TIFF', 'tif'),
        ('WEBP', 'webp'),
        ('PDF', 'pdf'),
    ],
)
def test_detect_recognises_real_image_files(fmt, expected):
    assert detect_content_type(_image_bytes(fmt)) == expected


@pytest.mark.parametrize(
    'head, expected',
    [
        (b'\xff\xd8\xff\xe0\x00\x10JFIF', 'jpg'),
        (b'\x89PNG\r\n\x1a\n\x00\x00', 'png'),
        (b'GIF89a\x01\x00', 'gif'),
        (b'II*\x00\x08\x00', 'tif'),
        (b'MM\x00*\x00\x00', 'tif'),
        (b'RIFF\x24\x00\x00\x00WEBPVP8 ', 'webp'),
        (b'RIFF\x24\x00\x00\x00WAVEfmt ', 'wav'),
        (b'%PDF-1.7\n', 'pdf'),
        (b'AT&TFORM\x00\x00\x10\x00DJVUINFO', 'djvu'),
        (b'AT&TFORM\x00\x00\x10\x00DJVMDIRM', 'djvu'),
        (b'OggS\x00\x02', 'ogg'),
        (b'\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm', 'webm'),
        (b'fLaC\x00\x00\x00\x22', 'flac'),
        (b'ID3\x04\x00\x00', 'mp3'),
        (b'\xff\xfb\x90\x64\x00', 'mp3'),
        (b'\x00\x00\x01\xba\x44\x00', 'mpg'),
        (b'solid cube\n  facet normal 0 0 1\n', 'stl'),
        (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', 'svg'),
        (b"\xef\xbb\xbf<!DOCTYPE svg>\n<svg width='1'></svg>", 'svg'),
    ],
)
def test_detect_recognises_magic_bytes(head, expected):
    assert detect_content_type(head) == expected


@pytest.mark.parametrize(
    'head',
    [
        b'',
        b'just some text',
        b'<?xml version="1.0"?><html></html>',
        b'\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x88matroska',
        b'\xff\xf1\x50\x80',  # AAC, not MP3
        b'\x00' * 80 + b'\x0c\x00\x00\x00',  # a binary STL: no magic number
    ],
)
def test_detect_returns_none_for_unknown_content(head):
    assert detect_content_type(head) is None


def test_a_pdf_may_have_bytes_before_its_header():
    assert detect_content_type(b'\r\n%PDF-1.4\n') == 'pdf'


# content_matches_extension

PNG = b'\x89PNG\r\n\x1a\n'
JPEG = b'\xff\xd8\xff\xe0'


def test_content_matches_its_own_extension():
    assert content_matches_extension('png', PNG) is True


def test_content_does_not_match_another_known_extension():
    assert content_matches_extension('jpg', PNG) is False


@pytest.mark.parametrize(
    'ext, head',
    [
        ('jpeg', JPEG),
        ('JPG', JPEG),
        ('.jpg', JPEG),
        ('tiff', b'II*\x00'),
        ('oga', b'OggS'),
        ('ogv', b'OggS'),
        ('opus', b'OggS'),
        ('mpeg', b'\x00\x00\x01\xb3'),
        ('djv', b'AT&TFORM\x00\x00\x00\x00DJVU'),
    ],
)
def test_extension_families_match_each_other(ext, head):
    assert content_matches_extension(ext, head) is True


def test_matching_is_unknown_for_unrecognised_content():
    assert content_matches_extension('jpg', b'no magic here') is None


def test_matching_is_unknown_for_an_extension_we_do_not_know():
    assert content_matches_extension('xcf', PNG) is None

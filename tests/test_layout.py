"""The house's shape: layers import only downwards, and the pwb script has one source."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / 'uploadbot'

#: Each top-level part of the package and its layer: a part may import only
#: parts of lower layers (and its own subpackage).
RANK = {
    'errors': 0,
    'option_table': 0,
    'state': 1,
    'names': 1,
    'policy': 2,
    'mediainfo_types': 2,
    'item': 3,
    'decision': 3,
    'api': 4,
    'journal': 4,
    'describe': 4,
    'batch': 5,
    'upload': 5,
    'run': 6,
    'options': 7,
    'command': 8,
    'from_options': 8,
    'planning': 8,
    'cli': 9,
    '__main__': 10,
    'pwb_script': 11,
    'sandbox': 10,
}


def part_of(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def imported_parts(path: Path) -> set[str]:
    """The package's parts a module imports (absolute or relative)."""
    here = path.relative_to(ROOT).with_suffix('').parts[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(here[: len(here) - node.level + 1])
                module = base + (node.module.split('.') if node.module else [])
            else:
                module = (node.module or '').split('.')
            names = [module + [alias.name] for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name.split('.') for alias in node.names]
        else:
            continue
        for name in names:
            if name[0] == 'uploadbot' and len(name) > 1 and name[1] in RANK:
                found.add(name[1])
    return found


MODULES = sorted(
    path for path in PACKAGE.rglob('*.py') if path.name != '__init__.py' or path.parent != PACKAGE
)


def test_every_part_of_the_package_has_a_layer():
    parts = {part_of(path) for path in MODULES}
    assert parts - set(RANK) == set()


@pytest.mark.parametrize('path', MODULES, ids=lambda path: str(path.relative_to(PACKAGE)))
def test_a_module_imports_only_from_lower_layers(path):
    part = part_of(path)
    upward = {other for other in imported_parts(path) - {part} if RANK[other] >= RANK[part]}
    assert upward == set(), f'{path.relative_to(ROOT)} imports from {sorted(upward)}'


def test_the_pwb_script_in_scripts_is_the_packages_own():
    assert (ROOT / 'scripts' / 'uploadbot.py').read_bytes() == (PACKAGE / 'pwb_script.py').read_bytes()


#: Libraries that speak HTTP: only the wire (``api/``) and the sandbox may import them.
HTTP_LIBRARIES = {'requests', 'urllib3', 'http', 'httpx', 'aiohttp'}


def imported_modules(path: Path) -> set[str]:
    """The absolute names of the modules a module imports (``requests``, ``uploadbot.api``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'))):
        if isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def http_libraries(path: Path) -> set[str]:
    return {name for name in imported_modules(path) if name.split('.')[0] in HTTP_LIBRARIES}


@pytest.mark.parametrize('path', sorted((PACKAGE / 'upload').glob('*.py')), ids=lambda path: path.name)
def test_no_module_of_the_upload_layer_imports_an_http_library(path):
    assert http_libraries(path) == set()


def test_the_scripted_transfer_of_the_tests_imports_no_http_code():
    path = ROOT / 'tests' / 'scripted.py'
    assert http_libraries(path) == set()
    assert 'uploadbot.api.transfer' not in imported_modules(path)


def test_the_upload_layer_holds_the_wires_answers_not_its_http_module():
    importers = [
        path.name
        for path in (PACKAGE / 'upload').glob('*.py')
        if 'uploadbot.api.transfer' in imported_modules(path)
    ]
    assert importers == []


def test_no_two_modules_share_a_file_name():
    """Outside the sandbox (a tool of its own), a module's file name says which one it is."""
    names: dict[str, list[str]] = {}
    for path in MODULES:
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] != 'sandbox' and path.name not in ('__init__.py', '__main__.py'):
            names.setdefault(path.name, []).append(str(relative))
    assert {name: found for name, found in names.items() if len(found) > 1} == {}


def test_the_journal_protocol_has_every_method_the_upload_layer_calls_on_a_journal():
    from uploadbot.journal.base import Journal
    from uploadbot.journal.server import ServerJournal
    from uploadbot.journal.sqlite import SQLiteJournal

    wanted = {name for name in vars(Journal) if not name.startswith('_')}
    for store in (SQLiteJournal, ServerJournal):
        assert wanted - set(dir(store)) == set(), store.__name__

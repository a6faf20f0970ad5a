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
    'errors': 0, 'option_table': 0, 'state': 1, 'names': 1, 'policy': 2, 'mediainfo_types': 2,
    'item': 3, 'decision': 3,
    'api': 4, 'journal': 4, 'describe': 4,
    'batch': 5, 'upload': 5,
    'run': 6,
    'options': 7, 'command': 8, 'cli': 9, '__main__': 10, 'pwb_script': 11, 'sandbox': 10,
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
                base = list(here[:len(here) - node.level + 1])
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


MODULES = sorted(path for path in PACKAGE.rglob('*.py') if path.name != '__init__.py'
                 or path.parent != PACKAGE)


def test_every_part_of_the_package_has_a_layer():
    parts = {part_of(path) for path in MODULES}
    assert parts - set(RANK) == set()


@pytest.mark.parametrize('path', MODULES, ids=lambda path: str(path.relative_to(PACKAGE)))
def test_a_module_imports_only_from_lower_layers(path):
    part = part_of(path)
    upward = {other for other in imported_parts(path) - {part} if RANK[other] >= RANK[part]}
    assert upward == set(), f'{path.relative_to(ROOT)} imports from {sorted(upward)}'


def test_the_pwb_script_in_scripts_is_the_packages_own():
    assert (ROOT / 'scripts' / 'uploadbot.py').read_bytes() == \
        (PACKAGE / 'pwb_script.py').read_bytes()

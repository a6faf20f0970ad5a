"""What a cell of any manifest format means as text.

Spreadsheets hand back numbers, dates and booleans; YAML and JSON hand back
lists. Every reader turns them into the text the user meant here, so the
same table gives the same rows in every format.
"""

from __future__ import annotations

import datetime
import math
from pathlib import Path
from typing import Any

from uploadbot.errors import InputError


def blank(value: Any) -> bool:
    """Whether a cell is empty: None, or text that is only whitespace."""
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: Any, path: Path, row: int | None, field: str) -> str | None:
    """A cell as the text the user meant; None for an empty cell."""
    if value is None:
        return None
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=' ')
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (list, tuple)) and field.strip().lower() == 'categories':
        names = [cell_text(item, path, row, field) for item in value]
        return '; '.join(name for name in names if name) or None
    if isinstance(value, (list, tuple, dict)):
        kind = 'a list' if isinstance(value, (list, tuple)) else 'a mapping'
        raise InputError(
            f'the value is {kind}, but only text is allowed here', path=path, row=row, field=field
        )
    return str(value).strip() or None

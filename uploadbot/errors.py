"""The one exception for bad user input, so the CLI can report it in a single line."""

from __future__ import annotations

import os


class InputError(Exception):
    """Bad input from the user: names the file, the row and the field.

    str(error) is one line, for example
    ``batch.csv, row 7, column 'filename': the name contains '#', which MediaWiki forbids``;
    the parts that are None are left out.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | os.PathLike[str] | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.path = path
        self.row = row
        self.field = field
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.path is not None:
            where.append(os.fspath(self.path))
        if self.row is not None:
            where.append(f'row {self.row}')
        if self.field is not None:
            where.append(f'column {self.field!r}')
        text = ' '.join(self.message.splitlines())
        return f"{', '.join(where)}: {text}" if where else text

    def __reduce__(self):
        # Keyword-only arguments are lost by the default pickling of exceptions.
        return (_rebuild, (type(self), self.message, self.path, self.row, self.field))

    def located(
        self, *, path: str | os.PathLike[str] | None = None, row: int | None = None
    ) -> InputError:
        """A copy with the file or row filled in, for callers that know more than the raiser."""
        return type(self)(
            self.message,
            path=self.path if self.path is not None else path,
            row=self.row if self.row is not None else row,
            field=self.field,
        )


def _rebuild(cls, message, path, row, field):
    return cls(message, path=path, row=row, field=field)

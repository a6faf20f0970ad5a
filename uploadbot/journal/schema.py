"""The server journal's tables, created on first use and versioned.

One database can hold several batches: every row carries its batch's name.
A row is found by ``key``, the SHA1 of batch, source and target name, so the
primary key has one fixed length on every server (MariaDB limits the length
of an index; a URL source can be long).

``uploadbot_meta`` holds the schema's version: a database written by a newer
uploadbot, whose tables this one does not know, is refused rather than
written wrongly.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Double,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from uploadbot.errors import InputError

#: The version of the tables below; raised when they change.
SCHEMA_VERSION = 1

metadata = MetaData()

rows = Table(
    'uploadbot_rows',
    metadata,
    Column('key', String(40), primary_key=True),
    Column('batch', String(190), nullable=False, index=True),
    Column('source', Text, nullable=False),
    Column('filename', Text, nullable=False),
    Column('row', Integer, nullable=False, default=0),
    Column('state', String(20), nullable=False, index=True),
    Column('size', BigInteger, nullable=False, default=-1),
    Column('mtime_ns', BigInteger, nullable=False, default=-1),
    Column('sha1', String(40), nullable=False, default=''),
    Column('filekey', String(255), nullable=False, default=''),
    Column('offset', BigInteger, nullable=False, default=0),
    Column('title', Text, nullable=False),
    Column('warnings', Text, nullable=False),
    Column('message', Text, nullable=False),
    Column('url', Text, nullable=False),
    Column('attempts', Integer, nullable=False, default=0),
    Column('last_error', Text, nullable=False),
    Column('created', Double, nullable=False, default=0.0),
    Column('updated', Double, nullable=False, default=0.0),
    Column('structured', String(20), nullable=False, default=''),
    Column('entity', String(40), nullable=False, default=''),
    Column('structured_digest', String(40), nullable=False, default=''),
    Column('refused_for', String(40), nullable=False, default=''),
    Column('logged', String(40), nullable=False, default=''),
    #: The planned item (its page, policy, path under the root), as JSON.
    Column('item', Text, nullable=False),
    #: The worker that holds the row, and until when (seconds since the epoch).
    Column('owner', String(190), nullable=True),
    Column('lease_until', Double, nullable=True, index=True),
)

names = Table(
    'uploadbot_names',
    metadata,
    Column('key', String(40), primary_key=True),
    Column('batch', String(190), nullable=False),
    Column('name', Text, nullable=False),
)

#: What ``-audit`` found on each published row, and when an audit first saw it.
findings = Table(
    'uploadbot_findings',
    metadata,
    Column('key', String(40), primary_key=True),
    Column('batch', String(190), nullable=False, index=True),
    Column('source', Text, nullable=False),
    Column('filename', Text, nullable=False),
    Column('fate', String(20), nullable=False),
    Column('detail', Text, nullable=False),
    Column('first_seen', Double, nullable=False),
)

meta = Table(
    'uploadbot_meta',
    metadata,
    Column('name', String(64), primary_key=True),
    Column('value', Text, nullable=False),
)


def row_key(batch: str, source: str, filename: str) -> str:
    """The fixed-length key of one row of one batch."""
    return hashlib.sha1('\0'.join((batch, source, filename)).encode()).hexdigest()


def create(engine: Engine) -> None:
    """Create the tables when they are missing; refuse a schema newer than this code's.

    Runs that start together race to create the tables: the loser's ``CREATE``
    fails because the table is there now, and its second look finds it.
    """
    for attempt in range(3):
        try:
            metadata.create_all(engine, checkfirst=True)
            _add_missing_columns(engine)
            break
        except DBAPIError:
            if attempt == 2:
                raise
    with engine.begin() as connection:
        found = connection.execute(select(meta.c.value).where(meta.c.name == 'schema_version')).scalar()
        if found is None:
            insert_ignoring_duplicates(
                connection, meta, [{'name': 'schema_version', 'value': str(SCHEMA_VERSION)}]
            )
        elif int(found) > SCHEMA_VERSION:
            raise InputError(
                f'the journal database holds schema version {found}, newer than '
                f'this uploadbot knows ({SCHEMA_VERSION}): upgrade uploadbot'
            )


def _add_missing_columns(engine: Engine) -> None:
    """Tables made by an earlier uploadbot get the columns added since, with their defaults."""
    present = {column['name'] for column in inspect(engine).get_columns(rows.name)}
    preparer = engine.dialect.identifier_preparer
    with engine.begin() as connection:
        for column in rows.columns:
            if column.name in present:
                continue
            kind = column.type.compile(dialect=engine.dialect)
            default = column.default.arg if column.default is not None else None
            clause = '' if default is None else f' NOT NULL DEFAULT {default!r}'
            connection.execute(
                text(
                    f'ALTER TABLE {preparer.quote(rows.name)} ADD COLUMN '
                    f'{preparer.quote(column.name)} {kind}{clause}'
                )
            )


def insert_ignoring_duplicates(connection: Connection, table: Table, values: list[dict[str, Any]]) -> int:
    """Insert the rows whose primary key is not there yet; how many went in.

    Several runs may load the same manifest at once: whichever comes first
    writes a row, the others leave it as it is.
    """
    if not values:
        return 0
    dialect = connection.dialect.name
    if dialect in ('mysql', 'mariadb'):
        from sqlalchemy.dialects import mysql

        statement = mysql.insert(table).prefix_with('IGNORE')
        return connection.execute(statement, values).rowcount or 0
    if dialect == 'postgresql':
        from sqlalchemy.dialects import postgresql as dialects
    else:
        from sqlalchemy.dialects import sqlite as dialects
    # psycopg gives no row count for many rows at once: count what comes back.
    key = next(iter(table.primary_key.columns))
    statement = dialects.insert(table).on_conflict_do_nothing().returning(key)
    return len(connection.execute(statement, values).all())

"""Real MariaDB and PostgreSQL servers in temporary folders, for the server journals' tests."""

from .mariadb import MariaDB
from .postgresql import PostgreSQL
from .process import DatabaseError
from .server import DatabaseInfo, DatabaseServer

__all__ = ['DatabaseError', 'DatabaseInfo', 'DatabaseServer', 'MariaDB', 'PostgreSQL']

"""A local, real MediaWiki for rehearsals and tests (``uploadbot-sandbox``)."""

from .php import SandboxError
from .wiki import Sandbox, SandboxInfo

__all__ = ['Sandbox', 'SandboxError', 'SandboxInfo']

"""A local, real MediaWiki for rehearsals and tests (``uploadbot-sandbox``)."""

from .wiki import Sandbox, SandboxError, SandboxInfo

__all__ = ['Sandbox', 'SandboxError', 'SandboxInfo']

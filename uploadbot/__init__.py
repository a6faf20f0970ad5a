"""uploadbot: batches of files into MediaWiki through the upload stash."""

__version__ = '0.1.0'

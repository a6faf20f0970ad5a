"""A real browser for the tests: Debian's chromium, headless, driven by Playwright.

The browser is installed from Debian's packages when missing, as the sandbox's
MediaWiki is; Playwright drives the system's chromium (its own browser
download is never used). ``open_page`` records every request a page makes, so
a test can show that nothing left ``file://``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from uploadbot.sandbox.packages import ensure_packages

CHROMIUM = '/usr/bin/chromium'
ARGS = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
]


@dataclass
class Opened:
    """A page loaded from a file, with what it asked for and what it ran."""

    page: object
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def left_file(self) -> list[str]:
        return [url for url in self.requests if not url.startswith(('file://', 'data:'))]

    def thumbnails_not_loaded(self) -> list[str]:
        return self.page.eval_on_selector_all(
            'img',
            'images => images.filter(i => !(i.complete && i.naturalWidth > 0))'
            '.map(i => i.getAttribute("src"))',
        )


@pytest.fixture(scope='session')
def browser():
    ensure_packages(('chromium', 'chromium-driver', 'poppler-utils'))
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield launched
        launched.close()


def open_page(browser, path: Path, screenshot: Path | None = None) -> Opened:
    """Load ``path`` from ``file://``; a screenshot of the whole page is kept when asked."""
    page = browser.new_page()
    opened = Opened(page)
    page.on('request', lambda request: opened.requests.append(request.url))
    page.on('dialog', lambda dialog: (opened.dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(path.resolve().as_uri(), wait_until='load')
    if screenshot is not None:
        page.screenshot(path=str(screenshot), full_page=True)
    return opened


#: ``UPLOADBOT_SCREENSHOTS=DIR``: the tests that show a page also save its picture for
#: the README there (``examples/screenshots`` holds the ones committed).
SCREENSHOTS = os.environ.get('UPLOADBOT_SCREENSHOTS')


def keep_for_readme(opened: Opened, name: str) -> None:
    """The visible part of the page as a small PNG (a palette of 64 colours) in
    ``$UPLOADBOT_SCREENSHOTS``, when that is set."""
    if not SCREENSHOTS:
        return
    from PIL import Image

    target = Path(SCREENSHOTS) / f'{name}.png'
    target.parent.mkdir(parents=True, exist_ok=True)
    opened.page.set_viewport_size({'width': 1000, 'height': 640})
    opened.page.screenshot(path=str(target))
    with Image.open(target) as image:
        image.convert('RGB').quantize(64).save(target, optimize=True)

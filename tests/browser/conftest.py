"""Browser tests: real headless Chromium (Debian's ``chromium`` package) driven by Playwright.

Playwright's own browser download does not work on these machines, so the system Chromium is
launched through ``executable_path``. Without /usr/bin/chromium every test here skips, saying so.
CI installs it with: ``apt-get install -y chromium``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.cache import cache

CHROMIUM = Path(os.environ.get("OMS_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives a real headless Chromium (skipped when it is not installed)")


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM}: install it with `apt-get install -y chromium`")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module. Playwright's sync API runs an event loop in this thread, which
    Django's async-safety check would take for async code around every ORM call; the check is lifted
    for the module only (the live server answers in its own thread anyway)."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only when a browser test runs

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as pw:
            chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(autouse=True)
def _no_cached_dashboard_history():
    cache.clear()  # the live server shares this process's cache with earlier tests
    yield
    cache.clear()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="en-US")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def screenshot():
    """Save a PNG under docs/screenshots/ when OMS_SCREENSHOTS=1 (the README shows them)."""
    def save(tab, name: str, *, full_page: bool = True) -> None:
        if os.environ.get("OMS_SCREENSHOTS") == "1":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            tab.screenshot(path=str(SCREENSHOTS / name), full_page=full_page)
    return save

"""Browser fixtures: the real app served by uvicorn on a free loopback port, and a real Chromium
driven by Playwright (the system's /usr/bin/chromium, no browser download).

Browser tests skip with a clear reason where no Chromium is installed, except when
HUIMIN_REQUIRE_BROWSER=1 (CI), where a missing browser is a failure."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = os.environ.get("HUIMIN_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
PHONE = {"width": 390, "height": 844}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-dev-shm-usage"]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="module")
def playwright():
    """Per module, not per session: while Playwright runs, its event loop counts as running in the
    main thread, and every later test that calls ``asyncio.run`` (the CLI, migrations) would fail."""
    if not CHROMIUM:
        if os.environ.get("HUIMIN_REQUIRE_BROWSER"):
            pytest.fail("HUIMIN_REQUIRE_BROWSER is set but no Chromium is installed")
        pytest.skip("no Chromium installed (apt-get install chromium) - browser tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def chromium(playwright):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def installed_phone(playwright, tmp_path):
    """A phone-sized context with a real (non-incognito) profile, as installability needs."""
    context = playwright.chromium.launch_persistent_context(
        tmp_path / "profile",
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def phone(chromium):
    """A fresh phone-sized browser context (390x844, touch, zh-CN)."""
    context = chromium.new_context(
        viewport=PHONE, device_scale_factor=3, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def desk(chromium):
    """A fresh desktop browser context for the back office."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(15_000)
    yield context
    context.close()

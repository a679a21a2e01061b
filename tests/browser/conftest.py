"""Browser fixtures: the real app served by uvicorn on a free loopback port, and a real Chromium
driven by Playwright (the system's /usr/bin/chromium, no browser download).

Browser tests skip with a clear reason where no Chromium is installed, except when
HUIMIN_REQUIRE_BROWSER=1 (CI), where a missing browser is a failure."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from server.app import create_app

CHROMIUM = os.environ.get("HUIMIN_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
PHONE = {"width": 390, "height": 844}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-dev-shm-usage"]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, settings):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the live server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live(demo) -> Iterator[LiveServer]:
    """The whole service with the demo city, on a free port."""
    with LiveServer(demo) as server:
        yield server


@pytest.fixture(scope="session")
def playwright():
    if not CHROMIUM:
        if os.environ.get("HUIMIN_REQUIRE_BROWSER"):
            pytest.fail("HUIMIN_REQUIRE_BROWSER is set but no Chromium is installed")
        pytest.skip("no Chromium installed (apt-get install chromium) - browser tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def chromium(playwright):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def installed_phone(playwright, tmp_path):
    """A phone-sized context with a real (non-incognito) profile, as installability needs."""
    context = playwright.chromium.launch_persistent_context(
        tmp_path / "profile", executable_path=CHROMIUM, args=CHROMIUM_ARGS, viewport=PHONE,
        is_mobile=True, has_touch=True, locale="zh-CN",
    )  # fmt: skip
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def phone(chromium):
    """A fresh phone-sized browser context (390x844, touch, zh-CN)."""
    context = chromium.new_context(viewport=PHONE, device_scale_factor=3, is_mobile=True, has_touch=True,
                                   locale="zh-CN")  # fmt: skip
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

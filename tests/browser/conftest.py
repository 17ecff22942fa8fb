"""Browser fixtures: Debian's Chromium driven by Playwright (never a downloaded browser), against a real service.

Skipped when Chromium (or pdftotext) is missing, unless `POINTS_LEDGER_REQUIRE_BROWSER=1` (set by `.ci/run`
after installing them), in which case they fail: CI must never pass by skipping the browser.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.served import CHROMIUM, CHROMIUM_ARGS, Service, demo_service

REQUIRE_BROWSER = "POINTS_LEDGER_REQUIRE_BROWSER"
STANDARD = "100975312481"  # the demo's standard licence: offences, then a stage on 13-14 March 2025
INVALIDATED = "150669104203"
expect.set_options(timeout=20_000)  # CI runs two test workers on two cores: pages may take seconds


def _required() -> bool:
    return os.environ.get(REQUIRE_BROWSER, "").strip().lower() in {"1", "true", "yes", "on"}


def require_browser() -> None:
    missing = [str(p) for p in (CHROMIUM,) if not p.exists()] + \
        (["pdftotext"] if shutil.which("pdftotext") is None else [])
    if not missing:
        return
    reason = f"browser tests need {', '.join(missing)} (apt-get install chromium poppler-utils)"
    if _required():
        pytest.fail(f"{reason} and {REQUIRE_BROWSER}=1", pytrace=False)
    pytest.skip(reason)


@dataclass(frozen=True)
class Demo:
    service: Service
    prefecture: str
    auditor: str
    driver: str  # bound to STANDARD
    organiser: str


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    require_browser()
    with demo_service(tmp_path_factory.mktemp("served")) as service:
        yield Demo(service,
                   prefecture=service.token("--role", "prefecture", "--subject", "Préfecture du Rhône"),
                   auditor=service.token("--role", "auditor"),
                   driver=service.token("--role", "driver", "--licence", STANDARD),
                   organiser=service.token("--role", "organiser", "--agrement", "R2307500010"))


@pytest.fixture(scope="module")
def browser(demo: Demo) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser, demo: Demo) -> Iterator[Page]:
    """A fresh browser context (no cookie) per test."""
    context = browser.new_context(base_url=demo.service.url, accept_downloads=True, locale="fr-FR")
    context.set_default_timeout(30_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def sign_in(page: Page, token: str, start: str = "/ui/") -> None:
    """Type the token in the sign-in form (field `token`) and submit it, as a person would."""
    page.goto(start)
    page.get_by_label("Jeton d'accès").fill(token)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
    assert not re.search(r"/ui/\?", page.url), f"still on the sign-in page: {page.url}"

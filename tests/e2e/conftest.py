import shutil
from collections.abc import Iterator

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from tests.e2e.conduit_process import conduit_env, conduit_serve
from tests.postgres import PostgresServer


@pytest.fixture(scope="module")
def e2e_database_url(pg_server: PostgresServer) -> Iterator[str]:
    with pg_server.database("conduit_e2e") as url:
        yield url


@pytest.fixture(scope="module")
def conduit_url(e2e_database_url: str) -> Iterator[str]:
    """A real `conduit serve` on its own database (migrated by serve itself, as in development), with the default
    rate limits: the official suite, the CLI and the browser tests are real clients, and must never meet them."""
    with conduit_serve(conduit_env(DATABASE_URL=e2e_database_url, RATE_LIMIT_ENABLED="true")) as base_url:
        yield base_url


CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    assert CHROMIUM, "install Debian's chromium and chromium-driver (./run test does it when run as root)"
    assert CHROMEDRIVER, "install Debian's chromium and chromium-driver (./run test does it when run as root)"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        # Only 127.0.0.1 resolves: a CDN, font or favicon URL in the page would fail to load.
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()

"""The interactive docs render in a real browser with every non-local host unreachable (as on a machine
without internet): Chromium and chromedriver from the distribution's packages, driven by Selenium."""

import shutil
from collections.abc import Iterator
from typing import Literal

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.wait import WebDriverWait

from tests.e2e.conduit_process import request

pytestmark = pytest.mark.e2e

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


def wait_for_at_least(browser: webdriver.Chrome, selector: str, count: int) -> list[WebElement]:
    """The elements matching `selector`, once there are `count` of them (the page renders in JavaScript)."""

    def enough(driver: webdriver.Chrome) -> list[WebElement] | Literal[False]:
        found = driver.find_elements(By.CSS_SELECTOR, selector)
        return found if len(found) >= count else False

    result: list[WebElement] = WebDriverWait(browser, 30).until(enough)
    return result


def _operation_count(base_url: str) -> int:
    _, document = request("GET", f"{base_url}/openapi.json")
    return sum(len(operations) for operations in document["paths"].values())


def test_swagger_ui_renders_every_operation_offline(browser: webdriver.Chrome, conduit_url: str) -> None:
    expected = _operation_count(conduit_url)

    browser.get(f"{conduit_url}/docs")
    blocks = wait_for_at_least(browser, ".opblock", expected)

    assert len(blocks) == expected
    assert "POST/api/users" in blocks[0].text.replace("\n", "")


def test_redoc_renders_every_operation_offline(browser: webdriver.Chrome, conduit_url: str) -> None:
    expected = _operation_count(conduit_url)

    browser.get(f"{conduit_url}/redoc")
    operations = wait_for_at_least(browser, "[data-section-id^='operation/']", expected)

    assert len(operations) == expected
    assert "Register" in browser.page_source

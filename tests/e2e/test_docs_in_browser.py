"""The interactive docs render in a real browser with every non-local host unreachable (as on a machine
without internet): Chromium and chromedriver from the distribution's packages, driven by Selenium."""

from typing import Literal

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.wait import WebDriverWait

from tests.e2e.conduit_process import request

pytestmark = pytest.mark.e2e


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

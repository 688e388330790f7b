"""The console page in a real headless Chromium, driven by Selenium, against a real
`moto-cloudhsm-ks server` on a free port of 127.0.0.1.

Uses Debian's `chromium` and `chromium-driver` packages. Chromium gets a new
profile per test, resolves no host name but 127.0.0.1 and sends anything else to
a closed local port, so it can load nothing but the test's server.

Set CONSOLE_SCREENSHOT to a file name to keep the screenshot of the key store
list (docs/console.png is made that way).
"""

from __future__ import annotations

import json
import os
import shutil
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from moto_cloudhsm_ks.provisioning import provision_key_store

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason=(
        "Chromium is not installed. Install Debian's chromium and chromium-driver "
        "packages (apt-get install chromium chromium-driver) to run the console's "
        "browser tests; .ci/run installs them."
    ),
)

REGION = "us-east-1"
OTHER_REGION = "us-west-2"
CONSOLE = "/moto-api/cloudhsm-ks/console/"
PREFERENCES_KEY = "moto-cloudhsm-ks.console.preferences"
# Seconds a page may take to load and render its data.
RENDER_TIMEOUT = 15
STATE_LABELS = {
    "CONNECTED": "Connected",
    "DISCONNECTED": "Disconnected",
    "FAILED": "Failed",
}
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--window-size=1280,900",
    # Every host name but 127.0.0.1 fails to resolve, and any connection that
    # is not to a loopback address goes to a proxy on the closed port 9.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--proxy-server=127.0.0.1:9",
]


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    """A headless Chromium with a new, empty profile."""
    assert CHROMIUM is not None
    assert CHROMEDRIVER is not None
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # With the driver's path given, Selenium does not run Selenium Manager, which
    # would download a driver.
    service = Service(executable_path=CHROMEDRIVER)
    driver = webdriver.Chrome(service=service, options=options)
    try:
        yield driver
    finally:
        driver.quit()


# Helpers


def console_element(driver: webdriver.Chrome) -> WebElement:
    return driver.find_element(By.ID, "console")


def render_count(driver: webdriver.Chrome) -> int:
    return int(console_element(driver).get_attribute("data-render-count") or 0)


def wait_for_render(driver: webdriver.Chrome, previous_count: int = 0) -> None:
    """Wait until the page has rendered data more often than `previous_count`."""
    WebDriverWait(driver, RENDER_TIMEOUT).until(
        lambda d: render_count(d) > previous_count
    )
    status = console_element(driver).get_attribute("data-status")
    error = driver.find_element(By.ID, "error-message").text
    assert status == "ready", f"The page shows an error: {error}"


def open_console(driver: webdriver.Chrome, endpoint: str, **query: str) -> None:
    url = f"{endpoint}{CONSOLE}"
    if query:
        url += "?" + urllib.parse.urlencode(query)
    driver.get(url)
    wait_for_render(driver)


def table_rows(driver: webdriver.Chrome, table_id: str) -> list[WebElement]:
    return driver.find_elements(By.CSS_SELECTOR, f"#{table_id} tbody tr")


def cell(row: WebElement, column: str) -> WebElement:
    return row.find_element(By.CSS_SELECTOR, f'td[data-column="{column}"]')


def header(driver: webdriver.Chrome, column: str) -> WebElement:
    return driver.find_element(By.CSS_SELECTOR, f'th[data-column="{column}"]')


def stored_preferences(driver: webdriver.Chrome) -> Any:
    text = driver.execute_script(
        "return window.localStorage.getItem(arguments[0]);", PREFERENCES_KEY
    )
    return json.loads(text)


def open_settings(driver: webdriver.Chrome) -> WebElement:
    driver.find_element(By.ID, "settings-button").click()
    dialog = driver.find_element(By.ID, "settings-dialog")
    WebDriverWait(driver, RENDER_TIMEOUT).until(lambda d: dialog.is_displayed())
    return dialog


def column_checkbox(dialog: WebElement, column: str) -> WebElement:
    return dialog.find_element(
        By.CSS_SELECTOR, f'input[name="column"][value="{column}"]'
    )


def close_settings(driver: webdriver.Chrome, button_id: str) -> None:
    dialog = driver.find_element(By.ID, "settings-dialog")
    driver.find_element(By.ID, button_id).click()
    WebDriverWait(driver, RENDER_TIMEOUT).until(lambda d: not dialog.is_displayed())


def save_screenshot(driver: webdriver.Chrome, tmp_path: Path) -> Path:
    path = Path(os.environ.get("CONSOLE_SCREENSHOT") or tmp_path / "console.png")
    path.parent.mkdir(parents=True, exist_ok=True)
    assert driver.save_screenshot(str(path))
    return path


# The key store table


def test_table_matches_describe_calls(
    moto_endpoint: str, browser: webdriver.Chrome, tmp_path: Path
) -> None:
    connected = provision_key_store(endpoint_url=moto_endpoint)
    failed = provision_key_store(
        endpoint_url=moto_endpoint,
        connection_state="FAILED",
        custom_key_store_name="PaymentsKeyStore",
    )
    disconnected = provision_key_store(
        endpoint_url=moto_endpoint,
        connection_state="DISCONNECTED",
        custom_key_store_name="ArchiveKeyStore",
        hsm_count=3,
    )
    kms = boto3.client("kms", region_name=REGION, endpoint_url=moto_endpoint)
    cloudhsm = boto3.client(
        "cloudhsmv2", region_name=REGION, endpoint_url=moto_endpoint
    )
    described = kms.describe_custom_key_stores()["CustomKeyStores"]
    hsm_counts = {
        cluster["ClusterId"]: len(cluster["Hsms"])
        for cluster in cloudhsm.describe_clusters()["Clusters"]
    }

    open_console(browser, moto_endpoint)
    rows = table_rows(browser, "key-stores-table")
    screenshot = save_screenshot(browser, tmp_path)

    assert [row.get_attribute("data-custom-key-store-id") for row in rows] == [
        connected.custom_key_store_id,
        failed.custom_key_store_id,
        disconnected.custom_key_store_id,
    ]
    for row, store in zip(rows, described, strict=True):
        state = cell(row, "state")
        badge = state.find_element(By.CLASS_NAME, "state")
        assert cell(row, "name").text == store["CustomKeyStoreName"]
        assert cell(row, "id").text == store["CustomKeyStoreId"]
        assert cell(row, "cluster").text == store["CloudHsmClusterId"]
        assert cell(row, "hsms").text == str(hsm_counts[store["CloudHsmClusterId"]])
        assert badge.get_attribute("data-state") == store["ConnectionState"]
        assert badge.text == STATE_LABELS[store["ConnectionState"]]
    failed_state = cell(rows[1], "state")
    assert "ConnectionErrorCode: INVALID_CREDENTIALS" in failed_state.text
    assert "disconnect it, fix the cause" in failed_state.text
    assert "never been connected" in cell(rows[2], "state").text
    assert "ConnectionErrorCode" not in cell(rows[0], "state").text
    assert screenshot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_store_name_shown_as_text(
    moto_endpoint: str, browser: webdriver.Chrome
) -> None:
    name = "<img src=x onerror=document.title='injected'>"
    provision_key_store(endpoint_url=moto_endpoint, custom_key_store_name=name)

    open_console(browser, moto_endpoint)
    row = table_rows(browser, "key-stores-table")[0]

    assert cell(row, "name").text == name
    assert row.find_elements(By.TAG_NAME, "img") == []
    assert browser.title != "injected"


def test_refresh_shows_new_store(moto_endpoint: str, browser: webdriver.Chrome) -> None:
    provision_key_store(endpoint_url=moto_endpoint, custom_key_store_name="First")
    open_console(browser, moto_endpoint)
    rows_before = len(table_rows(browser, "key-stores-table"))
    count = render_count(browser)
    provision_key_store(endpoint_url=moto_endpoint, custom_key_store_name="Second")

    browser.find_element(By.ID, "refresh-button").click()
    wait_for_render(browser, count)
    names = [cell(row, "name").text for row in table_rows(browser, "key-stores-table")]

    assert rows_before == 1
    assert names == ["First", "Second"]


def test_invalid_region_shows_error(
    moto_endpoint: str, browser: webdriver.Chrome
) -> None:
    browser.get(f"{moto_endpoint}{CONSOLE}?region=xx-nowhere-1")
    WebDriverWait(browser, RENDER_TIMEOUT).until(lambda d: render_count(d) > 0)

    error = browser.find_element(By.ID, "error-message")

    assert console_element(browser).get_attribute("data-status") == "error"
    assert error.is_displayed()
    assert "Invalid region 'xx-nowhere-1'" in error.text


# The gear: columns and page size


def test_gear_hides_column_across_reload(
    moto_endpoint: str, browser: webdriver.Chrome
) -> None:
    store = provision_key_store(endpoint_url=moto_endpoint)
    open_console(browser, moto_endpoint)

    dialog = open_settings(browser)
    column_checkbox(dialog, "id").click()
    close_settings(browser, "settings-confirm")
    row = table_rows(browser, "key-stores-table")[0]
    hidden_after_confirm = not header(browser, "id").is_displayed()
    cell_hidden_after_confirm = not cell(row, "id").is_displayed()
    browser.refresh()
    wait_for_render(browser)
    row = table_rows(browser, "key-stores-table")[0]

    assert hidden_after_confirm
    assert cell_hidden_after_confirm
    assert not header(browser, "id").is_displayed()
    assert not cell(row, "id").is_displayed()
    assert header(browser, "name").is_displayed()
    assert cell(row, "name").text == store.custom_key_store_name
    assert stored_preferences(browser)["hiddenColumns"] == ["id"]
    dialog = open_settings(browser)
    assert not column_checkbox(dialog, "id").is_selected()
    assert column_checkbox(dialog, "name").is_selected()


def test_gear_cancel_keeps_columns(
    moto_endpoint: str, browser: webdriver.Chrome
) -> None:
    provision_key_store(endpoint_url=moto_endpoint)
    open_console(browser, moto_endpoint)

    dialog = open_settings(browser)
    column_checkbox(dialog, "name").click()
    close_settings(browser, "settings-cancel")

    assert header(browser, "name").is_displayed()
    assert (
        browser.execute_script(
            "return window.localStorage.getItem(arguments[0]);", PREFERENCES_KEY
        )
        is None
    )


def test_gear_requires_one_column(
    moto_endpoint: str, browser: webdriver.Chrome
) -> None:
    open_console(browser, moto_endpoint)

    dialog = open_settings(browser)
    for column in ("name", "id", "cluster", "hsms", "state"):
        column_checkbox(dialog, column).click()

    assert not browser.find_element(By.ID, "settings-confirm").is_enabled()
    assert browser.find_element(By.ID, "settings-hint").is_displayed()


def test_gear_page_size_across_reload(
    moto_endpoint: str, browser: webdriver.Chrome
) -> None:
    names = [f"KeyStore{index}" for index in range(6)]
    for name in names:
        provision_key_store(
            endpoint_url=moto_endpoint,
            connection_state="DISCONNECTED",
            custom_key_store_name=name,
        )
    open_console(browser, moto_endpoint)
    rows_at_default_size = len(table_rows(browser, "key-stores-table"))

    dialog = open_settings(browser)
    dialog.find_element(By.CSS_SELECTOR, 'input[name="page-size"][value="5"]').click()
    close_settings(browser, "settings-confirm")
    browser.refresh()
    wait_for_render(browser)
    first_page = [cell(r, "name").text for r in table_rows(browser, "key-stores-table")]
    first_status = browser.find_element(By.ID, "page-status").text
    browser.find_element(By.ID, "next-page").click()
    second_page = [
        cell(r, "name").text for r in table_rows(browser, "key-stores-table")
    ]

    assert rows_at_default_size == 6
    assert first_page == names[:5]
    assert first_status == "Page 1 of 2"
    assert second_page == names[5:]
    assert browser.find_element(By.ID, "page-status").text == "Page 2 of 2"
    assert not browser.find_element(By.ID, "next-page").is_enabled()
    assert stored_preferences(browser)["pageSize"] == 5


# The region selector


def test_region_selector_switches_data(
    moto_endpoint: str, browser: webdriver.Chrome
) -> None:
    provision_key_store(
        endpoint_url=moto_endpoint, region_name=REGION, custom_key_store_name="East"
    )
    provision_key_store(
        endpoint_url=moto_endpoint,
        region_name=OTHER_REGION,
        custom_key_store_name="West",
    )
    open_console(browser, moto_endpoint, region=REGION)
    names_before = [
        cell(row, "name").text for row in table_rows(browser, "key-stores-table")
    ]

    selector = Select(browser.find_element(By.ID, "region-selector"))
    option_text = selector.first_selected_option.text
    selector.select_by_value(OTHER_REGION)
    WebDriverWait(browser, RENDER_TIMEOUT).until(
        lambda d: f"region={OTHER_REGION}" in d.current_url
    )
    wait_for_render(browser)
    names_after = [
        cell(row, "name").text for row in table_rows(browser, "key-stores-table")
    ]
    selected = Select(browser.find_element(By.ID, "region-selector"))

    assert names_before == ["East"]
    assert option_text == f"{REGION} (1)"
    assert names_after == ["West"]
    assert selected.first_selected_option.get_attribute("value") == OTHER_REGION


# The HSMs of a cluster


def test_cluster_link_lists_hsms(moto_endpoint: str, browser: webdriver.Chrome) -> None:
    store = provision_key_store(endpoint_url=moto_endpoint, hsm_count=3)
    cloudhsm = boto3.client(
        "cloudhsmv2", region_name=REGION, endpoint_url=moto_endpoint
    )
    cluster = cloudhsm.describe_clusters(Filters={"clusterIds": [store.cluster_id]})[
        "Clusters"
    ][0]
    open_console(browser, moto_endpoint)

    cell(table_rows(browser, "key-stores-table")[0], "cluster").find_element(
        By.TAG_NAME, "a"
    ).click()
    WebDriverWait(browser, RENDER_TIMEOUT).until(
        lambda d: "cluster-id=" in d.current_url
    )
    wait_for_render(browser)
    rows = table_rows(browser, "hsms-table")

    assert browser.find_element(By.ID, "cluster-title").text == store.cluster_id
    assert len(rows) == 3
    for row, hsm in zip(rows, cluster["Hsms"], strict=True):
        values = [element.text for element in row.find_elements(By.TAG_NAME, "td")]
        assert values == [
            hsm["HsmId"],
            hsm["AvailabilityZone"],
            hsm["SubnetId"],
            hsm["EniIp"],
            hsm["State"],
        ]


# What the browser loads


def test_page_loads_only_from_server(
    moto_endpoint: str, browser: webdriver.Chrome
) -> None:
    provision_key_store(endpoint_url=moto_endpoint)

    open_console(browser, moto_endpoint)
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map((e) => e.name);"
    )
    errors = [
        entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"
    ]

    assert resources
    assert all(name.startswith(f"{moto_endpoint}/moto-api/") for name in resources)
    assert errors == []

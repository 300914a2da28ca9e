"""The real server, filled by `ocrotire-server demo`, and real headless
Chromium sessions signed in as the demo's people."""

import os
import re
import signal
import subprocess
import tempfile
import time
import urllib.request

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

SERVER = os.environ.get("OCROTIRE_SERVER_BIN", "target/debug/ocrotire-server")
SHOTS = os.environ.get("OCROTIRE_SCREENSHOTS", "target/browser-screenshots")
# Enough for every district to have conflicts, overdue work and small cells.
CASES = os.environ.get("OCROTIRE_DEMO_CASES", "400")
READY_TIMEOUT_S = 900


class Demo:
    def __init__(self, url, db, logins):
        self.url = url
        self.db = db
        self.logins = logins

    def password(self, user):
        return self.logins[user]

    def server(self, *args):
        """Runs another ocrotire-server command on the demo's database."""
        out = subprocess.run(
            [SERVER, *args[:1], "--db", self.db, *args[1:]],
            capture_output=True, text=True, check=True, timeout=120,
        )
        return out.stdout


@pytest.fixture(scope="session")
def demo():
    workdir = tempfile.mkdtemp(prefix="ocrotire-browser-")
    process = subprocess.Popen(
        [SERVER, "demo", "--cases", CASES, "--dir", workdir, "--listen", "127.0.0.1:0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    lines = []
    deadline = time.monotonic() + READY_TIMEOUT_S
    try:
        for line in process.stdout:
            lines.append(line)
            if "Stop with Ctrl-C" in line or time.monotonic() > deadline:
                break
        text = "".join(lines)
        found = re.search(r"open (http://[0-9.:]+)/", text)
        assert found, f"the demo did not start:\n{text}"
        logins = dict(
            re.findall(r"^\s{2}(\S+)\s.*\s(demo-password-\S+)$", text, re.MULTILINE)
        )
        assert logins, text
        yield Demo(found.group(1), os.path.join(workdir, "server.sqlite3"), logins)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def new_browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                "--window-size=1280,1600", "--lang=ro"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"),
                            options=options)


class Browser:
    """One person's browser on the dashboard."""

    def __init__(self, demo, driver):
        self.demo = demo
        self.driver = driver

    def open(self, path):
        self.driver.get(self.demo.url + path)
        return self

    def sign_in(self, user):
        self.open("/login")
        self.driver.find_element(By.NAME, "user_id").send_keys(user)
        self.driver.find_element(By.NAME, "password").send_keys(self.demo.password(user))
        self.click(self.driver.find_element(By.CSS_SELECTOR, "form button[type=submit]"))
        assert "/login" not in self.driver.current_url, self.driver.page_source[:500]
        return self

    def click(self, element):
        """Click a link or button that loads a new page, and wait for it:
        the click itself returns before the answer arrives."""
        element.click()
        WebDriverWait(self.driver, 60).until(expected_conditions.staleness_of(element))
        return self

    def shot(self, name):
        os.makedirs(SHOTS, exist_ok=True)
        path = os.path.join(SHOTS, f"{name}.png")
        self.driver.save_screenshot(path)
        return path

    def all(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def one(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def fetch(self, path):
        """GET with this browser's session cookie: (status, bytes)."""
        cookies = "; ".join(f"{c['name']}={c['value']}" for c in self.driver.get_cookies())
        request = urllib.request.Request(self.demo.url + path, headers={"Cookie": cookies})
        try:
            with urllib.request.urlopen(request) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()


@pytest.fixture
def browser(demo):
    driver = new_browser()
    try:
        yield Browser(demo, driver)
    finally:
        driver.quit()

"""The district office's dashboard in headless Chromium, against the real
server with data that simulated devices sent through the real sync
protocol. Every check reads what a person sees on the page."""

import csv
import io
import json
import os
import re
import sqlite3

import jsonschema
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

HERE = os.path.dirname(__file__)


def officer_of(demo, district):
    return next(user for user, pw in demo.logins.items() if pw == f"demo-password-{district}")


def districts(demo):
    return sorted(pw.rsplit("-", 1)[1] for pw in demo.logins.values()
                  if re.fullmatch(r"demo-password-\d{4}", pw))


def engine_tables(demo, period, district):
    """The engine's exact numbers, through another door: the command-line
    JSON export with nothing hidden (threshold 1, ratios from 0)."""
    args = ["export", "--format", "json", "--threshold", "1", "--min-rate-numerator", "0",
            "--from", period[0], "--to", period[1], "--operator", "browser-test"]
    if district:
        args += ["--district", district]
    report = json.loads(demo.server(*args))
    return {(t["measure"], t["by"] or ""): t for t in report["tables"]}


def engine_value(tables, measure, by, category):
    table = tables[(measure, by)]
    if category == "":
        return table["total"]["numerator"]
    return dict((c, v) for c, v in table["rows"])[category]["numerator"]


def page_period(browser):
    return (browser.one("input[name=from]").get_attribute("value"),
            browser.one("input[name=to]").get_attribute("value"))


def test_an_officer_sees_the_engines_exact_numbers_for_their_district(browser, demo):
    district = districts(demo)[0]
    browser.sign_in(officer_of(demo, district)).open("/")
    browser.shot("officer-overview")
    tables = engine_tables(demo, page_period(browser), district)
    cells = browser.all("td[data-measure]")
    assert len(cells) > 30
    checked = 0
    for cell in cells:
        measure, by, category = (cell.get_attribute(a) for a in
                                 ("data-measure", "data-by", "data-category"))
        assert cell.get_attribute("data-hidden") is None, "an officer sees every count"
        assert int(cell.text) == engine_value(tables, measure, by, category), (measure, by, category)
        checked += 1
    assert checked == len(cells)
    # The charts are drawn on the server, as SVG in the page.
    assert len(browser.all("figure.chart svg")) >= 4
    # Romanian by default; English one click away, same numbers.
    assert browser.driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ro"
    browser.click(browser.one("a.lang"))
    assert browser.driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert "Notifications (cases)" in browser.driver.page_source
    browser.shot("officer-overview-en")


def test_the_caseload_shows_overdue_work(browser, demo):
    district = districts(demo)[0]
    browser.sign_in(officer_of(demo, district)).open("/caseload")
    rows = browser.all("#caseload tr[data-case]")
    assert rows, "the district has cases"
    overdue = [r for r in rows if int(r.find_element(
        By.CSS_SELECTOR, "td[data-overdue-referrals]").get_attribute("data-overdue-referrals")) > 0]
    assert overdue, "the demo leaves referrals unacknowledged past their deadline"
    assert all("attention" in (r.get_attribute("class") or "") for r in overdue)
    late = [r for r in rows if r.find_element(
        By.CSS_SELECTOR, "td[data-visit-overdue]").get_attribute("data-visit-overdue") == "true"]
    assert late, "the demo has high-risk cases whose visit came late or not at all"
    browser.shot("officer-caseload")


def test_an_officer_resolves_a_conflict_and_it_goes_away(browser, demo):
    with_conflicts = []
    for district in districts(demo):
        browser.driver.delete_all_cookies()
        browser.sign_in(officer_of(demo, district)).open("/conflicts")
        rows = browser.all("#conflicts tr[data-case]")
        if rows:
            with_conflicts.append(district)
            break
    assert with_conflicts, "the demo leaves open conflicts"
    browser.shot("officer-conflicts")
    row = browser.all("#conflicts tr[data-case]")[0]
    case_id = row.get_attribute("data-case")
    before = int(row.find_element(By.CSS_SELECTOR, "td.num").text)
    browser.click(row.find_element(By.TAG_NAME, "a"))
    forms = browser.all("form.conflict")
    assert len(forms) == before
    field = forms[0].get_attribute("data-field")
    forms[0].find_element(By.NAME, "reason").send_keys("Confirmed by phone with the assistant")
    browser.shot("officer-conflict-case")
    browser.click(forms[0].find_element(By.CSS_SELECTOR, "button[type=submit]"))
    assert "resolved=1" in browser.driver.current_url
    assert field not in [f.get_attribute("data-field") for f in browser.all("form.conflict")]
    browser.shot("officer-conflict-resolved")

    browser.open("/conflicts")
    left = {r.get_attribute("data-case"): int(r.find_element(By.CSS_SELECTOR, "td.num").text)
            for r in browser.all("#conflicts tr[data-case]")}
    assert left.get(case_id, 0) == before - 1
    # The decision is a change devices pull, and it is audited without the value.
    officer = officer_of(demo, with_conflicts[0])
    with sqlite3.connect(demo.db) as db:
        changes = db.execute("SELECT count(*) FROM changes WHERE case_id = ? AND origin_device = ?",
                             (case_id, f"web:{officer}")).fetchone()[0]
        audit = db.execute("SELECT subject FROM audit WHERE action = 'resolve' AND user_id = ?",
                           (officer,)).fetchall()
    assert changes == 1
    assert len(audit) == 1 and audit[0][0].startswith(f"case={case_id} field=")
    assert "Confirmed by phone" not in audit[0][0]


def test_an_officer_enrolls_and_revokes_a_device(browser, demo):
    district = districts(demo)[1]
    officer = officer_of(demo, district)
    browser.sign_in(officer).open("/devices")
    before = len(browser.all("#devices tr[data-device]"))
    assert before > 0
    user = Select(browser.one("select[name=user_id]")).options[0].get_attribute("value")
    browser.click(browser.one("form[action='/devices/code'] button"))
    code = browser.one("[data-code=issued]").text
    assert re.fullmatch(r"[0-9A-Z-]{16,}", code), code
    browser.shot("officer-device-code")

    active = [r for r in browser.all("#devices tr[data-device]")
              if r.find_elements(By.CSS_SELECTOR, "form[action='/devices/revoke']")]
    device_id = active[0].get_attribute("data-device")
    browser.click(active[0].find_element(By.CSS_SELECTOR, "button"))
    row = browser.one(f"#devices tr[data-device='{device_id}']")
    assert row.find_element(By.CSS_SELECTOR, "td.revoked").text.strip() != ""
    assert not row.find_elements(By.CSS_SELECTOR, "form")
    browser.shot("officer-device-revoked")

    browser.open("/audit")
    # Columns: number, time, user, device, action, subject.
    rows = [[td.text for td in r.find_elements(By.TAG_NAME, "td")] for r in browser.all("#audit tr")[1:]]
    assert any(r[2:] == [officer, "web", "revoke_device", f"device={device_id}"] for r in rows)
    assert any(r[2:5] == [officer, "web", "issue_code"] and r[5].startswith(f"user={user} ")
               for r in rows)
    browser.shot("officer-audit")


def test_an_analyst_sees_masked_small_counts_and_no_case_pages(browser, demo):
    browser.sign_in("analyst").open("/")
    district = districts(demo)[0]
    Select(browser.one("select[name=district]")).select_by_value(district)
    browser.click(browser.one("form.filters button"))
    browser.shot("analyst-overview-district")
    hidden = browser.all("td[data-hidden=true]")
    assert hidden, "one district's small cells are hidden outside it"
    shown = [int(c.text) for c in browser.all("td[data-measure]:not([data-hidden])")]
    assert shown and all(n == 0 or n >= 5 for n in shown)
    # Exact numbers exist behind the masks (the engine's, nothing hidden).
    tables = engine_tables(demo, page_period(browser), district)
    small = [c for c in hidden if 0 < engine_value(tables, *(c.get_attribute(a) for a in (
        "data-measure", "data-by", "data-category"))) < 5]
    assert small, "at least one masked cell is a small count"

    for path in ("/caseload", "/conflicts"):
        browser.open(path)
        assert "Case pages are for the district's officers only" in browser.driver.page_source
        status, _ = browser.fetch(path)
        assert status == 403
    browser.shot("analyst-case-page-refused")


def test_exports_download_valid_dhis2_and_csv_that_matches_json(browser, demo):
    browser.sign_in("analyst")
    status, body = browser.fetch("/export/download?format=dhis2&from=2026-01-01&to=2026-12-31")
    assert status == 200
    payload = json.loads(body)
    with open(os.path.join(HERE, "dhis2-datavalueset.schema.json")) as f:
        jsonschema.validate(payload, json.load(f))
    assert payload["period"] == "2026" and payload["dataValues"]

    query = "from=2026-01-01&to=2026-12-31"
    _, csv_body = browser.fetch(f"/export/download?format=csv&{query}")
    _, json_body = browser.fetch(f"/export/download?format=json&{query}")
    report = json.loads(json_body)
    rows = list(csv.DictReader(io.StringIO(csv_body.decode("utf-8"))))
    expected = []
    for table in report["tables"]:
        cells = [(c, v) for c, v in table["rows"]] if table["by"] else [("", table["total"])]
        for category, value in cells:
            expected.append((table["measure"], table["by"] or "", category,
                             "" if value["numerator"] is None else str(value["numerator"])))
    assert [(r["measure"], r["by"], r["category"], r["numerator"]) for r in rows] == expected
    browser.open("/export")
    browser.shot("analyst-export")

"""The web interface in a real browser (Debian's Chromium), against `points-ledger serve` on a demo store."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
from datetime import date
from pathlib import Path
from uuid import uuid4

import pytest
from playwright.sync_api import Page, expect

from api.clock import now_utc, today_in_paris
from tests.browser.conftest import INVALIDATED, STANDARD, Demo, sign_in

pytestmark = pytest.mark.browser
STAGE_LAST_DAY = "2025-03-14"  # the demo's voluntary stage: 13-14 March 2025, effective the day after
STAGE_EFFECT_DAY = "2025-03-15"


def api_get(demo: Demo, path: str, token: str) -> dict[str, object]:
    request = urllib.request.Request(demo.service.url + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        answer: dict[str, object] = json.load(response)
        return answer


def api_post(demo: Demo, path: str, token: str, body: dict[str, object]) -> None:
    request = urllib.request.Request(demo.service.url + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201


def show_day(page: Page, day: str) -> None:
    """Pick a day in the date field and submit the form, with the keyboard."""
    page.get_by_label("Date", exact=True).fill(day)
    page.get_by_label("Date", exact=True).press("Enter")
    page.wait_for_url(f"**on={day}**")


def test_signing_in_then_searching_opens_the_licence_page(page: Page, demo: Demo) -> None:
    sign_in(page, demo.prefecture)
    page.get_by_label("Numéro du permis").fill(STANDARD)
    page.get_by_role("button", name="Ouvrir").click()
    expect(page.locator("h1")).to_contain_text(STANDARD)
    assert page.locator("html").get_attribute("lang") == "fr"
    for hook in ("#balance", "#ceiling", "#status", "#movements", "svg#balance-chart"):
        expect(page.locator(hook)).to_have_count(1)


def test_the_balance_changes_the_day_after_the_stage_s_last_day(page: Page, demo: Demo) -> None:
    sign_in(page, demo.prefecture, f"/ui/licences/{STANDARD}")
    show_day(page, STAGE_LAST_DAY)
    expect(page.locator("#balance")).to_have_text("9")
    show_day(page, STAGE_EFFECT_DAY)
    expect(page.locator("#balance")).to_have_text("12")
    expect(page.locator("#movements tbody tr").last).to_have_attribute("data-rule", "stage_credit")


def test_the_page_reads_on_mode_and_known_at_from_its_query(page: Page, demo: Demo) -> None:
    sign_in(page, demo.auditor, f"/ui/licences/{INVALIDATED}?on=2023-02-01&mode=administrative")
    expect(page.locator("#status")).to_have_text("invalidé")
    expect(page.get_by_label("Lecture du droit")).to_have_value("administrative")
    number = f"KNOWN{uuid4().hex[:8].upper()}"
    api_post(demo, "/licences", demo.prefecture, {"number": number, "obtained_on": "2010-01-04",
                                                  "evidence_ref": f"ANTS-{number}"})
    time.sleep(0.05)
    before_offence = now_utc().isoformat(timespec="microseconds").replace("+00:00", "Z")
    time.sleep(0.05)
    api_post(demo, f"/licences/{number}/offences", demo.prefecture, {
        "committed_on": "2024-03-02", "established_on": "2024-03-20", "points": 4, "class": "C4",
        "evidence_ref": f"PV-{number}"})
    page.goto(f"/ui/licences/{number}?on=2024-06-01")
    expect(page.locator("#balance")).to_have_text("8")
    page.get_by_label("Ce que le registre savait le").fill(before_offence)
    page.get_by_role("button", name="Afficher").click()
    expect(page.get_by_role("heading", name="Ce que le registre savait le")).to_be_visible()
    expect(page.locator("#balance")).to_have_text("12")
    expect(page.locator("#balance-now")).to_have_text("8")


def test_the_chart_has_a_point_for_each_day_of_the_history(page: Page, demo: Demo) -> None:
    on = "2026-01-01"
    sign_in(page, demo.prefecture, f"/ui/licences/{STANDARD}?on={on}")
    history = api_get(demo, f"/licences/{STANDARD}/history?on={on}", demo.prefecture)
    movements = history["movements"]
    assert isinstance(movements, list) and movements
    expected = {m["on"]: m["balance"] for m in movements}  # the last movement of a day gives its balance
    points = page.locator("svg#balance-chart circle.point")
    drawn = {points.nth(i).get_attribute("data-on"): int(points.nth(i).get_attribute("data-balance") or -1)
             for i in range(points.count())}
    assert {day: balance for day, balance in drawn.items() if day and day <= on} == expected
    expect(page.locator("svg#balance-chart path.legal")).to_have_count(1)
    expect(page.locator("svg#balance-chart path.administrative")).to_have_count(1)
    expect(page.locator("svg#balance-chart .marker.offence")).to_have_count(2)
    expect(page.locator("svg#balance-chart .marker.stage")).to_have_count(1)


def test_the_statement_pdf_gives_the_balance(page: Page, demo: Demo, tmp_path: Path) -> None:
    sign_in(page, demo.prefecture, f"/ui/licences/{STANDARD}?on={STAGE_EFFECT_DAY}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le relevé (PDF)").click()
    pdf = tmp_path / "releve.pdf"
    download.value.save_as(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Relevé du permis n° " + STANDARD in text
    assert "Solde au 15/03/2025 : 12 / 12 points" in text
    assert "Relevé établi le" in text and "L223-6" in text


def test_a_semicolon_separated_excel_extract_is_reconciled(page: Page, demo: Demo) -> None:
    extract = ("\ufefflicence_number;extract_date;balance;status\r\n"
               f"{STANDARD};2025-03-14;9;valid\r\n"
               f"{STANDARD};2025-03-20;9;valid\r\n"
               "999999999999;2025-03-14;12;valid\r\n").encode()
    sign_in(page, demo.prefecture, "/ui/reconciliation")
    page.get_by_label("Fichier de l'extrait (CSV)").set_input_files(
        {"name": "extrait-excel.csv", "mimeType": "text/csv", "buffer": extract})
    page.get_by_role("button", name="Rapprocher").click()
    expect(page.locator("h1")).to_contain_text("Rapport de rapprochement")
    expect(page.locator('#counts tr[data-kind="match"] td.num')).to_have_text("1")
    expect(page.locator('#counts tr[data-kind="unknown_licence"] td.num')).to_have_text("1")
    expect(page.locator('#counts tr[data-kind="unreadable_rows"] td.num')).to_have_text("0")
    page.get_by_label("Catégorie", exact=True).select_option("unknown_licence")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.locator("#rows tbody tr")).to_have_count(1)
    expect(page.locator("#rows tbody tr")).to_have_attribute("data-kind", "unknown_licence")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV pour Excel (point-virgule, BOM)").click()
    content = Path(download.value.path()).read_bytes().decode("utf-8")
    assert content.startswith("\ufeffline;licence_number;")


def test_the_zero_balance_page_lists_the_invalidated_licence_and_opens_it(page: Page, demo: Demo) -> None:
    sign_in(page, demo.prefecture)
    page.get_by_role("link", name="Soldes nuls").click()
    page.get_by_label("Au", exact=True).fill("2023-03-01")
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_url("**on=2023-03-01**")
    rows = page.locator("#soldes-nuls tbody tr")
    expect(rows).to_have_count(1)
    expect(page.locator("#source")).to_contain_text("source:")
    rows.get_by_role("link", name=INVALIDATED).click()
    expect(page.locator("h1")).to_contain_text(INVALIDATED)


def test_a_driver_token_opens_its_licence_and_no_other(page: Page, demo: Demo) -> None:
    sign_in(page, demo.driver)
    expect(page.locator("h1")).to_contain_text(STANDARD)
    response = page.goto(f"/ui/licences/{INVALIDATED}")
    assert response is not None and response.status == 403
    expect(page.locator("h1")).to_have_text("Accès refusé")
    assert page.goto("/ui/audit").status == 403  # type: ignore[union-attr]


def test_an_organiser_sees_stage_eligibility_only(page: Page, demo: Demo) -> None:
    sign_in(page, demo.organiser, f"/ui/licences/{STANDARD}?on=2024-12-01")
    expect(page.locator("#stage")).to_contain_text("Prochain stage utile à partir du 2 décembre 2024, jusqu'à 3 points")
    expect(page.locator("#balance")).to_have_count(0)
    expect(page.locator("#movements")).to_have_count(0)


def test_the_audit_page_filters_and_shows_the_evidence(page: Page, demo: Demo) -> None:
    sign_in(page, demo.auditor, "/ui/audit")
    page.get_by_label("Type de fait").select_option("stage")
    page.get_by_role("button", name="Filtrer").click()
    rows = page.locator("#audit tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("ATTESTATION-")
    expect(rows.first).to_contain_text("demo")


def test_signing_out_ends_the_session(page: Page, demo: Demo) -> None:
    sign_in(page, demo.prefecture)
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_label("Jeton d'accès")).to_be_visible()
    page.goto(f"/ui/licences/{STANDARD}")
    expect(page.get_by_label("Jeton d'accès")).to_be_visible()


def test_the_api_documentation_loads_without_internet(page: Page, demo: Demo) -> None:
    """Swagger UI and Redoc come from the installed package; the one address Redoc would fetch (its vendor's
    logo) is blocked by the page's Content-Security-Policy before it leaves the machine."""
    outside: list[str] = []
    blocked: list[str] = []
    page.on("request", lambda request: outside.append(request.url)
            if request.url.startswith(("http:", "https:")) and not request.url.startswith(demo.service.url)
            else None)
    page.on("requestfailed", lambda request: blocked.append(request.url) if request.failure == "csp" else None)
    page.goto("/docs")
    # Both render the whole OpenAPI document in the page's script: slow on a busy machine.
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("points-ledger", timeout=60_000)
    page.goto("/redoc")
    expect(page.locator("h1").first).to_contain_text("points-ledger", timeout=60_000)
    page.wait_for_load_state("networkidle")
    assert [url for url in outside if url not in blocked] == []


def test_today_is_the_default_date(page: Page, demo: Demo) -> None:
    sign_in(page, demo.prefecture, f"/ui/licences/{STANDARD}")
    value = page.get_by_label("Date", exact=True).input_value()
    assert date.fromisoformat(value) == today_in_paris()


def test_signing_in_and_choosing_a_day_work_with_the_keyboard_alone(page: Page, demo: Demo) -> None:
    page.goto(f"/ui/?next=/ui/licences/{STANDARD}")
    for _ in range(10):  # skip link, site name… until the token field
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "token":
            break
    assert page.evaluate("document.activeElement.name") == "token"
    page.keyboard.type(demo.prefecture)
    page.keyboard.press("Enter")
    expect(page.locator("#balance")).to_have_count(1)
    focused = []
    for _ in range(25):  # the date field has a stop per part (day, month, year)
        page.keyboard.press("Tab")
        focused.append(page.evaluate("document.activeElement.id || document.activeElement.textContent.trim()"))
    assert {"on", "mode", "known_at"} <= set(focused), focused

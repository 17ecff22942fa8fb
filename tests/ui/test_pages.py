"""The pages through TestClient: sign-in and session, CSRF, roles exactly as the API's, errors as pages."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from api.clock import now_utc
from api.token_store import Role
from tests.ui.conftest import INVALIDATED, STANDARD, TODAY, Site, csrf_of, sign_in

PAGES = ["/ui/licences/{n}", "/ui/licences/{n}/releve.pdf", "/ui/audit", "/ui/reconciliation"]


def figure(html: str, hook: str) -> str:
    match = re.search(rf'id="{hook}"[^>]*>([^<]*)<', html)
    assert match, f"no #{hook}"
    return match.group(1).strip()


@pytest.mark.parametrize("path", PAGES)
def test_a_page_without_a_session_sends_to_the_sign_in_form_and_back(site: Site, path: str) -> None:
    client = site.new_client()
    response = client.get(path.format(n=STANDARD), follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/ui/?next=")
    page = client.get(response.headers["location"])
    assert 'name="token"' in page.text and 'lang="fr"' in page.text


def test_the_session_cookie_is_signed_httponly_strict_and_kept_to_the_interface(site: Site) -> None:
    client = site.new_client()
    token = site.tokens["auditor"]
    response = client.post("/ui/sign-in", data={"token": token, "csrf_token": csrf_of(client)},
                           follow_redirects=False)
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert "Path=/ui" in cookie
    assert client.get(f"/ui/licences/{STANDARD}").status_code == 200


def test_an_altered_cookie_is_no_session(site: Site) -> None:
    client = site.signed_in("auditor")
    value = client.cookies.get("points_ledger_session")
    assert value
    altered = value[:-3] + ("abc" if not value.endswith("abc") else "xyz")
    fresh = site.new_client()
    for cookie in (value, altered):
        answer = fresh.get(f"/ui/licences/{STANDARD}", headers={"Cookie": f"points_ledger_session={cookie}"},
                           follow_redirects=False)
        assert answer.status_code == (200 if cookie == value else 303)


def test_sign_in_without_the_form_s_csrf_key_is_refused(site: Site) -> None:
    client = site.new_client()
    client.get("/ui/")
    response = client.post("/ui/sign-in", data={"token": site.tokens["prefecture"], "csrf_token": "forged"})
    assert response.status_code == 403
    assert "anti-CSRF" in response.text
    assert client.get("/ui/audit", follow_redirects=False).status_code == 303  # still signed out


def test_an_unknown_token_is_refused_on_the_sign_in_page(site: Site) -> None:
    client = site.new_client()
    response = client.post("/ui/sign-in", data={"token": "plt_0000_nope", "csrf_token": csrf_of(client)})
    assert response.status_code == 401
    assert "pas accepté" in response.text


def test_sign_out_needs_the_csrf_key_then_ends_the_session(site: Site) -> None:
    client = site.signed_in("prefecture")
    assert client.post("/ui/sign-out", data={"csrf_token": "forged"}).status_code == 403
    assert client.get("/ui/audit").status_code == 200
    client.post("/ui/sign-out", data={"csrf_token": csrf_of(client, "/ui/audit")})
    assert client.get("/ui/audit", follow_redirects=False).status_code == 303


def test_a_revoked_token_ends_the_session_at_the_next_page(site: Site) -> None:
    issued = site.store.create(site.store.list()[0].role.__class__("auditor"), now=now_utc())
    client = site.new_client()
    sign_in(client, issued.token)
    assert client.get("/ui/audit").status_code == 200
    site.store.revoke(issued.info.id, now=now_utc())
    response = client.get("/ui/audit", follow_redirects=False)
    assert response.status_code == 303 and "message=" in response.headers["location"]


def test_the_next_page_after_sign_in_never_leaves_the_interface(site: Site) -> None:
    client = site.new_client()
    response = client.post("/ui/sign-in", data={"token": site.tokens["auditor"], "csrf_token": csrf_of(client),
                                                "next": "https://elsewhere.example/"}, follow_redirects=False)
    assert response.headers["location"] == "/ui/"


@pytest.mark.parametrize("who", ["prefecture", "auditor", "organiser", "driver"])
def test_each_role_sees_in_the_pages_what_the_api_shows_it(site: Site, who: str) -> None:
    api = TestClient(site.app)
    bearer = {"Authorization": f"Bearer {site.tokens[who]}"}
    browser = site.signed_in(who)
    for number in (STANDARD, INVALIDATED):
        balance = api.get(f"/licences/{number}/balance", headers=bearer).status_code
        history = api.get(f"/licences/{number}/history", headers=bearer).status_code
        eligibility = api.get(f"/licences/{number}/stage-eligibility", headers=bearer).status_code
        page = browser.get(f"/ui/licences/{number}")
        assert (page.status_code == 200) == (eligibility == 200)
        assert ('id="balance"' in page.text) == (balance == 200)
        assert ('id="stage"' in page.text) == (eligibility == 200)
        assert (browser.get(f"/ui/licences/{number}/releve.pdf").status_code == 200) == (history == 200)
    audit = api.get("/audit/events", headers=bearer).status_code
    assert (browser.get("/ui/audit").status_code == 200) == (audit == 200)
    assert (browser.get("/ui/reconciliation").status_code == 200) == (audit == 200)


@pytest.mark.parametrize("query", ["", "?on=2025-03-14", "?on=2025-03-15", "?on=2023-02-01&mode=administrative",
                                   f"?on=2025-03-15&known_at={TODAY.year + 10}-01-01", "?on=1990-01-01"])
def test_the_page_shows_the_api_s_balance_ceiling_and_status(site: Site, query: str) -> None:
    api = TestClient(site.app)
    bearer = {"Authorization": f"Bearer {site.tokens['auditor']}"}
    browser = site.signed_in("auditor")
    for number in (STANDARD, INVALIDATED):
        expected = api.get(f"/licences/{number}/balance{query}", headers=bearer).json()
        html = browser.get(f"/ui/licences/{number}{query}").text
        assert figure(html, "balance") == str(expected["points"])
        assert figure(html, "ceiling") == str(expected["ceiling"])
        statuses = {"valid": "valide", "invalidated": "invalidé", "not_obtained": "pas encore délivré"}
        assert figure(html, "status") == statuses[expected["status"]]


def test_a_moment_before_the_licence_was_recorded_is_a_404_page_as_in_the_api(site: Site) -> None:
    api = TestClient(site.app)
    bearer = {"Authorization": f"Bearer {site.tokens['auditor']}"}
    query = "?on=2025-03-15&known_at=2000-01-01"
    assert api.get(f"/licences/{STANDARD}/balance{query}", headers=bearer).status_code == 404
    browser = site.signed_in("auditor")
    for path in (f"/ui/licences/{STANDARD}{query}", f"/ui/licences/{STANDARD}/releve.pdf{query}"):
        page = browser.get(path)
        assert page.status_code == 404 and "ne connaissait pas encore" in page.text


def test_the_default_date_is_today_at_the_edge(site: Site) -> None:
    html = site.signed_in("auditor").get(f"/ui/licences/{STANDARD}").text
    assert f'value="{TODAY.isoformat()}"' in html


@pytest.mark.parametrize(("path", "status"), [
    ("/ui/licences/000000000000", 404),
    ("/ui/licences/%20lead", 404),
    ("/ui/licences/" + "9" * 80, 404),
    (f"/ui/licences/{STANDARD}?on=2025-02-30", 422),
    (f"/ui/licences/{STANDARD}?on=3000-01-01", 422),
    (f"/ui/licences/{STANDARD}?mode=lenient", 422),
    (f"/ui/licences/{STANDARD}?known_at=yesterday", 422),
    (f"/ui/licences/{STANDARD}/releve.pdf?on=nope", 422),
    ("/ui/licences/000000000000/releve.pdf", 404),
    ("/ui/reconciliation/0123456789abcdef0123456789abcdef", 404),
    ("/ui/reconciliation/../../etc/passwd", 404),
    ("/ui/audit?from=notadate", 422),
    ("/ui/audit?type=meteor", 422),
    ("/ui/audit?after=-1", 422),
    ("/ui/nowhere", 404),
])
def test_bad_addresses_get_a_clear_answer_never_a_500(site: Site, path: str, status: int) -> None:
    response = site.signed_in("prefecture").get(path)
    assert response.status_code == status


def test_the_licence_page_has_the_automation_hooks_and_accessible_fields(site: Site) -> None:
    html = site.signed_in("prefecture").get(f"/ui/licences/{STANDARD}?on=2025-03-15").text
    for hook in ('id="balance"', 'id="ceiling"', 'id="status"', '<table id="movements"', '<svg id="balance-chart"'):
        assert hook in html
    for field in re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', html):
        assert f'for="{field}"' in html, f"field {field} has no label"
    assert "L223-6" in html and "legifrance.gouv.fr" in html
    assert "ATTESTATION-2025-031301" in html  # the evidence of the stage


def test_the_statement_is_a_pdf_named_after_the_licence_and_day(site: Site) -> None:
    response = site.signed_in("prefecture").get(f"/ui/licences/{STANDARD}/releve.pdf?on=2025-03-15")
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f"releve-{STANDARD}-2025-03-15.pdf" in response.headers["content-disposition"]


EXTRACT = ("\ufefflicence_number;extract_date;balance;status\r\n"
           f"{STANDARD};2025-03-14;9;valid\r\n"
           "999999999999;2025-03-14;12;valid\r\n"
           "bad;2025-13-01;x;valid\r\n").encode()


def upload(client: TestClient, csrf: str | None = None) -> TestClient:
    return client.post("/ui/reconciliation", data={"csrf_token": csrf or csrf_of(client, "/ui/reconciliation")},
                       files={"extract": ("extrait.csv", EXTRACT, "text/csv")}, follow_redirects=False)


def test_an_excel_extract_upload_gives_a_report_with_counts_filters_and_downloads(site: Site) -> None:
    client = site.signed_in("prefecture")
    response = upload(client)
    assert response.status_code == 303
    report = response.headers["location"]
    html = client.get(report).text
    assert re.search(r'data-kind="match">.*?<td class="num">1</td>', html, re.S)
    assert re.search(r'data-kind="unreadable_rows">.*?<td class="num">1</td>', html, re.S)
    # the page names what it read, as the API's X-Report-Source does (SQLite has no read model: the fold)
    assert figure(html, "report-source").startswith("Source : recalcul de chaque permis depuis le journal")
    only = client.get(report + "?kind=unknown_licence").text.split('<table id="rows">')[1]
    assert only.count('<tr data-kind="unknown_licence"><td>') == 1 and '<tr data-kind="match"><td>' not in only
    plain = client.get(report + "/rapport.csv").content.decode()
    excel = client.get(report + "/rapport.csv?excel=1").content.decode("utf-8")
    assert plain.startswith("line,licence_number,") and excel.startswith("\ufeffline;licence_number;")
    assert len(plain.splitlines()) == len(excel.splitlines()) == 3
    other = site.signed_in("auditor")
    assert other.get(report).status_code == 404  # a report is its uploader's


def test_an_upload_without_the_csrf_key_is_refused(site: Site) -> None:
    assert upload(site.signed_in("prefecture"), csrf="forged").status_code == 403


def test_an_extract_without_a_required_column_is_named(site: Site) -> None:
    client = site.signed_in("prefecture")
    response = client.post("/ui/reconciliation", data={"csrf_token": csrf_of(client, "/ui/reconciliation")},
                           files={"extract": ("e.csv", b"licence_number;balance\n1;2\n", "text/csv")})
    assert response.status_code == 422 and "extract_date" in response.text


def test_the_audit_page_filters_by_type_and_pages(site: Site) -> None:
    client = site.signed_in("auditor")
    html = client.get("/ui/audit?type=offence").text
    assert html.count("<code>PV-20") == 7  # the demo's seven offences, each with its evidence
    assert "ATTESTATION" not in html
    first = client.get("/ui/audit?recorded_by=demo&limit=5").text
    following = re.search(r'href="(/ui/audit\?[^"]*after=5[^"]*)" rel="next"', first)
    assert following, "no next page"
    second = client.get(following.group(1).replace("&amp;", "&")).text
    positions = [re.findall(r'<tr><td class="num">(\d+)</td>', page) for page in (first, second)]
    assert positions == [["1", "2", "3", "4", "5"], ["6", "7", "8", "9", "10"]]


def test_the_api_documentation_uses_only_local_assets(site: Site) -> None:
    client = TestClient(site.app)
    for path in ("/docs", "/redoc"):
        html = client.get(path).text
        assets = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert assets and all(a.startswith("/") for a in assets), assets
        asset = client.get(assets[-1])
        assert asset.status_code == 200 and len(asset.content) > 1000


def test_consulting_a_licence_page_or_its_statement_is_in_the_access_log(site: Site) -> None:
    subject = f"Agent {now_utc().timestamp()}"
    issued = site.store.create(Role.PREFECTURE, now=now_utc(), subject=subject)
    client = site.new_client()
    sign_in(client, issued.token)
    client.get(f"/ui/licences/{INVALIDATED}")
    client.get(f"/ui/licences/{INVALIDATED}/releve.pdf")
    upload(client)
    api = TestClient(site.app)
    reads = api.get("/audit/reads", params={"subject": subject},
                    headers={"Authorization": f"Bearer {site.tokens['auditor']}"}).json()
    rows = reads.get("reads") or reads.get("rows") or reads.get("entries") or []
    assert [(r["licence_number"], r["route"]) for r in rows if r["route"].startswith("/ui/")] == [
        (INVALIDATED, "/ui/licences/{number}"), (INVALIDATED, "/ui/licences/{number}/releve.pdf"),
        (None, "/ui/reconciliation"), (None, "/ui/reconciliation")]  # the upload form, then the upload


def test_the_zero_balance_page_lists_the_licences_at_zero_on_the_day_with_its_source(site: Site) -> None:
    client = site.signed_in("prefecture")
    html = client.get("/ui/soldes-nuls?on=2023-03-01&mode=legal").text
    assert f'href="/ui/licences/{INVALIDATED}"' in html and STANDARD not in html
    assert "source: fold of the event log" in html  # SQLite: the page says it folded
    assert 'rel="next"' not in html  # one licence at 0: one page
    after = client.get(f"/ui/soldes-nuls?on=2023-03-01&after={INVALIDATED}").text
    assert "Aucun permis à 0 point ce jour-là après le permis" in after and "Première page" in after
    assert "<table" not in client.get("/ui/soldes-nuls").text  # no day chosen yet: the form alone


def test_the_zero_balance_page_follows_next_after_one_licence_at_a_time(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("api.http.ui.national_pages.PAGE_LICENCES", 1)
    client = site.signed_in("auditor")
    first = client.get("/ui/soldes-nuls?on=2023-03-01&mode=administrative").text
    assert f'href="/ui/licences/{INVALIDATED}"' in first
    following = re.search(r'href="(/ui/soldes-nuls\?[^"]*after=[^"]*)" rel="next"', first)
    assert following, "no next page: other licences follow the first in number order"
    assert f"after={INVALIDATED}" in following.group(1) and "mode=administrative" in following.group(1)
    assert "Aucun permis" in client.get(following.group(1).replace("&amp;", "&")).text  # none of them is at 0


def test_the_contestable_invalidations_page_answers_for_a_period_and_refuses_a_reversed_one(site: Site) -> None:
    client = site.signed_in("auditor")
    html = client.get("/ui/invalidations-contestables?from=2015-01-01&to=2025-06-01").text
    assert "Aucune lettre 48SI sans effet" in html and "source: fold of the event log" in html
    reversed_period = client.get("/ui/invalidations-contestables?from=2025-01-01&to=2024-01-01")
    assert reversed_period.status_code == 422 and "postérieure" in reversed_period.text


@pytest.mark.parametrize("path", ["/ui/soldes-nuls?on=2023-02-30", "/ui/invalidations-contestables?to=hier"])
def test_a_national_report_page_with_a_bad_date_says_which_field(site: Site, path: str) -> None:
    response = site.signed_in("prefecture").get(path)
    assert response.status_code == 422 and "pas une date AAAA-MM-JJ" in response.text


@pytest.mark.parametrize("who", ["organiser", "driver"])
def test_the_national_report_pages_are_for_prefecture_and_auditor_only(site: Site, who: str) -> None:
    response = site.signed_in(who).get("/ui/soldes-nuls?on=2023-03-01")
    assert response.status_code == 403

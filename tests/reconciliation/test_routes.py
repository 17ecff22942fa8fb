"""`POST /reconciliations` and the `/reports` routes: what they answer, formats (JSON / CSV by query or Accept),
errors, and the roles of the two routes that take an uploaded extract (the GET reports are in the role matrix,
tests/api/routes_table.py)."""

from __future__ import annotations

import csv
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from api.clock import now_utc
from api.http.app import create_app
from api.settings import Settings
from api.token_store import Role, TokenStore
from tests.conftest import drop_schema, fresh_schema_name, postgres_url, require_postgres
from tests.reconciliation import timelines
from tests.reconciliation.timelines import record_all

EXTRACT = ("licence_number,extract_date,balance,status\n"
           "A1,2024-03-01,8,valid\n"
           "A1,2024-06-30,8,valid\n"
           "C1,2023-06-01,0,invalidated\n"
           "A1,2024-03-01,thirteen,valid\n")
UPLOADS = ["/reconciliations", "/reports/overdue-stages"]


class Service:
    """A running app on a store holding three hand-known licences, and one token per role."""

    def __init__(self, client: TestClient, store: TokenStore) -> None:
        self.client = client
        self.tokens = {role.value: store.create(role, now=now_utc(), licence="A1" if role is Role.DRIVER else None,
                                                agrement="R1" if role is Role.ORGANISER else None).token
                       for role in Role}

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def upload(self, path: str, role: str = "prefecture", text: str = EXTRACT,
               headers: dict[str, str] | None = None) -> httpx.Response:
        return self.client.post(path, files={"extract": ("extract.csv", text.encode(), "text/csv")},
                                headers={**self.auth(role), **(headers or {})})


def _store_url(kind: str, tmp_path_factory: pytest.TempPathFactory, schemas: list[str]) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('routes') / 'ledger.sqlite'}"
    require_postgres()
    schemas.append(fresh_schema_name())
    return postgres_url(schemas[-1])


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def service(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """One service per store kind for the module (the tests only read)."""
    schemas: list[str] = []
    try:
        app = create_app(Settings(database_url=_store_url(request.param, tmp_path_factory, schemas), pool_size=2))
        with TestClient(app) as client:
            record_all(app.state.ledger, [timelines.offence_then_stage("A1"),
                                          timelines.stage_before_void_48si("C1"), timelines.zero_without_48si("N1")])
            yield Service(client, app.state.tokens)
    finally:
        for schema in schemas:
            drop_schema(schema)


@pytest.mark.parametrize("role", ["prefecture", "auditor"])
def test_the_prefecture_and_the_auditor_reconcile_an_extract_as_json(service: Service, role: str) -> None:
    response = service.upload("/reconciliations", role)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    report = response.json()
    assert [(r["line"], r["kind"]) for r in report["rows"]] == [
        (2, "match"), (3, "stage_overdue"), (4, "invalidation_contestable")]
    assert report["errors"][0]["line"] == 5 and report["errors"][0]["problems"][0]["field"] == "balance"
    assert report["summary"]["stage_overdue"] == 1 and report["summary"]["unreadable_rows"] == 1
    assert response.headers["x-extract-unreadable-lines"] == "1"


def test_an_extract_saved_by_french_excel_gives_the_same_report(service: Service) -> None:
    """Semicolons, CRLF and a UTF-8 BOM: the same rows as the comma file."""
    excel = "\ufeff" + EXTRACT.replace(",", ";").replace("\n", "\r\n")
    comma, semicolon = (service.upload("/reconciliations", text=text).json() for text in (EXTRACT, excel))
    assert semicolon["rows"] == comma["rows"] and semicolon["summary"] == comma["summary"]
    assert [e["line"] for e in semicolon["errors"]] == [e["line"] for e in comma["errors"]] == [5]


@pytest.mark.parametrize("path", UPLOADS)
@pytest.mark.parametrize("role", ["organiser", "driver"])
def test_other_roles_may_not_upload_an_extract(service: Service, path: str, role: str) -> None:
    assert service.upload(path, role).status_code == 403


@pytest.mark.parametrize("path", UPLOADS)
def test_uploading_an_extract_without_a_token_is_refused(service: Service, path: str) -> None:
    response = service.client.post(path, files={"extract": ("e.csv", EXTRACT.encode(), "text/csv")})

    assert response.status_code == 401


@pytest.mark.parametrize("path", UPLOADS)
def test_a_body_that_is_not_a_form_without_a_token_is_refused_for_the_token(service: Service, path: str) -> None:
    response = service.client.post(path, content=b"not a form",
                                   headers={"Content-Type": "multipart/form-data; boundary=x"})

    assert response.status_code == 401
    assert response.json()["detail"][0]["loc"] == ["header", "Authorization"]


def test_the_report_comes_as_csv_by_accept_header_or_format_query(service: Service) -> None:
    by_header = service.upload("/reconciliations", headers={"Accept": "text/csv"})
    by_query = service.upload("/reconciliations?format=csv&include_missing=true")

    for response in (by_header, by_query):
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/csv")
    assert [r["kind"] for r in csv.DictReader(by_header.text.splitlines())] == [
        "match", "stage_overdue", "invalidation_contestable"]
    assert [r["kind"] for r in csv.DictReader(by_query.text.splitlines())][-1] == "missing_from_extract"
    assert "stage_overdue=1" in by_header.headers["x-reconciliation-summary"]


def test_an_extract_without_a_required_column_is_a_422_naming_it(service: Service) -> None:
    response = service.upload("/reconciliations", text="licence_number,balance,status\nA1,8,valid\n")

    assert response.status_code == 422
    assert response.json()["detail"] == [{"loc": ["body", "extract", "line 1", "extract_date"],
                                           "msg": "required column missing from the header",
                                           "type": "invalid_extract"}]


def test_the_audit_reports_are_get_routes_for_prefecture_and_auditor(service: Service) -> None:
    zero = service.client.get("/reports/zero-balance?on=2023-04-15", headers=service.auth("auditor"))
    contestable = service.client.get("/reports/contestable-invalidations?format=csv",
                                     headers=service.auth("prefecture"))
    recorded = service.client.get("/reports/recorded-by?recorder=test&limit=2", headers=service.auth("auditor"))

    assert zero.status_code == 200, zero.text
    assert sorted(r["licence_number"] for r in zero.json()["rows"]) == ["C1", "N1"]
    assert contestable.status_code == 200, contestable.text
    assert [r["fact_id"] for r in csv.DictReader(contestable.text.splitlines())] == ["l-c"]
    assert recorded.status_code == 200, recorded.text
    assert [r["fact_id"] for r in recorded.json()["rows"]] == ["licence", "o-a"]
    following = recorded.json()["next_after"]
    rest = service.client.get(f"/reports/recorded-by?recorder=test&after={following}&limit=500",
                              headers=service.auth("auditor"))
    assert rest.json()["next_after"] is None and len(rest.json()["rows"]) == 11 - 2


def test_the_licence_reports_answer_one_page_at_a_time_with_the_next_after_to_pass_back(service: Service) -> None:
    first = service.client.get("/reports/zero-balance?on=2023-04-15&limit=1", headers=service.auth("auditor"))
    assert first.status_code == 200, first.text
    assert [r["licence_number"] for r in first.json()["rows"]] == ["C1"]
    assert first.json()["next_after"] == "C1" == first.headers["x-next-after"]
    assert first.json()["source"]["head"] > 0 and first.headers["x-report-source"].startswith("source:")
    second = service.client.get("/reports/zero-balance?on=2023-04-15&limit=1&after=C1&format=csv",
                                headers=service.auth("auditor"))
    assert [r["licence_number"] for r in csv.DictReader(second.text.splitlines())] == ["N1"]
    contestable = service.client.get("/reports/contestable-invalidations?limit=10", headers=service.auth("auditor"))
    assert [r["fact_id"] for r in contestable.json()["rows"]] == ["l-c"] and contestable.json()["next_after"] is None


@pytest.mark.parametrize("query", ["limit=0", "limit=1001", "limit=x", f"limit=5&after={'9' * 65}"])
def test_a_report_page_out_of_bounds_is_a_422_naming_the_parameter(service: Service, query: str) -> None:
    response = service.client.get(f"/reports/zero-balance?on=2023-04-15&{query}", headers=service.auth("auditor"))

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == query.split("=")[-2].split("&")[-1]


def test_overdue_stages_come_from_an_uploaded_extract(service: Service) -> None:
    response = service.upload("/reports/overdue-stages", "auditor")

    assert response.status_code == 200, response.text
    assert [(r["fact_id"], r["days_late"]) for r in response.json()["rows"]] == [("s-a", 1)]
    assert response.json()["errors"][0]["line"] == 5

"""Calls that take or answer secrets are POST only, and the API answers
browsers of the client's own origin only (issue #18)."""

import pytest

from edge_helpers import assert_error


@pytest.mark.parametrize("call", ["login", "complete_enrolment", "change_password", "renew_session",
                                  "logout", "reset_password", "fetch_form_by_key", "import_forms_xml",
                                  "check_form", "upload_paper_scan", "download_paper_scan"])
def test_get_of_a_call_that_takes_a_secret_is_refused_by_nginx(edge, call):
    r = edge.get(f"/api/rpc/{call}?login_id=a&password=b")
    body = assert_error(r, 405, "E_METHOD_NOT_ALLOWED")
    assert body["code"] == "25006"
    assert "POST" in body["message"]


def test_get_of_a_public_read_still_works(edge):
    assert edge.get("/api/rpc/health").status_code == 200
    assert edge.get("/api/rpc/openapi").status_code == 200


def test_a_preflight_from_the_clients_origin_is_answered(edge, edge_url):
    r = edge.options("/api/rpc/whoami", headers={"Origin": edge_url, "Access-Control-Request-Method": "POST",
                                                 "Access-Control-Request-Headers": "content-type, x-requested-with"})
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Origin"] == edge_url
    assert r.headers["Access-Control-Allow-Credentials"] == "true"
    assert "POST" in r.headers["Access-Control-Allow-Methods"]
    assert "X-Requested-With" in r.headers["Access-Control-Allow-Headers"]


def test_an_answer_to_the_clients_origin_names_it_once(edge, edge_url):
    r = edge.post("/api/rpc/health", json={}, headers={"Origin": edge_url})
    assert r.status_code == 200
    assert r.raw.headers.getlist("Access-Control-Allow-Origin") == [edge_url]
    assert "X-Request-Id" in r.headers["Access-Control-Expose-Headers"]


@pytest.mark.parametrize("origin", ["https://evil.example", "https://127.0.0.1:9999", "{plain http}", "null"])
def test_another_origin_is_refused(edge, edge_url, origin):
    origin = origin.replace("{plain http}", edge_url.replace("https://", "http://"))
    preflight = edge.options("/api/rpc/whoami", headers={"Origin": origin, "Access-Control-Request-Method": "POST"})
    assert_error(preflight, 403, "E_ORIGIN_NOT_ALLOWED")
    assert "Access-Control-Allow-Origin" not in preflight.headers
    r = edge.post("/api/rpc/health", json={}, headers={"Origin": origin})
    assert_error(r, 403, "E_ORIGIN_NOT_ALLOWED")
    assert "Access-Control-Allow-Origin" not in r.headers


def test_requests_without_an_origin_are_not_cors(edge):
    # curl and hospital systems send no Origin: they get no CORS headers and no refusal
    r = edge.post("/api/rpc/health", json={})
    assert r.status_code == 200 and "Access-Control-Allow-Origin" not in r.headers

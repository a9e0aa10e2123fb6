"""X-Request-Id through nginx (issue #18): the client's id if it is well
formed, else nginx's own; PostgREST and the database get it, and every
answer carries exactly one: successes, PostgREST's own errors (which the
database never saw), the database's errors, nginx's refusals."""

import re
import uuid

from edge_helpers import assert_error


def ids(response):
    return response.raw.headers.getlist("X-Request-Id")


def test_the_clients_id_reaches_the_database_and_comes_back_once(edge, sql):
    request_id = f"edge-{uuid.uuid4().hex[:16]}"
    login_id = f"rid-{uuid.uuid4().hex[:8]}"
    r = edge.post("/api/rpc/login", json={"login_id": login_id, "password": "x"},
                  headers={"X-Request-Id": request_id})
    assert r.status_code == 401
    assert ids(r) == [request_id]
    assert sql(f"SELECT count(*) FROM app.audit_log WHERE request_id = '{request_id}'") == "1"


def test_a_success_carries_one_id(edge):
    r = edge.post("/api/rpc/health", json={}, headers={"X-Request-Id": "ok.1_A-b"})
    assert r.status_code == 200 and ids(r) == ["ok.1_A-b"]


def test_a_malformed_id_is_replaced_by_nginxs_own(edge):
    for bad in ["has space", "x" * 37, "semi;colon", "ü"]:
        r = edge.post("/api/rpc/health", json={}, headers={"X-Request-Id": bad.encode("utf-8")})
        (given,) = ids(r)
        assert given != bad and re.fullmatch(r"[0-9a-f]{32}", given), given


def test_the_databases_error_carries_the_id_once(edge):
    # app.raise_http sets X-Request-Id itself; nginx keeps one
    r = edge.post("/api/rpc/whoami", json={}, headers={"X-Request-Id": "db-401"})
    assert r.status_code == 401 and r.json()["details"] == "E_NOT_LOGGED_IN"
    assert ids(r) == ["db-401"]


def test_postgrests_own_error_carries_the_id(edge):
    r = edge.post("/api/rpc/no_such_function", json={}, headers={"X-Request-Id": "pgrst-404"})
    assert r.status_code == 404 and r.json()["code"].startswith("PGRST")
    assert ids(r) == ["pgrst-404"]
    r = edge.post("/api/rpc/whoami", json={}, headers={"Authorization": "Bearer not.a.jwt",
                                                         "X-Request-Id": "pgrst-401"})
    assert r.status_code == 401 and ids(r) == ["pgrst-401"]


def test_nginxs_refusals_carry_the_id(edge):
    r = edge.get("/api/rpc/login", headers={"X-Request-Id": "nginx-405"})
    assert_error(r, 405, "E_METHOD_NOT_ALLOWED")
    assert ids(r) == ["nginx-405"]
    r = edge.post("/api/rpc/health", data=b"x" * (2 * 1024 * 1024),
                  headers={"X-Request-Id": "nginx-413", "Content-Type": "application/json"})
    assert_error(r, 413, "E_BODY_TOO_LARGE")
    assert ids(r) == ["nginx-413"]


def test_the_page_of_the_client_carries_an_id(edge):
    assert len(ids(edge.get("/"))) == 1

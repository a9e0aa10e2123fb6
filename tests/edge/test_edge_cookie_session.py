"""The browser session through nginx (issue #18): the web client logs in
with `X-Requested-With: nanbyo-web`, gets its JWT only as the HttpOnly
cookie nanbyo_session (Path=/api/), and every call it makes with the cookie
must carry the same header (CSRF); nginx turns the cookie into the Bearer
header. renew_session renews the cookie; logout deletes it."""

import pytest

from edge_helpers import WEB, assert_error
from helpers import PASSWORD, add_account, new_world


@pytest.fixture()
def clerk(sql):
    w = new_world(sql)
    return add_account(sql, "clerk", w["hospital_id"])


def log_in(edge, account):
    return edge.post("/api/rpc/login", headers=WEB,
                     json={"login_id": account["login_id"], "password": PASSWORD,
                           "key": f"KEY-{account['login_id']}"})


def set_cookies(response):
    return response.raw.headers.getlist("Set-Cookie")


def test_the_web_client_never_sees_the_token(edge, clerk):
    r = log_in(edge, clerk)
    assert r.status_code == 200, r.text
    assert "token" not in r.json() and r.json()["stage"] == "full"
    (cookie,) = set_cookies(r)
    assert cookie.startswith("nanbyo_session=ey")
    assert cookie.endswith("; Path=/api/; HttpOnly; Secure; SameSite=Strict")
    stored = edge.cookies.get("nanbyo_session", domain="127.0.0.1", path="/api/")
    assert stored and stored.count(".") == 2


def test_a_call_with_the_cookie_and_the_header_is_authorised(edge, clerk):
    log_in(edge, clerk)
    r = edge.post("/api/rpc/whoami", json={}, headers=WEB)
    assert r.status_code == 200, r.text
    assert r.json()["login_id"] == clerk["login_id"]
    # PostgREST never sees the cookie itself (only the Bearer header nginx made of it)


def test_a_call_with_the_cookie_but_without_the_header_is_refused(edge, clerk, sql):
    log_in(edge, clerk)
    for other in [{}, {"X-Requested-With": "XMLHttpRequest"}]:
        r = edge.post("/api/rpc/whoami", json={}, headers=other)
        body = assert_error(r, 403, "E_CSRF_HEADER_MISSING")
        assert body["code"] == "42501"
    # a GET of a public read with the cookie is refused the same way
    assert_error(edge.get("/api/rpc/health"), 403, "E_CSRF_HEADER_MISSING")


def test_an_explicit_bearer_header_needs_no_csrf_header(edge, clerk, http):
    # hospital systems and curl: the Authorization header, no cookie, no X-Requested-With
    token = http.post("/rpc/login", json={"login_id": clerk["login_id"], "password": PASSWORD,
                                          "key": f"KEY-{clerk['login_id']}"}).json()["token"]
    r = edge.post("/api/rpc/whoami", json={}, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200


def test_renew_session_renews_the_cookie(edge, clerk, sql):
    log_in(edge, clerk)
    sql(f"UPDATE app.sessions SET expires_at = now() + interval '2 minutes' WHERE account_id = {clerk['id']}")
    r = edge.post("/api/rpc/renew_session", json={}, headers=WEB)
    assert r.status_code == 200, r.text
    assert set(r.json()) == {"expires_at"}
    (cookie,) = set_cookies(r)
    assert cookie.startswith("nanbyo_session=ey")
    assert sql(f"SELECT bool_and(expires_at > now() + interval '29 minutes') FROM app.sessions "
               f"WHERE account_id = {clerk['id']} AND revoked_at IS NULL") == "t"
    assert edge.post("/api/rpc/whoami", json={}, headers=WEB).status_code == 200


def test_logout_deletes_the_cookie_and_ends_the_session(edge, clerk):
    log_in(edge, clerk)
    token = edge.cookies.get("nanbyo_session", domain="127.0.0.1", path="/api/")
    r = edge.post("/api/rpc/logout", json={}, headers=WEB)
    assert r.status_code == 200
    (cookie,) = set_cookies(r)
    assert cookie.startswith("nanbyo_session=; Max-Age=0;")
    assert "nanbyo_session" not in edge.cookies
    # without a cookie the client is anonymous again
    assert_error(edge.post("/api/rpc/whoami", json={}, headers=WEB), 401, "E_NOT_LOGGED_IN")
    # and the old token is dead even if someone kept it
    r = edge.post("/api/rpc/whoami", json={}, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and r.json()["details"] == "E_SESSION_REVOKED"


def test_a_stale_cookie_does_not_stop_the_next_login(edge, clerk, sql):
    log_in(edge, clerk)
    sql(f"UPDATE app.sessions SET expires_at = now() - interval '1 second' WHERE account_id = {clerk['id']}")
    expired = edge.post("/api/rpc/whoami", json={}, headers=WEB)
    assert expired.status_code == 401 and expired.json()["details"] == "E_SESSION_EXPIRED"
    assert log_in(edge, clerk).status_code == 200
    assert edge.post("/api/rpc/whoami", json={}, headers=WEB).status_code == 200

"""The browser session's database side (issue #18): with the web client's
header `X-Requested-With: nanbyo-web`, login and renew_session put the JWT
in an HttpOnly cookie (through PostgREST's response.headers) and leave it out
of the answer; logout and complete_enrolment delete it. Without the header
nothing changes. nginx turns the cookie into the Bearer header and checks
the header (tests/edge)."""

import base64
import json

import pytest

from helpers import PASSWORD, add_account, bearer, login, new_world, token_of

WEB = {"X-Requested-With": "nanbyo-web"}


@pytest.fixture()
def world(sql):
    return new_world(sql)


def session_cookie(response):
    """The Set-Cookie value of the session cookie (one only)."""
    cookies = [v for k, v in response.raw.headers.items() if k.lower() == "set-cookie"]
    assert len(cookies) == 1, cookies
    return cookies[0]


def test_login_of_the_web_client_puts_the_token_in_a_cookie_not_in_the_answer(http, sql, world):
    clerk = add_account(sql, "clerk", world["hospital_id"])
    r = http.post("/rpc/login", headers=WEB,
                  json={"login_id": clerk["login_id"], "password": PASSWORD, "key": f"KEY-{clerk['login_id']}"})
    assert r.status_code == 200, r.text
    assert "token" not in r.json()
    assert r.json()["stage"] == "full"
    cookie = session_cookie(r)
    name, _, rest = cookie.partition("=")
    token, _, attributes = rest.partition(";")
    assert name == "nanbyo_session"
    assert token.count(".") == 2
    assert [a.strip() for a in attributes.split(";")] == ["Path=/api/", "HttpOnly", "Secure", "SameSite=Strict"]
    # the cookie's token is a working session (nginx sends it as the Bearer header)
    me = http.post("/rpc/whoami", json={}, headers=bearer(token))
    assert me.status_code == 200 and me.json()["login_id"] == clerk["login_id"]


def test_login_without_the_header_is_unchanged(http, sql, world):
    clerk = add_account(sql, "clerk", world["hospital_id"])
    r = login(http, clerk["login_id"], key=f"KEY-{clerk['login_id']}")
    assert r.status_code == 200
    assert r.json()["token"].count(".") == 2
    assert "set-cookie" not in {k.lower() for k in r.headers}


def test_a_refused_login_sets_no_cookie(http, sql, world):
    clerk = add_account(sql, "clerk", world["hospital_id"])
    r = http.post("/rpc/login", headers=WEB, json={"login_id": clerk["login_id"], "password": "wrong"})
    assert r.status_code == 401
    assert r.json()["details"] == "E_LOGIN_FAILED"
    assert "set-cookie" not in {k.lower() for k in r.headers}


def test_renew_session_moves_the_expiry_and_answers_a_new_token(http, sql, world):
    clerk = add_account(sql, "clerk", world["hospital_id"])
    token = token_of(http, clerk["login_id"])
    sid_expiry = "SELECT expires_at FROM app.sessions WHERE account_id = {} ORDER BY issued_at DESC LIMIT 1"
    sql(f"UPDATE app.sessions SET expires_at = now() + interval '1 minute' WHERE account_id = {clerk['id']}")
    r = http.post("/rpc/renew_session", json={}, headers=bearer(token))
    assert r.status_code == 200, r.text
    answer = r.json()
    # the new token's own expiry follows the session's (plus the grace period)
    claims = json.loads(base64.urlsafe_b64decode(answer["token"].split(".")[1] + "=="))
    expires_at = sql(f"SELECT floor(extract(epoch FROM expires_at + app.jwt_grace()))::bigint FROM app.sessions "
                     f"WHERE id = '{claims['sid']}'")
    assert claims["exp"] == int(expires_at)
    assert sql(f"SELECT expires_at > now() + interval '29 minutes' FROM ({sid_expiry.format(clerk['id'])}) s") == "t"
    # the old token and the new one name the same session: both go on, and
    # whoami tells the session's new end (what the client warns before)
    for t in (token, answer["token"]):
        me = http.post("/rpc/whoami", json={}, headers=bearer(t))
        assert me.status_code == 200
        assert me.json()["session_expires_at"] == answer["expires_at"]
    assert sql(f"SELECT count(*) FROM app.audit_log WHERE action = 'session.renew' "
               f"AND actor_account_id = {clerk['id']}") == "1"


def test_renew_session_of_the_web_client_renews_the_cookie(http, sql, world):
    clerk = add_account(sql, "clerk", world["hospital_id"])
    token = token_of(http, clerk["login_id"])
    r = http.post("/rpc/renew_session", json={}, headers={**bearer(token), **WEB})
    assert r.status_code == 200, r.text
    assert "token" not in r.json() and "expires_at" in r.json()
    assert session_cookie(r).startswith("nanbyo_session=ey")


def test_an_ended_session_cannot_be_renewed(http, sql, world):
    clerk = add_account(sql, "clerk", world["hospital_id"])
    token = token_of(http, clerk["login_id"])
    sql(f"UPDATE app.sessions SET expires_at = now() - interval '1 second' WHERE account_id = {clerk['id']}")
    r = http.post("/rpc/renew_session", json={}, headers=bearer(token))
    assert r.status_code == 401
    assert r.json()["details"] == "E_SESSION_EXPIRED"


def test_logout_of_the_web_client_deletes_the_cookie(http, sql, world):
    clerk = add_account(sql, "clerk", world["hospital_id"])
    token = token_of(http, clerk["login_id"])
    r = http.post("/rpc/logout", json={}, headers={**bearer(token), **WEB})
    assert r.status_code == 200
    assert session_cookie(r) == "nanbyo_session=; Max-Age=0; Path=/api/; HttpOnly; Secure; SameSite=Strict"
    assert http.post("/rpc/whoami", json={}, headers=bearer(token)).json()["details"] == "E_SESSION_REVOKED"
    # without the header: no cookie
    token = token_of(http, clerk["login_id"])
    r = http.post("/rpc/logout", json={}, headers=bearer(token))
    assert "set-cookie" not in {k.lower() for k in r.headers}


def test_enrolment_of_the_web_client_ends_the_session_and_deletes_the_cookie(http, sql, world):
    clerk = add_account(sql, "clerk", world["hospital_id"])
    sql(f"UPDATE app.accounts SET key_hash = NULL WHERE id = {clerk['id']}")
    r = http.post("/rpc/login", headers=WEB, json={"login_id": clerk["login_id"], "password": PASSWORD})
    assert r.status_code == 200 and r.json()["stage"] == "enrolment", r.text
    token = session_cookie(r).split(";")[0].split("=", 1)[1]
    # an enrolment session may not be renewed
    refused = http.post("/rpc/renew_session", json={}, headers={**bearer(token), **WEB})
    assert refused.status_code == 403 and refused.json()["details"] == "E_ROLE_NOT_ALLOWED"
    r = http.post("/rpc/complete_enrolment", json={"email": "clerk@example.jp"}, headers={**bearer(token), **WEB})
    assert r.status_code == 200, r.text
    assert r.json()["key_file"].startswith("NANBYO-KEY-1:")
    assert session_cookie(r).startswith("nanbyo_session=; Max-Age=0;")

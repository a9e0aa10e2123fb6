"""API tokens for hospital systems over HTTP (#17 item 5): the hospital
admin makes a token (shown once), an EHR imports with it, the admin
revokes it and the next request is refused; an expired token and a call
outside the token's scopes are refused; every use is in the audit log under
the token's id."""

import base64
import datetime
import json
import uuid

import pytest

from helpers import add_account, bearer, new_world, token_of
from test_bulk_import import file_for, upload


@pytest.fixture()
def clinic(sql, http):
    w = new_world(sql)
    admin = add_account(sql, "doctor", w["hospital_id"], program="nanbyo", admin=True)
    number = sql(f"SELECT designated_doctor_number FROM app.accounts WHERE id = {admin['id']}")
    clerk = add_account(sql, "clerk", w["hospital_id"])
    return dict(w, admin=admin, doctor_number=number, admin_token=token_of(http, admin["login_id"]),
                clerk_token=token_of(http, clerk["login_id"]))


def in_days(days):
    return (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days)).isoformat()


def create(http, token, name="電子カルテ連携", scopes=("import",), expires_at=None):
    return http.post("/rpc/create_api_token", headers=bearer(token),
                     json={"name": name, "scopes": list(scopes), "expires_at": expires_at or in_days(90)})


def claims(jwt):
    part = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_a_token_imports_until_it_is_revoked_and_every_use_names_it(http, sql, clinic):
    r = create(http, clinic["admin_token"])
    assert r.status_code == 200, r.text
    made = r.json()
    token, token_id = made["token"], made["id"]
    assert (made["scopes"], made["status"], made["hospital_id"]) == (["import"], "active", clinic["hospital_id"])
    assert claims(token)["role"] == "api_token" and claims(token)["tid"] == str(token_id)
    assert "sub" not in claims(token) and "sid" not in claims(token)
    # the token is kept only as a keyed hash: neither it nor its secret part is stored or logged
    secret = claims(token)["jti"]
    assert sql(f"SELECT count(*) FROM app.api_tokens WHERE secret_hash IN ('{secret}', '{token}')") == "0"
    assert sql(f"SELECT count(*) FROM app.audit_log WHERE detail::text LIKE '%{secret}%'") == "0"

    # listed without the token
    listed = http.post("/rpc/list_api_tokens", headers=bearer(clinic["admin_token"]), json={}).json()
    assert [t["id"] for t in listed] == [token_id]
    assert "token" not in listed[0] and secret not in json.dumps(listed)
    assert listed[0]["last_used_at"] is None

    # the EHR imports with it: drafts are stored; confirming needs the doctor himself
    request_id = f"ehr-{uuid.uuid4().hex[:12]}"
    r = http.post("/rpc/import_forms_xml", data=file_for(clinic, "valid.xml").encode(),
                  headers={**bearer(token), "Content-Type": "text/plain; charset=utf-8", "X-Request-Id": request_id})
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["accepted"], report["rejected"]) == (1, 1)
    assert report["results"][0]["problems"][-1]["code"] in ("E_CONFIRM_NEEDS_DOCTOR", "E_DOCTOR_ONLY")
    assert r.headers["X-Request-Id"] == request_id
    rows = json.loads(sql(f"""SELECT json_agg(json_build_object('action', action, 'token', api_token_id,
                                     'role', actor_role, 'org', actor_organisation_id, 'login', actor_login_id)
                                     ORDER BY id)
                                FROM app.audit_log WHERE request_id = '{request_id}'"""))
    assert {x["action"] for x in rows} == {"form.import", "bulk.import"}
    assert all(x["token"] == token_id and x["role"] == "api_token" and x["org"] == clinic["hospital_id"]
               and x["login"] == f"api_token:{token_id}" for x in rows), rows
    listed = http.post("/rpc/list_api_tokens", headers=bearer(clinic["admin_token"]), json={}).json()
    assert listed[0]["last_used_at"] is not None, "the admin sees when it was last used"
    # the dry run is in the same scope
    r = http.post("/rpc/check_forms_xml", data=file_for(clinic, "valid.xml").encode(),
                  headers={**bearer(token), "Content-Type": "text/plain; charset=utf-8"})
    assert r.status_code == 200, r.text

    # revoked: the next request is refused, and the refusal names the token
    r = http.post("/rpc/revoke_api_token", headers=bearer(clinic["admin_token"]), json={"token_id": token_id})
    assert (r.status_code, r.json()["status"]) == (200, "revoked"), r.text
    request_id = f"ehr-{uuid.uuid4().hex[:12]}"
    r = http.post("/rpc/import_forms_xml", data=file_for(clinic, "valid.xml").encode(),
                  headers={**bearer(token), "Content-Type": "text/plain; charset=utf-8", "X-Request-Id": request_id})
    assert (r.status_code, r.json()["details"]) == (401, "E_API_TOKEN_REVOKED"), r.text
    assert "失効" in r.json()["message"]
    assert r.headers["X-Request-Id"] == request_id
    assert sql(f"SELECT action || ':' || outcome || ':' || api_token_id || ':' || actor_login_id || ':' "
               f"|| (detail ->> 'code') FROM app.audit_log WHERE request_id = '{request_id}'") == \
        f"request:refused:{token_id}:api_token:{token_id}:E_API_TOKEN_REVOKED"
    assert sql(f"SELECT string_agg(action, ',' ORDER BY id) FROM app.audit_log "
               f"WHERE action LIKE 'api_token.%' AND target_id = '{token_id}'") == "api_token.create,api_token.revoke"


def test_an_expired_token_is_refused(http, sql, clinic):
    made = create(http, clinic["admin_token"]).json()
    sql(f"UPDATE app.api_tokens SET created_at = now() - interval '2 days', expires_at = now() - interval '1 minute' "
        f"WHERE id = {made['id']}")
    r = upload(http, made["token"], file_for(clinic, "valid.xml"))
    assert (r.status_code, r.json()["details"]) == (401, "E_API_TOKEN_EXPIRED"), r.text
    assert "有効期限" in r.json()["message"]
    listed = http.post("/rpc/list_api_tokens", headers=bearer(clinic["admin_token"]), json={}).json()
    assert [t["status"] for t in listed] == ["expired"]


def test_a_call_outside_the_tokens_scopes_is_refused(http, sql, clinic):
    token = create(http, clinic["admin_token"]).json()["token"]
    for path, body in [("/rpc/search_forms", {}), ("/rpc/whoami", {}), ("/rpc/list_api_tokens", {}),
                       ("/rpc/create_api_token", {"name": "x", "scopes": ["import"], "expires_at": in_days(1)})]:
        r = http.post(path, headers=bearer(token), json=body)
        assert (r.status_code, r.json()["details"]) == (403, "E_API_TOKEN_SCOPE"), (path, r.text)
    for path in ["/organisations", "/form_versions"]:
        r = http.get(path, headers=bearer(token))
        assert (r.status_code, r.json()["details"]) == (403, "E_API_TOKEN_SCOPE"), (path, r.text)


def test_a_forged_token_is_refused(http, sql, clinic):
    """Signed with the real secret (as by someone who stole it) but without
    the token's own secret part, or for another hospital."""
    import hashlib
    import hmac
    made = create(http, clinic["admin_token"]).json()
    secret = sql("SELECT value FROM app.server_secrets WHERE name = 'jwt_secret'")

    def sign(payload):
        enc = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()  # noqa: E731
        head = enc(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        body = enc(json.dumps(payload).encode())
        sig = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
        return f"{head}.{body}.{enc(sig)}"

    good = claims(made["token"])
    for forged in [dict(good, jti="x" * 32), dict(good, org=str(clinic["municipality_id"])),
                   {k: v for k, v in good.items() if k != "jti"}, dict(good, tid="abc")]:
        r = upload(http, sign(forged), file_for(clinic, "valid.xml"))
        assert (r.status_code, r.json()["details"]) == (401, "E_API_TOKEN_INVALID"), r.text
    assert upload(http, sign(good), file_for(clinic, "valid.xml")).status_code == 200


def test_only_the_hospital_admin_makes_lists_and_revokes_tokens_of_the_own_hospital(http, sql, clinic):
    r = create(http, clinic["clerk_token"])
    assert (r.status_code, r.json()["details"]) == (403, "E_ROLE_NOT_ALLOWED")
    plain_doctor = add_account(sql, "doctor", clinic["hospital_id"], program="nanbyo")
    r = create(http, token_of(http, plain_doctor["login_id"]))
    assert (r.status_code, r.json()["details"]) == (403, "E_NOT_HOSPITAL_ADMIN")
    made = create(http, clinic["admin_token"]).json()
    other = new_world(sql)
    other_admin = add_account(sql, "hospital_admin", other["hospital_id"], admin=True)
    other_token = token_of(http, other_admin["login_id"])
    assert http.post("/rpc/list_api_tokens", headers=bearer(other_token), json={}).json() == []
    r = http.post("/rpc/revoke_api_token", headers=bearer(other_token), json={"token_id": made["id"]})
    assert (r.status_code, r.json()["details"]) == (404, "E_API_TOKEN_NOT_FOUND")


@pytest.mark.parametrize("body, code", [
    ({"name": "", "scopes": ["import"]}, "E_API_TOKEN_NAME"),
    ({"name": "EHR", "scopes": []}, "E_API_TOKEN_SCOPE_REQUIRED"),
    ({"name": "EHR", "scopes": ["export"]}, "E_API_TOKEN_SCOPE_UNKNOWN"),
    ({"name": "EHR", "scopes": ["import"], "expires_at": None}, "E_API_TOKEN_EXPIRY_REQUIRED"),
    ({"name": "EHR", "scopes": ["import"], "expires_at": "2020-01-01T00:00:00Z"}, "E_API_TOKEN_EXPIRY_PAST"),
    ({"name": "EHR", "scopes": ["import"], "expires_at": "+400"}, "E_API_TOKEN_EXPIRY_TOO_LONG"),
])
def test_a_token_needs_a_name_known_scopes_and_an_expiry_within_a_year(http, clinic, body, code):
    body = dict({"expires_at": in_days(30)}, **body)
    if body["expires_at"] == "+400":
        body["expires_at"] = in_days(400)
    r = http.post("/rpc/create_api_token", headers=bearer(clinic["admin_token"]), json=body)
    assert (r.status_code, r.json()["details"]) == (400, code), r.text

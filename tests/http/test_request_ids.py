"""Every answer carries X-Request-Id (#17 item 6): the client's id when it
is well formed, else a fresh one, and it is the id the audit log names.

Success, errors raised by app.raise (400/403/409, which before were plain
exceptions without the header), refusals of the pre-request check
(401/403) and 404 are each checked, with the audit row where the request
leaves one (a validation error leaves none: README, "Audit log").
"""

import uuid

import pytest

from helpers import add_account, bearer, new_world, token_of


@pytest.fixture()
def world(sql):
    w = new_world(sql)
    doctor = add_account(sql, "doctor", w["hospital_id"], program="nanbyo")
    return dict(w, doctor=doctor)


def audit_ids(sql, request_id):
    """action:outcome of the audit rows of a request id, in order."""
    return sql(f"SELECT string_agg(action || ':' || outcome, ',' ORDER BY id) FROM app.audit_log "
               f"WHERE request_id = '{request_id}'")


def call(http, path, token=None, json=None):
    request_id = f"rid-{uuid.uuid4().hex[:16]}"
    headers = {"X-Request-Id": request_id, **(bearer(token) if token else {})}
    r = http.post(path, json=json if json is not None else {}, headers=headers)
    return r, request_id


def test_a_success_carries_the_clients_id_and_the_audit_row_names_it(http, sql, world):
    r, request_id = call(http, "/rpc/login",
                         json={"login_id": world["admin_login"], "password": "World-Pass-2026!",
                               "key": f"KEY-{world['admin_login']}"})
    assert r.status_code == 200, r.text
    assert r.headers["X-Request-Id"] == request_id
    assert audit_ids(sql, request_id) == "login:success"


def test_an_id_the_client_did_not_send_is_made_and_logged(http, sql, world):
    r = http.post("/rpc/login", json={"login_id": world["admin_login"], "password": "wrong"})
    assert r.status_code == 401
    made = r.headers["X-Request-Id"]
    uuid.UUID(made)
    assert audit_ids(sql, made) == "login:failure"


def test_a_400_raised_by_app_raise_carries_it(http, world):
    admin = token_of(http, world["admin_login"])
    r, request_id = call(http, "/rpc/issue_accounts_from_csv", admin, {"csv": None})
    assert (r.status_code, r.json()["details"]) == (400, "E_CSV_REQUIRED"), r.text
    assert r.json() == {"code": "22023", "details": "E_CSV_REQUIRED", "hint": None,
                        "message": "医療機関ユーザデータファイルの内容（csv）を指定してください。"}
    assert r.headers["X-Request-Id"] == request_id
    # without the client's id: a fresh one all the same
    r = http.post("/rpc/issue_accounts_from_csv", json={"csv": None}, headers=bearer(admin))
    assert r.status_code == 400
    uuid.UUID(r.headers["X-Request-Id"])


def test_a_403_raised_by_app_raise_carries_it_and_is_logged_under_it(http, sql, world):
    token = token_of(http, world["doctor"]["login_id"])
    r, request_id = call(http, "/rpc/transfer_hospital_admin", token, {"account_id": world["doctor"]["id"]})
    assert (r.status_code, r.json()["details"]) == (403, "E_NOT_HOSPITAL_ADMIN"), r.text
    assert r.json()["code"] == "42501"
    assert r.headers["X-Request-Id"] == request_id
    assert audit_ids(sql, request_id) == "request:refused"


def test_a_409_raised_by_app_raise_carries_it(http, sql, world):
    other = new_world(sql)
    admin = token_of(http, world["admin_login"])
    r, request_id = call(http, "/rpc/change_medical_institution_code", admin,
                         {"hospital_id": world["hospital_id"], "new_code": other_hospital_code(sql, other)})
    assert (r.status_code, r.json()["details"]) == (409, "E_CODE_TAKEN"), r.text
    assert r.json()["code"] == "23505"
    assert r.headers["X-Request-Id"] == request_id


def other_hospital_code(sql, world):
    return sql(f"SELECT code FROM app.organisations WHERE id = {world['hospital_id']}")


def test_refusals_of_the_pre_request_check_carry_it_and_are_logged_under_it(http, sql, world):
    r, request_id = call(http, "/rpc/list_accounts")
    assert (r.status_code, r.json()["details"]) == (401, "E_NOT_LOGGED_IN")
    assert r.headers["X-Request-Id"] == request_id
    assert audit_ids(sql, request_id) == "request:refused"

    token = token_of(http, world["doctor"]["login_id"])
    r, request_id = call(http, "/rpc/search_audit_log", token)
    assert (r.status_code, r.json()["details"]) == (403, "E_ROLE_NOT_ALLOWED")
    assert r.headers["X-Request-Id"] == request_id
    assert audit_ids(sql, request_id) == "request:refused"


def test_a_404_carries_it_and_is_logged_under_it(http, sql, world):
    admin = token_of(http, world["admin_login"])
    r, request_id = call(http, "/rpc/delete_account", admin, {"account_id": 2**40, "reason": "moved"})
    assert (r.status_code, r.json()["details"]) == (404, "E_ACCOUNT_NOT_FOUND")
    assert r.headers["X-Request-Id"] == request_id
    assert audit_ids(sql, request_id) == "request:refused"


def test_errors_the_extension_raises_answer_like_app_raise(http, sql, world):
    """The Rust extension's errors inside a request: the status app.raise
    would give (404 for P0002, which PostgREST alone answers with 500), the
    request id, and a 404 recorded as a refusal."""
    token = token_of(http, world["doctor"]["login_id"])
    r = http.post("/rpc/register_patient", headers=bearer(token), json={
        "name": "難病 ハナコ", "name_kana": "ナンビョウ ハナコ", "birth_date": "1960-05-01", "sex": "2",
        "address": "東京都千代田区1"})
    assert r.status_code == 200, r.text
    patient_id = r.json()["id"]
    r, request_id = call(http, "/rpc/create_form", token,
                         {"patient_id": patient_id, "disease_code": "N999", "purpose": "new"})
    assert (r.status_code, r.json()["details"], r.json()["code"]) == (404, "E_UNKNOWN_DISEASE", "P0002"), r.text
    assert "N999" in r.json()["message"]
    assert r.headers["X-Request-Id"] == request_id
    assert audit_ids(sql, request_id) == "request:refused"

    # a number PostgreSQL's json reader takes but the extension refuses
    body = ('{"patient_id": %d, "disease_code": "N006", "purpose": "renewal", "data": {"hoehn_yahr": 1e309}}'
            % patient_id)
    r = http.post("/rpc/create_form", data=body, headers={
        **bearer(token), "Content-Type": "application/json", "X-Request-Id": "rid-ext-range"})
    assert (r.status_code, r.json()["details"], r.json()["code"]) == (400, "E_NUMBER_OUT_OF_RANGE", "22003"), r.text
    assert r.headers["X-Request-Id"] == "rid-ext-range"

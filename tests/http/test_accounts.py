"""Accounts over HTTP (issue #4): login, enrolment, lockout, key revocation
ending a live session, bulk CSV issuance and the issuer rules.

Each test builds its own small world (a municipality, a hospital and a
municipality admin) with fresh codes, so tests do not depend on each other.
"""

import json
import random
import uuid

import pytest

from helpers import PASSWORD, bearer, login, new_world, token_of


@pytest.fixture()
def world(sql):
    return new_world(sql)


def issue_doctor(http, token, hospital_id, registry, program="nanbyo", **extra):
    body = {
        "role": "doctor",
        "organisation_id": hospital_id,
        "name": "指定 医師",
        "name_kana": "シテイ イシ",
        "program": program,
        "doctor_kind": "designated",
        "medical_registry_number": registry,
        "designated_doctor_number": f"N-{registry}",
        "designation_expires_on": "2030-03-31",
        **extra,
    }
    return http.post("/rpc/issue_account", json=body, headers=bearer(token))


def enrol(http, login_id, initial_password, new_password="Doctor-Pass-2026!"):
    """First login of a new account: returns (new password, key file)."""
    r = login(http, login_id, initial_password)
    assert r.status_code == 200, r.text
    assert r.json()["stage"] == "enrolment"
    r = http.post(
        "/rpc/complete_enrolment",
        json={"new_password": new_password, "email": "doctor@example.jp"},
        headers=bearer(r.json()["token"]),
    )
    assert r.status_code == 200, r.text
    return new_password, r.json()["key_file"]


def new_registry_number():
    return str(random.randrange(1000000, 9999999))


def test_login_gives_a_token_the_api_accepts(http, world):
    r = login(http, world["admin_login"], key=f"KEY-{world['admin_login']}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["stage"] == "full"
    assert body["account"]["role"] == "municipality_admin"
    me = http.get("/rpc/whoami", headers=bearer(body["token"]))
    assert me.status_code == 200
    assert me.json()["login_id"] == world["admin_login"]
    assert me.json()["organisation"]["code"] == world["municipality_code"]


def test_bad_logins_are_refused_with_stable_codes(http, world):
    r = login(http, world["admin_login"], "wrong-password", key=f"KEY-{world['admin_login']}")
    assert r.status_code == 401
    assert r.json()["details"] == "E_LOGIN_FAILED"
    assert "パスワード" in r.json()["message"]
    # a missing or wrong key file is answered like a wrong password (no password oracle)
    r = login(http, world["admin_login"])
    assert (r.status_code, r.json()["details"]) == (401, "E_LOGIN_FAILED")
    r = login(http, world["admin_login"], key="KEY-someone-else")
    assert (r.status_code, r.json()["details"]) == (401, "E_LOGIN_FAILED")
    r = login(http, "no-such-login", "whatever")
    assert (r.status_code, r.json()["details"]) == (401, "E_LOGIN_FAILED")


def test_a_forged_or_sessionless_token_is_refused(http, world):
    token = token_of(http, world["admin_login"])
    r = http.get("/rpc/whoami", headers=bearer(token[:-2] + "xx"))
    assert r.status_code == 401


def test_first_login_enrols_a_key_that_is_required_from_then_on(http, world):
    admin = token_of(http, world["admin_login"])
    r = issue_doctor(http, admin, world["hospital_id"], new_registry_number())
    assert r.status_code == 200, r.text
    doctor = r.json()
    assert doctor["login_id"].startswith(world["hospital_code"] + "-")
    assert doctor["is_hospital_admin"] is True, "the first doctor of a hospital becomes its admin"

    r = login(http, doctor["login_id"], doctor["initial_password"])
    assert r.status_code == 200
    enrolment = r.json()
    assert enrolment["stage"] == "enrolment"
    # an enrolment session can do nothing else
    r = http.post("/rpc/list_accounts", json={}, headers=bearer(enrolment["token"]))
    assert r.status_code in (401, 403)

    password, key_file = enrol(http, doctor["login_id"], doctor["initial_password"])
    assert key_file.startswith("NANBYO-KEY-1:")
    # the enrolment session ended with the enrolment
    r = http.get("/rpc/whoami", headers=bearer(enrolment["token"]))
    assert (r.status_code, r.json()["details"]) == (401, "E_SESSION_REVOKED")
    assert login(http, doctor["login_id"], password).json()["details"] == "E_LOGIN_FAILED"
    r = login(http, doctor["login_id"], password, key_file)
    assert r.status_code == 200 and r.json()["stage"] == "full"


def test_five_failures_lock_and_the_issuer_unlocks(http, world, sql):
    admin = token_of(http, world["admin_login"])
    doctor = issue_doctor(http, admin, world["hospital_id"], new_registry_number()).json()
    password, key_file = enrol(http, doctor["login_id"], doctor["initial_password"])

    statuses = [login(http, doctor["login_id"], "wrong", key_file) for _ in range(5)]
    assert [r.status_code for r in statuses] == [401, 401, 401, 401, 403]
    assert statuses[-1].json()["details"] == "E_ACCOUNT_LOCKED"
    r = login(http, doctor["login_id"], password, key_file)
    assert (r.status_code, r.json()["details"]) == (403, "E_ACCOUNT_LOCKED")
    failures = sql(
        "SELECT count(*) FROM app.audit_log WHERE action = 'login' AND outcome = 'failure' "
        f"AND target_id = '{doctor['id']}'"
    )
    assert failures == "5"

    r = http.post("/rpc/unlock_account", json={"account_id": doctor["id"]}, headers=bearer(admin))
    assert r.status_code == 200, r.text
    assert login(http, doctor["login_id"], password, key_file).status_code == 200


def test_a_designation_change_ends_the_doctors_live_session(http, world):
    admin = token_of(http, world["admin_login"])
    doctor = issue_doctor(http, admin, world["hospital_id"], new_registry_number()).json()
    password, key_file = enrol(http, doctor["login_id"], doctor["initial_password"])
    session = login(http, doctor["login_id"], password, key_file).json()["token"]
    assert http.get("/rpc/whoami", headers=bearer(session)).status_code == 200

    r = http.post(
        "/rpc/update_doctor_designation",
        json={"account_id": doctor["id"], "designation_expires_on": "2031-03-31"},
        headers=bearer(admin),
    )
    assert r.status_code == 200, r.text
    designation = r
    r = http.get("/rpc/whoami", headers=bearer(session))
    assert (r.status_code, r.json()["details"]) == (401, "E_SESSION_REVOKED")
    # the old key is dead: the doctor enrols a new one with the code the municipality hands over
    assert login(http, doctor["login_id"], password, key_file).json()["details"] == "E_LOGIN_FAILED"
    r = http.post("/rpc/login", json={"login_id": doctor["login_id"], "password": password,
                                      "enrolment_code": designation.json()["enrolment_code"]})
    assert r.json()["stage"] == "enrolment", r.text


def test_a_key_reissue_by_the_hospital_admin_ends_the_session(http, world):
    admin = token_of(http, world["admin_login"])
    first = issue_doctor(http, admin, world["hospital_id"], new_registry_number()).json()
    second = issue_doctor(http, admin, world["hospital_id"], new_registry_number()).json()
    assert first["is_hospital_admin"] and not second["is_hospital_admin"]
    p1, k1 = enrol(http, first["login_id"], first["initial_password"])
    p2, k2 = enrol(http, second["login_id"], second["initial_password"])
    hospital_admin = login(http, first["login_id"], p1, k1).json()["token"]
    session = login(http, second["login_id"], p2, k2).json()["token"]

    r = http.post("/rpc/reissue_key", json={"account_id": second["id"]}, headers=bearer(hospital_admin))
    assert r.status_code == 200, r.text
    assert http.get("/rpc/whoami", headers=bearer(session)).status_code == 401


CSV_HEADER = (
    "medical_institution_code,account_type,program,doctor_kind,name,name_kana,email,"
    "medical_registry_number,designated_doctor_number,designation_expires_on\n"
)


def test_a_bulk_file_with_a_bad_row_writes_nothing_and_names_the_row(http, world, sql):
    admin = token_of(http, world["admin_login"])
    code = world["hospital_code"]
    good1, good2 = new_registry_number(), new_registry_number()
    csv = (
        CSV_HEADER
        + f"{code},doctor,nanbyo,designated,山田 太郎,ヤマダ タロウ,,{good1},N-{good1},2030-03-31\n"
        + f"{code},doctor,nanbyo,designated,鈴木 一郎,スズキ イチロウ,,12345678,N-2,2030-03-31\n"
        + f"{code},hospital_admin,,,佐藤 花子,サトウ ハナコ,,,,\n"
        + "1310270751,doctor,shoman,designated,田中 次郎,タナカ ジロウ,,"
        + f"{good2},S-{good2},2030-03-31\n"
    )
    before = sql(f"SELECT count(*) FROM app.accounts WHERE organisation_id = {world['hospital_id']}")
    r = http.post("/rpc/issue_accounts_from_csv", json={"csv": csv}, headers=bearer(admin))
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["accepted"] is False
    problems = {(p["line"], p["column"], p["code"]) for p in body["problems"]}
    assert (3, "medical_registry_number", "E_PATTERN") in problems
    assert any(line == 5 and code_ in ("E_UNKNOWN_HOSPITAL", "E_NOT_ISSUER") for line, _, code_ in problems)
    assert all(p["message"] for p in body["problems"])
    after = sql(f"SELECT count(*) FROM app.accounts WHERE organisation_id = {world['hospital_id']}")
    assert after == before, "nothing was written"

    fixed = CSV_HEADER + "\n".join(csv.splitlines()[1:2] + csv.splitlines()[3:4]) + "\n"
    r = http.post("/rpc/issue_accounts_from_csv", json={"csv": fixed}, headers=bearer(admin))
    assert r.status_code == 200, r.text
    accounts = r.json()["accounts"]
    assert [a["line"] for a in accounts] == [2, 3]
    assert accounts[0]["is_hospital_admin"] is True, "the first row's doctor becomes hospital admin"
    assert all(a["initial_password"] for a in accounts)


def test_a_malformed_csv_is_refused_whole(http, world):
    admin = token_of(http, world["admin_login"])
    r = http.post(
        "/rpc/issue_accounts_from_csv",
        json={"csv": CSV_HEADER + '"unterminated,doctor\n'},
        headers=bearer(admin),
    )
    assert r.status_code == 400
    assert r.json()["details"] == "E_CSV_MALFORMED"


def test_the_wrong_municipality_and_a_duplicate_are_refused_by_name(http, world, sql):
    admin = token_of(http, world["admin_login"])
    registry = new_registry_number()
    assert issue_doctor(http, admin, world["hospital_id"], registry).status_code == 200

    # a second municipality with its own admin and hospital
    other = new_world(sql)
    other_admin = token_of(http, other["admin_login"])

    r = issue_doctor(http, other_admin, world["hospital_id"], new_registry_number())
    assert r.status_code == 403
    assert r.json()["details"] == "E_NOT_ISSUER"
    assert f"テスト県{world['municipality_code']}" in r.json()["message"]

    r = issue_doctor(http, admin, world["hospital_id"], registry)
    assert r.status_code == 409
    assert r.json()["details"] == "E_DUPLICATE_DOCTOR_ID"
    assert f"テスト県{world['municipality_code']}" in r.json()["message"]


def test_the_request_id_reaches_the_audit_log(http, world, sql):
    request_id = str(uuid.uuid4())
    r = http.post(
        "/rpc/login",
        json={"login_id": world["admin_login"], "password": "wrong"},
        headers={"X-Request-Id": request_id},
    )
    assert r.status_code == 401
    logged = sql(f"SELECT action || ':' || outcome FROM app.audit_log WHERE request_id = '{request_id}'")
    assert logged == "login:failure"


def test_not_found_is_a_404_with_the_same_error_shape(http, world):
    admin = token_of(http, world["admin_login"])
    r = http.post("/rpc/delete_account", json={"account_id": 2**40, "reason": "moved"}, headers=bearer(admin))
    assert r.status_code == 404
    assert r.json() == {"code": "P0002", "details": "E_ACCOUNT_NOT_FOUND", "hint": None,
                        "message": "ユーザIDが見つかりません。"}


def test_a_call_the_role_is_not_granted_gets_a_clear_error(http, world):
    admin = token_of(http, world["admin_login"])
    r = http.post("/rpc/search_audit_log", json={}, headers=bearer(admin))
    assert r.status_code == 403
    assert r.json()["details"] == "E_ROLE_NOT_ALLOWED"
    assert "権限" in r.json()["message"]
    r = http.get("/secondary_hospitals", headers=bearer(admin))
    assert (r.status_code, r.json()["details"]) == (403, "E_ROLE_NOT_ALLOWED")
    r = http.patch("/organisations?id=eq.1", json={"name": "x"}, headers=bearer(admin))
    assert (r.status_code, r.json()["details"]) == (403, "E_ROLE_NOT_ALLOWED")
    r = http.post("/rpc/list_accounts", json={})
    assert (r.status_code, r.json()["details"]) == (401, "E_NOT_LOGGED_IN")
    # what the role is granted still works
    assert http.get("/organisations?limit=1", headers=bearer(admin)).status_code == 200
    assert http.post("/rpc/health", json={}).status_code == 200

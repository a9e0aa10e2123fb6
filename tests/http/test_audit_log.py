"""Operation-log search and tamper check over HTTP (D2, issue #20 item 2):
every filter of search_audit_log, keyset paging, CSV, masking for the
Ministry, verify_audit_log, and the refusal of every other role."""

import csv
import io
import json
import random
import uuid

import pytest

from helpers import add_account, bearer, new_world, token_of


def rpc(http, function, token, **body):
    return http.post(f"/rpc/{function}", json=body, headers=bearer(token))


@pytest.fixture()
def world(sql, http):
    w = new_world(sql)
    operator = json.loads(sql(f"""INSERT INTO app.organisations (kind, code, name)
        VALUES ('operator', 'OA{random.randrange(10**7)}', '運営主体') RETURNING json_build_object('id', id)"""))
    ministry = json.loads(sql(f"""INSERT INTO app.organisations (kind, code, name)
        VALUES ('ministry', 'MA{random.randrange(10**7)}', '厚生労働省') RETURNING json_build_object('id', id)"""))
    op = add_account(sql, "operator_staff", operator["id"])
    mh = add_account(sql, "ministry_staff", ministry["id"])
    doctor = add_account(sql, "doctor", w["hospital_id"], program="nanbyo", admin=True)
    return dict(w, operator_id=operator["id"], op=op, mh=mh, doctor=doctor,
                op_token=token_of(http, op["login_id"]), mh_token=token_of(http, mh["login_id"]),
                doctor_token=token_of(http, doctor["login_id"]),
                admin_token=token_of(http, w["admin_login"]))


def test_operator_finds_its_own_login_by_actor_organisation_action_and_outcome(http, world):
    w = world
    r = rpc(http, "search_audit_log", w["op_token"], actor_login_id=w["op"]["login_id"], action="login")
    assert r.status_code == 200, r.text
    rows = r.json()
    assert [x["action"] for x in rows] == ["login"] and rows[0]["outcome"] == "success"
    assert rows[0]["actor_organisation_id"] == w["operator_id"]
    r = rpc(http, "search_audit_log", w["op_token"], organisation_id=w["operator_id"], outcome="success")
    assert r.status_code == 200 and {x["actor_login_id"] for x in r.json()} == {w["op"]["login_id"]}
    r = rpc(http, "search_audit_log", w["op_token"], organisation_id=w["operator_id"], outcome="refused")
    assert r.status_code == 200 and r.json() == []
    r = rpc(http, "search_audit_log", w["op_token"], outcome="perhaps")
    assert (r.status_code, r.json()["details"]) == (400, "E_AUDIT_OUTCOME")


def test_by_target_record_time_range_and_request_id(http, sql, world):
    w = world
    request_id = f"audit-test-{uuid.uuid4().hex[:12]}"
    r = http.post("/rpc/list_accounts", json={}, headers={**bearer(w["admin_token"]), "X-Request-Id": request_id})
    assert r.status_code == 200, r.text
    r = rpc(http, "search_audit_log", w["op_token"], request_id=request_id)
    assert r.status_code == 200, r.text
    assert [(x["action"], x["actor_login_id"]) for x in r.json()] == [("read.accounts", w["admin_login"])]
    entry = r.json()[0]
    # a read of personal data, found by its time range
    r = rpc(http, "search_audit_log", w["op_token"], actor_login_id=w["admin_login"], action="read.",
            **{"from": entry["at"], "to": "2999-01-01T00:00:00Z"})
    assert [x["id"] for x in r.json()] == [entry["id"]]
    r = rpc(http, "search_audit_log", w["op_token"], actor_login_id=w["admin_login"], action="read.",
            **{"to": entry["at"]})
    assert r.json() == [], "to is exclusive"
    # by target record (kind and id)
    sql(f"""INSERT INTO app.audit_log (action, outcome, target_kind, target_id, actor_login_id)
            VALUES ('form.print', 'success', 'form', '{w['hospital_id']}-77', 'someone')""")
    r = rpc(http, "search_audit_log", w["op_token"], target_kind="form", target_id=f"{w['hospital_id']}-77")
    assert [x["action"] for x in r.json()] == ["form.print"]


def test_keyset_pages_follow_each_other_without_gaps(http, sql, world):
    w = world
    actor = f"pager-{uuid.uuid4().hex[:8]}"
    sql(f"""INSERT INTO app.audit_log (at, action, outcome, actor_login_id)
            SELECT now() - make_interval(secs => n), 'test.page', 'success', '{actor}' FROM generate_series(1, 25) n""")
    seen, cursor = [], {}
    while True:
        r = rpc(http, "search_audit_log", w["op_token"], actor_login_id=actor, limit=10, **cursor)
        assert r.status_code == 200, r.text
        page = r.json()
        seen += [x["id"] for x in page]
        if len(page) < 10:
            break
        cursor = {"cursor_at": page[-1]["at"], "cursor_id": page[-1]["id"]}
    assert len(seen) == 25 and len(set(seen)) == 25
    ats = sql(f"SELECT string_agg(id::text, ',' ORDER BY at DESC, id DESC) FROM app.audit_log WHERE actor_login_id = '{actor}'")
    assert [int(x) for x in ats.split(",")] == seen, "newest first, each once"
    r = rpc(http, "search_audit_log", w["op_token"], actor_login_id=actor, limit=3, oldest_first=True)
    assert [x["id"] for x in r.json()] == seen[::-1][:3]
    r = rpc(http, "search_audit_log", w["op_token"], cursor_id=1)
    assert (r.status_code, r.json()["details"]) == (400, "E_AUDIT_CURSOR")


def test_csv_download_and_the_search_is_logged(http, sql, world):
    w = world
    r = http.post("/rpc/search_audit_log", json={"actor_login_id": w["op"]["login_id"]},
                  headers={**bearer(w["op_token"]), "Accept": "text/csv"})
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert list(rows[0].keys())[:3] == ["id", "at", "request_id"]
    assert "login" in {x["action"] for x in rows}
    logged = sql(f"""SELECT detail ->> 'actor_login_id' FROM app.audit_log
                      WHERE action = 'read.audit_log' AND actor_login_id = '{w['op']['login_id']}' ORDER BY id DESC LIMIT 1""")
    assert logged == w["op"]["login_id"]


def test_personal_values_are_masked_for_the_ministry(http, sql, world):
    w = world
    marker = f"EXT-{uuid.uuid4().hex[:10]}"
    sql(f"""INSERT INTO app.audit_log (action, outcome, target_kind, target_id, actor_login_id, detail)
            VALUES ('form.import', 'success', 'patient', '{marker}', 'importer', '{{"external_id": "{marker}"}}')""")
    r = rpc(http, "search_audit_log", w["op_token"], target_kind="patient", target_id=marker)
    assert r.json()[0]["detail"]["external_id"] == marker and r.json()[0]["target_id"] == marker
    r = rpc(http, "search_audit_log", w["mh_token"], target_kind="patient", target_id=marker)
    assert r.status_code == 200 and len(r.json()) == 1
    assert marker not in r.text and r.json()[0]["detail"]["external_id"] == "＊＊＊"


def test_verify_reports_ok_and_what_is_not_sealed(http, world):
    for token in (world["op_token"], world["mh_token"]):
        r = rpc(http, "verify_audit_log", token)
        assert r.status_code == 200, r.text
        v = r.json()
        assert v["status"] == "ok" and v["first_break"] is None
        assert v["verified"] == v["links"] > 0
        assert v["unsealed"] == 0, "the check seals first"
        assert len(v["last_chain_hash"]) == 64
    r = http.get("/rpc/verify_audit_log", headers=bearer(world["op_token"]))
    assert r.status_code == 405


@pytest.mark.parametrize("function", ["search_audit_log", "verify_audit_log"])
def test_other_roles_are_refused(http, world, function):
    for token in (world["doctor_token"], world["admin_token"]):
        r = rpc(http, function, token)
        assert (r.status_code, r.json()["details"]) == (403, "E_ROLE_NOT_ALLOWED")

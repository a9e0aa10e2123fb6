"""The disease master (D4, issue #19): GET /diseases for every logged-in
user (348 指定難病, the shōman diseases by group, machine_judged), the
operator admin's maintenance (add, rename, end) with its refusals and
history, other roles refused, and the generated loader in step with the
data files. Every answer is checked against the OpenAPI document."""

import random
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import add_account, bearer, new_world

ROOT = Path(__file__).resolve().parents[2]


def test_the_generated_loader_matches_the_data_files():
    r = subprocess.run([sys.executable, str(ROOT / "sql/master/make_diseases_sql.py"), "--check"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


@pytest.fixture(scope="module")
def world(sql):
    w = new_world(sql)
    code = f"OP{random.randrange(10000, 99999)}"
    w["operator_id"] = int(sql(f"""INSERT INTO app.organisations (kind, code, name, runs_nanbyo, runs_shoman)
                                   VALUES ('operator', '{code}', '運営{code}', false, false) RETURNING id"""))
    return w


@pytest.fixture(scope="module")
def tokens(world, sql, api_url):
    import requests

    out = {}
    for role, org in [("operator_admin", world["operator_id"]), ("operator_staff", world["operator_id"]),
                      ("municipality_staff", world["municipality_id"])]:
        login_id = add_account(sql, role, org)["login_id"]
        r = requests.post(api_url + "/rpc/login", timeout=10, json={
            "login_id": login_id, "password": "World-Pass-2026!", "key": f"KEY-{login_id}"})
        assert r.status_code == 200, r.text
        out[role] = r.json()["token"]
    return out


def free_code(sql, prefix):
    """A code no row holds yet (the master keeps every row: tests never reuse one)."""
    while True:
        code = f"N{random.randrange(400, 999)}" if prefix == "N" else f"S16{random.randrange(50, 99)}"
        if sql(f"SELECT count(*) FROM app.diseases WHERE disease_code = '{code}'") == "0":
            return code


def test_anonymous_requests_are_refused(http):
    r = http.get("/diseases")
    assert (r.status_code, r.json()["details"]) == (401, "E_NOT_LOGGED_IN"), r.text


def test_every_logged_in_user_reads_the_lists(http, tokens):
    r = http.get("/diseases", params={"program": "eq.nanbyo", "notice_number": "lte.348", "order": "notice_number"},
                 headers=bearer(tokens["municipality_staff"]))
    assert r.status_code == 200, r.text
    rows = r.json()  # (diseases the tests add are numbered from 400)
    assert [d["notice_number"] for d in rows] == list(range(1, 349))
    assert [d["disease_code"] for d in rows][:3] == ["N001", "N002", "N003"]
    parkinson = next(d for d in rows if d["disease_code"] == "N006")
    assert (parkinson["name"], parkinson["machine_judged"], parkinson["disease_group"]) == ("パーキンソン病", True, None)
    assert next(d for d in rows if d["disease_code"] == "N001")["machine_judged"] is False
    in_force_2024 = [d for d in rows if d["effective_from"] <= "2024-04-01"]
    assert len(in_force_2024) == 341
    assert {d["disease_code"] for d in rows if d["effective_from"] == "2025-04-01"} == \
        {f"N{n}" for n in range(342, 349)}


def test_shoman_diseases_by_group(http, tokens):
    r = http.get("/diseases", params={"program": "eq.shoman", "disease_group_code": "eq.07", "order": "notice_number"},
                 headers=bearer(tokens["operator_staff"]))
    assert r.status_code == 200, r.text
    first = r.json()[0]
    assert (first["disease_code"], first["name"], first["disease_group"], first["machine_judged"]) == \
        ("S0701", "1型糖尿病", "糖尿病", True)
    r = http.get("/diseases", params={"select": "disease_group_code", "program": "eq.shoman"},
                 headers=bearer(tokens["operator_staff"]))
    assert {d["disease_group_code"] for d in r.json()} == {f"{g:02d}" for g in range(1, 17)}


def test_the_operator_admin_adds_renames_and_ends_a_disease(http, tokens, sql):
    code = free_code(sql, "N")
    admin = bearer(tokens["operator_admin"])
    r = http.post("/rpc/add_disease", headers=admin, json={
        "disease_code": code.lower(), "name": "試験疾病", "effective_from": "2026-04-01", "source": "試験の告示"})
    assert r.status_code == 200, r.text
    assert (r.json()["disease_code"], r.json()["program"], r.json()["effective_until"]) == (code, "nanbyo", None)

    r = http.post("/rpc/rename_disease", headers=admin, json={"disease_code": code, "name": "試験疾病（改称）", "source": "改正告示"})
    assert (r.status_code, r.json()["name"]) == (200, "試験疾病（改称）"), r.text
    r = http.post("/rpc/set_disease_effective_until", headers=admin,
                  json={"disease_code": code, "effective_until": "2027-03-31", "source": "廃止の告示"})
    assert (r.status_code, r.json()["effective_until"]) == (200, "2027-03-31"), r.text

    r = http.get("/rpc/disease_history", params={"disease_code": code}, headers=bearer(tokens["municipality_staff"]))
    assert r.status_code == 200, r.text
    history = r.json()
    assert [h["change"] for h in history] == ["set_effective_until", "rename", "add"]
    assert history[1]["old_values"]["name"] == "試験疾病" and history[1]["new_values"]["name"] == "試験疾病（改称）"
    assert all(h["changed_by"] is not None for h in history)
    assert sql(f"SELECT count(*) FROM app.audit_log WHERE target_kind = 'disease' AND target_id = '{code}'") == "3"


@pytest.mark.parametrize("body, status, code", [
    ({"disease_code": "N06"}, 400, "E_DISEASE_CODE_FORMAT"),
    ({"disease_code": "S1701"}, 400, "E_DISEASE_CODE_FORMAT"),
    ({"disease_code": "N006"}, 409, "E_DISEASE_EXISTS"),
    ({"effective_until": "2026-03-31"}, 400, "E_DISEASE_DATES"),
    ({"name": " "}, 400, "E_DISEASE_NAME_REQUIRED"),
    ({"source": ""}, 400, "E_DISEASE_SOURCE_REQUIRED"),
])
def test_refusals_write_nothing(http, tokens, sql, body, status, code):
    before = sql("SELECT (SELECT count(*) FROM app.diseases) || '/' || (SELECT count(*) FROM app.disease_history)")
    full = {"disease_code": free_code(sql, "S"), "name": "疾病", "effective_from": "2026-04-01", "source": "告示"} | body
    r = http.post("/rpc/add_disease", headers=bearer(tokens["operator_admin"]), json=full)
    assert (r.status_code, r.json()["details"]) == (status, code), r.text
    assert r.json()["message"]  # Japanese message for the user
    assert sql("SELECT (SELECT count(*) FROM app.diseases) || '/' || (SELECT count(*) FROM app.disease_history)") == before


@pytest.mark.parametrize("role", ["operator_staff", "municipality_staff"])
def test_other_roles_may_not_change_the_master(http, tokens, role):
    for path, body in [("/rpc/add_disease", {"disease_code": "N999", "name": "x", "effective_from": "2026-04-01", "source": "x"}),
                       ("/rpc/rename_disease", {"disease_code": "N006", "name": "x", "source": "x"}),
                       ("/rpc/set_disease_effective_until", {"disease_code": "N006", "effective_until": None, "source": "x"})]:
        r = http.post(path, headers=bearer(tokens[role]), json=body)
        assert (r.status_code, r.json()["details"]) == (403, "E_ROLE_NOT_ALLOWED"), r.text


def test_unknown_disease_is_404(http, tokens):
    r = http.post("/rpc/rename_disease", headers=bearer(tokens["operator_admin"]),
                  json={"disease_code": "N399", "name": "x", "source": "x"})
    assert (r.status_code, r.json()["details"]) == (404, "E_DISEASE_NOT_FOUND"), r.text
    r = http.get("/rpc/disease_history", params={"disease_code": "N399"}, headers=bearer(tokens["operator_admin"]))
    assert (r.status_code, r.json()["details"]) == (404, "E_DISEASE_NOT_FOUND"), r.text

"""The form entry screen's two calls (#18): api.form_layout, the form laid
out for rendering, and api.check_form, the live check as a doctor types:
the same judgment a save gives, nothing stored, nothing read but the form
version, no audit row."""

import json
import random
import uuid

import pytest

from helpers import add_account, bearer, new_world, token_of

PD = {"parkinsonism": True, "imaging_no_abnormality": True, "no_drug_toxin_exposure": True,
      "antiparkinson_response": True, "hoehn_yahr": 3, "life_function_grade": 2}


@pytest.fixture()
def clinic(sql, http):
    w = new_world(sql)
    doctor = add_account(sql, "doctor", w["hospital_id"], program="nanbyo")
    staff = add_account(sql, "municipality_staff", w["municipality_id"])
    operator_org = sql(f"INSERT INTO app.organisations (kind, code, name) "
                       f"VALUES ('operator', 'O{random.randrange(10**6)}', '運営主体') RETURNING id")
    operator = add_account(sql, "operator_staff", operator_org)
    c = dict(w, doctor_token=token_of(http, doctor["login_id"]), staff_token=token_of(http, staff["login_id"]),
             operator_token=token_of(http, operator["login_id"]))
    c["n006"] = int(sql("SELECT id FROM app.form_versions WHERE disease_code = 'N006' ORDER BY effective_from DESC LIMIT 1"))
    c["n049"] = int(sql("SELECT id FROM app.form_versions WHERE disease_code = 'N049' ORDER BY effective_from DESC LIMIT 1"))
    return c


def rpc(http, function, token, request_id=None, **body):
    headers = {**bearer(token), **({"X-Request-Id": request_id} if request_id else {})}
    return http.post(f"/rpc/{function}", json=body, headers=headers)


def test_the_layout_has_sections_code_labels_derived_values_and_autofilled_items(http, clinic):
    r = rpc(http, "form_layout", clinic["doctor_token"], form_version_id=clinic["n006"])
    assert r.status_code == 200, r.text
    layout = r.json()
    assert (layout["form_version_id"], layout["disease_code"], layout["program"]) == (clinic["n006"], "N006", "nanbyo")
    items = {i["item_id"]: i for s in layout["sections"] for i in s["items"]}
    assert {"code": "1", "label": "男", "label_en": None} in items["patient_sex"]["codes"]
    assert items["hoehn_yahr"]["required"] is True
    assert [i for i, x in items.items() if x["autofilled"]] == ["severity_hy3_lf2"]
    assert layout["severity"]["source"] and layout["diagnosis"]["source"]
    # the largest form's derived value, shown live
    sle = rpc(http, "form_layout", clinic["doctor_token"], form_version_id=clinic["n049"]).json()
    assert any(c["id"] == "sledai_total" for c in sle["calculations"]), sle["calculations"]
    # municipality staff read forms too, and so may render them
    assert rpc(http, "form_layout", clinic["staff_token"], form_version_id=clinic["n006"]).status_code == 200


def test_check_form_judges_as_a_save_would_and_stores_and_logs_nothing(http, sql, clinic):
    forms_before = sql("SELECT count(*) FROM app.forms")
    request_id = f"rid-{uuid.uuid4().hex[:16]}"
    r = rpc(http, "check_form", clinic["doctor_token"], request_id, form_version_id=clinic["n006"],
            data={"hoehn_yahr": 3, "life_function_grade": 2})
    assert r.status_code == 200, r.text
    j = r.json()
    assert j["primary_judgment"] == "needs_review"
    assert j["severity"] == {"met": True, "autofilled": {"severity_hy3_lf2": True}, "waiting_for": []}
    assert j["diagnosis"]["met"] is None
    assert j["diagnosis"]["waiting_for"] == ["parkinsonism", "imaging_no_abnormality", "no_drug_toxin_exposure",
                                             "antiparkinson_response"]
    assert any(e["item"] == "parkinsonism" and e["code"] == "E_REQUIRED" for e in j["errors"])
    assert j["applicable"] == {}
    assert sql("SELECT count(*) FROM app.forms") == forms_before
    assert sql(f"SELECT count(*) FROM app.audit_log WHERE request_id = '{request_id}'") == "0"

    # complete data: the judgment is what nanbyo.judge gives for the same data
    r = rpc(http, "check_form", clinic["doctor_token"], form_version_id=clinic["n006"], data=PD)
    assert r.json()["diagnosis"] == {"met": True, "category": None, "waiting_for": []}
    expected = sql(f"SELECT nanbyo.judge({clinic['n006']}, '{json.dumps(PD)}'::jsonb)")
    assert r.json() == json.loads(expected)


def test_check_form_refuses_what_a_save_refuses_and_who_may_not(http, clinic):
    r = rpc(http, "check_form", clinic["doctor_token"], form_version_id=clinic["n006"], data=[1, 2])
    assert (r.status_code, r.json()["details"]) == (400, "E_DATA_NOT_OBJECT"), r.text
    r = rpc(http, "check_form", clinic["doctor_token"], form_version_id=2**40, data={})
    assert (r.status_code, r.json()["details"]) == (404, "E_FORM_VERSION_NOT_FOUND"), r.text
    # (no version at all: an error, not a 200 with null; schemathesis found it)
    r = rpc(http, "check_form", clinic["doctor_token"], form_version_id=None, data=None)
    assert (r.status_code, r.json()["details"]) == (400, "E_FORM_VERSION_REQUIRED"), r.text
    r = rpc(http, "form_layout", clinic["doctor_token"], form_version_id=2**40)
    assert (r.status_code, r.json()["details"]) == (404, "E_FORM_VERSION_NOT_FOUND"), r.text
    # the operator reads forms but does not enter them; nobody anonymous
    assert rpc(http, "check_form", clinic["operator_token"], form_version_id=clinic["n006"], data={}).status_code == 403
    assert http.post("/rpc/check_form", json={"form_version_id": clinic["n006"], "data": {}}).status_code == 401

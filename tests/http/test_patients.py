"""Patients as a resource (issue #17): search (patients without a form
too), read, correct with the history kept, and the duplicate warning; the
same row-level security as forms; every read and change audit-logged."""

import random

from helpers import add_account, bearer, new_world, token_of
from test_forms import clinic  # noqa: F401 (fixture)


def post(http, path, token, **body):
    return http.post(f"/rpc/{path}", json=body, headers={**bearer(token), "Prefer": "count=exact"})


def test_a_second_registration_of_the_same_person_is_warned_about_not_refused(http, clinic):
    c = clinic
    r = post(http, "register_patient", c["doctor_token"], **{**c["patient"], "address": "東京都港区2-2"})
    assert r.status_code == 200, r.text
    warnings = r.json()["warnings"]
    assert [w["code"] for w in warnings] == ["W_PATIENT_DUPLICATE"]
    assert warnings[0]["patient_ids"] == [c["patient_id"]] and str(c["patient_id"]) in warnings[0]["message"]
    other = {**c["patient"], "birth_date": "1961-05-01"}
    assert post(http, "register_patient", c["doctor_token"], **other).json()["warnings"] == []


def test_a_patient_without_a_form_is_found_again_read_and_corrected_with_history(http, sql, clinic):
    c = clinic
    kana = c["patient"]["name_kana"]
    r = post(http, "search_patients", c["clerk_token"], name_kana=kana[:8])
    assert r.status_code in (200, 206), r.text
    assert [p["id"] for p in r.json()] == [c["patient_id"]] and r.json()[0]["forms"] == 0
    assert r.headers["Content-Range"].endswith("/1")
    r = post(http, "search_patients", c["clerk_token"], birth_date="1960-05-01", hospital_id=c["hospital_id"])
    assert c["patient_id"] in [p["id"] for p in r.json()]

    r = post(http, "update_patient", c["clerk_token"], patient_id=c["patient_id"], address="東京都新宿区3-3",
             postal_code="160-0001")
    assert r.status_code == 200, r.text
    r = post(http, "get_patient", c["doctor_token"], patient_id=c["patient_id"])
    assert r.status_code == 200, r.text
    p = r.json()
    assert (p["address"], p["postal_code"], p["forms"]) == ("東京都新宿区3-3", "160-0001", [])
    assert [h["changed"] for h in p["history"]] == [["address", "postal_code"]]
    before = sql(f"SELECT before ->> 'address' FROM app.patient_history WHERE patient_id = {c['patient_id']}")
    assert before == c["patient"]["address"], "the value before the change is kept"
    logged = sql(f"""SELECT string_agg(action, ',' ORDER BY id) FROM app.audit_log
                      WHERE action IN ('read.patients', 'read.patient', 'patient.update')
                        AND actor_account_id IN ({c['clerk']['id']}, {c['doctor']['id']})""")
    assert logged == "read.patients,read.patients,patient.update,read.patient"

    # the register's rule applies to a correction as to a registration; nothing changes
    r = post(http, "update_patient", c["clerk_token"], patient_id=c["patient_id"], name_kana="yamada")
    assert (r.status_code, r.json()["details"]) == (400, "E_PATIENT_KANA")
    assert sql(f"SELECT count(*) FROM app.patient_history WHERE patient_id = {c['patient_id']}") == "1"


def test_another_hospital_neither_finds_nor_corrects_the_patient(http, sql, clinic):
    c = clinic
    w = new_world(sql)
    clerk = add_account(sql, "clerk", w["hospital_id"])
    token = token_of(http, clerk["login_id"])
    r = post(http, "search_patients", token, name_kana=c["patient"]["name_kana"])
    assert r.json() == []
    r = post(http, "get_patient", token, patient_id=c["patient_id"])
    assert (r.status_code, r.json()["details"]) == (404, "E_PATIENT_NOT_FOUND")
    r = post(http, "update_patient", token, patient_id=c["patient_id"], address="大阪府" + str(random.random()))
    assert (r.status_code, r.json()["details"]) == (404, "E_PATIENT_NOT_FOUND")
    r = post(http, "update_patient", c["staff_token"], patient_id=c["patient_id"], address="大阪府")
    assert r.status_code == 403, "the municipality does not correct a hospital's patients"


def test_patients_are_paged_by_the_function_with_the_total_in_a_header(http, sql, clinic):
    """A large hospital's patient list: the function's own limit/offset
    (fast: only the page's rows are read), X-Total-Count with every match,
    the page's patients in the audit entry; and the same order as unpaged."""
    c = clinic
    for i in range(4):
        r = post(http, "register_patient", c["clerk_token"], **{**c["patient"], "birth_date": f"197{i}-01-01"})
        assert r.status_code == 200, r.text
    everyone = [p["id"] for p in post(http, "search_patients", c["clerk_token"], hospital_id=c["hospital_id"]).json()]
    assert len(everyone) == 5
    r = post(http, "search_patients", c["clerk_token"], hospital_id=c["hospital_id"], limit=2, offset=2)
    assert [p["id"] for p in r.json()] == everyone[2:4]
    assert r.headers["X-Total-Count"] == "5"
    logged = sql(f"""SELECT detail ->> 'matched' FROM app.audit_log WHERE action = 'read.patients'
                      AND actor_account_id = {c['clerk']['id']} ORDER BY id DESC LIMIT 1""")
    assert logged == "2"
    r = post(http, "search_patients", c["clerk_token"], hospital_id=c["hospital_id"], limit=2, offset=10)
    assert r.json() == [] and r.headers["X-Total-Count"] == "5"


def test_a_postal_code_typed_full_width_is_kept_half_width(http, sql, clinic):
    c = clinic
    r = post(http, "update_patient", c["clerk_token"], patient_id=c["patient_id"], postal_code="１００－０００１")
    assert r.status_code == 200, r.text
    assert sql(f"SELECT postal_code FROM app.patients WHERE id = {c['patient_id']}") == "100-0001"
    r = post(http, "register_patient", c["clerk_token"], **{**c["patient"], "birth_date": "1990-01-01",
                                                           "postal_code": "100ー0001"})
    assert r.status_code == 200, r.text
    assert sql(f"SELECT postal_code FROM app.patients WHERE id = {r.json()['id']}") == "100-0001"

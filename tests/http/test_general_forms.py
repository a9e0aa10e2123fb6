"""Every designated disease can be registered online (issue #19, D4): a
disease of the master without a form definition of its own is written on
its program's general form (一般様式, N000/S0000): drafted, confirmed and
issued like any other, judged needs_review with W_NO_MACHINE_JUDGMENT,
shown and printed under its own name."""

from helpers import bearer
from test_forms import clinic, confirmed_form, header, issue_key  # noqa: F401 (fixture)

STATED = {"diagnosis_criteria_met": True, "diagnosis_basis": "臨床症状とアンドロゲン受容体遺伝子のCAG反復数の延長",
          "severity_criteria_met": True, "severity_assessment": "modified Rankin Scale 3"}


def test_a_disease_without_its_own_form_is_drafted_confirmed_and_issued(http, sql, clinic):
    c = clinic
    # N001 球脊髄性筋萎縮症: in the master, no definition of its own
    assert sql("SELECT count(*) FROM app.form_versions WHERE disease_code = 'N001'") == "0"
    form_id = confirmed_form(http, c, disease="N001", findings=STATED)
    general = sql("SELECT id FROM app.form_versions WHERE disease_code = 'N000'")
    assert sql(f"SELECT disease_code || ' ' || form_version_id FROM app.forms WHERE id = {form_id}") == f"N001 {general}"

    r = http.post("/rpc/get_form", json={"form_id": form_id}, headers=bearer(c["doctor_token"]))
    assert r.status_code == 200, r.text
    form = r.json()
    assert (form["disease_code"], form["form_version_id"]) == ("N001", int(general))
    judgment = form["judgment"]
    assert (judgment["valid"], judgment["primary_judgment"]) == (True, "needs_review")
    assert [w["code"] for w in judgment["warnings"]] == ["W_NO_MACHINE_JUDGMENT"]

    key = issue_key(http, c, form_id)
    r = http.post("/rpc/fetch_form_by_key", json={"access_key": key}, headers=bearer(c["staff_token"]))
    assert r.status_code == 200, r.text
    assert (r.json()["disease_code"], r.json()["disease_name"]) == ("N001", "球脊髄性筋萎縮症")
    r = http.post("/rpc/print_form", json={"form_id": form_id, "access_key": key},
                  headers={**bearer(c["doctor_token"]), "Accept": "text/html"})
    assert r.status_code == 200, r.text
    assert "臨床調査個人票（球脊髄性筋萎縮症）" in r.text


def test_the_doctors_statement_is_required_and_never_judged(http, clinic):
    c = clinic
    r = http.post("/rpc/create_form", json={"patient_id": c["patient_id"], "disease_code": "N001",
                                            "purpose": "new", "consent_db_registration": True,
                                            "data": {**header(c), **STATED, "severity_criteria_met": False,
                                                     "diagnosis_basis": None}},
                  headers=bearer(c["doctor_token"]))
    assert r.status_code == 200, r.text
    judgment = r.json()["judgment"]
    assert judgment["primary_judgment"] == "needs_review"  # the doctor's "not met" is not a machine judgment
    assert [e["code"] for e in judgment["errors"]] == ["E_REQUIRED"]
    assert judgment["errors"][0]["item"] == "diagnosis_basis"


def test_the_general_codes_and_unknown_diseases_are_refused(http, sql, clinic):
    c = clinic
    before = sql("SELECT count(*) FROM app.forms")
    for code, status, error in (("N000", 404, "E_UNKNOWN_DISEASE"), ("S0000", 404, "E_UNKNOWN_DISEASE"),
                                ("N999", 404, "E_UNKNOWN_DISEASE")):
        r = http.post("/rpc/create_form", json={"patient_id": c["patient_id"], "disease_code": code,
                                                "purpose": "new", "data": header(c)},
                      headers=bearer(c["doctor_token"]))
        assert (r.status_code, r.json()["details"]) == (status, error), (code, r.text)
    # a disease no longer in force
    sql("UPDATE app.diseases SET effective_until = current_date - 1 WHERE disease_code = 'N003'")
    try:
        r = http.post("/rpc/create_form", json={"patient_id": c["patient_id"], "disease_code": "N003",
                                                "purpose": "new", "data": header(c)},
                      headers=bearer(c["doctor_token"]))
        assert (r.status_code, r.json()["details"]) == (409, "E_DISEASE_NOT_IN_FORCE"), r.text
        assert "対象ではありません" in r.json()["message"]
    finally:
        sql("UPDATE app.diseases SET effective_until = NULL WHERE disease_code = 'N003'")
    assert sql("SELECT count(*) FROM app.forms") == before

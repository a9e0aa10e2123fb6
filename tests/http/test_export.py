"""Export (issue #17, item 3; REDCap's "export records") and the data
dictionary over HTTP: a hospital's forms as bulk-registration XML that the
import reads back (the round trip), as rows (JSON and CSV), who may export
what, the audit entry; the data dictionary as JSON and CSV."""

import csv
import io
import json
import random
import re

import pytest

from helpers import add_account, bearer, new_world, token_of
from test_bulk_import import ROOT, file_for, upload
from test_forms import clinic  # noqa: F401 (fixture)

# the items the import fills from its own records (docs/bulk-xml.md), which
# differ by design when a form moves to another hospital or doctor
RECORD_ITEMS = {"medical_institution_code", "medical_institution_name", "doctor_name", "designated_doctor_number"}


@pytest.fixture()
def exported(sql, http):
    """A hospital with a doctor, a clerk and three imported forms (two
    confirmed N006, one draft N002); the operator's token."""
    w = new_world(sql)
    doctor = add_account(sql, "doctor", w["hospital_id"], program="nanbyo", admin=True)
    number = sql(f"SELECT designated_doctor_number FROM app.accounts WHERE id = {doctor['id']}")
    h = dict(w, doctor=doctor, doctor_number=number, doctor_token=token_of(http, doctor["login_id"]),
             clerk_token=token_of(http, add_account(sql, "clerk", w["hospital_id"])["login_id"]))
    ids = []
    for name in ["valid.xml", "one-bad-form.xml"]:
        r = upload(http, h["doctor_token"], file_for(h, name))
        assert r.status_code == 200, r.text
        ids += [x["form_id"] for x in r.json()["results"] if x["result"] == "accepted"]
    assert len(ids) == 3
    operator_org = json.loads(sql(f"""
        INSERT INTO app.organisations (kind, code, name)
        VALUES ('operator', 'O{random.randrange(10**6)}', '運営主体') RETURNING json_build_object('id', id)"""))
    h.update(form_ids=sorted(ids),
             operator_token=token_of(http, add_account(sql, "operator_staff", operator_org["id"])["login_id"]))
    return h


def export_xml(http, token, **args):
    return http.post("/rpc/export_forms_xml", json=args, headers={**bearer(token), "Accept": "application/xml"})


def form_state(sql, form_id):
    """What a form says: its attributes and all its items (clinical and personal)."""
    return json.loads(sql(f"""
        SELECT json_build_object('disease', f.disease_code, 'version', v.version_label, 'purpose', f.purpose,
                                 'status', f.status, 'consent', f.consent_db_registration, 'doctor', d.id,
                                 'fiscal_year', f.fiscal_year, 'data', coalesce(p.data, '{{}}') || f.data,
                                 'primary_judgment', f.judgment ->> 'primary_judgment')
          FROM app.forms f JOIN app.form_versions v ON v.id = f.form_version_id
          JOIN app.accounts d ON d.id = f.doctor_account_id LEFT JOIN app.form_personal p ON p.form_id = f.id
         WHERE f.id = {form_id}"""))


def test_export_then_import_reproduces_the_forms(http, sql, exported):
    h = exported
    r = export_xml(http, h["doctor_token"])
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/xml")
    body = r.text
    assert body.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert f'hospital="{h["hospital_code"]}"' in body and body.count("<form ") == 3
    # the published XSD takes it
    from lxml import etree
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    schema = etree.XMLSchema(etree.parse(str(ROOT / "docs" / "bulk-xml" / "nanbyo-forms.xsd"), parser))
    assert schema.validate(etree.fromstring(body.encode("utf-8"), parser)), schema.error_log
    # the same file whatever the client accepts (no Accept at all included),
    # and as the JSON object {hospital, forms, file} to a JSON client
    as_json = http.post("/rpc/export_forms_xml", json={},
                        headers={**bearer(h["doctor_token"]), "Accept": "application/json"})
    assert as_json.headers["Content-Type"].startswith("application/json"), as_json.headers
    assert (as_json.json()["hospital"], as_json.json()["forms"]) == (h["hospital_code"], 3)
    assert as_json.json()["file"].split("\n", 3)[3] == body.split("\n", 3)[3]
    for accept in [None, "*/*", "text/xml", "application/xml"]:
        plain = http.post("/rpc/export_forms_xml", json={},
                          headers={**bearer(h["doctor_token"]), **({"Accept": accept} if accept else {})})
        assert plain.headers["Content-Type"].startswith("application/xml"), accept
        assert plain.text.split("\n", 3)[3] == body.split("\n", 3)[3], accept  # (after the header's time)

    # 1. the same file at the same hospital: the hospital's own record ids,
    #    so every form is a duplicate of itself and nothing is created
    again = upload(http, h["doctor_token"], body).json()
    assert (again["duplicates"], again["accepted"], again["rejected"]) == (3, 0, 0), again
    assert sorted(x["form_id"] for x in again["results"]) == h["form_ids"]

    # 2. the same hospital with new record ids: new forms, the same content
    copy = upload(http, h["doctor_token"], body.replace('external-id="', 'external-id="copy-')).json()
    assert (copy["accepted"], copy["rejected"]) == (3, 0), copy
    for original, new in zip(h["form_ids"], sorted(x["form_id"] for x in copy["results"])):
        assert form_state(sql, new) == form_state(sql, original)

    # 3. another hospital, the forms' doctor mapped to that hospital's doctor:
    #    the same content, the record items being the new hospital's
    other = new_world(sql)
    other_doctor = add_account(sql, "doctor", other["hospital_id"], program="nanbyo")
    other_number = sql(f"SELECT designated_doctor_number FROM app.accounts WHERE id = {other_doctor['id']}")
    moved = body.replace(h["hospital_code"], other["hospital_code"]).replace(h["doctor_number"], other_number)
    there = upload(http, token_of(http, other_doctor["login_id"]), moved).json()
    assert (there["accepted"], there["rejected"]) == (3, 0), there
    for original, new in zip(h["form_ids"], sorted(x["form_id"] for x in there["results"])):
        before, after = form_state(sql, original), form_state(sql, new)
        assert after["data"]["medical_institution_code"] == other["hospital_code"]
        for state in (before, after):
            state.pop("doctor")
            for item in RECORD_ITEMS:
                state["data"].pop(item, None)
        assert after == before


def test_filters_choose_the_forms_and_the_file_reads_as_a_dry_run(http, sql, exported):
    h = exported
    drafts = export_xml(http, h["clerk_token"], status="draft").text
    assert drafts.count("<form ") == 2 and 'disease="N006"' not in drafts and 'status="confirmed"' not in drafts
    n006 = export_xml(http, h["clerk_token"], disease_code="N006", fiscal_year=int(sql(
        "SELECT app.fiscal_year(current_date)"))).text
    assert n006.count("<form ") == 1 and 'status="confirmed"' in n006
    assert export_xml(http, h["clerk_token"], fiscal_year=2001).text.count("<form ") == 0
    checked = http.post("/rpc/check_forms_xml", data=n006.encode("utf-8"),
                        headers={**bearer(h["doctor_token"]), "Content-Type": "text/xml"}).json()
    assert checked["duplicates"] == 1 and checked["errors"] == 0, checked
    r = export_xml(http, h["clerk_token"], status="no_such_status")
    assert (r.status_code, r.json()["details"]) == (400, "E_FORM_STATUS")


def test_rows_as_json_and_csv(http, sql, exported):
    h = exported
    rows = http.post("/rpc/export_forms", json={"disease_code": "N006"}, headers=bearer(h["doctor_token"])).json()
    assert {r["form_id"] for r in rows} == {h["form_ids"][0]}
    first = [r for r in rows if r["form_id"] == h["form_ids"][0]]
    values = {r["item_id"]: r["value"] for r in first}
    assert values["hoehn_yahr"] == "3" and values["patient_name"] == "難病 太郎"
    assert values["medical_institution_code"] == h["hospital_code"]
    assert {r["status"] for r in first} == {"confirmed"}
    r = http.post("/rpc/export_forms", json={"disease_code": "N006"},
                  headers={**bearer(h["doctor_token"]), "Accept": "text/csv"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(r.text)))
    assert len(table) == len(rows)
    assert table[0].keys() >= {"form_id", "external_id", "item_id", "value"}
    assert [(t["item_id"], t["value"]) for t in table] == [(x["item_id"], x["value"]) for x in rows]


def test_who_may_export_and_the_audit_entry(http, sql, exported):
    h = exported
    other = new_world(sql)
    stranger = token_of(http, add_account(sql, "clerk", other["hospital_id"])["login_id"])
    r = export_xml(http, stranger, hospital_id=h["hospital_id"])
    assert (r.status_code, r.json()["details"]) == (403, "E_NOT_HOSPITAL_STAFF")
    r = http.post("/rpc/export_forms", json={"hospital_id": h["hospital_id"]}, headers=bearer(stranger))
    assert (r.status_code, r.json()["details"]) == (403, "E_NOT_HOSPITAL_STAFF")
    r = export_xml(http, h["operator_token"])
    assert (r.status_code, r.json()["details"]) == (400, "E_HOSPITAL_REQUIRED")
    request_id = f"export-{random.randrange(10**9)}"
    r = http.post("/rpc/export_forms_xml", json={"hospital_id": h["hospital_id"]},
                  headers={**bearer(h["operator_token"]), "Accept": "application/xml", "X-Request-Id": request_id})
    assert r.status_code == 200 and r.text.count("<form ") == 3
    entry = json.loads(sql(f"""SELECT json_build_object('action', action, 'detail', detail)
                                 FROM app.audit_log WHERE request_id = '{request_id}'"""))
    assert entry["action"] == "read.form_export"
    assert sorted(int(i) for i in entry["detail"]["ids"]) == h["form_ids"]
    assert entry["detail"]["forms"] == 3 and entry["detail"]["hospital_id"] == h["hospital_id"]
    staff = add_account(sql, "municipality_staff", h["municipality_id"])
    r = export_xml(http, token_of(http, staff["login_id"]), hospital_id=h["hospital_id"])
    assert (r.status_code, r.json()["details"]) == (403, "E_ROLE_NOT_ALLOWED")
    # a year of a large hospital may take longer than the roles' 30 seconds
    assert [sql(f"SELECT app.statement_timeout_for('{f}')") for f in ("export_forms_xml", "export_forms")] == \
        ["5min", "5min"]
    r = http.get(f"/rpc/export_forms_xml?hospital_id={h['hospital_id']}",
                 headers={**bearer(h["doctor_token"]), "Accept": "application/xml"})
    assert r.status_code == 405, r.text


def test_the_data_dictionary_as_json_and_csv(http, sql, exported):
    h = exported
    r = http.get("/rpc/data_dictionary?disease_code=N006", headers=bearer(h["clerk_token"]))
    assert r.status_code == 200, r.text
    rows = r.json()
    version = rows[0]["form_version_id"]
    items = [x for x in rows if x["form_version_id"] == version]
    ids = [x["item_id"] for x in items]
    assert ids[0].startswith("patient_") and "hoehn_yahr" in ids
    by_id = {x["item_id"]: x for x in items}
    assert by_id["patient_name"]["block"] == "patient@1" and by_id["hoehn_yahr"]["block"] is None
    assert by_id["patient_name"]["personal"] == "name" and by_id["patient_name"]["required"] is True
    sex = by_id["patient_sex"]
    assert sex["type"] == "choice" and all(c["code"] and c["label"] for c in sex["codes"])
    hy = by_id["hoehn_yahr"]
    assert (hy["min"], hy["max"]) == (0, 5) and hy["label"]
    # the same as the extension's item list of the version (every item, in order)
    assert len(items) == int(sql(f"""SELECT jsonb_array_length(nanbyo.data_dictionary(definition))
                                       FROM app.form_versions WHERE id = {version}"""))
    r = http.get("/rpc/data_dictionary?disease_code=N006", headers={**bearer(h["clerk_token"]), "Accept": "text/csv"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(r.text)))
    assert [t["item_id"] for t in table] == [x["item_id"] for x in rows]
    assert json.loads(table[[t["item_id"] for t in table].index("patient_sex")]["codes"]) == sex["codes"]
    assert re.fullmatch(r"\d+", table[0]["form_version_id"])
    contractor_org = json.loads(sql(f"""
        INSERT INTO app.organisations (kind, code, name)
        VALUES ('contractor', 'C{random.randrange(10**6)}', '入力センター') RETURNING json_build_object('id', id)"""))
    contractor = token_of(http, add_account(sql, "contractor", contractor_org["id"])["login_id"])
    r = http.get("/rpc/data_dictionary?disease_code=N006", headers=bearer(contractor))
    assert (r.status_code, r.json()["details"]) == (403, "E_ROLE_NOT_ALLOWED")


def test_a_form_entered_online_and_issued_exports_under_its_own_id_and_imports_as_a_copy(http, sql, clinic):
    from test_forms import confirmed_form, issue_key

    c = clinic
    form_id = confirmed_form(http, c)
    issue_key(http, c, form_id)
    body = export_xml(http, c["clerk_token"]).text
    assert f'external-id="NANBYO-{form_id}"' in body and 'status="confirmed"' in body, body
    # ids the import has not seen: the doctor's upload makes a copy, equal in content
    copy = upload(http, c["doctor_token"], body).json()
    assert (copy["accepted"], copy["rejected"]) == (1, 0), copy
    new_id = copy["results"][0]["form_id"]
    before, after = form_state(sql, form_id), form_state(sql, new_id)
    assert (before.pop("status"), after.pop("status")) == ("issued", "confirmed")
    assert after == before
    rows = http.post("/rpc/export_forms", json={}, headers=bearer(c["doctor_token"])).json()
    assert {(r["form_id"], r["external_id"], r["status"]) for r in rows} >= {(form_id, f"NANBYO-{form_id}", "issued")}

"""Bulk registration over HTTP (issue #6): the XML file as the request body,
a per-form report back; hostile and malformed files refused whole; a second
upload creates no duplicates; wrong roles refused. The files are the
examples of docs/bulk-xml/examples, pointed at this test's hospital."""

import json
import pathlib
import random
import subprocess

import pytest

from helpers import add_account, bearer, new_world, token_of

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "docs" / "bulk-xml" / "examples"
ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture()
def hospital(sql, http):
    w = new_world(sql)
    doctor = add_account(sql, "doctor", w["hospital_id"], program="nanbyo", admin=True)
    number = sql(f"SELECT designated_doctor_number FROM app.accounts WHERE id = {doctor['id']}")
    clerk = add_account(sql, "clerk", w["hospital_id"])
    return dict(w, doctor=doctor, doctor_number=number, doctor_token=token_of(http, doctor["login_id"]),
                clerk_token=token_of(http, clerk["login_id"]))


def file_for(h, name, run=None):
    """An example file sent by hospital `h` (its code, its doctor, fresh record ids)."""
    run = run or f"{random.randrange(10**9)}"
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    return (text.replace("1310123455", h["hospital_code"]).replace("T-N-0001", h.get("doctor_number", "T-N-0001"))
            .replace('external-id="EHR-', f'external-id="R{run}-'))


def upload(http, token, body):
    return http.post("/rpc/import_forms_xml", data=body.encode("utf-8"),
                     headers={**bearer(token), "Content-Type": "text/plain; charset=utf-8"})


def count_forms(sql, h):
    return int(sql(f"SELECT count(*) FROM app.forms WHERE hospital_id = {h['hospital_id']}"))


def test_a_valid_file_is_imported_and_a_second_upload_adds_nothing(http, sql, hospital):
    body = file_for(hospital, "valid.xml")
    r = upload(http, hospital["doctor_token"], body)
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["forms"], report["accepted"], report["rejected"]) == (2, 2, 0)
    assert [x["status"] for x in report["results"]] == ["confirmed", "draft"]
    form_id = report["results"][0]["form_id"]
    assert sql(f"SELECT judgment ->> 'primary_judgment' FROM app.forms WHERE id = {form_id}") == "meets"
    assert sql(f"SELECT data ->> 'patient_birth_date' FROM app.form_personal WHERE form_id = {form_id}") == "1960-05-01"
    before = count_forms(sql, hospital)

    again = upload(http, hospital["doctor_token"], body).json()
    assert again["duplicates"] == 2 and again["accepted"] == 0
    assert [x["form_id"] for x in again["results"]] == [x["form_id"] for x in report["results"]]
    assert count_forms(sql, hospital) == before, "no duplicate forms"


def test_a_bad_form_among_good_ones_is_rejected_alone(http, sql, hospital):
    before = count_forms(sql, hospital)
    r = upload(http, hospital["doctor_token"], file_for(hospital, "one-bad-form.xml"))
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["accepted"], report["rejected"]) == (1, 1)
    bad = report["results"][0]
    assert bad["result"] == "rejected" and "form_id" not in bad
    problem = next(p for p in bad["problems"] if p["severity"] == "error")
    assert (problem["code"], problem["item"], problem["line"], problem["column"]) == ("E_RANGE", "hoehn_yahr", 25, 5)
    assert "Hoehn-Yahr" in problem["message"]
    assert count_forms(sql, hospital) == before + 1


@pytest.mark.parametrize("name, code, line", [
    ("malformed.xml", "E_XML_MALFORMED", 19),
    ("doctype-entity.xml", "E_XML_DOCTYPE", 2),
])
def test_malformed_and_hostile_files_are_refused_whole(http, sql, hospital, name, code, line):
    before = count_forms(sql, hospital)
    r = upload(http, hospital["doctor_token"], file_for(hospital, name))
    assert r.status_code == 400, r.text
    assert r.json()["details"] == code
    assert r.json()["message"].startswith(f"{line}行")
    assert count_forms(sql, hospital) == before, "nothing written"


def test_a_clerk_uploads_drafts_only_and_only_for_their_hospital(http, sql, hospital):
    r = upload(http, hospital["clerk_token"], file_for(hospital, "valid.xml"))
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert results[0]["result"] == "rejected"
    assert results[0]["problems"][-1]["code"] == "E_CONFIRM_NEEDS_DOCTOR"
    assert results[1]["result"] == "accepted" and results[1]["status"] == "draft"

    other = new_world(sql)
    r = upload(http, hospital["clerk_token"], file_for(other, "valid.xml"))
    assert (r.status_code, r.json()["details"]) == (403, "E_NOT_HOSPITAL_STAFF")


def test_wrong_roles_cannot_upload(http, sql, hospital):
    staff = add_account(sql, "municipality_staff", hospital["municipality_id"])
    r = upload(http, token_of(http, staff["login_id"]), file_for(hospital, "valid.xml"))
    assert (r.status_code, r.json()["details"]) == (403, "E_ROLE_NOT_ALLOWED")
    r = http.post("/rpc/import_forms_xml", data=b"<x/>", headers={"Content-Type": "text/plain"})
    assert (r.status_code, r.json()["details"]) == (401, "E_NOT_LOGGED_IN")


def test_the_contractor_imports_paper_forms_naming_their_scans(http, sql, hospital):
    contractor_org = json.loads(sql(f"""
        INSERT INTO app.organisations (kind, code, name)
        VALUES ('contractor', 'C{random.randrange(10**6)}', '入力センター') RETURNING json_build_object('id', id)"""))
    contractor = add_account(sql, "contractor", contractor_org["id"])
    token = token_of(http, contractor["login_id"])
    # C4: the operator gives the contractor the scans to key in
    operator_org = json.loads(sql(f"""
        INSERT INTO app.organisations (kind, code, name)
        VALUES ('operator', 'O{random.randrange(10**6)}', '運営主体') RETURNING json_build_object('id', id)"""))
    operator = token_of(http, add_account(sql, "operator_staff", operator_org["id"])["login_id"])
    r = http.post("/rpc/assign_scans", json={"contractor_organisation_id": contractor_org["id"],
                                             "hospital_id": hospital["hospital_id"],
                                             "scans": ["SCAN-0001.pdf", "SCAN-0002.pdf"]}, headers=bearer(operator))
    assert (r.status_code, r.json()["assigned"]) == (200, 2), r.text
    body = file_for(hospital, "valid.xml").replace('status="confirmed"', 'status="draft"')
    r = upload(http, token, body)
    assert r.status_code == 200, r.text
    assert {x["problems"][-1]["code"] for x in r.json()["results"]} == {"E_SCAN_REQUIRED"}
    with_scans = body.replace('purpose="renewal"', 'purpose="renewal" scan="SCAN-0001.pdf"').replace(
        'purpose="new"', 'purpose="new" scan="SCAN-0002.pdf"')
    r = upload(http, token, with_scans)
    assert r.json()["accepted"] == 2, r.text
    assert sql("SELECT count(*) FROM app.form_imports WHERE scan LIKE 'SCAN-000%.pdf'") != "0"


def test_the_check_tool_and_the_import_agree_on_every_example(http, hospital):
    tool = ROOT / "target" / "debug" / "nanbyo-check"
    if not tool.exists():
        subprocess.run(["cargo", "build", "-q", "-p", "nanbyo-check"], cwd=ROOT, check=True)
    for example in sorted(EXAMPLES.glob("*.xml")):
        body = file_for(hospital, example.name)
        local = pathlib.Path("/tmp") / f"nanbyo-agree-{random.randrange(10**9)}.xml"
        local.write_text(body, encoding="utf-8")
        out = subprocess.run([str(tool), "--format", "json", str(local)], capture_output=True, text=True)
        local.unlink()
        checked = json.loads(out.stdout)["files"][0]
        r = upload(http, hospital["doctor_token"], body)
        if checked["file_error"]:
            assert r.status_code == 400, example.name
            assert r.json()["details"] == checked["file_error"]["code"], example.name
            continue
        report = r.json()
        tool_findings = [[(p["code"], p["line"], p["column"]) for p in f["problems"]] for f in checked["forms"]]
        server_findings = [[(p["code"], p["line"], p["column"]) for p in x["problems"]] for x in report["results"]]
        assert server_findings == tool_findings, example.name
        assert [f["accepted"] for f in checked["forms"]] == [x["result"] == "accepted" for x in report["results"]]


def test_the_examples_follow_the_published_xsd():
    """The XSD generated from the form definitions accepts the well-formed
    examples (lxml, no network, no DTD)."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    schema = etree.XMLSchema(etree.parse(str(ROOT / "docs" / "bulk-xml" / "nanbyo-forms.xsd"), parser))
    for name in ["valid.xml", "one-bad-form.xml"]:
        doc = etree.parse(str(EXAMPLES / name), parser)
        assert schema.validate(doc), (name, schema.error_log)
    broken = etree.fromstring(
        b'<nanbyo-forms xmlns="urn:nanbyo-db:bulk:1"><header hospital="1310270751"/>'
        b'<form external-id="x" disease="N006" purpose="renewal"><item id="no_such_item">1</item></form>'
        b'</nanbyo-forms>', parser)
    assert not schema.validate(broken), "unknown item ids are outside the schema"

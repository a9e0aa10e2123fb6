"""The dry run of the bulk import over HTTP (issue #17, item 4):
POST /rpc/check_forms_xml answers what /rpc/import_forms_xml would, and
stores nothing; it agrees with the offline check tool `nanbyo-check` on every
example of docs/bulk-xml/examples; text/xml bodies are accepted by both
calls (application/xml is refused by PostgREST 12.0.2 itself)."""

import json
import pathlib
import random
import subprocess

import pytest

from helpers import add_account, bearer, new_world, token_of
from test_bulk_import import EXAMPLES, ROOT, count_forms, file_for, hospital, upload  # noqa: F401 (fixture)


def dry_run(http, token, body, content_type="text/plain; charset=utf-8"):
    return http.post("/rpc/check_forms_xml", data=body.encode("utf-8"),
                     headers={**bearer(token), "Content-Type": content_type})


def imports_of(sql, h):
    return int(sql(f"SELECT count(*) FROM app.form_imports WHERE hospital_id = {h['hospital_id']}"))


def check_tool(body):
    tool = ROOT / "target" / "debug" / "nanbyo-check"
    if not tool.exists():
        subprocess.run(["cargo", "build", "-q", "-p", "nanbyo-check"], cwd=ROOT, check=True)
    local = pathlib.Path("/tmp") / f"nanbyo-dry-{random.randrange(10**9)}.xml"
    local.write_text(body, encoding="utf-8")
    try:
        out = subprocess.run([str(tool), "--format", "json", str(local)], capture_output=True, text=True)
    finally:
        local.unlink()
    return json.loads(out.stdout)["files"][0]


def findings(problems):
    return [(p["severity"], p["code"], p["item"], p["line"], p["column"], p["message"]) for p in problems]


def test_the_dry_run_and_the_check_tool_agree_on_every_example_and_nothing_is_stored(http, sql, hospital):
    examples = sorted(EXAMPLES.glob("*.xml"))
    assert len(examples) >= 5
    for example in examples:
        body = file_for(hospital, example.name)
        checked = check_tool(body)
        before = (count_forms(sql, hospital), imports_of(sql, hospital))
        r = dry_run(http, hospital["doctor_token"], body)
        assert (count_forms(sql, hospital), imports_of(sql, hospital)) == before, f"{example.name}: nothing stored"
        if checked["file_error"]:
            # refused whole, as the import refuses it: same code, same place
            assert r.status_code == 400, (example.name, r.text)
            error = checked["file_error"]
            assert r.json()["details"] == error["code"], example.name
            assert r.json()["message"] == f"{error['line']}行{error['column']}桁: {error['message']}", example.name
            continue
        assert r.status_code == 200, (example.name, r.text)
        report = r.json()
        assert report["dry_run"] is True
        assert [findings(x["problems"]) for x in report["results"]] == \
            [findings(f["problems"]) for f in checked["forms"]], example.name
        assert [(x["index"], x["external_id"], x["line"], x["column"]) for x in report["results"]] == \
            [(f["index"], f["external_id"], f["line"], f["column"]) for f in checked["forms"]], example.name
        assert [x["result"] == "accepted" for x in report["results"]] == [f["accepted"] for f in checked["forms"]]
        summary = checked["summary"]
        assert (report["forms"], report["accepted"], report["rejected"], report["errors"], report["warnings"]) == \
            (summary["forms"], summary["accepted"], summary["rejected"], summary["errors"], summary["warnings"]), \
            example.name
        assert not any("form_id" in x for x in report["results"]), "nothing stored, no form ids"


def test_the_dry_run_answers_what_the_import_then_does(http, sql, hospital):
    for name in ["valid.xml", "one-bad-form.xml", "repeated-record.xml"]:
        body = file_for(hospital, name)
        checked = dry_run(http, hospital["clerk_token"], body).json()
        imported = upload(http, hospital["clerk_token"], body).json()
        strip = lambda x: {k: v for k, v in x.items() if k != "form_id"}  # noqa: E731
        assert [strip(x) for x in checked["results"]] == [strip(x) for x in imported["results"]], name
        assert [checked[k] for k in ("forms", "accepted", "rejected", "duplicates")] == \
            [imported[k] for k in ("forms", "accepted", "rejected", "duplicates")]
        # the clerk's confirmed form: the import's own rule, foreseen by the dry run
        if name == "valid.xml":
            assert checked["results"][0]["problems"][-1]["code"] == "E_CONFIRM_NEEDS_DOCTOR"
        # the same file again: duplicates of the forms just imported, named with their ids
        again = dry_run(http, hospital["clerk_token"], body).json()
        accepted = [x for x in imported["results"] if x["result"] == "accepted"]
        duplicates = [x for x in again["results"] if x["result"] == "duplicate"]
        assert [x["form_id"] for x in duplicates] == [x["form_id"] for x in accepted], name
        assert again["duplicates"] == len(accepted) and again["accepted"] == 0


def test_the_dry_run_checks_the_uploaders_rights_like_the_import(http, sql, hospital):
    other = new_world(sql)
    r = dry_run(http, hospital["clerk_token"], file_for(other, "valid.xml"))
    assert (r.status_code, r.json()["details"]) == (403, "E_NOT_HOSPITAL_STAFF")
    staff = add_account(sql, "municipality_staff", hospital["municipality_id"])
    r = dry_run(http, token_of(http, staff["login_id"]), file_for(hospital, "valid.xml"))
    assert (r.status_code, r.json()["details"]) == (403, "E_ROLE_NOT_ALLOWED")
    r = http.post("/rpc/check_forms_xml", data=b"<x/>", headers={"Content-Type": "text/plain"})
    assert (r.status_code, r.json()["details"]) == (401, "E_NOT_LOGGED_IN")
    r = http.get("/rpc/check_forms_xml", headers=bearer(hospital["doctor_token"]))
    assert r.status_code in (405, 404), r.text
    r = dry_run(http, hospital["doctor_token"], "")
    assert (r.status_code, r.json()["details"]) == (400, "E_XML_EMPTY")
    assert sql("SELECT app.statement_timeout_for('check_forms_xml')") == "10min"  # as long as the import


def test_the_dry_run_is_audited_without_personal_data(http, sql, hospital):
    request_id = f"dry-{random.randrange(10**9)}"
    r = http.post("/rpc/check_forms_xml", data=file_for(hospital, "one-bad-form.xml").encode("utf-8"),
                  headers={**bearer(hospital["doctor_token"]), "Content-Type": "text/plain; charset=utf-8",
                           "X-Request-Id": request_id})
    assert r.status_code == 200, r.text
    entry = json.loads(sql(f"""SELECT json_build_object('action', action, 'target_id', target_id, 'detail', detail)
                                 FROM app.audit_log WHERE request_id = '{request_id}'"""))
    assert entry["action"] == "bulk.check" and entry["target_id"] == str(hospital["hospital_id"])
    assert entry["detail"] == {"forms": 2, "accepted": 1, "rejected": 1, "duplicates": 0}


@pytest.mark.parametrize("path", ["/rpc/check_forms_xml", "/rpc/import_forms_xml"])
def test_text_xml_bodies_are_accepted_and_application_xml_is_refused_by_postgrest(http, sql, hospital, path):
    body = file_for(hospital, "one-bad-form.xml")
    as_text = http.post(path.replace("import", "check"), data=body.encode("utf-8"),
                        headers={**bearer(hospital["doctor_token"]), "Content-Type": "text/plain"}).json()
    r = http.post(path, data=body.encode("utf-8"),
                  headers={**bearer(hospital["doctor_token"]), "Content-Type": "text/xml; charset=utf-8"})
    assert r.status_code == 200, r.text
    assert [x["problems"] for x in r.json()["results"]] == [x["problems"] for x in as_text["results"]]
    assert (r.json()["accepted"], r.json()["rejected"]) == (1, 1)
    # a hostile file is still the extension's to refuse (well-formed, so PostgreSQL passes it on)
    before = count_forms(sql, hospital)
    r = http.post(path, data=file_for(hospital, "doctype-entity.xml").encode("utf-8"),
                  headers={**bearer(hospital["doctor_token"]), "Content-Type": "text/xml"})
    assert (r.status_code, r.json()["details"]) == (400, "E_XML_DOCTYPE"), r.text
    # not well-formed: PostgreSQL's xml input refuses it first, still a 400 and nothing stored
    r = http.post(path, data=file_for(hospital, "malformed.xml").encode("utf-8"),
                  headers={**bearer(hospital["doctor_token"]), "Content-Type": "text/xml"})
    assert (r.status_code, r.json()["code"]) == (400, "2200N"), r.text
    assert count_forms(sql, hospital) == before
    # PostgREST 12.0.2 takes no other body type for a function: refused before the database
    r = http.post(path, data=body.encode("utf-8"),
                  headers={**bearer(hospital["doctor_token"]), "Content-Type": "application/xml"})
    assert r.status_code in (400, 415), r.text
    assert "application/xml" in r.json()["message"]


@pytest.mark.parametrize("path", ["/rpc/check_forms_xml", "/rpc/import_forms_xml"])
def test_octet_stream_bodies_are_decoded_here_and_a_file_not_in_utf8_is_refused_clearly(http, sql, hospital, path):
    body = file_for(hospital, "one-bad-form.xml")
    as_text = dry_run(http, hospital["doctor_token"], body).json()
    r = http.post(path, data=body.encode("utf-8"),
                  headers={**bearer(hospital["doctor_token"]), "Content-Type": "application/octet-stream"})
    assert r.status_code == 200, r.text
    assert [x["problems"] for x in r.json()["results"]] == [x["problems"] for x in as_text["results"]]
    before = count_forms(sql, hospital)
    shift_jis = file_for(hospital, "valid.xml").encode("shift_jis")
    r = http.post(path, data=shift_jis,
                  headers={**bearer(hospital["doctor_token"]), "Content-Type": "application/octet-stream"})
    assert (r.status_code, r.json()["details"]) == (400, "E_XML_ENCODING"), r.text
    assert "UTF-8" in r.json()["message"]
    for empty in [b"", b"\x00"]:
        r = http.post(path, data=empty,
                      headers={**bearer(hospital["doctor_token"]), "Content-Type": "application/octet-stream"})
        assert r.status_code == 400 and r.json()["details"] in ("E_XML_EMPTY", "E_XML_ENCODING"), r.text
    # as text, PostgreSQL refuses the bytes before any function sees them
    r = http.post(path, data=shift_jis, headers={**bearer(hospital["doctor_token"]), "Content-Type": "text/plain"})
    assert (r.status_code, r.json()["code"]) == (400, "22021"), r.text
    assert count_forms(sql, hospital) == before


def test_the_contractors_dry_run_checks_its_scans_and_keys_none(http, sql, hospital):
    contractor_org = json.loads(sql(f"""
        INSERT INTO app.organisations (kind, code, name)
        VALUES ('contractor', 'C{random.randrange(10**6)}', '入力センター') RETURNING json_build_object('id', id)"""))
    token = token_of(http, add_account(sql, "contractor", contractor_org["id"])["login_id"])
    body = file_for(hospital, "valid.xml").replace('status="confirmed"', 'status="draft"')
    # no scans assigned for this hospital: refused whole, as the upload is
    r = dry_run(http, token, body)
    assert (r.status_code, r.json()["details"]) == (403, "E_NO_SCANS_ASSIGNED")
    sql(f"""INSERT INTO app.scan_assignments (contractor_organisation_id, hospital_id, scan, assigned_by)
            SELECT {contractor_org['id']}, {hospital['hospital_id']}, s, {hospital['doctor']['id']}
              FROM unnest(ARRAY['SCAN-A.pdf', 'SCAN-B.pdf']) s""")
    report = dry_run(http, token, body).json()
    assert {x["problems"][-1]["code"] for x in report["results"]} == {"E_SCAN_REQUIRED"}
    with_scans = body.replace('purpose="renewal"', 'purpose="renewal" scan="SCAN-A.pdf"').replace(
        'purpose="new"', 'purpose="new" scan="SCAN-A.pdf"')
    report = dry_run(http, token, with_scans).json()
    assert [x["result"] for x in report["results"]] == ["accepted", "rejected"]
    assert report["results"][1]["problems"][-1]["code"] == "E_SCAN_NOT_ASSIGNED"  # the same scan twice
    assert sql(f"""SELECT count(*) FROM app.scan_assignments
                    WHERE contractor_organisation_id = {contractor_org['id']} AND form_id IS NULL""") == "2"

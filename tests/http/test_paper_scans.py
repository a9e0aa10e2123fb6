"""The paper path (C4, issue #19 item 3): a municipality uploads scans of
paper forms (PDF) with their metadata; the operator downloads them and gives
them to a contractor, whose XML import keys them; the operator marks them
done. Each rule and each refusal: not a PDF, too big, a duplicate, a form
version past its paper period, the wrong role at each step, another
municipality's scans."""

import base64
import json
import pathlib
import random

import pytest

from helpers import add_account, bearer, new_world, token_of

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "docs" / "bulk-xml" / "examples"


def minimal_pdf(text="paper form"):
    """A small valid PDF (one page, one line of text), with a correct xref table."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def file_of(content, name="scan.pdf"):
    return {"name": name, "content_base64": base64.b64encode(content).decode("ascii")}


def organisation(sql, kind, name):
    return json.loads(sql(f"""
        INSERT INTO app.organisations (kind, code, name)
        VALUES ('{kind}', '{kind[0].upper()}{random.randrange(10**6)}', '{name}')
        RETURNING json_build_object('id', id)"""))["id"]


@pytest.fixture()
def paper(sql, http):
    """A municipality with its staff, a hospital with a doctor, the operator and a contractor."""
    w = new_world(sql)
    staff = add_account(sql, "municipality_staff", w["municipality_id"])
    doctor = add_account(sql, "doctor", w["hospital_id"], program="nanbyo", admin=True)
    contractor_org = organisation(sql, "contractor", "入力センター")
    operator_org = organisation(sql, "operator", "運営主体")
    return dict(
        w, contractor_org=contractor_org,
        doctor_number=sql(f"SELECT designated_doctor_number FROM app.accounts WHERE id = {doctor['id']}"),
        doctor_token=token_of(http, doctor["login_id"]),
        staff_token=token_of(http, staff["login_id"]),
        operator_token=token_of(http, add_account(sql, "operator_staff", operator_org)["login_id"]),
        contractor_token=token_of(http, add_account(sql, "contractor", contractor_org)["login_id"]))


def upload(http, token, content, name="scan.pdf", **metadata):
    body = {"file": file_of(content, name), "program": "nanbyo", "fiscal_year": 2026, **metadata}
    return http.post("/rpc/upload_paper_scan", json=body, headers=bearer(token))


def scans_of(sql, municipality_id):
    return int(sql(f"SELECT count(*) FROM app.paper_scans WHERE municipality_id = {municipality_id}"))


def assert_refused(r, status, code):
    assert r.status_code == status, r.text
    body = r.json()
    assert body["details"] == code, body
    assert any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body
    return body


def test_the_whole_path_uploaded_downloaded_keyed_done(http, sql, paper):
    p = paper
    pdfs = [minimal_pdf(f"renewal {random.random()}"), minimal_pdf(f"new {random.random()}")]
    scans = []
    for i, pdf in enumerate(pdfs):
        r = upload(http, p["staff_token"], pdf, name=f"紙の票{i}.pdf", disease_code=["N006", "N002"][i])
        assert r.status_code == 200, r.text
        scans.append(r.json())
    first = scans[0]
    assert first["status"] == "uploaded" and first["reference"] == f"PS-{first['id']}"
    assert first["byte_size"] == len(pdfs[0]) and first["municipality"]["id"] == p["municipality_id"]
    assert first["disease_name"] and first["assignment"] is None
    ids = [s["id"] for s in scans]
    assert sql(f"SELECT count(*) FROM app.audit_log WHERE action = 'paper_scan.upload' "
               f"AND target_id IN ('{ids[0]}', '{ids[1]}')") == "2"

    # the municipality lists its scans; nobody may key one the operator has not looked at
    listed = http.post("/rpc/list_paper_scans", json={}, headers=bearer(p["staff_token"])).json()
    assert [s["id"] for s in listed] == ids[::-1]
    assign = {"contractor_organisation_id": p["contractor_org"], "hospital_id": p["hospital_id"], "paper_scan_ids": ids}
    assert_refused(http.post("/rpc/assign_scans", json=assign, headers=bearer(p["operator_token"])),
                   409, "E_PAPER_SCAN_STATUS")
    # the contractor sees nothing it was not given
    assert_refused(http.post("/rpc/download_paper_scan", json={"paper_scan_id": ids[0]},
                             headers=bearer(p["contractor_token"])), 404, "E_PAPER_SCAN_NOT_FOUND")

    # the operator downloads: the bytes as uploaded; the first download moves the status
    downloaded = {}
    for scan_id, pdf in zip(ids, pdfs):
        r = http.post("/rpc/download_paper_scan", json={"paper_scan_id": scan_id}, headers=bearer(p["operator_token"]))
        assert r.status_code == 200, r.text
        assert base64.b64decode(r.json()["content_base64"]) == pdf
        assert r.json()["scan"]["status"] == "downloaded" and r.json()["media_type"] == "application/pdf"
        downloaded[scan_id] = r.json()["scan"]["downloaded_at"]
    again = http.post("/rpc/download_paper_scan", json={"paper_scan_id": ids[0]}, headers=bearer(p["operator_token"]))
    assert again.json()["scan"]["downloaded_at"] == downloaded[ids[0]], "the first download counts"
    assert sql(f"SELECT count(*) FROM app.audit_log WHERE action = 'paper_scan.download' AND target_id = '{ids[0]}'") == "2"

    # assigned to the contractor (again: nothing new), under their references
    r = http.post("/rpc/assign_scans", json=assign, headers=bearer(p["operator_token"]))
    assert r.status_code == 200, r.text
    assert r.json()["assigned"] == 2 and sorted(r.json()["references"]) == sorted(s["reference"] for s in scans)
    assert http.post("/rpc/assign_scans", json=assign, headers=bearer(p["operator_token"])).json()["assigned"] == 0
    other = organisation(sql, "contractor", "別の入力センター")
    assert_refused(http.post("/rpc/assign_scans", json={**assign, "contractor_organisation_id": other},
                             headers=bearer(p["operator_token"])), 409, "E_PAPER_SCAN_ASSIGNED")

    # the contractor lists and downloads its scans (the status stays) and keys them
    mine = http.post("/rpc/list_paper_scans", json={}, headers=bearer(p["contractor_token"])).json()
    assert sorted(s["id"] for s in mine) == sorted(ids)
    r = http.post("/rpc/download_paper_scan", json={"paper_scan_id": ids[1]}, headers=bearer(p["contractor_token"]))
    assert r.status_code == 200 and base64.b64decode(r.json()["content_base64"]) == pdfs[1]
    assert r.json()["scan"]["status"] == "downloaded"
    assert_refused(http.post("/rpc/complete_paper_scan", json={"paper_scan_id": ids[0]},
                             headers=bearer(p["operator_token"])), 409, "E_PAPER_SCAN_STATUS")

    xml = ((EXAMPLES / "valid.xml").read_text(encoding="utf-8")
           .replace("1310123455", p["hospital_code"]).replace("T-N-0001", p["doctor_number"])
           .replace('external-id="EHR-', f'external-id="P{random.randrange(10**9)}-')
           .replace('status="confirmed"', 'status="draft"')
           .replace('purpose="renewal"', f'purpose="renewal" scan="PS-{ids[0]}"')
           .replace('purpose="new"', f'purpose="new" scan="PS-{ids[1]}"'))
    r = http.post("/rpc/import_forms_xml", data=xml.encode("utf-8"),
                  headers={**bearer(p["contractor_token"]), "Content-Type": "text/plain; charset=utf-8"})
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == 2, r.text
    form_ids = [x["form_id"] for x in r.json()["results"]]
    keyed = {s["id"]: s for s in http.post("/rpc/list_paper_scans", json={"status": "keyed"},
                                           headers=bearer(p["operator_token"])).json()}
    assert keyed[ids[0]]["form_id"] == form_ids[0] and keyed[ids[1]]["form_id"] == form_ids[1]
    # the statistics count them as paper forms (entry channel, D1)
    assert sql(f"SELECT string_agg(DISTINCT entry_channel, ',') FROM app.forms WHERE id IN ({form_ids[0]}, {form_ids[1]})") == "paper"
    assert sql(f"SELECT count(*) FROM app.audit_log WHERE action = 'paper_scan.keyed' "
               f"AND target_id IN ('{ids[0]}', '{ids[1]}')") == "2"

    # only the operator marks it done, once
    for token in (p["staff_token"], p["contractor_token"]):
        assert_refused(http.post("/rpc/complete_paper_scan", json={"paper_scan_id": ids[0]}, headers=bearer(token)),
                       403, "E_ROLE_NOT_ALLOWED")
    r = http.post("/rpc/complete_paper_scan", json={"paper_scan_id": ids[0]}, headers=bearer(p["operator_token"]))
    assert r.status_code == 200 and r.json()["status"] == "done", r.text
    assert_refused(http.post("/rpc/complete_paper_scan", json={"paper_scan_id": ids[0]},
                             headers=bearer(p["operator_token"])), 409, "E_PAPER_SCAN_STATUS")
    mine = http.post("/rpc/list_paper_scans", json={"status": "done"}, headers=bearer(p["staff_token"])).json()
    assert [s["id"] for s in mine] == [ids[0]]
    assert sql(f"SELECT count(*) FROM app.audit_log WHERE action = 'paper_scan.done' AND target_id = '{ids[0]}'") == "1"


@pytest.mark.parametrize("content", [
    b"name,kana\n\xe9\x9b\xa3\xe7\x97\x85,\xe3\x83\x8a\n" * 10,        # a CSV
    minimal_pdf()[:-7] + b"garbage",                                   # a PDF cut off: no %%EOF
    b"%PDF-",                                                          # a header and nothing else
    b"\x89PNG\r\n\x1a\n" + minimal_pdf(),                              # a PDF inside another file
])
def test_a_file_that_is_not_a_pdf_is_refused_and_nothing_stored(http, sql, paper, content):
    body = assert_refused(upload(http, paper["staff_token"], content, name="scan.pdf"), 400, "E_NOT_PDF")
    assert "PDF" in body["message"]
    assert scans_of(sql, paper["municipality_id"]) == 0


def test_malformed_uploads_are_refused(http, sql, paper):
    p = paper
    r = http.post("/rpc/upload_paper_scan", json={"file": {"name": "a.pdf", "content_base64": "***"},
                                                  "program": "nanbyo", "fiscal_year": 2026}, headers=bearer(p["staff_token"]))
    assert_refused(r, 400, "E_FILE_BASE64")
    r = http.post("/rpc/upload_paper_scan", json={"file": {"content_base64": "JVBERi0="}, "program": "nanbyo",
                                                  "fiscal_year": 2026}, headers=bearer(p["staff_token"]))
    assert_refused(r, 400, "E_FILE_REQUIRED")
    assert_refused(upload(http, p["staff_token"], minimal_pdf(), name="../x.pdf"), 400, "E_FILE_NAME")
    assert_refused(upload(http, p["staff_token"], minimal_pdf(), program="other"), 400, "E_PROGRAM")
    assert_refused(upload(http, p["staff_token"], minimal_pdf(), fiscal_year=1999), 400, "E_FISCAL_YEAR")
    assert_refused(upload(http, p["staff_token"], minimal_pdf(), disease_code="S0501"), 400, "E_PAPER_SCAN_DISEASE")
    assert scans_of(sql, p["municipality_id"]) == 0


def test_a_file_over_20_mib_is_refused(http, sql, paper):
    pdf = minimal_pdf()
    big = pdf[:-6] + b"%" + b" " * (20 * 1024 * 1024 - len(pdf) + 1) + b"\n%%EOF\n"
    assert len(big) > 20 * 1024 * 1024
    body = assert_refused(upload(http, paper["staff_token"], big), 413, "E_FILE_TOO_LARGE")
    assert "20 MiB" in body["message"]
    # a base64 text too long to be 20 MiB is refused before decoding
    r = http.post("/rpc/upload_paper_scan", json={"file": {"name": "a.pdf", "content_base64": "A" * (28 * 1024 * 1024)},
                                                  "program": "nanbyo", "fiscal_year": 2026},
                  headers=bearer(paper["staff_token"]))
    assert_refused(r, 413, "E_FILE_TOO_LARGE")
    assert scans_of(sql, paper["municipality_id"]) == 0


def test_the_same_file_twice_is_refused_naming_the_first_upload(http, sql, paper):
    pdf = minimal_pdf(f"dup {random.random()}")
    first = upload(http, paper["staff_token"], pdf, name="一回目.pdf").json()
    body = assert_refused(upload(http, paper["staff_token"], pdf, name="二回目.pdf"), 409, "E_PAPER_SCAN_DUPLICATE")
    assert first["reference"] in body["message"] and "一回目.pdf" in body["message"]
    assert scans_of(sql, paper["municipality_id"]) == 1
    # another municipality's copy is its own upload (and tells it nothing about the first)
    other = new_world(sql)
    other_staff = token_of(http, add_account(sql, "municipality_staff", other["municipality_id"])["login_id"])
    assert upload(http, other_staff, pdf).status_code == 200


def old_version(sql, online_until, paper_until=None):
    """An old N002 form version that closed online on `online_until`."""
    label = f"テスト旧版{random.randrange(10**9)}"
    return int(sql(f"""
        INSERT INTO app.form_versions (definition, online_until, paper_until)
        SELECT jsonb_set(jsonb_set(definition, '{{version_label}}', to_jsonb('{label}'::text)),
                         '{{effective_from}}', '"2019-04-01"'),
               '{online_until}', {f"'{paper_until}'" if paper_until else 'NULL'}
          FROM app.form_versions WHERE disease_code = 'N002' AND version_label = '令和6年4月1日改訂版'
        RETURNING id"""))


def test_paper_of_an_old_version_is_accepted_during_its_transition_period_only(http, sql, paper):
    token = paper["staff_token"]
    # closed online a month ago: paper is accepted for a year after
    recent = old_version(sql, sql("SELECT current_date - 30"))
    r = upload(http, token, minimal_pdf(f"recent {random.random()}"), disease_code="N002", form_version_id=recent)
    assert r.status_code == 200, r.text
    assert r.json()["form_version_id"] == recent and r.json()["version_label"].startswith("テスト旧版")
    # closed online more than a year ago: its paper period ended
    ended = old_version(sql, sql("SELECT current_date - 400"))
    body = assert_refused(upload(http, token, minimal_pdf(f"ended {random.random()}"), form_version_id=ended),
                          409, "E_PAPER_PERIOD_ENDED")
    assert "受付期間" in body["message"]
    # ... unless the version says otherwise
    extended = old_version(sql, sql("SELECT current_date - 400"), sql("SELECT current_date + 10"))
    assert upload(http, token, minimal_pdf(f"ext {random.random()}"), form_version_id=extended).status_code == 200
    # a version of another program or disease does not describe this scan
    assert_refused(upload(http, token, minimal_pdf(f"mm {random.random()}"), disease_code="N006", form_version_id=recent),
                   400, "E_PAPER_SCAN_VERSION_MISMATCH")
    assert scans_of(sql, paper["municipality_id"]) == 2


def test_each_step_is_taken_by_its_role_only(http, sql, paper):
    p = paper
    scan = upload(http, p["staff_token"], minimal_pdf(f"roles {random.random()}")).json()
    clerk = token_of(http, add_account(sql, "clerk", p["hospital_id"])["login_id"])
    for token in (p["doctor_token"], clerk, p["operator_token"], p["contractor_token"]):
        assert_refused(upload(http, token, minimal_pdf(f"x {random.random()}")), 403, "E_ROLE_NOT_ALLOWED")
    for token in (p["staff_token"], p["doctor_token"]):
        assert_refused(http.post("/rpc/download_paper_scan", json={"paper_scan_id": scan["id"]}, headers=bearer(token)),
                       403, "E_ROLE_NOT_ALLOWED")
    assert_refused(http.post("/rpc/list_paper_scans", json={}, headers=bearer(p["doctor_token"])), 403, "E_ROLE_NOT_ALLOWED")
    assert_refused(http.post("/rpc/assign_scans", json={"contractor_organisation_id": p["contractor_org"],
                                                        "hospital_id": p["hospital_id"], "paper_scan_ids": [scan["id"]]},
                             headers=bearer(p["staff_token"])), 403, "E_ROLE_NOT_ALLOWED")
    assert sql(f"SELECT status FROM app.paper_scans WHERE id = {scan['id']}") == "uploaded"


def test_a_municipality_sees_only_its_own_scans(http, sql, paper):
    mine = upload(http, paper["staff_token"], minimal_pdf(f"own {random.random()}")).json()
    other = new_world(sql)
    other_staff = token_of(http, add_account(sql, "municipality_staff", other["municipality_id"])["login_id"])
    theirs = upload(http, other_staff, minimal_pdf(f"theirs {random.random()}")).json()
    listed = http.post("/rpc/list_paper_scans", json={}, headers=bearer(paper["staff_token"])).json()
    assert [s["id"] for s in listed] == [mine["id"]]
    # asking for another municipality's scans gives nothing
    listed = http.post("/rpc/list_paper_scans", json={"municipality_id": other["municipality_id"]},
                       headers=bearer(paper["staff_token"])).json()
    assert listed == []
    # the operator sees both, filtered by municipality
    listed = http.post("/rpc/list_paper_scans", json={"municipality_id": other["municipality_id"]},
                       headers=bearer(paper["operator_token"])).json()
    assert [s["id"] for s in listed] == [theirs["id"]]
    assert_refused(http.post("/rpc/list_paper_scans", json={"status": "lost"}, headers=bearer(paper["operator_token"])),
                   400, "E_PAPER_SCAN_STATUS_UNKNOWN")


def test_the_scan_statuses_have_japanese_labels_in_the_vocabulary(http):
    vocabulary = http.get("/rpc/vocabulary").json()
    assert [(s["code"], s["label"]) for s in vocabulary["paper_scan_statuses"]] == [
        ("uploaded", "アップロード済み"), ("downloaded", "運営主体が取得済み"), ("keyed", "入力済み"), ("done", "完了")]

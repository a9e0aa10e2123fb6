"""D5 (#20 item 4): the insurance-history link over HTTP — the municipality
records a patient's insurance identifiers (the insurer number's check
digit), the operator admin makes a numbered request batch and downloads its
file, the test peer (tests/peers/insurance_history_peer.py, a stand-in, not
the real system) answers it, and the answer file's import stores a linkage
id per patient: idempotent, refused whole with every problem when malformed,
never shown to anyone (docs/insurance-history-link.md)."""

import csv
import io
import json
import os
import random
import sys

import pytest

from helpers import add_account, bearer, token_of
from test_certification_import import Municipality, check_digit

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "peers"))
import insurance_history_peer as peer  # noqa: E402

OCTET = {"Content-Type": "application/octet-stream"}
NOT_FOUND_INSURER = "99999997"  # the test peer's "no such insurer" (a valid check digit)


def insurer_number(law="01", prefecture="13"):
    seven = f"{law}{prefecture}{random.randrange(0, 999):03d}"
    return seven + check_digit(seven)


def card_number():
    return f"{random.randrange(10**7, 10**8)}"


@pytest.fixture()
def town(http, sql):
    return Municipality(http, sql)


@pytest.fixture()
def operator(http, sql):
    org = sql("SELECT id FROM app.organisations WHERE kind = 'operator' ORDER BY id LIMIT 1")
    admin = add_account(sql, "operator_admin", org)
    staff = add_account(sql, "operator_staff", org)
    return {"admin": token_of(http, admin["login_id"]), "staff": token_of(http, staff["login_id"])}


def record(http, town, form_id, **ids):
    return http.post("/rpc/record_insurance_identifiers", json={"form_id": form_id, **ids},
                     headers=bearer(town.staff_token))


def patient_of(sql, form_id):
    return int(sql(f"SELECT patient_id FROM app.forms WHERE id = {form_id}"))


def new_batch(http, operator):
    r = http.post("/rpc/create_insurance_inquiry_batch", json={}, headers=bearer(operator["admin"]))
    assert r.status_code == 200, r.text
    return r.json()["batch"]


def request_file(http, operator, batch_id):
    r = http.post("/rpc/insurance_inquiry_request_file", json={"batch_id": batch_id},
                  headers={**bearer(operator["admin"]), "Accept": "text/csv"})
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("text/csv")
    assert f'nanbyo-insurance-inquiry-{batch_id:06d}.csv' in r.headers["Content-Disposition"]
    return r.content.decode("utf-8")


def import_answers(http, operator, body, token=None):
    return http.post("/rpc/import_insurance_inquiry_answers", data=body,
                     headers={**OCTET, **bearer(token or operator["admin"])})


def line_of(sql, batch_id, patient_id):
    out = sql(f"SELECT line_no FROM app.insurance_inquiry_requests WHERE batch_id = {batch_id} AND patient_id = {patient_id}")
    return int(out) if out else None


def linkages(sql, patient_id):
    return sql(f"SELECT coalesce(json_agg(linkage_id ORDER BY id), '[]') FROM app.insurance_linkages WHERE patient_id = {patient_id}")


def test_the_round_trip_stores_a_linkage_id_per_patient_and_a_second_import_changes_nothing(http, sql, town, operator):
    found_form, _ = town.taken_over_form()
    missing_form, _ = town.taken_over_form()
    found_patient, missing_patient = patient_of(sql, found_form), patient_of(sql, missing_form)
    ids = {"insurer_number": insurer_number(), "symbol": "１２３４", "number": card_number(), "branch": "01"}
    r = record(http, town, found_form, **ids)
    assert r.status_code == 200, r.text
    assert r.json()["insurer_number"] == ids["insurer_number"] and r.json()["symbol"] == "1234"
    assert r.json()["source"] == "municipality" and r.json()["changed"] is True
    r = record(http, town, missing_form, insurer_number=NOT_FOUND_INSURER, number=card_number())
    assert r.status_code == 200, r.text

    batch = new_batch(http, operator)
    assert batch["requests"] >= 2 and batch["unanswered"] == batch["requests"]
    text = request_file(http, operator, batch["batch_id"])
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0].keys()) == ["batch_id", "line_no", "insurer_number", "symbol", "number", "branch"]
    assert len(rows) == batch["requests"]
    mine = {r["line_no"]: r for r in rows}
    found_line, missing_line = line_of(sql, batch["batch_id"], found_patient), line_of(sql, batch["batch_id"], missing_patient)
    assert mine[str(found_line)]["insurer_number"] == ids["insurer_number"]
    assert mine[str(found_line)]["symbol"] == "1234" and mine[str(found_line)]["branch"] == "01"
    # nothing personal but the identifiers: no name, reading, birth date or patient id
    name = sql(f"SELECT name FROM app.patients WHERE id = {found_patient}")
    assert name not in text and "1955-04-01" not in text and "ニンテイ" not in text

    answer = peer.answer_file(text).encode("utf-8")
    r = import_answers(http, operator, answer)
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["accepted"] is True and report["batch_id"] == batch["batch_id"]
    assert report["applied"] == batch["requests"] and report["unchanged"] == 0
    assert "linkage_id" not in json.dumps(report["answers"])
    statuses = {a["line_no"]: a["status"] for a in report["answers"]}
    assert statuses[found_line] == "found" and statuses[missing_line] == "not_found"
    expected = peer.linkage_id(ids["insurer_number"], "1234", ids["number"], "01")
    assert json.loads(linkages(sql, found_patient)) == [expected]
    assert json.loads(linkages(sql, missing_patient)) == []

    # the same file again: nothing changes, and it says so
    r = import_answers(http, operator, answer)
    assert r.status_code == 200, r.text
    again = r.json()
    assert again["applied"] == 0 and again["unchanged"] == batch["requests"]
    assert again["previously_imported_at"] is not None
    assert json.loads(linkages(sql, found_patient)) == [expected]
    listed = http.get("/rpc/insurance_inquiry_batches", headers=bearer(operator["admin"])).json()
    row = next(b for b in listed if b["batch_id"] == batch["batch_id"])
    assert row["answered"] == batch["requests"] and row["unanswered"] == 0 and row["not_found"] >= 1

    # answered found / not found: not asked again until the identifiers change
    later = new_batch(http, operator)
    if later is not None:
        assert line_of(sql, later["batch_id"], found_patient) is None
        assert line_of(sql, later["batch_id"], missing_patient) is None
        import_answers(http, operator, peer.answer_file(request_file(http, operator, later["batch_id"])).encode())
    changed = {**ids, "number": card_number()}
    assert record(http, town, found_form, **changed).status_code == 200
    again_batch = new_batch(http, operator)
    line = line_of(sql, again_batch["batch_id"], found_patient)
    assert line is not None
    r = import_answers(http, operator, peer.answer_file(request_file(http, operator, again_batch["batch_id"])).encode())
    assert r.status_code == 200, r.text
    # the history is kept: the old linkage id, then the new one
    assert json.loads(linkages(sql, found_patient)) == [
        expected, peer.linkage_id(ids["insurer_number"], "1234", changed["number"], "01")]


def test_a_malformed_answer_file_is_refused_whole_with_every_problem_and_nothing_written(http, sql, town, operator):
    form_id, _ = town.taken_over_form()
    assert record(http, town, form_id, insurer_number=insurer_number(), number=card_number()).status_code == 200
    batch = new_batch(http, operator)
    b = batch["batch_id"]
    good = f"{b},1,found,{'a' * 64},"
    body = "\r\n".join([
        "batch_id,line_no,status,linkage_id,peer_code",
        good,                                  # line 2: fine
        f"{b},1,found,{'a' * 64},",            # line 3: the same request line again
        f"{b},{batch['requests'] + 1},found,{'b' * 64},",  # line 4: no such line in the batch
        f"{b},1,maybe,,",                      # line 5: unknown status (and a duplicate)
        f"{b},1,found,xyz,",                   # line 6: a linkage id that cannot be one
        f"{b},1,error,,",                      # line 7: an error without the peer's code
        f"{b},1,not_found,{'c' * 64},",        # line 8: a linkage id on a not-found answer
        f"{b + 1000000},1,found,{'d' * 64},",  # line 9: another batch
        f"{b},1,found",                        # line 10: too few fields
    ]) + "\r\n"
    r = import_answers(http, operator, body.encode())
    assert r.status_code == 422, r.text
    report = r.json()
    assert report["accepted"] is False
    codes = {(p["line"], p["code"]) for p in report["problems"]}
    for expected in [(3, "E_DUPLICATE_IN_FILE"), (4, "E_LINE_NOT_IN_BATCH"), (5, "E_ANSWER_STATUS"),
                     (6, "E_LINKAGE_ID_FORMAT"), (7, "E_PEER_CODE_REQUIRED"), (8, "E_LINKAGE_ID_UNEXPECTED"),
                     (9, "E_BATCH_NOT_FOUND"), (9, "E_BATCH_MIXED"), (10, "E_CSV_FIELD_COUNT")]:
        assert expected in codes, (expected, codes)
    assert not any(p["line"] == 2 for p in report["problems"])
    assert sql(f"SELECT count(*) FROM app.insurance_inquiry_answers WHERE batch_id = {b}") == "0"
    assert sql(f"SELECT count(*) FROM app.insurance_linkages WHERE batch_id = {b}") == "0"
    assert sql(f"SELECT count(*) FROM app.insurance_inquiry_answer_files WHERE batch_id = {b}") == "0"
    assert sql("SELECT outcome FROM app.audit_log WHERE action = 'insurance_inquiry.answers' ORDER BY id DESC LIMIT 1") == "refused"

    # a batch number beyond any batch (and beyond a 32-bit integer)
    r = import_answers(http, operator, f"batch_id,line_no,status,linkage_id,peer_code\r\n99999999999,1,found,{'e' * 64},\r\n".encode())
    assert r.status_code == 422, r.text
    assert {p["code"] for p in r.json()["problems"]} == {"E_BATCH_NOT_FOUND"}

    # a wrong header: refused before any row is read
    r = import_answers(http, operator, "batch,line_no,status\r\n1,1,found\r\n".encode())
    assert r.status_code == 422
    assert {p["code"] for p in r.json()["problems"]} >= {"E_CSV_HEADER_UNKNOWN", "E_CSV_HEADER_MISSING"}

    # the good answers are taken; a different answer for an answered line is refused afterwards
    answer = peer.answer_file(request_file(http, operator, b))
    assert import_answers(http, operator, answer.encode()).status_code == 200
    flipped = answer.replace(",found,", ",not_found,").split("\r\n")
    flipped = "\r\n".join(l if ",not_found," not in l else ",".join(l.split(",")[:3] + ["", ""]) for l in flipped)
    r = import_answers(http, operator, flipped.encode())
    assert r.status_code == 422, r.text
    assert "E_ANSWER_CONFLICT" in {p["code"] for p in r.json()["problems"]}


def test_a_shift_jis_answer_file_is_read(http, sql, town, operator):
    form_id, _ = town.taken_over_form()
    assert record(http, town, form_id, insurer_number=insurer_number(), number=card_number()).status_code == 200
    batch = new_batch(http, operator)
    answer = peer.answer_file(request_file(http, operator, batch["batch_id"]))
    r = http.post("/rpc/import_insurance_inquiry_answers", data=answer.encode("cp932"),
                  headers={"Content-Type": "application/octet-stream; charset=Shift_JIS", **bearer(operator["admin"])})
    assert r.status_code == 200, r.text
    assert r.json()["encoding"] == "SJIS"


def test_the_identifiers_are_checked_and_nothing_is_recorded_on_a_refusal(http, sql, town):
    form_id, _ = town.taken_over_form()
    patient = patient_of(sql, form_id)
    good = insurer_number()
    wrong = good[:7] + str((int(good[7]) + 1) % 10)
    for ids, code in [({"insurer_number": wrong, "number": "1"}, "E_INSURER_NUMBER_CHECK_DIGIT"),
                      ({"insurer_number": "1234567", "number": "1"}, "E_INSURER_NUMBER_FORMAT"),
                      ({"insurer_number": good, "number": "1", "branch": "1"}, "E_INSURANCE_BRANCH_FORMAT"),
                      ({"insurer_number": good, "number": "１ ２/３"}, "E_INSURANCE_NUMBER_FORMAT"),
                      ({"insurer_number": good, "number": " "}, "E_INSURANCE_NUMBER_REQUIRED"),
                      ({"insurer_number": good, "number": "1", "symbol": "a,b"}, "E_INSURANCE_SYMBOL_FORMAT")]:
        r = record(http, town, form_id, **ids)
        assert r.status_code == 400, (ids, r.text)
        assert r.json()["details"] == code
    assert sql(f"SELECT count(*) FROM app.insurance_identifiers WHERE patient_id = {patient}") == "0"
    # 国民健康保険: 6 digits, full-width digits accepted
    kokuho = "13805" + check_digit("13805")
    r = record(http, town, form_id, insurer_number=kokuho.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
               number="123", branch="02")
    assert r.status_code == 200, r.text
    assert r.json()["insurer_number"] == kokuho
    # the same again records nothing new
    r = record(http, town, form_id, insurer_number=kokuho, number="123", branch="02")
    assert r.json()["changed"] is False
    assert sql(f"SELECT count(*) FROM app.insurance_identifiers WHERE patient_id = {patient}") == "1"
    assert sql("SELECT action FROM app.audit_log WHERE action = 'patient.insurance_identifiers' "
               f"AND target_id = '{patient}' LIMIT 1") == "patient.insurance_identifiers"
    r = http.post("/rpc/get_insurance_identifiers", json={"form_id": form_id}, headers=bearer(town.staff_token))
    assert r.status_code == 200 and r.json()["branch"] == "02"


def test_the_hospitals_own_identifiers_are_sent_when_the_municipality_recorded_none(http, sql, town, operator):
    form_id, _ = town.taken_over_form()
    patient = patient_of(sql, form_id)
    ids = {"insurer_number": insurer_number(), "symbol": "77", "number": card_number()}
    sql(f"UPDATE app.patients SET insurance = '{json.dumps(ids)}' WHERE id = {patient}")
    r = http.post("/rpc/get_insurance_identifiers", json={"form_id": form_id}, headers=bearer(town.staff_token))
    assert r.json()["source"] == "hospital" and r.json()["number"] == ids["number"]
    batch = new_batch(http, operator)
    assert sql(f"SELECT source FROM app.insurance_inquiry_requests WHERE batch_id = {batch['batch_id']} "
               f"AND patient_id = {patient}") == "hospital"


def test_only_the_operator_admin_runs_batches_and_no_one_sees_a_linkage_id(http, sql, town, operator):
    form_id, _ = town.taken_over_form()
    assert record(http, town, form_id, insurer_number=insurer_number(), number=card_number()).status_code == 200
    batch = new_batch(http, operator)
    assert import_answers(http, operator, peer.answer_file(request_file(http, operator, batch["batch_id"])).encode()).status_code == 200
    doctor = bearer(town.doctor_token)
    staff = bearer(town.staff_token)
    for token in (staff, doctor, bearer(operator["staff"])):
        assert http.post("/rpc/create_insurance_inquiry_batch", json={}, headers=token).status_code in (401, 403)
        assert http.post("/rpc/insurance_inquiry_batches", json={}, headers=token).status_code in (401, 403)
        assert http.post("/rpc/insurance_inquiry_request_file", json={"batch_id": batch["batch_id"]},
                         headers=token).status_code in (401, 403)
        assert http.post("/rpc/import_insurance_inquiry_answers", data=b"x", headers={**OCTET, **token}).status_code in (401, 403)
    # the hospital cannot record or read them; the municipality never sees the linkage id
    assert http.post("/rpc/record_insurance_identifiers", json={"form_id": form_id, "insurer_number": "01130012",
                                                                "number": "1"}, headers=doctor).status_code == 403
    r = http.post("/rpc/get_insurance_identifiers", json={"form_id": form_id}, headers=staff)
    assert r.status_code == 200 and "linkage" not in r.text
    linkage = sql(f"SELECT linkage_id FROM app.insurance_linkages WHERE patient_id = {patient_of(sql, form_id)}")
    assert len(linkage) == 64
    r = http.post("/rpc/get_patient", json={"patient_id": patient_of(sql, form_id)}, headers=doctor)
    assert r.status_code == 200 and linkage not in r.text
    for token in (staff, doctor):
        r = http.post("/rpc/get_form", json={"form_id": form_id}, headers=token)
        assert r.status_code == 200 and linkage not in r.text
    # another municipality's staff: no such form
    other = Municipality(http, sql)
    r = http.post("/rpc/get_insurance_identifiers", json={"form_id": form_id}, headers=bearer(other.staff_token))
    assert r.status_code == 404

"""Research extraction over HTTP (D3, issue #20 item 3): a registered form
with the patient's written research-use consent goes through a request the
operator's staff submit and the admin approves, the nightly job (its
procedure, called as pg_cron calls it), and the downloads: the CSV holds no
personal value of the form, the dictionary and the summary; a withdrawn
consent leaves the form out of the next extraction; each refusal with its
status and code and nothing written."""

import csv
import io
import random

import pytest

from helpers import add_account, bearer, token_of
from test_certification import day, grant, record, taken_over  # noqa: F401 (the fixture)
from test_forms import clinic  # noqa: F401 (the fixture)


@pytest.fixture()
def operator(sql, http):
    org = sql("INSERT INTO app.organisations (kind, code, name) VALUES ('operator', "
              f"'R{random.randrange(10**6)}', '運営主体（研究利用）') RETURNING id")
    admin = add_account(sql, "operator_admin", org)
    staff = add_account(sql, "operator_staff", org)
    return {"admin": token_of(http, admin["login_id"]), "staff": token_of(http, staff["login_id"])}


def request_body(**changes):
    body = {"researcher_name": "研究 太郎", "researcher_affiliation": "国立研究所", "purpose": "パーキンソン病の疫学研究",
            "program": "nanbyo", "disease_codes": ["N006"], "fiscal_years": [2026, 2027],
            "items": ["hoehn_yahr", "life_function_grade", "diagnosis_date"]}
    body.update(changes)
    return body


def submit(http, token, **changes):
    return http.post("/rpc/submit_research_request", json=request_body(**changes), headers=bearer(token))


@pytest.fixture()
def consented(http, sql, taken_over):  # noqa: F811 (the fixture imported above)
    """A granted, registered form whose patient consented in writing to research use."""
    c = taken_over
    r = record(http, c, grant())
    assert r.status_code == 200, r.text
    r = http.post("/rpc/register_form", json={"form_id": c["form_id"]}, headers=bearer(c["staff_token"]))
    assert r.status_code == 200, r.text
    r = http.post("/rpc/record_research_consent", json={"form_id": c["form_id"], "consented_on": day(0)},
                  headers=bearer(c["staff_token"]))
    assert r.status_code == 200, r.text
    sql(f"UPDATE app.patients SET insurance = '{{\"insurer_number\": \"06137777\", \"number\": \"4455667\"}}' "
        f"WHERE id = {c['patient_id']}")
    c["fiscal_year"] = int(sql(f"SELECT fiscal_year FROM app.forms WHERE id = {c['form_id']}"))
    return c


def run_and_approve(http, sql, operator, **changes):
    r = submit(http, operator["staff"], fiscal_years=[2026, 2027], **changes)
    assert r.status_code == 200, r.text
    request_id = r.json()["id"]
    assert r.json()["state"] == "submitted"
    r = http.post("/rpc/approve_research_request", json={"request_id": request_id}, headers=bearer(operator["admin"]))
    assert r.status_code == 200 and r.json()["state"] == "approved", r.text
    sql("CALL app.research_extraction_job()")  # as pg_cron calls it: a transaction per request
    return request_id


def pseudonym_of(sql, request_id, patient_id):
    return sql(f"SELECT app.research_pseudonym(k.key, p.name_kana, p.birth_date, p.sex) "
               f"FROM app.research_keys k, app.patients p WHERE k.request_id = {request_id} AND p.id = {patient_id}")


def test_an_extraction_holds_the_consented_form_and_no_personal_value(http, sql, operator, consented):
    c = consented
    request_id = run_and_approve(http, sql, operator)
    r = http.get("/rpc/research_requests", headers=bearer(operator["staff"]))
    assert r.status_code == 200, r.text
    mine = next(x for x in r.json() if x["id"] == request_id)
    assert mine["state"] == "done" and mine["row_count"] >= 1, mine

    r = http.post("/rpc/research_extraction_csv", json={"request_id": request_id}, headers=bearer(operator["staff"]))
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("text/csv")
    body = r.content.decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert list(rows[0].keys()) == ["pseudonym", "fiscal_year", "program", "disease_code", "age_band", "sex",
                                    "prefecture_code", "primary_judgment", "certification_outcome",
                                    "hoehn_yahr", "life_function_grade", "diagnosis_date"]
    row = next(x for x in rows if x["pseudonym"] == pseudonym_of(sql, request_id, c["patient_id"]))
    assert row["fiscal_year"] == str(c["fiscal_year"]) and row["sex"] == "1" and row["prefecture_code"] == "13"
    assert row["certification_outcome"] == "granted" and row["hoehn_yahr"] == "3"
    assert len(row["diagnosis_date"]) == 7, "a date as year-month"
    p = c["patient"]
    kana_plain = p["name_kana"].replace(" ", "")
    for value in [p["name"], p["name_kana"], kana_plain, p["address"], "千代田区", p["birth_date"], p["birth_date"][:7],
                  p["postal_code"], p["postal_code"].replace("-", ""), "1234566", "54130018", "06137777", "4455667",
                  "テスト病院", "テスト 医師", c["hospital_code"]]:
        assert value not in body, f"the CSV holds {value!r}"

    r = http.post("/rpc/research_dictionary", json={"request_id": request_id}, headers=bearer(operator["staff"]))
    assert r.status_code == 200, r.text
    columns = {d["column_name"]: d for d in r.json()}
    assert columns["hoehn_yahr"]["source"] == "form_item" and columns["sex"]["codes"]
    r = http.post("/rpc/research_dictionary", json={"request_id": request_id},
                  headers={**bearer(operator["staff"]), "Accept": "text/csv"})
    assert r.status_code == 200 and r.text.startswith('"position","column_name"'), r.text[:200]
    r = http.post("/rpc/research_summary", json={"request_id": request_id}, headers=bearer(operator["staff"]))
    assert r.status_code == 200, r.text
    assert all(x["patients"] is None or x["patients"] == 0 or x["patients"] >= 10 for x in r.json()), "no count 1–9"
    audited = sql(f"SELECT count(*) FROM app.audit_log WHERE target_kind = 'research_request' AND target_id = '{request_id}' "
                  "AND action IN ('read.research_extraction', 'read.research_dictionary', 'read.research_summary')")
    assert audited == "4", "every download is audited"


def test_a_withdrawn_consent_leaves_the_form_out_and_pseudonyms_differ_per_request(http, sql, operator, consented):
    c = consented
    first = run_and_approve(http, sql, operator)
    r = http.post("/rpc/withdraw_research_consent", json={"form_id": c["form_id"]}, headers=bearer(c["staff_token"]))
    assert r.status_code == 200, r.text
    second = run_and_approve(http, sql, operator)
    one, two = pseudonym_of(sql, first, c["patient_id"]), pseudonym_of(sql, second, c["patient_id"])
    assert one != two, "re-keyed per request"
    assert sql(f"SELECT count(*) FROM research.extraction_rows WHERE request_id = {first} AND pseudonym = '{one}'") == "1"
    assert sql(f"SELECT count(*) FROM research.extraction_rows WHERE request_id = {second} AND pseudonym = '{two}'") == "0", \
        "the withdrawn consent's form is left out"


def test_a_personal_or_free_text_item_is_refused_and_nothing_written(http, sql, operator):
    before = sql("SELECT count(*) FROM app.research_requests")
    for item in ["patient_name", "patient_birth_date", "patient_address", "clinical_course", "doctor_name"]:
        r = submit(http, operator["staff"], items=["hoehn_yahr", item])
        assert r.status_code == 400, r.text
        assert r.json()["details"] == "E_RESEARCH_ITEM_REFUSED" and item in r.json()["message"]
    assert sql("SELECT count(*) FROM app.research_requests") == before


def test_who_may_submit_decide_and_download(http, sql, operator, clinic):  # noqa: F811
    r = submit(http, clinic["staff_token"])
    assert r.status_code == 403, "a municipality cannot submit"
    r = submit(http, operator["staff"])
    request_id = r.json()["id"]
    r = http.post("/rpc/approve_research_request", json={"request_id": request_id}, headers=bearer(operator["staff"]))
    assert r.status_code == 403 and r.json()["details"] == "E_ROLE_NOT_ALLOWED", "staff cannot approve"
    r = http.post("/rpc/research_extraction_csv", json={"request_id": request_id}, headers=bearer(operator["staff"]))
    assert r.status_code == 409 and r.json()["details"] == "E_RESEARCH_NOT_DONE"
    r = http.post("/rpc/research_extraction_csv", json={"request_id": request_id}, headers=bearer(clinic["doctor_token"]))
    assert r.status_code == 403
    r = http.post("/rpc/reject_research_request", json={"request_id": request_id, "reason": "目的が不明確"},
                  headers=bearer(operator["admin"]))
    assert r.status_code == 200 and r.json()["state"] == "rejected" and r.json()["decision_note"] == "目的が不明確"
    r = http.post("/rpc/approve_research_request", json={"request_id": request_id}, headers=bearer(operator["admin"]))
    assert r.status_code == 409 and r.json()["details"] == "E_RESEARCH_REQUEST_STATE"
    r = http.post("/rpc/approve_research_request", json={"request_id": 10**9}, headers=bearer(operator["admin"]))
    assert r.status_code == 404


def test_a_linked_request_shares_the_pseudonyms_only_when_approved_as_linked(http, sql, operator, consented):
    c = consented
    parent = run_and_approve(http, sql, operator)
    r = submit(http, operator["staff"], linked_to=parent)
    child = r.json()["id"]
    r = http.post("/rpc/approve_research_request", json={"request_id": child, "linked": True}, headers=bearer(operator["admin"]))
    assert r.status_code == 200 and r.json()["link_approved"] is True, r.text
    r = submit(http, operator["staff"], linked_to=parent)
    unlinked = r.json()["id"]
    r = http.post("/rpc/approve_research_request", json={"request_id": unlinked}, headers=bearer(operator["admin"]))
    assert r.json()["link_approved"] is False
    sql("CALL app.research_extraction_job()")
    assert pseudonym_of(sql, child, c["patient_id"]) == pseudonym_of(sql, parent, c["patient_id"])
    assert pseudonym_of(sql, unlinked, c["patient_id"]) != pseudonym_of(sql, parent, c["patient_id"])

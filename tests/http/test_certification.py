"""The municipality's certification decision over HTTP (C2, issue #19): a
grant with the database's monthly cap, each refusal with its status and
code and nothing written, who may record it and who sees what, the
research-use consent."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from helpers import add_account, bearer, new_world, token_of
from test_forms import PD_FINDINGS, clinic, header, issue_key  # noqa: F401 (the fixture)

TODAY = datetime.datetime.now(ZoneInfo("Asia/Tokyo")).date()  # the database's day
DIAGNOSED = TODAY - datetime.timedelta(days=100)


def day(offset):
    return (TODAY + datetime.timedelta(days=offset)).isoformat()


def grant(**changes):
    """A complete grant (Tokyo, prefecture 13: payer 54130018), starting 20 days ago."""
    c = {"outcome": "granted", "recipient_number": "1234566", "public_payer_number": "54130018",
         "valid_from": day(-20), "valid_until": day(344), "income_tier": "general1", "special_case": "none"}
    c.update(changes)
    return {k: v for k, v in c.items() if v is not None}


@pytest.fixture()
def taken_over(http, clinic):  # noqa: F811 (the fixture imported above)
    """A form diagnosed 100 days ago, confirmed, issued and taken over today by its municipality."""
    c = clinic
    r = http.post("/rpc/create_form", json={"patient_id": c["patient_id"], "disease_code": "N006",
                                            "purpose": "renewal", "consent_db_registration": True,
                                            "data": {**header(c), **PD_FINDINGS, "application_type": "renewal",
                                                     "diagnosis_date": DIAGNOSED.isoformat()}},
                  headers=bearer(c["doctor_token"]))
    assert r.status_code == 200, r.text
    form_id = r.json()["id"]
    r = http.post("/rpc/confirm_form", json={"form_id": form_id}, headers=bearer(c["doctor_token"]))
    assert r.status_code == 200, r.text
    r = http.post("/rpc/take_over_form", json={"access_key": issue_key(http, c, form_id)}, headers=bearer(c["staff_token"]))
    assert r.status_code == 200, r.text
    assert r.json()["certification"] is None, "nothing recorded yet"
    return dict(c, form_id=form_id)


def record(http, c, certification, token=None):
    return http.post("/rpc/record_certification", json={"form_id": c["form_id"], "certification": certification},
                     headers=bearer(token or c["staff_token"]))


def get_form(http, c, token=None):
    r = http.post("/rpc/get_form", json={"form_id": c["form_id"]}, headers=bearer(token or c["staff_token"]))
    assert r.status_code == 200, r.text
    return r.json()


def test_a_grant_with_high_long_costs_5000_yen_a_month(http, taken_over):
    c = taken_over
    r = record(http, c, grant(special_case="high_long", admin_box={"reception_number": "R-2026-001", "review_board_on": day(-1)}))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "reviewed" and body["review_result"] == "granted"
    cert = body["certification"]
    assert cert["monthly_cap_yen"] == 5000, "一般所得Ⅰ + 高額かつ長期"
    assert cert["registration_card_eligible"] is False
    assert cert["application_received_on"] == TODAY.isoformat(), "the take-over day by default"
    assert cert["admin_box"] == {"reception_number": "R-2026-001", "review_board_on": day(-1)}
    form = get_form(http, c)
    assert form["certification"]["recipient_number"] == "1234566"
    assert form["review_result"] == "granted"
    assert any(h["part"] == "certification" for h in form["history"]), "kept in the form's history"
    # the doctor sees the outcome, never the numbers, tier, 行政記載欄 or consent
    doc = get_form(http, c, c["doctor_token"])["certification"]
    assert doc == {"scope": "outcome", "outcome": "granted", "refusal_reason": None,
                   "registration_card_eligible": False, "valid_from": day(-20), "valid_until": day(344)}
    # replaced by a new decision; the form is registered as before
    r = record(http, c, grant(income_tier="upper", special_case="ventilator"))
    assert r.json()["certification"]["monthly_cap_yen"] == 1000
    r = http.post("/rpc/register_form", json={"form_id": c["form_id"]}, headers=bearer(c["staff_token"]))
    assert r.status_code == 200 and r.json()["status"] == "registered", r.text
    assert record(http, c, {"outcome": "pending"}).status_code == 409, "a registered form's decision is final"


def test_a_refusal_for_severity_alone_gives_a_registration_card(http, taken_over):
    c = taken_over
    r = record(http, c, {"outcome": "refused", "refusal_reason": "severity_not_met"})
    assert r.status_code == 200, r.text
    assert r.json()["certification"]["registration_card_eligible"] is True
    assert get_form(http, c, c["doctor_token"])["certification"]["registration_card_eligible"] is True
    r = record(http, c, {"outcome": "refused", "refusal_reason": "other", "refusal_note": "書類の不備"})
    assert r.json()["certification"]["registration_card_eligible"] is False


def test_pending_needs_nothing_and_a_reason_allows_three_months(http, taken_over):
    c = taken_over
    r = record(http, c, {"outcome": "pending", "admin_box": {"remarks": "主治医に照会中"}})
    assert r.status_code == 200 and r.json()["review_result"] == "pending", r.text
    r = record(http, c, grant(valid_from=day(-80), valid_until=day(284), early_start_reason="入院のため申請が遅れた"))
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("certification, code, field", [
    ({"outcome": "approved"}, "E_CERT_OUTCOME", "outcome"),
    ({"outcome": "refused"}, "E_CERT_REFUSAL_REASON_REQUIRED", "refusal_reason"),
    ({"outcome": "refused", "refusal_reason": "other"}, "E_CERT_REFUSAL_NOTE_REQUIRED", "refusal_note"),
    ({"outcome": "refused", "refusal_reason": "severity_not_met", "income_tier": "low1"}, "E_CERT_NOT_GRANTED_FIELD", "income_tier"),
    (grant(recipient_number=None), "E_CERT_RECIPIENT_NUMBER_REQUIRED", "recipient_number"),
    (grant(recipient_number="1234567"), "E_CERT_RECIPIENT_NUMBER", "recipient_number"),
    (grant(public_payer_number="54130019"), "E_CERT_PAYER_NUMBER", "public_payer_number"),
    (grant(public_payer_number="52130010"), "E_CERT_PAYER_LAW_CODE", "public_payer_number"),
    (grant(public_payer_number="54140017"), "E_CERT_PAYER_PREFECTURE", "public_payer_number"),
    (grant(valid_until=None), "E_CERT_VALIDITY_REQUIRED", "valid_until"),
    (grant(valid_until=day(345)), "E_CERT_VALIDITY_TOO_LONG", "valid_until"),
    (grant(valid_until=day(-21)), "E_CERT_VALIDITY_ORDER", "valid_until"),
    (grant(valid_from="2026-02-30"), "E_CERT_DATE", "valid_from"),
    (grant(valid_from=day(-101), valid_until=day(200), early_start_reason="理由"), "E_CERT_START_BEFORE_DIAGNOSIS", "valid_from"),
    (grant(valid_from=day(-40), valid_until=day(300)), "E_CERT_START_TOO_EARLY", "valid_from"),
    (grant(valid_from=day(-95), valid_until=day(200), early_start_reason="理由"), "E_CERT_START_TOO_EARLY_WITH_REASON", "valid_from"),
    (grant(application_received_on=day(1)), "E_CERT_RECEIVED_FUTURE", "application_received_on"),
    (grant(income_tier=None), "E_CERT_INCOME_TIER_REQUIRED", "income_tier"),
    (grant(income_tier="low2", special_case="high_long"), "E_CERT_SPECIAL_CASE_TIER", "special_case"),
    (grant(special_case="severe"), "E_CERT_SPECIAL_CASE", "special_case"),
    (grant(colour="red"), "E_CERT_UNKNOWN_FIELD", "colour"),
    (grant(admin_box={"secret_note": "x"}), "E_CERT_ADMIN_BOX_ITEM", "admin_box.secret_note"),
    ("granted", "E_CERT_INPUT", None),
])
def test_each_broken_rule_is_a_400_with_its_code_and_nothing_is_written(http, sql, taken_over, certification, code, field):
    c = taken_over
    r = record(http, c, certification)
    assert r.status_code == 400, r.text
    assert r.json()["details"] == code
    assert r.json()["hint"] == field
    assert r.json()["message"], "a Japanese message"
    form = get_form(http, c)
    assert form["certification"] is None and form["status"] == "taken_over" and form["review_result"] is None
    assert sql(f"SELECT count(*) FROM app.audit_log WHERE action = 'form.certify' AND target_id = '{c['form_id']}'") == "0"


def test_check_certification_lists_every_problem_and_writes_nothing(http, taken_over):
    c = taken_over
    r = http.post("/rpc/check_certification", json={"form_id": c["form_id"],
                  "certification": grant(recipient_number="1234567", public_payer_number="54140017")},
                  headers=bearer(c["staff_token"]))
    assert r.status_code == 200, r.text
    assert sorted(p["code"] for p in r.json()["problems"]) == ["E_CERT_PAYER_PREFECTURE", "E_CERT_RECIPIENT_NUMBER"]
    assert get_form(http, c)["certification"] is None


def test_only_the_forms_municipality_records_it(http, sql, taken_over):
    c = taken_over
    other = new_world(sql)
    stranger = add_account(sql, "municipality_staff", other["municipality_id"])
    r = record(http, c, grant(), token_of(http, stranger["login_id"]))
    assert r.status_code == 404 and r.json()["details"] == "E_FORM_NOT_FOUND", r.text
    r = record(http, c, grant(), c["doctor_token"])
    assert r.status_code in (401, 403), r.text
    assert get_form(http, c)["certification"] is None


def test_review_form_cannot_contradict_a_recorded_certification(http, taken_over):
    c = taken_over
    assert record(http, c, grant()).status_code == 200
    r = http.post("/rpc/review_form", json={"form_id": c["form_id"], "result": "refused"}, headers=bearer(c["staff_token"]))
    assert r.status_code == 409 and r.json()["details"] == "E_CERTIFICATION_RECORDED", r.text
    assert get_form(http, c)["review_result"] == "granted"


def test_the_research_consent_is_recorded_withdrawn_and_audited(http, sql, taken_over):
    c = taken_over
    r = http.post("/rpc/record_research_consent", json={"form_id": c["form_id"], "consented_on": day(1)},
                  headers=bearer(c["staff_token"]))
    assert r.status_code == 400 and r.json()["details"] == "E_CONSENT_DATE_FUTURE", r.text
    r = http.post("/rpc/record_research_consent", json={"form_id": c["form_id"], "consented_on": day(-2)},
                  headers=bearer(c["staff_token"]))
    assert r.status_code == 200, r.text
    consent = r.json()["certification"]["research_consent"]
    assert consent["active"] is True and consent["consented_on"] == day(-2) and consent["recorded_by"]
    assert r.json()["certification"]["outcome"] is None, "the consent alone: no decision yet"
    assert get_form(http, c, c["doctor_token"])["certification"] is None, "the consent is the municipality's"
    r = http.post("/rpc/withdraw_research_consent", json={"form_id": c["form_id"]}, headers=bearer(c["staff_token"]))
    assert r.status_code == 200 and r.json()["certification"]["research_consent"]["active"] is False, r.text
    r = http.post("/rpc/withdraw_research_consent", json={"form_id": c["form_id"]}, headers=bearer(c["staff_token"]))
    assert r.status_code == 409 and r.json()["details"] == "E_CONSENT_NOT_RECORDED", r.text
    assert sql(f"""SELECT string_agg(action, ',' ORDER BY id) FROM app.audit_log
                   WHERE action LIKE 'form.research_consent%' AND target_id = '{c['form_id']}'""") == \
        "form.research_consent,form.research_consent_withdraw"


def test_the_vocabulary_has_the_certification_codes_and_the_caps(http):
    v = http.get("/rpc/vocabulary").json()
    assert [t["label"] for t in v["income_tiers"]] == ["生活保護", "低所得Ⅰ", "低所得Ⅱ", "一般所得Ⅰ", "一般所得Ⅱ", "上位所得"]
    assert {(s["program"], s["label"]) for s in v["special_cases"] if s["code"] == "high_long"} == \
        {("nanbyo", "高額かつ長期"), ("shoman", "重症")}
    assert {"program": "shoman", "income_tier": "upper", "special_case": "none", "cap_yen": 15000} in v["monthly_caps"]
    assert [i["label"] for i in v["admin_box_items"]][:2] == ["受付番号", "審査会開催日"]

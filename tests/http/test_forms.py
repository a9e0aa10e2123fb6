"""The form lifecycle over HTTP (issue #5): clerk draft → doctor confirm →
access key → municipality fetch and take-over; wrong and typo'd keys, the
rate limit, carry-over across a form-version change, the masked print."""

import random
import re

import pytest

from helpers import add_account, bearer, new_world, token_of

ALS_FINDINGS = {
    "als_adult_onset": True, "als_progressive": True, "als_umn_regions": 2, "als_lmn_regions": 3,
    "als_differential_excluded": True, "als_severity": 3, "als_known_gene": False,
}
PD_FINDINGS = {
    "parkinsonism": True, "imaging_no_abnormality": True, "no_drug_toxin_exposure": True,
    "antiparkinson_response": True, "hoehn_yahr": 3, "life_function_grade": 2,
}


@pytest.fixture()
def clinic(sql, http):
    """A hospital with a nanbyō doctor and a clerk, its municipality's staff,
    and a patient registered by the clerk."""
    w = new_world(sql)
    doctor = add_account(sql, "doctor", w["hospital_id"], program="nanbyo", admin=True)
    clerk = add_account(sql, "clerk", w["hospital_id"])
    staff = add_account(sql, "municipality_staff", w["municipality_id"])
    c = dict(w, doctor=doctor, clerk=clerk, staff=staff)
    c["doctor_token"] = token_of(http, doctor["login_id"])
    c["clerk_token"] = token_of(http, clerk["login_id"])
    c["staff_token"] = token_of(http, staff["login_id"])
    kana = "".join(random.choice("アイウエオカキクケコサシスセソ") for _ in range(6))
    c["patient"] = {"name": f"難病 {kana}太郎", "name_kana": f"ナンビョウ {kana}", "birth_date": "1960-05-01",
                    "sex": "1", "address": "東京都千代田区千代田1-1-" + str(random.randrange(1000)),
                    "postal_code": "100-0001"}
    r = http.post("/rpc/register_patient", json=c["patient"], headers=bearer(c["clerk_token"]))
    assert r.status_code == 200, r.text
    c["patient_id"] = r.json()["id"]
    return c


def header(c):
    return {"entry_date": "2026-11-20", "medical_institution_code": c["hospital_code"],
            "medical_institution_name": "テスト病院", "doctor_name": "テスト 医師",
            "consent_db_registration": True}


def confirmed_form(http, c, disease="N006", findings=PD_FINDINGS):
    r = http.post("/rpc/create_form", json={"patient_id": c["patient_id"], "disease_code": disease,
                                            "purpose": "renewal", "consent_db_registration": True,
                                            "data": {**header(c), **findings}},
                  headers=bearer(c["doctor_token"]))
    assert r.status_code == 200, r.text
    form_id = r.json()["id"]
    r = http.post("/rpc/confirm_form", json={"form_id": form_id}, headers=bearer(c["doctor_token"]))
    assert r.status_code == 200, r.text
    return form_id


def issue_key(http, c, form_id):
    r = http.post("/rpc/issue_access_key", json={"form_id": form_id}, headers=bearer(c["doctor_token"]))
    assert r.status_code == 200, r.text
    return r.json()["access_key"]


def test_clerk_draft_doctor_confirm_key_municipality_take_over(http, clinic):
    c = clinic
    # the clerk drafts for the doctor and leaves a comment
    r = http.post("/rpc/create_form", json={"patient_id": c["patient_id"], "disease_code": "N006",
                                            "purpose": "renewal", "doctor_account_id": c["doctor"]["id"],
                                            "consent_db_registration": True, "data": header(c)},
                  headers=bearer(c["clerk_token"]))
    assert r.status_code == 200, r.text
    form = r.json()
    assert form["status"] == "draft"
    assert any(e["code"] == "E_REQUIRED" for e in form["judgment"]["errors"]), "entry-time checks run"
    r = http.post("/rpc/comment_on_form", json={"form_id": form["id"], "item_id": "hoehn_yahr",
                                                "body": "Hoehn-Yahr 重症度をご記入ください"},
                  headers=bearer(c["clerk_token"]))
    assert r.status_code == 200, r.text
    # a clerk never confirms
    r = http.post("/rpc/confirm_form", json={"form_id": form["id"]}, headers=bearer(c["clerk_token"]))
    assert (r.status_code, r.json()["details"]) == (403, "E_ROLE_NOT_ALLOWED")

    # the doctor sees the comment, cannot confirm with errors, completes, confirms
    r = http.post("/rpc/get_form", json={"form_id": form["id"]}, headers=bearer(c["doctor_token"]))
    assert r.status_code == 200, r.text
    assert r.json()["comments"][0]["item_id"] == "hoehn_yahr"
    assert r.json()["data"]["patient_name"] == c["patient"]["name"]
    r = http.post("/rpc/confirm_form", json={"form_id": form["id"]}, headers=bearer(c["doctor_token"]))
    assert (r.status_code, r.json()["details"]) == (400, "E_FORM_HAS_ERRORS")
    r = http.post("/rpc/save_form", json={"form_id": form["id"], "data": PD_FINDINGS},
                  headers=bearer(c["doctor_token"]))
    assert r.status_code == 200 and r.json()["judgment"]["errors"] == [], r.text
    r = http.post("/rpc/confirm_form", json={"form_id": form["id"]}, headers=bearer(c["doctor_token"]))
    assert r.status_code == 200, r.text
    assert r.json()["judgment"]["primary_judgment"] == "meets"

    # confirmed: the hospital can no longer edit it
    r = http.post("/rpc/save_form", json={"form_id": form["id"], "data": {"hoehn_yahr": 4}},
                  headers=bearer(c["doctor_token"]))
    assert (r.status_code, r.json()["details"]) == (409, "E_FORM_NOT_EDITABLE")

    key = issue_key(http, c, form["id"])
    assert re.fullmatch(r"[2-9A-Z]{6}-[2-9A-Z]{6}-[2-9A-Z]{6}", key)

    # the municipality fetches by key, sees the primary judgment, takes over
    r = http.post("/rpc/fetch_form_by_key", json={"access_key": key.lower().replace("-", " ")},
                  headers=bearer(c["staff_token"]))
    assert r.status_code == 200, r.text
    assert r.json()["primary_judgment"] == "meets"
    assert r.json()["data"]["patient_address"] == c["patient"]["address"]
    r = http.post("/rpc/take_over_form", json={"access_key": key}, headers=bearer(c["staff_token"]))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "taken_over"
    # corrections are the municipality's now, and kept in the history
    r = http.post("/rpc/correct_form", json={"form_id": form["id"], "data": {"life_function_grade": 3}},
                  headers=bearer(c["staff_token"]))
    assert r.status_code == 200, r.text
    r = http.post("/rpc/get_form", json={"form_id": form["id"]}, headers=bearer(c["staff_token"]))
    history = r.json()["history"]
    assert [h["status"] for h in history if h["part"] == "clinical"][-2:] == ["taken_over", "taken_over"]
    assert history[-1]["by_role"] == "municipality_staff"
    # the key cannot be reissued once the municipality has the form
    r = http.post("/rpc/issue_access_key", json={"form_id": form["id"]}, headers=bearer(c["doctor_token"]))
    assert r.status_code == 409


def test_wrong_typod_and_reissued_keys(http, clinic):
    c = clinic
    form_id = confirmed_form(http, c)
    key = issue_key(http, c, form_id)
    # a typo in one character is caught by the check character
    alphabet = "23456789ACDEFGHJKMNPQRTUWXY"
    first = key[0]
    typo = alphabet[(alphabet.index(first) + 1) % len(alphabet)] + key[1:]
    r = http.post("/rpc/fetch_form_by_key", json={"access_key": typo}, headers=bearer(c["staff_token"]))
    assert (r.status_code, r.json()["details"]) == (400, "E_ACCESS_KEY_TYPO")
    assert "入力誤り" in r.json()["message"]
    # a reissue kills the old key at once
    new_key = issue_key(http, c, form_id)
    r = http.post("/rpc/fetch_form_by_key", json={"access_key": key}, headers=bearer(c["staff_token"]))
    assert (r.status_code, r.json()["details"]) == (404, "E_ACCESS_KEY_UNKNOWN")
    r = http.post("/rpc/fetch_form_by_key", json={"access_key": new_key}, headers=bearer(c["staff_token"]))
    assert r.status_code == 200


def random_valid_key():
    """A well-formed key (right check character) that nobody was given."""
    alphabet = "23456789ACDEFGHJKMNPQRTUWXY"
    body = [random.randrange(27) for _ in range(17)]
    total = sum(2 * v if i % 2 == 0 else v for i, v in enumerate(reversed(body)))
    chars = "".join(alphabet[v] for v in body + [(27 - total % 27) % 27])
    return f"{chars[:6]}-{chars[6:12]}-{chars[12:]}"


def test_brute_force_hits_the_rate_limit(http, sql, clinic):
    c = clinic
    statuses = [http.post("/rpc/fetch_form_by_key", json={"access_key": random_valid_key()},
                          headers=bearer(c["staff_token"])).status_code for _ in range(12)]
    assert statuses[:10] == [404] * 10
    assert statuses[10:] == [429, 429]
    r = http.post("/rpc/fetch_form_by_key", json={"access_key": random_valid_key()},
                  headers=bearer(c["staff_token"]))
    assert r.json()["details"] == "E_RATE_LIMITED"
    logged = sql("SELECT count(*) FROM app.audit_log WHERE action = 'access_key.lookup' "
                 f"AND actor_account_id = {c['staff']['id']}")
    assert int(logged) == 13, "every lookup is logged"


def test_the_masked_print_leaks_no_personal_value(http, clinic):
    c = clinic
    form_id = confirmed_form(http, c)
    key = issue_key(http, c, form_id)
    html_headers = {**bearer(c["doctor_token"]), "Accept": "text/html"}
    r = http.post("/rpc/print_form", json={"form_id": form_id, "access_key": key}, headers=html_headers)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("text/html")
    assert key in r.text and c["patient"]["name"] in r.text and "@page" in r.text

    r = http.post("/rpc/print_form_masked", json={"form_id": form_id}, headers=html_headers)
    assert r.status_code == 200, r.text
    page = r.text
    for value in [c["patient"]["name"], c["patient"]["name_kana"], c["patient"]["address"],
                  c["patient"]["birth_date"], "1960/5/1", "昭和35年", c["patient"]["postal_code"], key]:
        assert value not in page, f"{value} leaked into the masked print"
    assert "66歳" in page and "東京都" in page and "マスク済" in page

    r = http.post("/rpc/print_access_key_slip", json={"form_id": form_id, "access_key": key}, headers=html_headers)
    assert r.status_code == 200 and key in r.text and c["patient"]["name"] not in r.text


def test_the_prints_show_every_code_by_its_label(http, clinic):
    """Issue #18: the print showed `renewal` and `1` where a user expects 更新
    and 男. Item codes come out as their form definition's labels (shared
    blocks' code lists included), the form's program, purpose and status as
    the vocabulary's; the masked copy too, with its masking intact."""
    c = clinic
    form_id = confirmed_form(http, c)
    key = issue_key(http, c, form_id)
    html_headers = {**bearer(c["doctor_token"]), "Accept": "text/html"}
    r = http.post("/rpc/print_form", json={"form_id": form_id, "access_key": key}, headers=html_headers)
    assert r.status_code == 200, r.text
    page = r.text
    assert "<th>性別</th><td>男</td>" in page
    assert "<th>申請区分</th><td>更新</td>" in page
    assert "制度: 指定難病" in page and "申請区分: 更新" in page and "状態: アクセスキー発行済み" in page
    assert ">renewal<" not in page and "<td>1</td>" not in page and "issued" not in page

    r = http.post("/rpc/print_form_masked", json={"form_id": form_id}, headers=html_headers)
    assert r.status_code == 200, r.text
    page = r.text
    assert "<th>性別</th><td>男</td>" in page and "<th>申請区分</th><td>更新</td>" in page
    assert c["patient"]["name"] not in page and c["patient"]["postal_code"] not in page and key not in page

    # a disease's own code lists: ulcerative colitis' visible blood and severity (a draft prints too)
    r = http.post("/rpc/create_form", json={"patient_id": c["patient_id"], "disease_code": "N097",
                                            "purpose": "new", "consent_db_registration": True,
                                            "data": {**header(c), "uc_visible_blood": "++", "uc_severity": "moderate"}},
                  headers=bearer(c["doctor_token"]))
    assert r.status_code == 200, r.text
    r = http.post("/rpc/print_form", json={"form_id": r.json()["id"]}, headers=html_headers)
    assert r.status_code == 200, r.text
    page = r.text
    assert "<td>（＋＋）</td>" in page and "<td>中等症</td>" in page and "<td>新規</td>" in page
    assert "状態: 下書き" in page and "moderate" not in page and "<td>++</td>" not in page


def publish_als_version(sql, extra_item):
    """A new ALS form version in force from today: the bundled items plus `extra_item`."""
    label = f"テスト改訂版{random.randrange(10**9)}"
    sql(f"""
        INSERT INTO app.form_versions (definition)
        SELECT jsonb_set(jsonb_set(jsonb_set(definition, '{{version_label}}', to_jsonb('{label}'::text)),
                                   '{{effective_from}}', to_jsonb(current_date::text)),
                         '{{items}}', (definition -> 'items') || '[{extra_item}]'::jsonb)
          FROM app.form_versions WHERE disease_code = 'N002' AND version_label = '令和6年4月1日改訂版'
    """)
    return label


def test_carry_over_across_a_form_version_change(http, sql, clinic):
    c = clinic
    # last year's form was written on a version with an item the next one drops
    publish_als_version(sql, '{"id": "als_old_note", "label": "旧備考", "section": "臨床所見", '
                             '"type": "text", "carry_over": true}')
    source = confirmed_form(http, c, "N002", {**ALS_FINDINGS, "als_old_note": "旧様式の記載"})
    label = publish_als_version(sql, '{"id": "als_family_history", "label": "家族歴", '
                                     '"section": "臨床所見", "type": "boolean", "carry_over": true}')
    r = http.post("/rpc/carry_over_form", json={"source_form_id": source, "purpose": "renewal"},
                  headers=bearer(c["clerk_token"]))
    assert r.status_code == 200, r.text
    new = r.json()
    assert new["status"] == "draft" and new["carried_over_from"] == source
    assert new["dropped"] == [{"item": "als_old_note", "reason": "not_in_new_version"}]
    assert new["new_items"] == ["als_family_history"]
    assert "patient_name" in new["copied"] and "als_adult_onset" in new["copied"]
    assert "als_severity" not in new["copied"], "this year's findings start empty"
    version = sql(f"SELECT v.version_label FROM app.forms f JOIN app.form_versions v ON v.id = f.form_version_id "
                  f"WHERE f.id = {new['id']}")
    assert version == label
    logged = sql(f"SELECT count(*) FROM app.audit_log WHERE action = 'form.carry_over' AND target_id = '{new['id']}'")
    assert logged == "1"


def test_another_hospital_sees_nothing_without_the_key(http, sql, clinic):
    c = clinic
    form_id = confirmed_form(http, c)
    other = new_world(sql)
    other_doctor = add_account(sql, "doctor", other["hospital_id"], program="nanbyo", admin=True)
    token = token_of(http, other_doctor["login_id"])
    r = http.post("/rpc/get_form", json={"form_id": form_id}, headers=bearer(token))
    assert (r.status_code, r.json()["details"]) == (404, "E_FORM_NOT_FOUND")
    r = http.post("/rpc/search_forms", json={"patient_kana": c["patient"]["name_kana"]}, headers=bearer(token))
    assert r.status_code == 200 and r.json() == []
    # with the key the patient gives, the other doctor reads it (read-only)
    key = issue_key(http, c, form_id)
    r = http.post("/rpc/fetch_form_by_key", json={"access_key": key}, headers=bearer(token))
    assert r.status_code == 200
    r = http.post("/rpc/save_form", json={"form_id": form_id, "data": {"hoehn_yahr": 5}}, headers=bearer(token))
    assert r.status_code == 404
    # the own clerk finds it by kana
    r = http.post("/rpc/search_forms", json={"patient_kana": c["patient"]["name_kana"][:7]},
                  headers=bearer(c["clerk_token"]))
    assert [f["id"] for f in r.json()] == [form_id]


def test_an_unknown_disease_is_a_404_with_a_japanese_message(http, clinic):
    c = clinic
    r = http.post("/rpc/create_form", json={"patient_id": c["patient_id"], "disease_code": "N999", "purpose": "new"},
                  headers=bearer(c["doctor_token"]))
    assert (r.status_code, r.json()["details"]) == (404, "E_UNKNOWN_DISEASE")
    assert "N999" in r.json()["message"]

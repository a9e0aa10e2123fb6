"""C3 (#19 item 2): the bulk import of certification results over HTTP —
the certification system's CSV in UTF-8, UTF-8 with BOM or Shift_JIS
(CP932), checked whole before anything is written (every problem by line and
column, HTTP 422), applied in one transaction, and the same file again
changes nothing (docs/certification-results.md)."""

import datetime
import json
import random

import pytest

from helpers import add_account, bearer, new_world, token_of

PD_FINDINGS = {
    "parkinsonism": True, "imaging_no_abnormality": True, "no_drug_toxin_exposure": True,
    "antiparkinson_response": True, "hoehn_yahr": 3, "life_function_grade": 2,
}
HEADER = ("access_key,form_id,outcome,refusal_reason,refusal_note,recipient_number,public_payer_number,"
          "application_received_on,valid_from,valid_until,early_start_reason,income_tier,special_case,"
          "research_consent_on")
ALPHABET = "23456789ACDEFGHJKMNPQRTUWXY"
OCTET = {"Content-Type": "application/octet-stream"}


def check_digit(digits):
    """The modulus-10 (weights 2, 1 from the right) check digit of DOMAIN.md."""
    total = 0
    for i, d in enumerate(reversed(digits)):
        p = int(d) * (2 if i % 2 == 0 else 1)
        total += p // 10 + p % 10
    return str((10 - total % 10) % 10)


def recipient_number():
    body = f"{random.randrange(0, 999999):06d}"
    return body + check_digit(body)


def unknown_access_key():
    """A well-formed key (its check character right) that no form has."""
    body = [random.randrange(27) for _ in range(17)]
    total = sum(v * (2 if i % 2 == 0 else 1) for i, v in enumerate(reversed(body)))
    key = "".join(ALPHABET[v] for v in body) + ALPHABET[(27 - total % 27) % 27]
    return f"{key[:6]}-{key[6:12]}-{key[12:]}"


def row(**cells):
    names = HEADER.split(",")
    unknown = set(cells) - set(names)
    assert not unknown, unknown
    return ",".join(str(cells.get(n, "")) for n in names)


def csv_of(*rows, header=HEADER, newline="\r\n"):
    return newline.join([header, *rows]) + newline


class Municipality:
    """A world (municipality in Tokyo, hospital, nanbyō doctor, staff) that
    makes forms taken over by its staff."""

    def __init__(self, http, sql):
        self.http, self.sql = http, sql
        w = new_world(sql)
        self.world = w
        self.doctor = add_account(sql, "doctor", w["hospital_id"], program="nanbyo", admin=True)
        self.staff = add_account(sql, "municipality_staff", w["municipality_id"])
        self.doctor_token = token_of(http, self.doctor["login_id"])
        self.staff_token = token_of(http, self.staff["login_id"])
        self.today = datetime.date.fromisoformat(sql("SELECT current_date"))
        payer = "5413" + f"{random.randrange(0, 999):03d}"
        self.payer = payer + check_digit(payer)

    def issued_form(self, diagnosed=None):
        """A confirmed PD form with an access key: (form id, key)."""
        kana = "".join(random.choice("アイウエオカキクケコサシスセソ") for _ in range(6))
        patient = {"name": f"認定 {kana}", "name_kana": f"ニンテイ {kana}", "birth_date": "1955-04-01", "sex": "2",
                   "address": "東京都千代田区千代田1-1", "postal_code": "100-0001"}
        h = bearer(self.doctor_token)
        r = self.http.post("/rpc/register_patient", json=patient, headers=h)
        assert r.status_code == 200, r.text
        diagnosed = diagnosed or (self.today - datetime.timedelta(days=10))
        data = {"entry_date": self.today.isoformat(), "medical_institution_code": self.world["hospital_code"],
                "medical_institution_name": "テスト病院", "doctor_name": "テスト 医師",
                "consent_db_registration": True, "diagnosis_date": diagnosed.isoformat(), **PD_FINDINGS}
        r = self.http.post("/rpc/create_form", json={"patient_id": r.json()["id"], "disease_code": "N006",
                                                     "purpose": "renewal", "consent_db_registration": True,
                                                     "data": data}, headers=h)
        assert r.status_code == 200, r.text
        form_id = r.json()["id"]
        r = self.http.post("/rpc/confirm_form", json={"form_id": form_id}, headers=h)
        assert r.status_code == 200, r.text
        r = self.http.post("/rpc/issue_access_key", json={"form_id": form_id}, headers=h)
        assert r.status_code == 200, r.text
        return form_id, r.json()["access_key"]

    def taken_over_form(self, diagnosed=None):
        form_id, key = self.issued_form(diagnosed)
        r = self.http.post("/rpc/take_over_form", json={"access_key": key}, headers=bearer(self.staff_token))
        assert r.status_code == 200, r.text
        return form_id, key

    def grant(self, key="", form_id="", **extra):
        start = self.today - datetime.timedelta(days=10)
        cells = dict(access_key=key, form_id=form_id, outcome="granted", recipient_number=recipient_number(),
                     public_payer_number=self.payer, valid_from=start.isoformat(),
                     valid_until=(start.replace(year=start.year + 1) - datetime.timedelta(days=1)).isoformat(),
                     income_tier="general1", special_case="none")
        cells.update(extra)
        return row(**cells)

    def upload(self, body, headers=None, token=None):
        h = {**OCTET, **(headers or {}), **bearer(token or self.staff_token)}
        return self.http.post("/rpc/import_certification_results", data=body, headers=h)

    def certification(self, form_id):
        out = self.sql(f"SELECT row_to_json(c) FROM app.certifications c WHERE c.form_id = {form_id}")
        return json.loads(out) if out else None


@pytest.fixture()
def town(http, sql):
    return Municipality(http, sql)


def test_a_utf8_file_applies_every_row_and_the_same_file_again_changes_nothing(http, sql, town):
    granted_id, granted_key = town.taken_over_form()
    refused_id, _ = town.taken_over_form()
    recipient = recipient_number()
    body = csv_of(
        # Japanese labels for the codes, a key typed in lower case without hyphens
        town.grant(key=granted_key.lower().replace("-", ""), outcome="認定", recipient_number=recipient,
                   income_tier="一般所得Ⅰ", special_case="高額かつ長期",
                   research_consent_on=town.today.strftime("%Y/%m/%d")),
        row(form_id=refused_id, outcome="refused", refusal_reason="severity_not_met"),
    ).encode("utf-8")
    r = town.upload(body)
    assert r.status_code == 200, r.text
    a = r.json()
    assert (a["accepted"], a["rows"], a["applied"], a["unchanged"], a["encoding"]) == (True, 2, 2, 0, "UTF8")
    assert a["previously_imported_at"] is None
    c = town.certification(granted_id)
    assert (c["outcome"], c["recipient_number"], c["public_payer_number"], c["income_tier"], c["special_case"],
            c["monthly_cap_yen"]) == ("granted", recipient, town.payer, "general1", "high_long", 5000)
    assert c["application_received_on"] == town.today.isoformat()
    refused = town.certification(refused_id)
    assert (refused["outcome"], refused["refusal_reason"], refused["registration_card_eligible"]) == \
        ("refused", "severity_not_met", True)
    assert sql(f"SELECT string_agg(status || ':' || review_result, ',' ORDER BY id) FROM app.forms "
               f"WHERE id IN ({granted_id}, {refused_id})") == "reviewed:granted,reviewed:refused"
    assert sql(f"SELECT consented_on FROM app.research_consents WHERE form_id = {granted_id}") == town.today.isoformat()
    assert sql(f"SELECT count(*) FROM app.audit_log WHERE action = 'form.certify' "
               f"AND target_id IN ('{granted_id}', '{refused_id}')") == "2"
    log = json.loads(sql(f"SELECT row_to_json(i) FROM app.certification_imports i WHERE id = {a['import_id']}"))
    assert (log["rows"], log["applied"], log["unchanged"], log["encoding"], log["file_sha256"]) == \
        (2, 2, 0, "UTF8", a["file_sha256"])

    history = sql(f"SELECT count(*) FROM app.form_history WHERE form_id IN ({granted_id}, {refused_id})")
    r = town.upload(body)
    assert r.status_code == 200, r.text
    again = r.json()
    assert (again["applied"], again["unchanged"]) == (0, 2)
    assert "変更はありません" in again["message"]
    assert again["previously_imported_at"] is not None
    assert town.certification(granted_id)["recorded_at"] == c["recorded_at"], "nothing rewritten"
    assert sql(f"SELECT count(*) FROM app.form_history WHERE form_id IN ({granted_id}, {refused_id})") == history
    assert sql(f"SELECT count(*) FROM app.certification_imports WHERE file_sha256 = '{a['file_sha256']}'") == "2"

    # a changed row applies that row only
    body2 = csv_of(town.grant(key=granted_key, recipient_number=recipient, income_tier="upper",
                              special_case="high_long", research_consent_on=town.today.isoformat()),
                   row(form_id=refused_id, outcome="refused", refusal_reason="severity_not_met"))
    r = town.upload(body2.encode())
    assert (r.status_code, r.json()["applied"], r.json()["unchanged"]) == (200, 1, 1), r.text
    assert town.certification(granted_id)["monthly_cap_yen"] == 20000


def test_utf8_with_a_byte_order_mark(town):
    form_id, key = town.taken_over_form()
    r = town.upload(b"\xef\xbb\xbf" + csv_of(town.grant(key=key)).encode("utf-8"))
    assert r.status_code == 200, r.text
    assert (r.json()["encoding"], r.json()["applied"]) == ("UTF8_BOM", 1)
    assert town.certification(form_id)["outcome"] == "granted"


@pytest.mark.parametrize("content_type", ["application/octet-stream", "application/octet-stream; charset=Shift_JIS"])
def test_a_shift_jis_file_with_cp932_only_characters(town, content_type):
    form_id, key = town.taken_over_form()
    note = "㈱髙﨑①の資料による"
    # Japanese header names too
    header = "アクセスキー,認定結果,不認定の理由,不認定の理由（その他）の内容"
    body = csv_of(f"{key},不認定,その他,{note}", header=header).encode("cp932")
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    r = town.upload(body, headers={"Content-Type": content_type})
    assert r.status_code == 200, r.text
    assert r.json()["encoding"] == "SJIS"
    c = town.certification(form_id)
    assert (c["outcome"], c["refusal_reason"]) == ("refused", "other")
    # stored as the certification rules normalise it (NFKC: ㈱ → (株), ① → 1; 髙 and 﨑 stay)
    assert c["refusal_note"] == "(株)髙﨑1の資料による"


def test_a_text_plain_body_is_utf8(http, town):
    form_id, key = town.taken_over_form()
    r = http.post("/rpc/import_certification_results", data=csv_of(town.grant(key=key)).encode("utf-8"),
                  headers={"Content-Type": "text/plain; charset=utf-8", **bearer(town.staff_token)})
    assert r.status_code == 200, r.text
    assert town.certification(form_id)["outcome"] == "granted"


@pytest.mark.parametrize("body,content_type", [
    (b"access_key,outcome\r\n\xff\xfe,\x80\x80\r\n", "application/octet-stream"),   # neither UTF-8 nor CP932
    (b"access_key,outcome\r\nA\x00B,granted\r\n", "application/octet-stream"),      # a NUL byte
    ("access_key,outcome\r\nキー,認定\r\n".encode("utf-8"), "application/octet-stream; charset=Shift_JIS"),
    (b"access_key,outcome\r\n", "application/octet-stream; charset=latin1"),        # a charset not read
])
def test_a_file_in_no_encoding_it_reads_is_refused(town, body, content_type):
    r = town.upload(body, headers={"Content-Type": content_type})
    assert (r.status_code, r.json()["details"]) == (400, "E_CSV_ENCODING"), r.text


def test_a_malformed_csv_is_refused_with_its_line(town):
    form_id, key = town.taken_over_form()
    r = town.upload(csv_of(town.grant(key=key), 'NA,,"granted').encode())
    assert (r.status_code, r.json()["details"]) == (400, "E_CSV_MALFORMED"), r.text
    assert "3行目" in r.json()["message"]
    assert town.certification(form_id) is None


def test_an_empty_file_and_a_header_alone_are_refused(town):
    r = town.upload(b"")
    assert (r.status_code, r.json()["details"]) == (400, "E_CSV_EMPTY"), r.text
    r = town.upload(csv_of().encode())
    assert (r.status_code, r.json()["details"]) == (400, "E_CSV_NO_ROWS"), r.text


def test_a_wrong_header_names_its_columns(town):
    r = town.upload(b"access_key,outcome,colour,outcome\r\nX,granted,red,granted\r\n")
    assert r.status_code == 422, r.text
    found = {(p["line"], p["column"], p["code"]) for p in r.json()["problems"]}
    assert found == {(1, "colour", "E_CSV_HEADER_UNKNOWN"), (1, "outcome", "E_CSV_HEADER_DUPLICATE")}
    r = town.upload(b"form_id,recipient_number\r\n1,1234566\r\n")
    assert r.status_code == 422, r.text
    assert [(p["line"], p["column"], p["code"]) for p in r.json()["problems"]] == \
        [(1, "outcome", "E_CSV_HEADER_MISSING")]


def test_every_bad_row_is_reported_and_nothing_is_written(http, sql, town):
    good_id, good_key = town.taken_over_form()
    ok2_id, ok2_key = town.taken_over_form()
    dup_id, dup_key = town.taken_over_form()
    _, not_taken_key = town.issued_form()
    # another municipality's form: taken over there
    other = Municipality(http, sql)
    other_id, other_key = other.taken_over_form()
    alphabet_next = ALPHABET[(ALPHABET.index(good_key[0]) + 1) % len(ALPHABET)]
    typo = alphabet_next + good_key[1:]
    start = town.today - datetime.timedelta(days=10)
    rows = [
        town.grant(key=good_key),                                                        # 2: good
        town.grant(key=ok2_key, recipient_number="1234567"),                              # 3: check digit
        town.grant(key=unknown_access_key()),                                             # 4: unknown key
        town.grant(key=typo),                                                             # 5: typo
        town.grant(key=other_key),                                                        # 6: another municipality's
        town.grant(form_id=other_id),                                                     # 7: ... by form id
        town.grant(key=not_taken_key),                                                    # 8: not taken over
        town.grant(key=dup_key, valid_until=(start - datetime.timedelta(days=1)).isoformat()),  # 9: period
        town.grant(key=dup_key, income_tier="rich"),                                      # 10: code; duplicate
        row(form_id="12x", outcome="pending"),                                            # 11: form id
        row(outcome="pending"),                                                           # 12: no reference
        town.grant(key=good_key) + ",extra",                                              # 13: fields; duplicate
        row(access_key=good_key, form_id=ok2_id, outcome="pending"),                      # 14: key and id differ
        town.grant(form_id=ok2_id, research_consent_on="2026-13-01"),                     # 15: consent date
    ]
    r = town.upload(csv_of(*rows).encode())
    assert r.status_code == 422, r.text
    a = r.json()
    assert a["accepted"] is False and "1件も反映していません" in a["message"]
    assert a["problem_count"] == len(a["problems"])
    found = {(p["line"], p["column"], p["code"]) for p in a["problems"]}
    expected = {
        (3, "recipient_number", "E_CERT_RECIPIENT_NUMBER"),
        (4, "access_key", "E_ACCESS_KEY_UNKNOWN"),
        (5, "access_key", "E_ACCESS_KEY_TYPO"),
        (6, "access_key", "E_OTHER_MUNICIPALITY"),
        (7, "form_id", "E_FORM_NOT_FOUND"),
        (8, "access_key", "E_FORM_NOT_TAKEN_OVER"),
        (9, "valid_until", "E_CERT_VALIDITY_ORDER"),
        (10, "income_tier", "E_CERT_INCOME_TIER"),
        (10, "access_key", "E_DUPLICATE_IN_FILE"),
        (11, "form_id", "E_FORM_ID"),
        (12, "access_key", "E_FORM_REFERENCE_REQUIRED"),
        (13, None, "E_CSV_FIELD_COUNT"),
        (13, "access_key", "E_DUPLICATE_IN_FILE"),
        (14, "form_id", "E_FORM_REFERENCE_CONFLICT"),
        (15, "research_consent_on", "E_CONSENT_DATE"),
    }
    assert expected <= found, expected - found
    assert not any(p["line"] == 2 for p in a["problems"]), "the good row has no problem"
    # lines in order, each with its Japanese column name and message
    assert [p["line"] for p in a["problems"]] == sorted(p["line"] for p in a["problems"])
    p3 = next(p for p in a["problems"] if p["line"] == 3)
    assert p3["column_label"] == "受給者番号" and "検証番号" in p3["message"]
    # nothing written: not the good rows either
    for form_id in (good_id, ok2_id, dup_id):
        assert town.certification(form_id) is None
    assert sql(f"SELECT status FROM app.forms WHERE id = {good_id}") == "taken_over"
    assert sql(f"SELECT count(*) FROM app.certification_imports WHERE municipality_id = {town.world['municipality_id']}") == "0"
    assert sql(f"SELECT detail ->> 'problems' FROM app.audit_log WHERE action = 'certification.import' "
               f"AND outcome = 'refused' AND actor_login_id = '{town.staff['login_id']}'") == str(a["problem_count"])

    # the fixed file applies
    r = town.upload(csv_of(town.grant(key=good_key), town.grant(key=ok2_key), town.grant(form_id=dup_id)).encode())
    assert (r.status_code, r.json()["applied"]) == (200, 3), r.text


def test_a_registered_form_keeps_its_result(http, sql, town):
    form_id, key = town.taken_over_form()
    first = csv_of(row(access_key=key, outcome="refused", refusal_reason="diagnosis_not_met"))
    assert town.upload(first.encode()).status_code == 200
    r = http.post("/rpc/register_form", json={"form_id": form_id}, headers=bearer(town.staff_token))
    assert r.status_code == 200, r.text
    # the same result again: unchanged, fine
    r = town.upload(first.encode())
    assert (r.status_code, r.json()["unchanged"]) == (200, 1), r.text
    # another result: refused
    r = town.upload(csv_of(row(access_key=key, outcome="pending")).encode())
    assert r.status_code == 422, r.text
    assert [(p["line"], p["code"]) for p in r.json()["problems"]] == [(2, "E_FORM_STATUS")]
    assert town.certification(form_id)["outcome"] == "refused"


def test_only_municipality_staff_may_import(town):
    form_id, key = town.taken_over_form()
    r = town.upload(csv_of(town.grant(key=key)).encode(), token=town.doctor_token)
    assert r.status_code in (401, 403), r.text
    assert town.certification(form_id) is None

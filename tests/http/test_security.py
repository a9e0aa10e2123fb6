"""The attack review of issue #15, replayed over HTTP: each test makes the
attack the review found and checks that it is now refused (or harmless).

Worlds are built as in the other HTTP tests (helpers.new_world); where an
attack needs what only the database can show (the audit log, the mail
outbox, a forged token), the test reads it with psql.
"""

import base64
import concurrent.futures
import hashlib
import hmac
import json
import os
import pathlib
import random
import stat
import time
import uuid

import pytest

from helpers import PASSWORD, add_account, bearer, login, new_world, token_of
from test_forms import random_valid_key

PD_FINDINGS = {
    "parkinsonism": True, "imaging_no_abnormality": True, "no_drug_toxin_exposure": True,
    "antiparkinson_response": True, "hoehn_yahr": 3, "life_function_grade": 2,
}


@pytest.fixture()
def clinic(sql, http):
    w = new_world(sql)
    doctor = add_account(sql, "doctor", w["hospital_id"], program="nanbyo", admin=True)
    clerk = add_account(sql, "clerk", w["hospital_id"])
    staff = add_account(sql, "municipality_staff", w["municipality_id"])
    sql(f"UPDATE app.accounts SET email = 'doc{doctor['id']}@example.jp', issued_by_organisation_id = {w['municipality_id']} "
        f"WHERE id = {doctor['id']}")
    c = dict(w, doctor=doctor, clerk=clerk, staff=staff)
    for who in ("doctor", "clerk", "staff"):
        c[f"{who}_token"] = token_of(http, c[who]["login_id"])
    kana = "".join(random.choice("アイウエオカキクケコ") for _ in range(6))
    r = http.post("/rpc/register_patient", json={
        "name": f"難病 {kana}", "name_kana": f"ナンビョウ {kana}", "birth_date": "1960-05-01", "sex": "1",
        "address": "東京都千代田区1"}, headers=bearer(c["clerk_token"]))
    assert r.status_code == 200, r.text
    c["patient_id"] = r.json()["id"]
    c["kana"] = kana
    return c


def rpc(http, function, token=None, **body):
    return http.post(f"/rpc/{function}", json=body, headers=bearer(token) if token else {})


def new_draft(http, c, data=None, token=None):
    r = rpc(http, "create_form", token or c["doctor_token"], patient_id=c["patient_id"], disease_code="N006",
            purpose="renewal", data={"entry_date": "2026-11-20", **PD_FINDINGS, **(data or {})})
    return r


def issued_form(http, c):
    r = new_draft(http, c, {"consent_db_registration": True})
    assert r.status_code == 200, r.text
    form_id = r.json()["id"]
    r = rpc(http, "confirm_form", c["doctor_token"], form_id=form_id)
    assert r.status_code == 200, r.text
    r = rpc(http, "issue_access_key", c["doctor_token"], form_id=form_id)
    assert r.status_code == 200, r.text
    return form_id, r.json()["access_key"]


# --- 1. the password alone no longer replaces the second factor -----------

def test_after_a_key_reissue_the_password_alone_cannot_enrol_a_new_key(http, sql, clinic):
    c = clinic
    doctor = c["doctor"]
    r = rpc(http, "reissue_key", c["doctor_token"], account_id=c["clerk"]["id"])
    assert r.status_code == 200, r.text
    code = r.json()["enrolment_code"]
    # the attacker who knows the password logs in first: refused, and counted
    r = login(http, c["clerk"]["login_id"])
    assert (r.status_code, r.json()["details"]) == (401, "E_LOGIN_FAILED")
    # the user, with the code handed over by the admin, enrols a new key
    r = http.post("/rpc/login", json={"login_id": c["clerk"]["login_id"], "password": PASSWORD,
                                      "enrolment_code": code})
    assert r.status_code == 200 and r.json()["stage"] == "enrolment", r.text
    r = rpc(http, "complete_enrolment", r.json()["token"], email="clerk@example.jp")
    assert r.status_code == 200, r.text
    key_file = r.json()["key_file"]
    assert login(http, c["clerk"]["login_id"], key=key_file).json()["stage"] == "full"
    # the code was spent
    r = http.post("/rpc/login", json={"login_id": c["clerk"]["login_id"], "password": PASSWORD,
                                      "enrolment_code": code})
    assert r.json()["details"] == "E_LOGIN_FAILED"

    # a designation change (routine, by the municipality) also answers a code, and mails the doctor
    admin = token_of(http, c["admin_login"])
    r = rpc(http, "update_doctor_designation", admin, account_id=doctor["id"], designation_expires_on="2031-03-31")
    assert r.status_code == 200, r.text
    assert r.json()["enrolment_code"] and r.json()["notified"] is True
    mail = json.loads(sql(f"""SELECT json_build_object('kind', kind, 'to', to_address, 'body', body)
                                FROM app.mail_outbox WHERE account_id = {doctor['id']} ORDER BY id DESC LIMIT 1"""))
    assert mail["kind"] == "key_revoked" and mail["to"] == f"doc{doctor['id']}@example.jp"
    assert r.json()["enrolment_code"] not in mail["body"], "no secret in a mail"
    assert login(http, doctor["login_id"]).json()["details"] == "E_LOGIN_FAILED"


def test_the_mailer_role_reads_the_outbox_and_nothing_else(sql, clinic):
    sql(f"SELECT app.notify_account({clinic['doctor']['id']}, 'password_reset', NULL)")
    as_mailer = "SET ROLE nanbyo_mailer; "
    assert int(sql(as_mailer + "SELECT count(*) FROM app.mail_outbox WHERE sent_at IS NULL")) >= 1
    sql(as_mailer + "UPDATE app.mail_outbox SET sent_at = now(), attempts = attempts + 1 "
        f"WHERE account_id = {clinic['doctor']['id']}")
    for forbidden in ("SELECT count(*) FROM app.accounts", "DELETE FROM app.mail_outbox",
                      "UPDATE app.mail_outbox SET body = 'x'"):
        with pytest.raises(Exception):
            sql(as_mailer + forbidden)


# --- 2. a small XML file cannot hold a backend ------------------------------

def test_an_attribute_flood_is_refused_at_once(http, clinic):
    attrs = " ".join(f'a{i}="x"' for i in range(100_000))
    body = f'<nanbyo-forms xmlns="urn:nanbyo-db:bulk:1" {attrs}><header hospital="{clinic["hospital_code"]}"/></nanbyo-forms>'
    started = time.monotonic()
    r = http.post("/rpc/import_forms_xml", data=body.encode(), timeout=60,
                  headers={**bearer(clinic["doctor_token"]), "Content-Type": "text/plain"})
    assert r.status_code == 400, r.text
    assert r.json()["details"] == "E_XML_ATTRIBUTE"
    # (not a timed test: the figure is in BENCHMARKS.md; this only keeps the
    # refusal from taking the 22 s the review measured)
    assert time.monotonic() - started < 20
    ns = " ".join(f'xmlns:p{i}="urn:x{i}"' for i in range(1000))
    body = f'<nanbyo-forms xmlns="urn:nanbyo-db:bulk:1" {ns}><header hospital="{clinic["hospital_code"]}"/></nanbyo-forms>'
    r = http.post("/rpc/import_forms_xml", data=body.encode(),
                  headers={**bearer(clinic["doctor_token"]), "Content-Type": "text/plain"})
    assert (r.status_code, r.json()["details"]) == (400, "E_XML_ATTRIBUTE")


def test_every_api_role_has_a_statement_timeout(sql):
    rows = sql("""SELECT string_agg(r.rolname || '=' || coalesce(
                    (SELECT substr(c, 19) FROM unnest(s.setconfig) c WHERE c LIKE 'statement_timeout=%'), '-'),
                    ',' ORDER BY r.rolname)
                    FROM pg_roles r
                    LEFT JOIN pg_db_role_setting s ON s.setrole = r.oid
                         AND s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
                   WHERE pg_has_role('authenticator', r.oid, 'MEMBER') AND r.rolname <> 'authenticator'
                     AND r.rolname <> 'api_user'""")
    settings = dict(x.split("=") for x in rows.split(","))
    assert settings.pop("web_anon") == "5s"
    assert set(settings.values()) == {"30s"}, settings
    assert sql("SELECT app.statement_timeout_for('import_forms_xml')") == "10min"


# --- 3. no internal error from a number beyond double -----------------------

@pytest.mark.parametrize("number", ["1e309", "-1e309", "1" + "0" * 400])
def test_a_huge_number_is_a_clear_error(http, clinic, number):
    body = ('{"patient_id": %d, "disease_code": "N006", "purpose": "renewal", "data": {"hoehn_yahr": %s}}'
            % (clinic["patient_id"], number))
    r = http.post("/rpc/create_form", data=body, headers={**bearer(clinic["doctor_token"]),
                                                          "Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    assert r.json()["details"] == "E_NUMBER_OUT_OF_RANGE"
    assert "数値" in r.json()["message"]


# --- 4, 5. no password oracle, no permanent lockout, no enumeration ---------

def test_every_failed_factor_answers_alike_and_unknown_ids_too(http, clinic):
    login_id = clinic["clerk"]["login_id"]
    answers = [login(http, login_id, "wrong", f"KEY-{login_id}"), login(http, login_id),
               login(http, login_id, key="KEY-wrong"), login(http, f"{login_id}9")]
    assert {(r.status_code, r.json()["details"], r.json()["message"]) for r in answers} == {
        (401, "E_LOGIN_FAILED", answers[0].json()["message"])}
    # the fifth failure locks, for an existing id and an unknown one alike
    known = [login(http, login_id) for _ in range(2)][-1]
    unknown = [login(http, f"{login_id}9") for _ in range(4)][-1]
    assert (known.status_code, known.json()["details"]) == (403, "E_ACCOUNT_LOCKED")
    assert (unknown.status_code, unknown.json()["details"]) == (403, "E_ACCOUNT_LOCKED")
    assert known.json()["message"][:20] == unknown.json()["message"][:20]


def test_a_lock_ends_by_itself_and_does_not_log_the_user_out(http, sql, clinic):
    login_id = clinic["clerk"]["login_id"]
    for _ in range(5):
        login(http, login_id, "wrong")
    assert login(http, login_id).json()["details"] == "E_ACCOUNT_LOCKED"
    # the user's live session goes on while the id is locked
    assert http.get("/rpc/whoami", headers=bearer(clinic["clerk_token"])).status_code == 200
    sql(f"UPDATE app.login_throttle SET locked_until = now() - interval '1 second' "
        f"WHERE account_id = {clinic['clerk']['id']}")
    r = login(http, login_id, key=f"KEY-{login_id}")
    assert r.status_code == 200, r.text


# --- 6. the audit log holds only what is needed -------------------------------

def test_the_audit_log_keeps_no_searched_reading_and_no_typed_unknown_id(http, sql, clinic):
    assert new_draft(http, clinic).status_code == 200
    r = rpc(http, "search_forms", clinic["clerk_token"], patient_kana=f"ナンビョウ {clinic['kana']}")
    assert len(r.json()) == 1, r.text
    assert r.status_code == 200, r.text
    secret_id = f"Pass{random.randrange(10**9)}!"
    login(http, secret_id, "x")
    hits = sql(f"""SELECT count(*) FROM app.audit_log
                    WHERE detail::text LIKE '%{clinic['kana']}%' OR detail::text LIKE '%{secret_id}%'
                       OR coalesce(target_id, '') LIKE '%{secret_id}%' OR coalesce(actor_login_id, '') LIKE '%{secret_id}%'""")
    assert hits == "0"
    # the operator can still find who searched for that reading
    found = sql(f"""SELECT count(*) FROM app.audit_log WHERE action = 'read.forms'
                     AND detail -> 'patient_kana' = app.audit_value_hash('ナンビョウ {clinic['kana']}')""")
    assert found == "1"


def test_only_the_operator_sees_personal_values_in_the_operation_log(http, sql):
    operator = json.loads(sql("""INSERT INTO app.organisations (kind, code, name)
        VALUES ('operator', 'OP' || (random() * 1e7)::bigint, '運営主体') RETURNING json_build_object('id', id)"""))
    ministry = json.loads(sql("""INSERT INTO app.organisations (kind, code, name)
        VALUES ('ministry', 'MH' || (random() * 1e7)::bigint, '厚生労働省') RETURNING json_build_object('id', id)"""))
    op = token_of(http, add_account(sql, "operator_staff", operator["id"])["login_id"])
    mh = token_of(http, add_account(sql, "ministry_staff", ministry["id"])["login_id"])
    marker = f"EXT-{random.randrange(10**9)}"
    sql(f"""INSERT INTO app.audit_log (action, outcome, target_kind, target_id, detail)
            VALUES ('form.import', 'success', 'form', '1', jsonb_build_object('external_id', '{marker}'))""")
    seen = {}
    for who, token in (("operator", op), ("ministry", mh)):
        r = rpc(http, "search_audit_log", token, action="form.import", limit=50)
        assert r.status_code == 200, r.text
        seen[who] = [x["detail"].get("external_id") for x in r.json()]
    assert marker in seen["operator"]
    assert marker not in seen["ministry"] and "＊＊＊" in seen["ministry"]


# --- 7. a contractor cannot squat a hospital's record ids -------------------

def contractor_of(sql, http):
    org = json.loads(sql(f"""INSERT INTO app.organisations (kind, code, name)
        VALUES ('contractor', 'C{random.randrange(10**9)}', '入力センター') RETURNING json_build_object('id', id)"""))
    account = add_account(sql, "contractor", org["id"])
    return org["id"], token_of(http, account["login_id"])


def bulk_file(c, external_id, doctor_number, scan=None):
    scan_attr = f' scan="{scan}"' if scan else ""
    return f"""<nanbyo-forms xmlns="urn:nanbyo-db:bulk:1">
<header hospital="{c['hospital_code']}" doctor="{doctor_number}"/>
<form external-id="{external_id}" disease="N006" purpose="renewal"{scan_attr}>
<patient><name>患者 乙</name><name-kana>カンジャ オツ</name-kana><birth-date>1960-01-01</birth-date><sex>1</sex><address>東京都港区1</address></patient>
<item id="entry_date">2026-11-20</item><item id="medical_institution_code">{c['hospital_code']}</item>
<item id="medical_institution_name">病院</item><item id="doctor_name">医師</item><item id="consent_db_registration">true</item>
<item id="parkinsonism">true</item><item id="imaging_no_abnormality">true</item>
<item id="no_drug_toxin_exposure">true</item><item id="antiparkinson_response">true</item><item id="hoehn_yahr">3</item>
<item id="life_function_grade">2</item>
</form></nanbyo-forms>"""


def upload(http, token, body):
    return http.post("/rpc/import_forms_xml", data=body.encode(),
                     headers={**bearer(token), "Content-Type": "text/plain; charset=utf-8"})


def test_a_contractor_imports_only_scans_it_was_given_and_squats_no_ids(http, sql, clinic):
    number = sql(f"SELECT designated_doctor_number FROM app.accounts WHERE id = {clinic['doctor']['id']}")
    org, token = contractor_of(sql, http)
    # no scans given for this hospital: the file is refused before its forms are read
    r = upload(http, token, bulk_file(clinic, "EHR-1", number, "SCAN-1.pdf"))
    assert (r.status_code, r.json()["details"]) == (403, "E_NO_SCANS_ASSIGNED")
    # an unknown hospital gets the same answer (nothing learnt about which codes exist)
    other = dict(clinic, hospital_code="1310270751")
    assert upload(http, token, bulk_file(other, "EHR-1", number, "S.pdf")).json()["details"] == "E_NO_SCANS_ASSIGNED"
    sql(f"""INSERT INTO app.scan_assignments (contractor_organisation_id, hospital_id, scan, assigned_by)
            VALUES ({org}, {clinic['hospital_id']}, 'SCAN-1.pdf', {clinic['doctor']['id']})""")
    r = upload(http, token, bulk_file(clinic, "EHR-1", number, "SCAN-9.pdf"))
    assert r.json()["results"][0]["problems"][-1]["code"] == "E_SCAN_NOT_ASSIGNED"
    r = upload(http, token, bulk_file(clinic, "EHR-1", number, "SCAN-1.pdf"))
    assert r.json()["accepted"] == 1, r.text
    # the hospital's own record EHR-1 is its own: the contractor's does not make it a duplicate
    r = upload(http, clinic["doctor_token"], bulk_file(clinic, "EHR-1", number))
    assert r.json()["accepted"] == 1 and r.json()["duplicates"] == 0, r.text
    # a keyed scan cannot be keyed again (and with none left, the hospital's files are refused whole)
    r = upload(http, token, bulk_file(clinic, "EHR-2", number, "SCAN-1.pdf"))
    assert (r.status_code, r.json()["details"]) == (403, "E_NO_SCANS_ASSIGNED")


# --- 8. refusals are attributable -------------------------------------------

def test_a_probe_of_another_hospital_is_in_the_audit_log_and_the_server_log(http, sql, clinic):
    other = new_world(sql)
    doctor = add_account(sql, "doctor", other["hospital_id"], program="nanbyo")
    request_id = f"probe-{uuid.uuid4().hex[:12]}"
    r = http.post("/rpc/get_form", json={"form_id": 1}, headers={
        **bearer(token_of(http, doctor["login_id"])), "X-Request-Id": request_id})
    assert r.status_code == 404
    assert r.headers["X-Request-Id"] == request_id
    row = json.loads(sql(f"""SELECT json_build_object('account', actor_account_id, 'role', actor_role,
                                    'path', target_id, 'code', detail ->> 'code')
                               FROM app.audit_log WHERE request_id = '{request_id}' AND outcome = 'refused'"""))
    assert row == {"account": doctor["id"], "role": "doctor", "path": "/rpc/get_form", "code": "E_FORM_NOT_FOUND"}
    log = pathlib.Path(os.environ["NANBYO_RUN_DIR"]) / "postgres.log"
    line = next(x for x in log.read_text(errors="replace").splitlines() if request_id in x)
    assert f"a{doctor['id']} doctor" in line


# --- 9. races -----------------------------------------------------------------

def test_a_key_reissued_during_a_take_over_cannot_take_the_form(http, sql, clinic):
    for _ in range(6):
        form_id, key = issued_form(http, clinic)
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            reissue = pool.submit(rpc, http.__class__(), "issue_access_key", clinic["doctor_token"], form_id=form_id)
            take = pool.submit(rpc, http.__class__(), "take_over_form", clinic["staff_token"], access_key=key)
        reissued, taken = reissue.result(), take.result()
        state = sql(f"SELECT status FROM app.forms WHERE id = {form_id}")
        if taken.status_code == 200:
            # the take-over came first: the reissue must then have been refused
            assert reissued.status_code == 409 and state == "taken_over"
        else:
            assert reissued.status_code == 200 and state == "issued"


def test_concurrent_wrong_keys_never_pass_the_rate_limit(http, sql, clinic):
    keys = [random_valid_key() for _ in range(24)]
    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(lambda k: rpc(http.__class__(), "fetch_form_by_key", clinic["staff_token"],
                                              access_key=k).status_code, keys))
    failures = sql(f"""SELECT count(*) FROM app.audit_log WHERE actor_account_id = {clinic['staff']['id']}
                        AND action = 'access_key.lookup' AND outcome = 'failure'""")
    assert int(failures) == 10
    assert sorted(answers) == [404] * 10 + [429] * 14


def test_two_simultaneous_admin_transfers_leave_one_admin(http, sql, clinic):
    second = add_account(sql, "doctor", clinic["hospital_id"], program="nanbyo")
    third = add_account(sql, "doctor", clinic["hospital_id"], program="nanbyo")
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda t: rpc(http.__class__(), "transfer_hospital_admin", clinic["doctor_token"],
                                              account_id=t["id"]).status_code, [second, third]))
    admins = sql(f"SELECT count(*) FROM app.accounts WHERE organisation_id = {clinic['hospital_id']} AND is_hospital_admin")
    assert admins == "1" and sorted(answers)[0] == 200 and sorted(answers)[1] != 200


def test_a_wrong_key_in_a_print_is_counted_and_logged(http, sql, clinic):
    form_id, _ = issued_form(http, clinic)
    r = http.post("/rpc/print_access_key_slip", json={"form_id": form_id, "access_key": random_valid_key()},
                  headers={**bearer(clinic["doctor_token"]), "Accept": "text/html"})
    assert (r.status_code, r.json()["details"]) == (400, "E_ACCESS_KEY_MISMATCH")
    assert sql(f"""SELECT count(*) FROM app.audit_log WHERE actor_account_id = {clinic['doctor']['id']}
                    AND action = 'access_key.lookup' AND outcome = 'failure' AND target_id = '{form_id}'""") == "1"
    sql(f"""INSERT INTO app.audit_log (actor_account_id, action, outcome)
            SELECT {clinic['doctor']['id']}, 'access_key.lookup', 'failure' FROM generate_series(1, 9)""")
    r = http.post("/rpc/print_access_key_slip", json={"form_id": form_id, "access_key": random_valid_key()},
                  headers={**bearer(clinic["doctor_token"]), "Accept": "text/html"})
    assert (r.status_code, r.json()["details"]) == (429, "E_RATE_LIMITED")


# --- 10. token claims are checked against the session ------------------------

def forge(sql, claims):
    secret = sql("SELECT value FROM app.server_secrets WHERE name = 'jwt_secret'").encode()
    enc = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=")
    head = enc(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = enc(json.dumps(claims).encode())
    sig = enc(hmac.new(secret, head + b"." + body, hashlib.sha256).digest())
    return (head + b"." + body + b"." + sig).decode()


def test_a_forged_role_claim_is_refused_and_an_expired_session_says_so(http, sql, clinic):
    r = login(http, clinic["clerk"]["login_id"], key=f"KEY-{clinic['clerk']['login_id']}")
    token = r.json()["token"]
    payload = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    forged = forge(sql, {**payload, "role": "operator_admin"})
    r = http.get("/rpc/whoami", headers=bearer(forged))
    assert (r.status_code, r.json()["details"]) == (401, "E_SESSION_INVALID")
    forged = forge(sql, {**payload, "org": "1"})
    assert http.get("/rpc/whoami", headers=bearer(forged)).json()["details"] == "E_SESSION_INVALID"
    sql(f"UPDATE app.sessions SET expires_at = now() - interval '1 second' WHERE id = '{payload['sid']}'")
    r = http.get("/rpc/whoami", headers=bearer(token))
    assert (r.status_code, r.json()["details"]) == (401, "E_SESSION_EXPIRED")
    assert "ログイン" in r.json()["message"]


# --- 11. carry-over by access key is for doctors ----------------------------

def test_a_clerk_cannot_carry_over_another_hospitals_form_by_key(http, sql, clinic):
    _, key = issued_form(http, clinic)
    other = new_world(sql)
    clerk = add_account(sql, "clerk", other["hospital_id"])
    r = rpc(http, "carry_over_form", token_of(http, clerk["login_id"]), access_key=key)
    assert (r.status_code, r.json()["details"]) == (403, "E_DOCTOR_ONLY")


# --- 12. stored data is bounded ----------------------------------------------

def test_oversized_form_data_and_patients_are_refused(http, clinic):
    draft = new_draft(http, clinic).json()["id"]
    r = rpc(http, "save_form", clinic["doctor_token"], form_id=draft, data={"hoehn_yahr": "x" * 2_000_000})
    assert (r.status_code, r.json()["details"]) == (413, "E_VALUE_TOO_LONG")
    r = rpc(http, "save_form", clinic["doctor_token"], form_id=draft, data={f"k{i}": 1 for i in range(20_000)})
    assert (r.status_code, r.json()["details"]) == (413, "E_TOO_MANY_ITEMS")
    r = rpc(http, "save_form", clinic["doctor_token"], form_id=draft, data={"hoehn_yahr": {"deep": [1]}})
    assert (r.status_code, r.json()["details"]) == (400, "E_VALUE_SHAPE")
    r = rpc(http, "register_patient", clinic["clerk_token"], name="患者", name_kana="カンジャ", birth_date="1960-01-01",
            sex="1", address="東京", insurance={f"k{i}": "x" for i in range(100)})
    assert (r.status_code, r.json()["details"]) == (400, "E_INSURANCE_INVALID")
    admin = token_of(http, clinic["admin_login"])
    r = http.post("/rpc/issue_accounts_from_csv", json={"csv": None}, headers=bearer(admin))
    assert (r.status_code, r.json()["details"]) == (400, "E_CSV_REQUIRED")


# --- 13. text hygiene -------------------------------------------------------------

def test_invisible_names_are_refused_and_half_width_readings_made_full_width(http, sql, clinic):
    base = {"birth_date": "1960-01-01", "sex": "2", "address": "東京都港区2"}
    r = rpc(http, "register_patient", clinic["clerk_token"], name="\u202e\u200b", name_kana="カンジャ", **base)
    assert r.status_code == 400 and r.json()["details"].startswith("E_"), r.text
    r = rpc(http, "register_patient", clinic["clerk_token"], name="山田\u0007花子", name_kana="ヤマダ", **base)
    assert r.status_code == 400, r.text
    r = rpc(http, "register_patient", clinic["clerk_token"], name="山田 花子", name_kana="ﾔﾏﾀﾞ ﾊﾅｺ", **base)
    assert r.status_code == 200, r.text
    assert sql(f"SELECT name_kana FROM app.patients WHERE id = {r.json()['id']}") == "ヤマダ ハナコ"


# --- 14. the form's hospital and doctor come from the records ---------------------

def test_a_form_cannot_name_another_hospital_or_doctor(http, sql, clinic):
    r = new_draft(http, clinic, {"medical_institution_code": "1310270751"})
    assert (r.status_code, r.json()["details"]) == (400, "E_FORM_ITEM_FIXED")
    r = new_draft(http, clinic, {"medical_institution_name": "偽病院", "doctor_name": "偽 医師"})
    assert r.status_code == 200, r.text
    form_id = r.json()["id"]
    data = json.loads(sql(f"SELECT data FROM app.forms WHERE id = {form_id}"))
    hospital = json.loads(sql(f"SELECT json_build_object('code', code, 'name', name) FROM app.organisations "
                              f"WHERE id = {clinic['hospital_id']}"))
    assert data["medical_institution_code"] == hospital["code"]
    assert data["medical_institution_name"] == hospital["name"]
    assert data["doctor_name"] == sql(f"SELECT name FROM app.accounts WHERE id = {clinic['doctor']['id']}")
    r = rpc(http, "create_form", clinic["doctor_token"], patient_id=clinic["patient_id"], disease_code="N006",
            purpose="renewal", consent_db_registration=True, data={"consent_db_registration": False})
    assert (r.status_code, r.json()["details"]) == (400, "E_CONSENT_MISMATCH")


# --- 15. request ids ---------------------------------------------------------------

def test_a_malformed_request_id_is_replaced_and_every_answer_names_its_id(http):
    r = http.get("/rpc/health", headers={"X-Request-Id": "=HYPERLINK(\"x\")"})
    assert r.status_code == 200
    assert r.headers["X-Request-Id"] != '=HYPERLINK("x")'
    uuid.UUID(r.headers["X-Request-Id"])
    r = http.get("/rpc/health", headers={"X-Request-Id": "client-42.a_b"})
    assert r.headers["X-Request-Id"] == "client-42.a_b"


# --- 16. CSV output neutralises formula cells ---------------------------------------

def test_csv_output_neutralises_formula_cells(http, sql, clinic):
    sql(f"UPDATE app.organisations SET name = '=HYPERLINK(\"http://evil\",\"x\")' WHERE id = {clinic['hospital_id']}")
    r = http.get(f"/organisations?id=eq.{clinic['hospital_id']}", headers={**bearer(clinic["clerk_token"]),
                                                                          "Accept": "text/csv"})
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("text/csv")
    lines = r.text.splitlines()
    assert lines[0].startswith('"id","kind","code","name"')
    assert '"\'=HYPERLINK(""http://evil"",""x"")"' in lines[1]
    assert "\n=" not in r.text and ",=" not in r.text


# --- 17. CORS, GET with secrets, private logs -----------------------------------------

def test_cors_is_the_clients_origin_and_secrets_never_go_in_a_url(http):
    r = http.options("/rpc/login", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert r.headers.get("Access-Control-Allow-Origin") in (None, "https://127.0.0.1:8443")
    r = http.get("/rpc/login", params={"login_id": "x", "password": "secret-in-url"})
    assert (r.status_code, r.json()["details"]) == (405, "E_METHOD_NOT_ALLOWED")
    log = pathlib.Path(os.environ["NANBYO_RUN_DIR"]) / "postgrest.log"
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert "secret-in-url" not in log.read_text(errors="replace")

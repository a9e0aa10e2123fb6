"""Master data of D4 (issue #19 item 4): the implementing bodies loaded on
deploy, their public payer numbers, the hospital master imported from CSV,
form versions published and closed by the operator admin; every change in
the master history and the audit log; every other role refused (403) with
its Japanese message and code; nothing written on a refusal."""

import json
import random
from datetime import date, timedelta

import pytest

from helpers import add_account, bearer, new_world, token_of

HEADER = "医療機関コード,名称,都道府県コード,所在地,郵便番号,難病,小慢,難病の発行自治体コード,小慢の発行自治体コード"


def luhn_check(digits):
    """The check digit of DOMAIN.md (weights 2,1 from the right, digit sums)."""
    total = 0
    for i, d in enumerate(reversed(digits)):
        p = int(d) * (2 if i % 2 == 0 else 1)
        total += p // 10 + p % 10
    return str((10 - total % 10) % 10)


def payer_number(law, prefecture, body):
    seven = f"{law}{prefecture}{body:03d}"
    return seven + luhn_check(seven)


@pytest.fixture(scope="module")
def operator(sql, http_module):
    org = sql("INSERT INTO app.organisations (kind, code, name) VALUES ('operator', "
              f"'M{random.randrange(10**6)}', '運営主体（マスタ）') RETURNING id")
    admin = add_account(sql, "operator_admin", org)
    staff = add_account(sql, "operator_staff", org)
    return {"admin": token_of(http_module, admin["login_id"]), "admin_login": admin["login_id"],
            "staff": token_of(http_module, staff["login_id"])}


@pytest.fixture(scope="module")
def http_module(api_url):
    import requests
    with requests.Session() as s:
        class Rel:
            def post(self, url, **kw):
                return s.post(api_url + url, timeout=10, **kw)
        yield Rel()


@pytest.fixture(scope="module")
def municipality_admin(sql, http_module):
    world = new_world(sql)
    return token_of(http_module, world["admin_login"])


def body_id(sql, code):
    return int(sql(f"SELECT id FROM app.organisations WHERE kind = 'municipality' AND code = '{code}'"))


def hospital_codes(sql, prefecture, n):
    """n valid medical institution codes of a prefecture not in the master."""
    out = sql(f"""SELECT string_agg(c, ',') FROM (
        SELECT c FROM (SELECT '{prefecture}1' || lpad((random() * 999999)::int::text, 6, '0') || d AS c
                         FROM generate_series(1, 400) g, generate_series(0, 9) d) x
         WHERE nanbyo.valid_medical_institution_code(c)
           AND NOT EXISTS (SELECT FROM app.organisations o WHERE o.code = x.c)
         GROUP BY c LIMIT {n}) y""")
    return out.split(",")


# --- the implementing bodies ---------------------------------------------------

def test_the_bodies_are_loaded_once_by_code(http, operator, sql):
    r = http.get("/implementing_bodies", params={"select": "code,name,municipality_kind,runs_nanbyo,runs_shoman",
                                                 "order": "code"}, headers=bearer(operator["staff"]))
    assert r.status_code == 200, r.text
    bodies = {b["code"]: b for b in r.json()}
    kinds = [b["municipality_kind"] for b in bodies.values() if b["code"][:2] <= "47" and b["code"] < "500000"]
    assert kinds.count("prefecture") == 47 and kinds.count("designated_city") == 20
    assert bodies["130001"] == {"code": "130001", "name": "東京都", "municipality_kind": "prefecture",
                                "runs_nanbyo": True, "runs_shoman": True}
    assert bodies["271004"]["name"] == "大阪市" and bodies["271004"]["runs_nanbyo"]
    assert bodies["272035"] == {"code": "272035", "name": "豊中市", "municipality_kind": "core_city",
                                "runs_nanbyo": False, "runs_shoman": True}
    assert bodies["131181"]["municipality_kind"] == "child_guidance_city"
    # one row per code, whoever made it first (the demo data, an earlier deploy)
    assert sql("SELECT count(*) FROM (SELECT code FROM app.organisations WHERE kind = 'municipality' "
               "GROUP BY code HAVING count(*) > 1) d") == "0"


def test_the_municipality_kinds_have_labels(http):
    r = http.get("/rpc/vocabulary")
    labels = {k["code"]: k["label"] for k in r.json()["municipality_kinds"]}
    assert labels == {"prefecture": "都道府県", "designated_city": "指定都市", "core_city": "中核市",
                      "child_guidance_city": "児童相談所設置市"}


# --- public payer numbers ------------------------------------------------------

def test_a_payer_number_is_added_and_ended_with_history(http, operator, sql):
    okinawa = body_id(sql, "470007")
    number = payer_number(54, 47, random.randrange(1000))
    start = date(random.randrange(2100, 2900), 4, 1)
    r = http.post("/rpc/add_public_payer_number", headers=bearer(operator["admin"]), json={
        "organisation_id": okinawa, "program": "nanbyo", "number": "５４－" + number[2:], "valid_from": str(start)})
    assert r.status_code == 200, r.text
    added = r.json()
    assert (added["number"], added["program"], added["valid_until"]) == (number, "nanbyo", None)
    r = http.post("/rpc/end_public_payer_number", headers=bearer(operator["admin"]), json={
        "public_payer_number_id": added["id"], "valid_until": str(start + timedelta(days=364))})
    assert r.status_code == 200 and r.json()["valid_until"] == str(start + timedelta(days=364)), r.text
    # the body lists it
    r = http.get("/implementing_bodies", params={"id": f"eq.{okinawa}"}, headers=bearer(operator["staff"]))
    assert any(p["id"] == added["id"] for p in r.json()[0]["public_payer_numbers"])
    # history: who, before and after
    r = http.get("/master_history", params={"table_name": "eq.public_payer_numbers", "record_id": f"eq.{added['id']}",
                                            "order": "id"}, headers=bearer(operator["staff"]))
    history = r.json()
    assert [(h["action"], h["login_id"]) for h in history] == [("insert", operator["admin_login"])] * 1 + \
        [("update", operator["admin_login"])]
    assert history[1]["before"]["valid_until"] is None
    assert history[1]["after"]["valid_until"] == str(start + timedelta(days=364))
    assert sql(f"SELECT count(*) FROM app.audit_log WHERE action LIKE 'master.payer_number.%' "
               f"AND target_id = '{added['id']}'") == "2"
    # the same number again in an overlapping period
    r = http.post("/rpc/add_public_payer_number", headers=bearer(operator["admin"]), json={
        "organisation_id": okinawa, "program": "nanbyo", "number": number, "valid_from": str(start + timedelta(days=30))})
    assert (r.status_code, r.json()["details"]) == (409, "E_PAYER_NUMBER_OVERLAP"), r.text
    # ... but after the end it may start again
    r = http.post("/rpc/add_public_payer_number", headers=bearer(operator["admin"]), json={
        "organisation_id": okinawa, "program": "nanbyo", "number": number, "valid_from": str(start + timedelta(days=365))})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("case", [
    # (body code, program, number parts or literal, status, code)
    ("470007", "nanbyo", "5447001X", 400, "E_PAYER_NUMBER_FORMAT"),
    ("470007", "nanbyo", "check", 400, "E_PAYER_NUMBER_CHECK_DIGIT"),
    ("470007", "nanbyo", (52, 47), 400, "E_PAYER_NUMBER_LAW_CODE"),
    ("470007", "shoman", (54, 47), 400, "E_PAYER_NUMBER_LAW_CODE"),
    ("470007", "nanbyo", (54, 13), 400, "E_PAYER_NUMBER_PREFECTURE"),
    ("272035", "nanbyo", (54, 27), 400, "E_PROGRAM_NOT_RUN"),
])
def test_a_wrong_payer_number_is_refused_and_nothing_written(http, operator, sql, case):
    code, program, number, status, error = case
    if number == "check":
        good = payer_number(54, 47, random.randrange(1000))
        number = good[:7] + str((int(good[7]) + 1) % 10)
    elif isinstance(number, tuple):
        number = payer_number(number[0], number[1], random.randrange(1000))
    before = sql("SELECT count(*) FROM app.public_payer_numbers")
    r = http.post("/rpc/add_public_payer_number", headers=bearer(operator["admin"]), json={
        "organisation_id": body_id(sql, code), "program": program, "number": number, "valid_from": "2030-04-01"})
    assert (r.status_code, r.json()["details"]) == (status, error), r.text
    assert r.json()["message"]
    assert sql("SELECT count(*) FROM app.public_payer_numbers") == before


def test_a_hospital_is_no_implementing_body(http, operator, sql):
    world = new_world(sql)
    r = http.post("/rpc/add_public_payer_number", headers=bearer(operator["admin"]), json={
        "organisation_id": world["hospital_id"], "program": "nanbyo", "number": payer_number(54, 13, 1),
        "valid_from": "2030-04-01"})
    assert (r.status_code, r.json()["details"]) == (404, "E_BODY_NOT_FOUND"), r.text


# --- the hospital master from CSV -------------------------------------------------

def test_hospitals_are_imported_with_derived_authorities_and_again_unchanged(http, operator, sql):
    sakai_code, toyonaka_code, ikeda_code = hospital_codes(sql, "27", 3)
    csv = "\ufeff" + "\r\n".join([
        HEADER,
        f"{sakai_code},堺テスト病院,27,大阪府堺市堺区南瓦町3-1,590-0078,1,1,,",
        f"{toyonaka_code},豊中テスト病院,27,豊中市中桜塚3-1-1,561-8501,1,1,,",
        f"{ikeda_code},\"池田テスト医院, 分院\",27,大阪府池田市城南1-1-1,,0,1,,",
    ]) + "\r\n"
    headers = bearer(operator["admin"]) | {"Content-Type": "text/plain; charset=utf-8"}
    r = http.post("/rpc/import_hospitals_csv", data=csv.encode(), headers=headers)
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["accepted"], report["added"], report["updated"], report["unchanged"]) == (True, 3, 0, 0)
    assert [(x["line"], x["code"], x["result"]) for x in report["results"]] == \
        [(2, sakai_code, "added"), (3, toyonaka_code, "added"), (4, ikeda_code, "added")]
    authorities = json.loads(sql(f"""SELECT json_object_agg(h.code, json_build_array(n.name, s.name, h.address, h.postal_code, h.name))
        FROM app.organisations h LEFT JOIN app.organisations n ON n.id = h.nanbyo_authority_id
        LEFT JOIN app.organisations s ON s.id = h.shoman_authority_id
       WHERE h.code IN ('{sakai_code}', '{toyonaka_code}', '{ikeda_code}')"""))
    assert authorities[sakai_code] == ["堺市", "堺市", "大阪府堺市堺区南瓦町3-1", "5900078", "堺テスト病院"]
    assert authorities[toyonaka_code][:2] == ["大阪府", "豊中市"]
    assert authorities[ikeda_code][:2] == [None, "大阪府"] and authorities[ikeda_code][4] == "池田テスト医院, 分院"
    # the same file again: nothing changes
    r = http.post("/rpc/import_hospitals_csv", data=csv.encode(), headers=headers)
    assert (r.json()["added"], r.json()["updated"], r.json()["unchanged"]) == (0, 0, 3), r.text
    assert sql(f"SELECT count(*) FROM app.master_history h JOIN app.organisations o ON o.id = h.record_id "
               f"WHERE h.table_name = 'organisations' AND o.code = '{sakai_code}'") == "1"
    # a changed name is an update, with its history
    changed = csv.replace("堺テスト病院", "堺テスト総合病院")
    r = http.post("/rpc/import_hospitals_csv", data=changed.encode(), headers=headers)
    assert (r.json()["added"], r.json()["updated"], r.json()["unchanged"]) == (0, 1, 2), r.text
    history = json.loads(sql(f"""SELECT json_build_object('before', h.before ->> 'name', 'after', h.after ->> 'name', 'by', h.login_id)
        FROM app.master_history h JOIN app.organisations o ON o.id = h.record_id
       WHERE h.table_name = 'organisations' AND o.code = '{sakai_code}' AND h.action = 'update'"""))
    assert history == {"before": "堺テスト病院", "after": "堺テスト総合病院", "by": operator["admin_login"]}
    assert sql("SELECT count(*) > 0 FROM app.audit_log WHERE action = 'master.hospital_import' AND outcome = 'success'") == "t"


def test_a_file_with_bad_rows_is_refused_whole(http, operator, sql):
    good, dup, other = hospital_codes(sql, "27", 3)
    bad_check = good[:9] + str((int(good[9]) + 1) % 10)
    csv = "\n".join([
        HEADER,
        f"{good},良い病院,27,大阪府吹田市,,1,0,,",
        f"{bad_check},検証番号違い,27,大阪府吹田市,,1,0,,",
        f"{dup},重複1,27,大阪府吹田市,,1,0,,",
        f"{dup},重複2,27,大阪府吹田市,,1,0,,",
        f"{other},県違い,13,東京都新宿区,,1,0,,",
        f"{other[:9]}1,不明県,99,どこか,,1,0,,",
        f"{other},制度なし,27,大阪府吹田市,,0,0,,",
        f"{other},発行自治体違い,27,大阪府吹田市,123-456,1,0,130001,",
    ]) + "\n"
    before = sql("SELECT count(*) FROM app.organisations")
    r = http.post("/rpc/import_hospitals_csv", data=csv.encode(),
                  headers=bearer(operator["admin"]) | {"Content-Type": "text/plain"})
    assert r.status_code == 422, r.text
    problems = [(p["line"], p["column"], p["code"]) for p in r.json()["problems"]]
    assert (3, "医療機関コード", "E_HOSPITAL_CODE_CHECK_DIGIT") in problems
    assert (5, "医療機関コード", "E_DUPLICATE_IN_FILE") in problems
    assert (6, "都道府県コード", "E_PREFECTURE_MISMATCH") in problems
    assert (7, "都道府県コード", "E_PREFECTURE_UNKNOWN") in problems
    assert (8, "難病", "E_PROGRAM_REQUIRED") in problems
    assert (9, "郵便番号", "E_POSTAL_CODE_FORMAT") in problems
    assert (9, "難病の発行自治体コード", "E_AUTHORITY_INVALID") in problems
    assert not [p for p in problems if p[0] == 2]
    assert all(p["message"] for p in r.json()["problems"])
    assert sql("SELECT count(*) FROM app.organisations") == before
    assert sql(f"SELECT count(*) FROM app.organisations WHERE code = '{good}'") == "0"


def test_a_file_without_the_header_is_refused(http, operator):
    r = http.post("/rpc/import_hospitals_csv", data="1310123455,x,13,,,1,0,,\n".encode(),
                  headers=bearer(operator["admin"]) | {"Content-Type": "text/plain"})
    assert (r.status_code, r.json()["details"]) == (400, "E_CSV_HEADER"), r.text


# --- form versions ----------------------------------------------------------------

def definition(sql, disease, label, effective_from):
    return json.loads(sql(f"""SELECT definition || jsonb_build_object('disease_code', '{disease}',
        'version_label', '{label}', 'effective_from', '{effective_from}')
        FROM app.form_versions WHERE disease_code = 'S0000' ORDER BY id LIMIT 1"""))


def test_a_new_version_is_published_and_closes_the_old_one_online(http, operator, sql):
    disease = f"S9{random.randrange(1000):03d}"
    while sql(f"SELECT count(*) FROM app.form_versions WHERE disease_code = '{disease}'") != "0":
        disease = f"S9{random.randrange(1000):03d}"
    headers = bearer(operator["admin"])
    r = http.post("/rpc/publish_form_version", headers=headers,
                  json={"definition": definition(sql, disease, "初版", "2024-04-01")})
    assert r.status_code == 200, r.text
    first = r.json()
    assert (first["disease_code"], first["online_until"], first["paper_until"], first["previous"]) == \
        (disease, None, None, None)
    takes_effect = date.today() + timedelta(days=60)
    r = http.post("/rpc/publish_form_version", headers=headers,
                  json={"definition": definition(sql, disease, "第2版", str(takes_effect))})
    assert r.status_code == 200, r.text
    second = r.json()
    last_online = takes_effect - timedelta(days=1)
    assert second["previous"]["id"] == first["id"]
    assert second["previous"]["online_until"] == str(last_online)
    assert second["previous"]["paper_until"] == str(last_online.replace(year=last_online.year + 1))
    # the periods
    r = http.get("/form_version_periods", params={"disease_code": f"eq.{disease}", "order": "effective_from"},
                 headers=headers)
    assert [(v["version_label"], v["state"]) for v in r.json()] == [("初版", "online"), ("第2版", "upcoming")]
    # not newer, the same label again, a definition that is not one
    for body, status, code in [
            (definition(sql, disease, "第3版", str(takes_effect)), 400, "E_FORM_VERSION_NOT_NEWER"),
            (definition(sql, disease, "第2版", str(takes_effect + timedelta(days=1))), 409, "E_FORM_VERSION_EXISTS"),
            (definition(sql, disease, "第4版", "2031-04-01") | {"disease_code": "X1"}, 400, "E_FORM_DEFINITION")]:
        r = http.post("/rpc/publish_form_version", headers=headers, json={"definition": body})
        assert (r.status_code, r.json()["details"]) == (status, code), r.text
    assert sql(f"SELECT count(*) FROM app.form_versions WHERE disease_code = '{disease}'") == "2"
    # the last online day: not before it took effect, not on or after the successor's start
    for day, code in [("2024-03-31", "E_ONLINE_UNTIL_BEFORE_EFFECTIVE"),
                      (str(takes_effect), "E_ONLINE_UNTIL_AFTER_SUCCESSOR")]:
        r = http.post("/rpc/set_form_version_online_until", headers=headers,
                      json={"form_version_id": first["id"], "last_day": day})
        assert (r.status_code, r.json()["details"]) == (400, code), r.text
    earlier = date.today() + timedelta(days=10)
    r = http.post("/rpc/set_form_version_online_until", headers=headers,
                  json={"form_version_id": first["id"], "last_day": str(earlier)})
    assert r.status_code == 200 and r.json()["online_until"] == str(earlier), r.text
    r = http.post("/rpc/set_form_version_online_until", headers=headers,
                  json={"form_version_id": 0, "last_day": str(earlier)})
    assert (r.status_code, r.json()["details"]) == (404, "E_FORM_VERSION_NOT_FOUND"), r.text
    # history of the version: published, closed twice
    r = http.get("/master_history", params={"table_name": "eq.form_versions", "record_id": f"eq.{first['id']}",
                                            "order": "id"}, headers=headers)
    assert [(h["action"], (h["after"] or {}).get("online_until")) for h in r.json()] == \
        [("insert", None), ("update", str(last_online)), ("update", str(earlier))]
    assert sql(f"SELECT count(*) FROM app.audit_log WHERE action LIKE 'master.form_version.%' "
               f"AND target_id IN ('{first['id']}', '{second['id']}')") == "4"


# --- who may --------------------------------------------------------------------

@pytest.mark.parametrize("call,body", [
    ("/rpc/add_public_payer_number", {"organisation_id": 1, "program": "nanbyo", "number": "54130018",
                                      "valid_from": "2030-01-01"}),
    ("/rpc/end_public_payer_number", {"public_payer_number_id": 1, "valid_until": "2030-01-01"}),
    ("/rpc/publish_form_version", {"definition": {}}),
    ("/rpc/set_form_version_online_until", {"form_version_id": 1, "last_day": "2030-01-01"}),
])
def test_other_roles_are_refused(http, operator, municipality_admin, call, body):
    for token in (operator["staff"], municipality_admin):
        r = http.post(call, json=body, headers=bearer(token))
        assert (r.status_code, r.json()["details"]) == (403, "E_ROLE_NOT_ALLOWED"), r.text
        assert r.json()["message"]
    r = http.post("/rpc/import_hospitals_csv", data=HEADER.encode(),
                  headers=bearer(municipality_admin) | {"Content-Type": "text/plain"})
    assert (r.status_code, r.json()["details"]) == (403, "E_ROLE_NOT_ALLOWED"), r.text


def test_only_the_operator_reads_the_history(http, municipality_admin):
    r = http.get("/master_history", headers=bearer(municipality_admin))
    assert r.status_code in (401, 403), r.text

"""The OpenAPI 3.1 contract (issue #17 item 7): GET /rpc/openapi, generated
by the database from its catalog and app.api_docs (sql/foundation/openapi.sql).
It is valid OpenAPI 3.1 (openapi-spec-validator), openapi-typescript accepts
it, it lists every api function and view the catalog has, and real answers
of the main calls match the schemas it gives them."""

import json
import os
import random
import re
import subprocess
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from openapi_spec_validator.validation import OpenAPIV31SpecValidator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from helpers import add_account, bearer, new_world, token_of
from test_bulk_import import hospital  # noqa: F401 (fixture)
from test_forms import PD_FINDINGS, clinic, confirmed_form, header, issue_key  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parents[2]
OPENAPI_TYPESCRIPT = Path(os.environ.get(
    "NANBYO_OPENAPI_TYPESCRIPT", ROOT / ".tools/openapi-typescript/node_modules/.bin/openapi-typescript"))


@pytest.fixture(scope="module")
def document(api_url):
    import requests

    r = requests.get(api_url + "/rpc/openapi", timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def check(document, name, body):
    """Validate an answer against components/schemas/<name> of the document."""
    registry = Registry().with_resource("urn:nanbyo-openapi", Resource.from_contents(
        document, default_specification=DRAFT202012))
    validator = Draft202012Validator({"$ref": f"urn:nanbyo-openapi#/components/schemas/{name}"},
                                     registry=registry)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
    assert errors == [], f"{name}: {errors}"


def answer_schema(document, path, method="post"):
    return document["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]


def test_anyone_gets_a_valid_openapi_3_1_document(document, http):
    assert document["openapi"] == "3.1.0"
    validate(document, cls=OpenAPIV31SpecValidator)
    # the same document for a logged-in caller: it does not follow privileges
    r = http.post("/rpc/openapi", json={})
    assert r.status_code == 200 and r.json() == document
    # PostgREST's own Swagger 2.0 document is still at /
    assert http.get("/").json()["swagger"] == "2.0"


def test_every_api_function_and_view_is_in_it(document, sql):
    functions = set(sql("SELECT string_agg(DISTINCT proname, ' ') FROM pg_proc "
                        "WHERE pronamespace = 'api'::regnamespace AND prokind = 'f'").split())
    views = set(sql("SELECT string_agg(relname, ' ') FROM pg_class "
                    "WHERE relnamespace = 'api'::regnamespace AND relkind IN ('v', 'r', 'm')").split())
    assert len(functions) > 40 and {"organisations", "form_versions"} <= views
    assert set(document["paths"]) == {f"/rpc/{f}" for f in functions} | {f"/{v}" for v in views}
    for f in functions:
        op = document["paths"][f"/rpc/{f}"]["post"]
        assert op["summary"] and "\n\n" in op["description"], f  # Japanese, then English
        assert "default" in op["responses"]


def test_get_only_for_read_only_calls_without_secrets(document):
    gets = {p for p, ops in document["paths"].items() if p.startswith("/rpc/") and "get" in ops}
    assert {"/rpc/health", "/rpc/openapi", "/rpc/whoami", "/rpc/data_dictionary"} <= gets
    assert not gets & {"/rpc/login", "/rpc/get_form", "/rpc/search_forms", "/rpc/change_password"}
    login = document["paths"]["/rpc/login"]["post"]
    body = login["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["login_id", "password"] and "key" in body["properties"]
    assert login["security"] == [{}, {"bearer": []}]
    assert document["paths"]["/rpc/get_form"]["post"]["security"] == [{"bearer": []}]
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_vocabulary_codes_are_enums_and_errors_have_their_codes(document, sql):
    schemas = document["components"]["schemas"]
    for name, table in [("Program", "programs"), ("FormPurpose", "form_purposes"), ("FormStatus", "form_statuses"),
                        ("ReviewResult", "review_results"), ("Role", "roles")]:
        codes = sql(f"SELECT string_agg(code, ' ' ORDER BY code) FROM app.{table}").split()
        assert schemas[name]["enum"] == codes, name
    review = document["paths"]["/rpc/review_form"]["post"]
    assert review["requestBody"]["content"]["application/json"]["schema"]["properties"]["result"] == \
        {"$ref": "#/components/schemas/ReviewResult", "description": "審査結果 / review result"}
    get_form = document["paths"]["/rpc/get_form"]["post"]["responses"]
    assert "E_FORM_NOT_FOUND" in get_form["404"]["x-error-codes"]
    assert get_form["404"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert "E_LOGIN_FAILED" in document["paths"]["/rpc/login"]["post"]["responses"]["401"]["x-error-codes"]
    # raw bodies of the bulk import
    assert {"text/plain", "text/xml"} <= set(
        document["paths"]["/rpc/import_forms_xml"]["post"]["requestBody"]["content"])


def test_the_extensions_codes_are_documented_with_the_calls_that_answer_them(document, sql):
    """The codes the Rust extension raises are listed under the calls that
    can answer them (app.api_doc_extension_errors, sql/foundation/api_docs.sql),
    and each source's list is exactly the codes its Rust file raises, so
    that a new code in the reader, the password policy, ... fails here until
    it is documented. (A few files also raise codes no API call can reach:
    named below with why.)"""
    internal = {
        # the store of form versions missing, checks the SQL makes first: not reachable by a request
        "extension/pg/src/forms.rs": {"E_FORM_STORE", "E_DATA_NOT_OBJECT"},
    }
    rows = json.loads(sql("SELECT json_object_agg(source, codes) FROM (SELECT source, json_agg(DISTINCT code) AS codes "
                          "FROM app.api_doc_extension_errors GROUP BY source) s"))
    for source, codes in rows.items():
        raised = set(re.findall(r'"(E_[A-Z0-9_]+)"', (ROOT / source).read_text(encoding="utf-8")))
        assert set(codes) == raised - internal.get(source, set()), source
    # and they are in the document, under the status they answer with
    responses = document["paths"]["/rpc/import_forms_xml"]["post"]["responses"]
    assert {"E_XML_MALFORMED", "E_XML_ENTITY", "E_TOO_MANY_FORMS"} <= set(responses["400"]["x-error-codes"])
    assert "E_VALUE_TOO_LONG" in responses["413"]["x-error-codes"]
    assert "E_ACCESS_KEY_TYPO" in document["paths"]["/rpc/fetch_form_by_key"]["post"]["responses"]["400"]["x-error-codes"]
    assert "E_PASSWORD_TOO_SHORT" in document["paths"]["/rpc/change_password"]["post"]["responses"]["400"]["x-error-codes"]
    assert "E_UNKNOWN_DISEASE" in document["paths"]["/rpc/create_form"]["post"]["responses"]["404"]["x-error-codes"]


def test_openapi_typescript_accepts_it(document, tmp_path):
    assert OPENAPI_TYPESCRIPT.exists(), f"{OPENAPI_TYPESCRIPT} missing: run .ci/install-deps.sh"
    src = tmp_path / "openapi.json"
    src.write_text(json.dumps(document, ensure_ascii=False))
    out = tmp_path / "api.d.ts"
    r = subprocess.run([str(OPENAPI_TYPESCRIPT), str(src), "-o", str(out)], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    ts = out.read_text()
    assert '"/rpc/login"' in ts and "LoginResult" in ts and '"draft" | ' in ts.replace("\n", " ")


def test_real_answers_match_their_schemas(document, http, sql, clinic):
    c = clinic
    r = http.get("/rpc/health")
    assert answer_schema(document, "/rpc/health", "get") == {"$ref": "#/components/schemas/Health"}
    check(document, "Health", r.json())

    r = http.post("/rpc/login", json={"login_id": c["doctor"]["login_id"], "password": "World-Pass-2026!",
                                      "key": f"KEY-{c['doctor']['login_id']}"})
    assert r.status_code == 200, r.text
    check(document, "LoginResult", r.json())
    r = http.post("/rpc/login", json={"login_id": c["doctor"]["login_id"], "password": "wrong"})
    assert r.status_code == 401 and "401" in document["paths"]["/rpc/login"]["post"]["responses"]
    check(document, "Error", r.json())

    for token in (c["doctor_token"], c["staff_token"]):
        r = http.get("/rpc/whoami", headers=bearer(token))
        assert r.status_code == 200, r.text
        check(document, "Whoami", r.json())

    r = http.post("/rpc/create_form", json={"patient_id": c["patient_id"], "disease_code": "N006",
                                            "purpose": "renewal", "consent_db_registration": True,
                                            "data": {**header(c), **PD_FINDINGS}},
                  headers=bearer(c["doctor_token"]))
    assert r.status_code == 200, r.text
    check(document, "FormAnswer", r.json())
    form_id = r.json()["id"]
    r = http.post("/rpc/get_form", json={"form_id": form_id}, headers=bearer(c["doctor_token"]))
    assert r.status_code == 200, r.text
    check(document, "FormDocument", r.json())
    r = http.post("/rpc/get_form", json={"form_id": -1}, headers=bearer(c["doctor_token"]))
    assert r.status_code == 404
    check(document, "Error", r.json())
    r = http.post("/rpc/confirm_form", json={"form_id": form_id}, headers=bearer(c["doctor_token"]))
    assert r.status_code == 200, r.text
    check(document, "FormConfirmed", r.json())
    r = http.post("/rpc/issue_access_key", json={"form_id": form_id}, headers=bearer(c["doctor_token"]))
    assert r.status_code == 200, r.text
    check(document, "AccessKeyIssued", r.json())

    # patients: a second registration of the same person is warned about
    r = http.post("/rpc/register_patient", json=c["patient"], headers=bearer(c["clerk_token"]))
    assert r.status_code == 200 and r.json()["warnings"], r.text
    check(document, "PatientRegistered", r.json())
    r = http.post("/rpc/get_patient", json={"patient_id": c["patient_id"]}, headers=bearer(c["doctor_token"]))
    assert r.status_code == 200 and r.json()["forms"], r.text
    check(document, "Patient", r.json())

    # a SETOF answer: rows of the composite type
    r = http.post("/rpc/search_forms", json={"disease_code": "N006"}, headers=bearer(c["doctor_token"]))
    assert r.status_code == 200, r.text
    assert answer_schema(document, "/rpc/search_forms") == \
        {"type": "array", "items": {"$ref": "#/components/schemas/form_search_row"}}
    # a page of a set (Range, or limit with Prefer: count=exact) is a 206 with the same rows
    r = http.post("/rpc/search_forms?limit=1", json={}, headers={**bearer(c["doctor_token"]), "Prefer": "count=exact"})
    assert r.status_code in (200, 206), r.text
    responses = document["paths"]["/rpc/search_forms"]["post"]["responses"]
    assert str(r.status_code) in responses and responses["206"]["content"] == responses["200"]["content"]
    for row in r.json():
        check(document, "form_search_row", row)
    r = http.get(f"/organisations?id=eq.{c['hospital_id']}", headers=bearer(c["doctor_token"]))
    assert r.status_code == 200 and r.json(), r.text
    for row in r.json():
        check(document, "organisations", row)


def test_the_import_and_its_dry_run_answer_the_import_report(document, http, hospital):
    from test_bulk_import import EXAMPLES, file_for, upload

    for name in sorted(p.name for p in EXAMPLES.glob("*.xml")):
        body = file_for(hospital, name)
        r = http.post("/rpc/check_forms_xml", data=body.encode("utf-8"),
                      headers={**bearer(hospital["doctor_token"]), "Content-Type": "text/plain; charset=utf-8"})
        check(document, "ImportReport" if r.status_code == 200 else "Error", r.json())
        r = upload(http, hospital["doctor_token"], body)
        check(document, "ImportReport" if r.status_code == 200 else "Error", r.json())
        assert r.status_code in (200, 400), (name, r.text)
    for path in ("/rpc/check_forms_xml", "/rpc/import_forms_xml"):
        assert answer_schema(document, path) == {"$ref": "#/components/schemas/ImportReport"}


def test_the_calls_no_other_test_makes_answer_their_schemas(http, sql, clinic):
    """The `http` client checks every JSON answer against the document
    (tests/conftest.py): these are the json calls the other HTTP tests do
    not make successfully, so that every answer schema meets a real answer."""
    c = clinic
    doctor, staff = bearer(c["doctor_token"]), bearer(c["staff_token"])
    # the municipality's end of a form: review, then registration
    form_id = confirmed_form(http, c)
    r = http.post("/rpc/take_over_form", json={"access_key": issue_key(http, c, form_id)}, headers=staff)
    assert r.status_code == 200, r.text
    r = http.post("/rpc/review_form", json={"form_id": form_id, "result": "granted"}, headers=staff)
    assert r.status_code == 200 and r.json()["review_result"] == "granted", r.text
    r = http.post("/rpc/register_form", json={"form_id": form_id}, headers=staff)
    assert r.status_code == 200 and r.json()["status"] == "registered", r.text

    # a secondary hospital: applied for, approved by its admin, withdrawn
    other = new_world(sql)
    other_admin = bearer(token_of(http, add_account(sql, "doctor", other["hospital_id"], program="nanbyo",
                                                    admin=True)["login_id"]))
    r = http.post("/rpc/apply_secondary_hospital", json={"medical_institution_code": other["hospital_code"]},
                  headers=doctor)
    assert r.status_code == 200, r.text
    application = r.json()["id"]
    r = http.post("/rpc/decide_secondary_hospital", json={"application_id": application, "approve": True},
                  headers=other_admin)
    assert r.status_code == 200 and r.json()["status"] == "approved", r.text
    r = http.post("/rpc/withdraw_secondary_hospital", json={"application_id": application}, headers=doctor)
    assert r.status_code == 200 and r.json()["status"] == "withdrawn", r.text

    # the hospital admin resets the clerk's password, then deletes the clerk
    r = http.post("/rpc/reset_password", json={"account_id": c["clerk"]["id"]}, headers=doctor)
    assert r.status_code == 200 and r.json()["initial_password"], r.text
    r = http.post("/rpc/delete_account", json={"account_id": c["clerk"]["id"], "reason": "resigned"},
                  headers=doctor)
    assert r.status_code == 200 and r.json()["deleted"] is True, r.text

    # one's own password, then the end of the session
    r = http.post("/rpc/change_password", json={"current_password": "World-Pass-2026!",
                                                "new_password": "Other-Pass-2027!x"}, headers=staff)
    assert r.status_code == 200, r.text
    r = http.post("/rpc/logout", json={}, headers=staff)
    assert r.status_code == 200 and r.json() == {"logged_out": True}, r.text

    # the municipality renames the hospital's code: its ids follow
    new_code = ""
    while not new_code:
        new_code = sql(f"""SELECT c FROM (SELECT '131{random.randrange(10**6):06d}' || d AS c FROM generate_series(0, 9) d) x
                            WHERE nanbyo.valid_medical_institution_code(c)
                              AND NOT EXISTS (SELECT FROM app.organisations o WHERE o.code = x.c) LIMIT 1""")
    r = http.post("/rpc/change_medical_institution_code", json={"hospital_id": c["hospital_id"], "new_code": new_code},
                  headers=bearer(token_of(http, c["admin_login"])))
    assert r.status_code == 200 and r.json()["accounts"], r.text

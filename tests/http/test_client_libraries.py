"""The API with the PostgREST client libraries an integrator uses, unmodified
(#17 acceptance): postgrest-py here, postgrest-js in
tests/clients/postgrest_js_flows.mjs (run from the last test). Searches
with filters, order, paging and an exact count are complete; export →
import is a round trip through JSON ({"file": ...}); a dry run agrees with
nanbyo-check; an API token imports and is refused once revoked."""

import datetime
import json
import os
import subprocess

import pytest
from postgrest import SyncPostgrestClient
from postgrest.exceptions import APIError

from test_bulk_check import check_tool, findings
from test_bulk_import import ROOT, file_for
from test_export import exported, form_state  # noqa: F401 (fixture)


@pytest.fixture()
def client(api_url):
    """A postgrest-py client for a token, as an integrator configures it."""
    made = []

    def make(token=None):
        c = SyncPostgrestClient(api_url, schema="api")
        if token:
            c.auth(token)
        made.append(c)
        return c

    yield make
    for c in made:
        c.session.close()


def test_searches_are_complete_under_the_librarys_filters_order_paging_and_count(client, exported):
    c = client(exported["doctor_token"])
    r = c.rpc("search_forms", {}, count="exact").execute()
    assert (r.count, sorted(f["id"] for f in r.data)) == (3, exported["form_ids"])
    everything = r.data
    confirmed = sorted(f["id"] for f in everything if f["status"] == "confirmed")
    assert 0 < len(confirmed) < 3
    r = c.rpc("search_forms", {}, count="exact").eq("status", "confirmed").order("id").execute()
    assert (r.count, [f["id"] for f in r.data]) == (len(confirmed), confirmed)
    r = c.rpc("search_forms", {}, count="exact").order("id", desc=True).range(1, 1).execute()
    assert r.count == 3 and [f["id"] for f in r.data] == [exported["form_ids"][1]]
    n002 = [f["id"] for f in everything if f["disease_code"] == "N002"]
    r = c.rpc("search_forms", {"disease_code": "N002"}, count="exact").execute()
    assert (r.count, [f["id"] for f in r.data]) == (len(n002), n002) and n002


def test_export_then_import_through_json_reproduces_the_forms(client, sql, exported):
    c = client(exported["doctor_token"])
    export = c.rpc("export_forms_xml", {}).execute().data
    assert (export["hospital"], export["forms"]) == (exported["hospital_code"], 3)
    again = export["file"].replace('external-id="', 'external-id="py-')
    report = c.rpc("import_forms_xml", {"file": again}).execute().data
    assert (report["accepted"], report["rejected"]) == (3, 0), report
    for original, new in zip(exported["form_ids"], sorted(x["form_id"] for x in report["results"])):
        assert form_state(sql, new) == form_state(sql, original)
    # a JSON body without the file is a clear error
    with pytest.raises(APIError) as refused:
        c.rpc("import_forms_xml", {"file": {"not": "text"}}).execute()
    assert (refused.value.code, refused.value.details) == ("22023", "E_XML_FILE_REQUIRED")


def test_a_dry_run_through_the_library_agrees_with_nanbyo_check(client, exported):
    c = client(exported["doctor_token"])
    for example in ["valid.xml", "one-bad-form.xml"]:
        body = file_for(exported, example)
        report = c.rpc("check_forms_xml", {"file": body}).execute().data
        checked = check_tool(body)
        assert report["dry_run"] is True
        assert [findings(x["problems"]) for x in report["results"]] == \
            [findings(f["problems"]) for f in checked["forms"]], example
        assert [x["result"] == "accepted" for x in report["results"]] == [f["accepted"] for f in checked["forms"]]


def test_an_api_token_imports_through_the_library_until_it_is_revoked(client, exported):
    admin = client(exported["doctor_token"])
    expires = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=30)).isoformat()
    made = admin.rpc("create_api_token", {"name": "電子カルテ連携", "scopes": ["import"],
                                          "expires_at": expires}).execute().data
    ehr = client(made["token"])
    body = file_for(exported, "valid.xml")
    report = ehr.rpc("import_forms_xml", {"file": body}).execute().data
    # drafts are stored; confirming needs the doctor himself (test_api_tokens.py)
    assert (report["accepted"], report["rejected"]) == (1, 1), report
    admin.rpc("revoke_api_token", {"token_id": made["id"]}).execute()
    with pytest.raises(APIError) as refused:
        ehr.rpc("check_forms_xml", {"file": body}).execute()
    assert refused.value.details == "E_API_TOKEN_REVOKED"


def test_the_same_flows_with_postgrest_js(api_url, sql, exported):
    confirmed = int(sql(f"SELECT count(*) FROM app.forms WHERE hospital_id = {exported['hospital_id']} "
                        "AND status = 'confirmed'"))
    script = ROOT / "tests" / "clients" / "postgrest_js_flows.mjs"
    env = dict(os.environ, NANBYO_API_URL=api_url, DOCTOR_TOKEN=exported["doctor_token"],
               EXAMPLE_FILE=file_for(exported, "valid.xml"),
               NODE_PATH=str(ROOT / ".tools" / "postgrest-js" / "node_modules"))
    out = subprocess.run(["node", str(script)], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr + out.stdout
    result = json.loads(out.stdout)
    # (counted before the script imported more)
    assert result["search"] == {"count": confirmed, "statuses": ["confirmed"] * confirmed}
    assert (result["export"]["forms"], result["reimport"]["accepted"], result["reimport"]["rejected"]) == (3, 3, 0)
    assert result["dry_run"]["dry_run"] is True and result["dry_run"]["forms"] == 2
    assert result["token"] == {"imported": True, "after_revocation": "E_API_TOKEN_REVOKED"}

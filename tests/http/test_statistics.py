"""Statistics with small-cell protection (D1, issue #20 item 1) over HTTP:
the operator admin refreshes on demand (audited; everyone else 403, a
second refresh while one runs 409, nothing written on a refusal); the
operator reads exact counts, the Ministry and the municipalities the
published ones (a cell of 3 comes back null, suppressed), as JSON and as
CSV; hospitals read nothing."""

import csv
import io
import os
import random
import subprocess
import time

import pytest

from helpers import add_account, bearer, new_world, token_of


@pytest.fixture(scope="module")
def http_module(api_url):
    import requests
    with requests.Session() as s:
        class Rel:
            def post(self, url, **kw):
                return s.post(api_url + url, timeout=10, **kw)
        yield Rel()


@pytest.fixture(scope="module")
def people(sql, http_module):
    """Tokens of an operator admin and staff, a Ministry user, a municipality
    user and a doctor; and a fiscal year of its own with three forms of
    N006 (women aged 70–74) and 40 of N002."""
    world = new_world(sql)
    operator = sql("INSERT INTO app.organisations (kind, code, name) VALUES ('operator', "
                   f"'S{random.randrange(10**6)}', '運営主体（統計）') RETURNING id")
    ministry = sql("INSERT INTO app.organisations (kind, code, name) VALUES ('ministry', "
                   f"'S{random.randrange(10**6)}', '厚労省（統計）') RETURNING id")
    accounts = {
        "operator_admin": add_account(sql, "operator_admin", operator),
        "operator_staff": add_account(sql, "operator_staff", operator),
        "ministry_staff": add_account(sql, "ministry_staff", ministry),
        "municipality_staff": add_account(sql, "municipality_staff", world["municipality_id"]),
        "doctor": add_account(sql, "doctor", world["hospital_id"], program="nanbyo"),
    }
    # a fiscal year no other form has (the figures of this test are its own)
    year = int(sql("SELECT y FROM generate_series(2000, 2019) y WHERE NOT EXISTS "
                   "(SELECT FROM app.forms f WHERE f.fiscal_year = y) ORDER BY random() LIMIT 1"))
    doctor_id = accounts["doctor"]["id"]
    sql(f"""
        WITH spec AS (
          SELECT i, CASE WHEN i <= 3 THEN 'N006' ELSE 'N002' END AS disease,
                 CASE WHEN i <= 3 THEN make_date({year} - 75, 6, 1) ELSE make_date({year} - 20 - i, 1, 1) END AS birth,
                 CASE WHEN i <= 3 THEN '2' ELSE (1 + i % 2)::text END AS sex
            FROM generate_series(1, 43) i),
        p AS (
          INSERT INTO app.patients (hospital_id, name, name_kana, birth_date, sex, address)
          SELECT {world['hospital_id']}, '統計 花子', 'トウケイ ハナコ', birth, sex, '東京都港区1' FROM spec ORDER BY i
          RETURNING id, birth_date, sex),
        numbered AS (
          SELECT p.id, row_number() OVER (ORDER BY p.id) AS i FROM p)
        INSERT INTO app.forms (patient_id, form_version_id, disease_code, program, hospital_id, doctor_account_id,
                               created_by, purpose, status, judgment, fiscal_year, confirmed_at, confirmed_by)
        SELECT n.id, (SELECT max(v.id) FROM app.form_versions v WHERE v.disease_code = s.disease), s.disease, 'nanbyo',
               {world['hospital_id']}, {doctor_id}, {doctor_id}, 'renewal', 'confirmed',
               '{{"primary_judgment": "meets", "severity": {{"met": true}}}}', {year}, now(), {doctor_id}
          FROM numbered n JOIN spec s ON s.i = n.i
    """)
    tokens = {role: token_of(http_module, a["login_id"]) for role, a in accounts.items()}
    return {"tokens": tokens, "year": year, "logins": {r: a["login_id"] for r, a in accounts.items()}}


def runs(sql):
    return int(sql("SELECT count(*) FROM stats.runs"))


def refreshed(http, people):
    r = http.post("/rpc/refresh_statistics", json={}, headers=bearer(people["tokens"]["operator_admin"]))
    assert r.status_code == 200, r.text
    return r.json()


def test_the_operator_admin_refreshes_and_it_is_audited(http, sql, people):
    before = runs(sql)
    run = refreshed(http, people)
    assert run["status"] == "succeeded", run
    assert run["forms_counted"] >= 43 and run["cells"] > 0 and run["suppressed_cells"] > 0
    assert runs(sql) == before + 1
    assert sql(f"SELECT outcome FROM app.audit_log WHERE action = 'statistics.refresh' "
               f"AND target_id = '{run['id']}'") == "success"


@pytest.mark.parametrize("role", ["operator_staff", "ministry_staff", "municipality_staff", "doctor"])
def test_only_the_operator_admin_refreshes(http, sql, people, role):
    before = runs(sql)
    r = http.post("/rpc/refresh_statistics", json={}, headers=bearer(people["tokens"][role]))
    assert r.status_code == 403, r.text
    if role != "doctor":  # (a hospital may not call it at all)
        assert r.json()["details"] == "E_ROLE_NOT_ALLOWED"
        assert "運営主体の管理者" in r.json()["message"]
    assert runs(sql) == before, "nothing written"


def test_a_refresh_while_one_runs_is_409(http, sql, people):
    key = sql("SELECT app.statistics_lock_key()")
    holder = subprocess.Popen(
        [os.environ["NANBYO_CLUSTER_SCRIPT"], "psql", os.environ["NANBYO_RUN_DIR"], os.environ["NANBYO_PG_PORT"],
         "-Atq", "-c", f"SELECT pg_advisory_lock({key}); SELECT pg_sleep(6);"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(50):
            if sql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted") != "0":
                break
            time.sleep(0.1)
        before = runs(sql)
        r = http.post("/rpc/refresh_statistics", json={}, headers=bearer(people["tokens"]["operator_admin"]))
        assert r.status_code == 409, r.text
        assert r.json()["details"] == "E_STATISTICS_RUNNING"
        assert runs(sql) == before, "nothing written"
    finally:
        holder.wait(timeout=20)


def cell(http, people, role, table, disease, column):
    r = http.get("/rpc/statistics", params={"year": people["year"], "program_code": "nanbyo",
                                            "statistics_table": table, "disease": disease},
                 headers=bearer(people["tokens"][role]))
    assert r.status_code == 200, r.text
    [row] = [c for c in r.json() if c["column_key"] == column]
    return row


def test_a_cell_of_3_is_the_operators_alone(http, people):
    refreshed(http, people)
    exact = cell(http, people, "operator_staff", "sex", "N006", "2")
    assert (exact["value"], exact["suppressed"]) == (3, True)
    for role in ("ministry_staff", "municipality_staff"):
        published = cell(http, people, role, "sex", "N006", "2")
        assert (published["value"], published["suppressed"]) == (None, True), role
        band = cell(http, people, role, "age_band", "N006", "70-74")
        assert band["value"] is None and band["suppressed"]


def test_no_small_figure_is_published(http, people):
    refreshed(http, people)
    # every published cell of the year, page by page (PostgREST answers at
    # most db-max-rows rows at a time)
    cells, offset = [], 0
    while True:
        r = http.get("/rpc/statistics", params={"year": people["year"], "order": "table_code,row_key,column_key",
                                                "limit": 1000, "offset": offset},
                     headers=bearer(people["tokens"]["ministry_staff"]))
        assert r.status_code == 200, r.text
        cells += r.json()
        if len(r.json()) < 1000:
            break
        offset += 1000
    assert cells and not [c for c in cells if c["value"] is not None and 1 <= c["value"] <= 9]
    assert not [c for c in cells if c["suppressed"] and c["value"] is not None]
    # the N006 row total (3) is suppressed in every table that shows it
    totals = {c["table_code"]: c for c in cells if c["row_key"] == "N006" and c["column_key"] == "*"}
    assert len(totals) == 9 and all(t["suppressed"] for t in totals.values())


def test_csv_download_keeps_the_suppression(http, people):
    refreshed(http, people)
    r = http.get("/rpc/statistics", params={"year": people["year"], "statistics_table": "sex"},
                 headers={**bearer(people["tokens"]["ministry_staff"]), "Accept": "text/csv"})
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    [n006] = [x for x in rows if x["row_key"] == "N006" and x["column_key"] == "2"]
    assert n006["value"] == "" and n006["suppressed"] == "true"
    exact = http.get("/rpc/statistics", params={"year": people["year"], "statistics_table": "sex"},
                     headers={**bearer(people["tokens"]["operator_staff"]), "Accept": "text/csv"})
    [n006] = [x for x in csv.DictReader(io.StringIO(exact.text)) if x["row_key"] == "N006" and x["column_key"] == "2"]
    assert n006["value"] == "3"


def test_the_runs_are_the_operators(http, people):
    refreshed(http, people)
    r = http.get("/rpc/statistics_runs", params={"max_rows": 1}, headers=bearer(people["tokens"]["operator_staff"]))
    assert r.status_code == 200
    [run] = r.json()
    assert run["status"] == "succeeded" and run["trigger"] == "operator"
    assert run["requested_by_login_id"] == people["logins"]["operator_admin"]
    r = http.get("/rpc/statistics_runs", headers=bearer(people["tokens"]["ministry_staff"]))
    assert r.status_code == 403 and r.json()["details"] == "E_ROLE_NOT_ALLOWED"


def test_hospitals_read_no_statistics(http, people):
    for fn in ("statistics", "statistics_catalog"):
        r = http.get(f"/rpc/{fn}", headers=bearer(people["tokens"]["doctor"]))
        assert r.status_code == 403, r.text


def test_the_catalog(http, people):
    refreshed(http, people)
    r = http.get("/rpc/statistics_catalog", headers=bearer(people["tokens"]["municipality_staff"]))
    assert r.status_code == 200
    catalog = r.json()
    assert catalog["exact"] is False
    assert {"fiscal_year": people["year"], "program": "nanbyo"} in catalog["years"]
    assert [t["code"] for t in catalog["tables"]][:2] == ["age_band", "sex"]
    assert catalog["refreshed_at"]
    vocabulary = http.get("/rpc/vocabulary").json()
    assert {"code": "suppressed", "label": "秘匿"} in vocabulary["statistics_cell_flags"]

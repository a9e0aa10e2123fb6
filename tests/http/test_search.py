"""Complete searches (issue #17): search_forms and list_accounts return every
row that fits their arguments, so that PostgREST's own filters, order,
paging and Prefer: count=exact agree with each other, as an integrator's
client (postgrest-js, postgrest-py) uses them; reads stay audit-logged."""

import re

from helpers import add_account, bearer
from test_forms import PD_FINDINGS, clinic, confirmed_form, header, issue_key  # noqa: F401 (fixture)


def search(http, token, args=None, query="", count=True):
    headers = {**bearer(token), "Prefer": "count=exact"} if count else bearer(token)
    return http.post(f"/rpc/search_forms{query}", json=args or {}, headers=headers)


def total(r):
    """The total of a Content-Range header such as 0-49/58."""
    return int(re.fullmatch(r"(\*|\d+-\d+)/(\d+)", r.headers["Content-Range"]).group(2))


def test_search_forms_is_complete_under_postgrest_filters_order_paging_and_count(http, sql, clinic):
    c = clinic
    drafts = 58
    sql(f"""INSERT INTO app.forms (patient_id, form_version_id, disease_code, program, hospital_id, doctor_account_id,
                                   created_by, purpose, fiscal_year)
            SELECT {c['patient_id']}, nanbyo.form_version_in_force('N006'), 'N006', 'nanbyo', {c['hospital_id']},
                   {c['doctor']['id']}, {c['doctor']['id']}, 'new', app.fiscal_year(current_date)
              FROM generate_series(1, {drafts})""")
    taken = confirmed_form(http, c)
    r = http.post("/rpc/take_over_form", json={"access_key": issue_key(http, c, taken)},
                  headers=bearer(c["staff_token"]))
    assert r.status_code == 200, r.text
    forms = drafts + 1

    r = search(http, c["doctor_token"])
    assert r.status_code in (200, 206) and total(r) == forms and len(r.json()) == forms, r.headers
    r = search(http, c["doctor_token"], query="?limit=100")
    assert len(r.json()) == forms and total(r) == forms, "PostgREST's limit pages the whole result"
    r = search(http, c["doctor_token"], query="?status=eq.taken_over")
    assert [f["id"] for f in r.json()] == [taken] and total(r) == 1, "a filter sees every row, not a first page"
    r = search(http, c["doctor_token"], query="?status=eq.draft&order=id.asc&offset=50&limit=5")
    ids = [f["id"] for f in r.json()]
    every_draft = sorted(f["id"] for f in search(http, c["doctor_token"]).json() if f["status"] == "draft")
    assert ids == every_draft[50:55] and total(r) == drafts, "order and paging over the filtered whole"
    r = search(http, c["doctor_token"], {"status": "draft", "limit": 10})
    assert len(r.json()) == 10 and total(r) == 10, "the function's own limit is a limit too"
    assert r.headers["X-Total-Count"] == str(drafts), "and the header counts every match"

    # the read is logged with the forms it could return; a search that finds nothing is logged too
    logged = sql(f"""SELECT jsonb_array_length(detail -> 'ids') || ' ' || (detail ->> 'matched')
                       FROM app.audit_log WHERE action = 'read.forms' AND actor_account_id = {c['doctor']['id']}
                      ORDER BY id DESC LIMIT 1""")
    assert logged == "10 10"
    r = search(http, c["doctor_token"], {"status": "draft", "limit": 10, "offset": 55})
    assert [f["id"] for f in r.json()] == sorted(every_draft, reverse=True)[55:] and r.headers["X-Total-Count"] == str(drafts)
    r = search(http, c["doctor_token"], {"disease_code": "N999"})
    assert r.json() == [] and total(r) == 0
    assert sql(f"""SELECT detail ->> 'matched' FROM app.audit_log WHERE action = 'read.forms'
                    AND actor_account_id = {c['doctor']['id']} ORDER BY id DESC LIMIT 1""") == "0"


def test_list_accounts_is_complete_under_postgrest_filters_and_count(http, sql, clinic):
    c = clinic
    for _ in range(55):
        add_account(sql, "clerk", c["hospital_id"])
    accounts = int(sql(f"SELECT count(*) FROM app.accounts WHERE organisation_id = {c['hospital_id']}"))
    assert accounts > 55
    headers = {**bearer(c["doctor_token"]), "Prefer": "count=exact"}
    r = http.post("/rpc/list_accounts", json={}, headers=headers)
    assert len(r.json()) == accounts and total(r) == accounts
    r = http.post("/rpc/list_accounts?role=eq.doctor", json={}, headers=headers)
    assert [a["id"] for a in r.json()] == [c["doctor"]["id"]] and total(r) == 1
    r = http.post("/rpc/list_accounts?order=id.desc&limit=3", json={}, headers=headers)
    newest = sorted((a["id"] for a in http.post("/rpc/list_accounts", json={}, headers=headers).json()), reverse=True)
    assert [a["id"] for a in r.json()] == newest[:3] and total(r) == accounts

"""The end-to-end path: HTTP -> PostgREST -> api function -> extension."""

import re


def test_openapi_document_lists_the_api_functions(http):
    r = http.get("/")
    assert r.status_code == 200
    doc = r.json()
    assert doc["swagger"] == "2.0"
    assert "/rpc/health" in doc["paths"]
    # Only the api schema is exposed: no private table leaks into the document.
    assert not any(p.startswith("/app") for p in doc["paths"])


def test_health_reaches_the_extension_through_postgrest(http, sql):
    r = http.post("/rpc/health", json={})
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert body["status"] == "ok"
    assert body["database"] == "nanbyo"
    version = sql("SELECT nanbyo.version()")
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    assert body["nanbyo"]["extension"] == version
    assert body["nanbyo"]["core"] == {"name": "nanbyo-core", "version": version}


def test_health_answers_get_as_well(http):
    r = http.get("/rpc/health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"


def test_unknown_function_is_a_clear_404(http):
    r = http.post("/rpc/no_such_function", json={})
    assert r.status_code == 404
    assert r.json()["code"] == "PGRST202"


def test_extension_schema_is_not_exposed(http):
    # The extension's functions are reached through api only.
    r = http.post("/rpc/version", json={})
    assert r.status_code == 404
    r = http.get("/rpc/version", headers={"Accept-Profile": "nanbyo"})
    assert r.status_code == 406
    assert r.json()["code"] == "PGRST106"


def test_anonymous_role_cannot_use_a_forged_jwt(http):
    forged = (
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
        "eyJyb2xlIjoicG9zdGdyZXMifQ."
        "c2lnbmF0dXJlLW1hZGUtdXA"
    )
    r = http.post("/rpc/health", json={}, headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401
    assert r.json()["code"].startswith("PGRST3")


def test_the_vocabulary_gives_every_code_its_japanese_label_to_anyone(http):
    """GET /rpc/vocabulary (#18): what a client shows for a code comes from
    the database's one vocabulary, never from a list of the client's own."""
    r = http.get("/rpc/vocabulary")
    assert r.status_code == 200, r.text
    v = r.json()
    label = lambda kind, code: next(x["label"] for x in v[kind] if x["code"] == code)  # noqa: E731
    assert label("form_purposes", "renewal") == "更新"
    assert label("sexes", "1") == "男" and label("sexes", "2") == "女"
    assert label("programs", "nanbyo") and label("review_results", "granted") == "認定"
    assert label("primary_judgments", "needs_review") == "要審査"
    assert label("secondary_hospital_statuses", "applied") == "申請中"
    assert label("import_results", "rejected") == "不受理" and label("form_history_parts", "clinical") == "臨床情報"
    assert label("deletion_reasons", "moved") == "転出"
    assert [s["code"] for s in v["form_statuses"]][0] == "draft"
    assert any(t["from"] == "draft" and t["to"] == "confirmed" and t["action"] for t in v["form_status_transitions"])
    assert {r["code"] for r in v["roles"]} >= {"doctor", "clerk", "municipality_staff", "operator_admin"}

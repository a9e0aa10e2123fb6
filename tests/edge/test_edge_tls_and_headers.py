"""TLS and the headers of every answer (issue #18): http redirects to https;
the client's pages, PostgREST's answers, PostgREST's errors and nginx's own
refusals all carry the security headers and exactly one X-Request-Id."""

import requests

from edge_helpers import assert_error

SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=31536000",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def assert_secure(response, page=False):
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (name, response.headers)
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "'unsafe-eval'" not in csp
    if page:
        # the client's own scripts only: no inline script, nothing from elsewhere
        assert "script-src 'self'" in csp and "default-src 'self'" in csp
        assert "'unsafe-inline'" not in csp
    else:
        assert "default-src 'none'" in csp and "script-src" not in csp
    assert len(response.raw.headers.getlist("X-Request-Id")) == 1


def test_http_redirects_to_https(edge_http_url, edge_url):
    r = requests.get(edge_http_url + "/forms?x=1", allow_redirects=False, timeout=10)
    assert r.status_code == 301
    assert r.headers["Location"] == edge_url + "/forms?x=1"
    r = requests.post(edge_http_url + "/api/rpc/login", json={}, allow_redirects=False, timeout=10)
    assert r.status_code == 301 and r.headers["Location"].startswith("https://")


def test_the_certificate_is_the_stacks_own(edge_url):
    try:
        requests.get(edge_url + "/", timeout=10)  # the system's trust store does not know it
    except requests.exceptions.SSLError:
        return
    raise AssertionError("a self-signed certificate was trusted without being named")


def test_the_client_is_served_with_a_strict_policy(edge):
    r = edge.get("/")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    assert_secure(r, page=True)
    # a client-side route is the client's index page too
    deep = edge.get("/forms/123")
    assert deep.status_code == 200 and deep.text == r.text


def test_the_api_is_under_api_with_the_prefix_stripped(edge):
    r = edge.get("/api/rpc/health")
    assert r.status_code == 200 and r.json()["status"] == "ok"
    assert_secure(r)
    assert r.headers.get("Server") == "nginx"  # no version


def test_postgrest_errors_and_nginx_refusals_carry_the_headers(edge):
    missing = edge.post("/api/rpc/no_such_function", json={})
    assert missing.status_code == 404
    assert_secure(missing)
    refused = edge.get("/api/rpc/login")
    assert_error(refused, 405, "E_METHOD_NOT_ALLOWED")
    assert_secure(refused)

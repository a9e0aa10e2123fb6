"""Fixtures of the edge tests (issue #18): nginx in front of the test stack,
over real HTTPS with the stack's self-signed certificate.

Environment (set by .ci/test-all.sh):
  NANBYO_EDGE_URL       https://127.0.0.1:PORT (nginx, TLS)
  NANBYO_EDGE_HTTP_URL  http://127.0.0.1:PORT  (nginx, redirects)
  NANBYO_EDGE_CA        the certificate nginx serves (.run/NAME/tls/cert.pem)
  NANBYO_API_URL        PostgREST itself, where tests log in without going
                        through nginx's login rate limits
and the variables of tests/conftest.py (sql).
"""

import os
import pathlib
import sys

import pytest
import requests

# the worlds and logins of the HTTP tests
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "http"))


@pytest.fixture(scope="session")
def edge_url() -> str:
    return os.environ["NANBYO_EDGE_URL"]


@pytest.fixture(scope="session")
def edge_http_url() -> str:
    return os.environ["NANBYO_EDGE_HTTP_URL"]


@pytest.fixture(scope="session")
def edge_ca() -> str:
    return os.environ["NANBYO_EDGE_CA"]


@pytest.fixture()
def edge(edge_url, edge_ca):
    """A requests session on nginx whose paths are relative to its root,
    trusting the stack's certificate; it keeps cookies like a browser."""

    class Client(requests.Session):
        def request(self, method, url, *args, **kwargs):
            kwargs.setdefault("timeout", 10)
            kwargs.setdefault("allow_redirects", False)
            # (per request: REQUESTS_CA_BUNDLE would override the session's)
            kwargs.setdefault("verify", edge_ca)
            return super().request(method, edge_url + url, *args, **kwargs)

    with Client() as client:
        yield client


"""Shared fixtures of the HTTP tests (tests/http) and the README examples (tests/examples).

The tests talk to a real PostgREST in front of a real PostgreSQL 15 with the
nanbyo extension, started by `.ci/test-all.sh` (see `make test`). Where a
test must look into the database it uses psql through the cluster script.
"""

import os
import subprocess

import pytest
import requests


@pytest.fixture(scope="session")
def api_url() -> str:
    return os.environ.get("NANBYO_API_URL", "http://127.0.0.1:3001")


@pytest.fixture()
def http(api_url):
    """A requests session whose paths are relative to the API root."""

    class Client(requests.Session):
        def request(self, method, url, *args, **kwargs):
            kwargs.setdefault("timeout", 10)
            return super().request(method, api_url + url, *args, **kwargs)

    with Client() as client:
        yield client


@pytest.fixture(scope="session")
def sql():
    """Run one SQL statement as the superuser and return its single value."""
    cluster = os.environ["NANBYO_CLUSTER_SCRIPT"]
    run_dir = os.environ["NANBYO_RUN_DIR"]
    pg_port = os.environ["NANBYO_PG_PORT"]

    def run(statement: str) -> str:
        out = subprocess.run(
            [cluster, "psql", run_dir, pg_port, "-Atq", "-c", statement],
            check=True,
            capture_output=True,
            text=True,
        )
        return out.stdout.strip()

    return run

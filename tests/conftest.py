"""Shared fixtures of the HTTP tests (tests/http) and the README examples (tests/examples).

The tests talk to a real PostgREST in front of a real PostgreSQL 15 with the
nanbyo extension, started by `.ci/test-all.sh` (see `make test`). Where a
test must look into the database it uses psql through the cluster script.

Every JSON answer the `http` client receives is checked against the API's
own OpenAPI 3.1 document (GET /rpc/openapi, #17 item 7): the schema of its
operation and status (an error status the operation does not list: the
common error object); every successful answer's media type (JSON, CSV,
HTML, XML) must be one the document lists. An answer that breaks it fails
the test, naming the path, the status and what is wrong.
"""

import json
import os
import subprocess
from urllib.parse import urlsplit

import pytest
import requests
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

DOCUMENT_URI = "urn:nanbyo-openapi"


class Contract:
    """The answers' schemas of the OpenAPI document, by path, method and status."""

    def __init__(self, document):
        self.document = document
        self.registry = Registry().with_resource(
            DOCUMENT_URI, Resource.from_contents(document, default_specification=DRAFT202012))
        self.validators = {}

    def _validator(self, pointer):
        if pointer not in self.validators:
            self.validators[pointer] = Draft202012Validator(
                {"$ref": f"{DOCUMENT_URI}#{pointer}"}, registry=self.registry)
        return self.validators[pointer]

    def problems(self, method, url, status, content_type, body):
        """What is wrong with one answer of a path of the document: an
        undocumented success status or media type, or JSON that breaks its schema."""
        path = urlsplit(url).path
        operation = self.document["paths"].get(path, {}).get(method.lower())
        if operation is None or not body:
            return []  # PostgREST's own root (/), a path the document does not have, an empty answer
        responses = operation["responses"]
        key = str(status)
        if key not in responses:
            if 200 <= status < 300:
                return [f"status {status} is not in the document's responses"]
            key = "default"
        media_type = (content_type or "").split(";")[0].strip()
        if 200 <= status < 300 and media_type not in responses[key].get("content", {}):
            return [f"media type {media_type} is not in the document's {sorted(responses[key].get('content', {}))}"]
        if "json" not in media_type:
            return []
        pointer = "/paths/" + path.replace("~", "~0").replace("/", "~1") + f"/{method.lower()}/responses/{key}"
        response = responses[key]
        if "$ref" in response:  # #/components/responses/Error
            pointer = response["$ref"][1:]
            response = self.document["components"]["responses"][pointer.rsplit("/", 1)[1]]
        content = response.get("content", {})
        media = next((m for m in content if "json" in m), None)
        if media is None:
            return [f"status {status} answers {content_type}, the document lists {sorted(content)}"]
        try:
            value = json.loads(body)
        except ValueError as e:
            return [f"not JSON: {e}"]
        validator = self._validator(pointer + "/content/" + media.replace("~", "~0").replace("/", "~1") + "/schema")
        return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:300]}"
                for e in sorted(validator.iter_errors(value), key=lambda e: list(map(str, e.absolute_path)))]

    def check(self, method, url, status, content_type, body):
        problems = self.problems(method, url, status, content_type, body)
        assert not problems, (f"{method.upper()} {urlsplit(url).path} answered {status}, which breaks the "
                              f"OpenAPI document:\n  " + "\n  ".join(problems[:10]))


@pytest.fixture(scope="session")
def api_url() -> str:
    return os.environ.get("NANBYO_API_URL", "http://127.0.0.1:3001")


@pytest.fixture(scope="session")
def contract(api_url) -> Contract:
    """The API's OpenAPI document, fetched once per session, as a checker of answers."""
    r = requests.get(api_url + "/rpc/openapi", timeout=30)
    assert r.status_code == 200, r.text
    return Contract(r.json())


@pytest.fixture()
def http(api_url, contract):
    """A requests session whose paths are relative to the API root; every
    JSON answer is checked against the OpenAPI document."""

    class Client(requests.Session):
        def request(self, method, url, *args, **kwargs):
            kwargs.setdefault("timeout", 10)
            r = super().request(method, api_url + url, *args, **kwargs)
            contract.check(method, url, r.status_code, r.headers.get("Content-Type"), r.content)
            return r

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

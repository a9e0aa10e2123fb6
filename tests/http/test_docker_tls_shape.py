"""The production shape (docker/) keeps the TLS rules the local stack tests.

Docker cannot run on the development machines, so what `make test` proves
through `.ci/stack.sh up … --db-tls` (tests/http/test_db_tls.py) is carried
to docker/ by these checks of the files themselves: the same connection
string (verify-full, client certificate, no password), certificates mounted
where the image's settings read them, and pg_hba rules that refuse every
network connection without TLS and let `authenticator` in by certificate
only. (No stack is needed.)
"""

import os
import re
import subprocess
from urllib.parse import parse_qs, urlsplit

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def read(path):
    with open(os.path.join(ROOT, path)) as f:
        return f.read()


def compose(path):
    return yaml.safe_load(read(path))


def mount_target(service, source_suffix):
    """Where the service mounts the host path ending in source_suffix."""
    for volume in service["volumes"]:
        # SOURCE:TARGET[:MODE]; SOURCE may hold ${VAR:?message}
        volume = re.sub(r":(ro|rw)$", "", volume)
        source, target = volume.rsplit(":", 1)
        if source.endswith(source_suffix):
            return target
    raise AssertionError(f"no volume ending in {source_suffix}: {service['volumes']}")


def tls_query(uri):
    parts = urlsplit(uri)
    assert parts.scheme == "postgresql"
    assert parts.username == "authenticator" and parts.password is None, "authenticator logs in by certificate"
    return parts, {k: v[0] for k, v in parse_qs(parts.query).items()}


def local_query_keys():
    uri = subprocess.run([os.path.join(ROOT, ".ci", "db-tls.sh"), "uri", "/nowhere", "5432"],
                         check=True, capture_output=True, text=True).stdout.strip()
    return set(tls_query(uri)[1])


def test_postgrest_connects_like_the_local_stack_with_the_mounted_certificates():
    services = compose("docker/compose.yaml")["services"]
    parts, query = tls_query(services["postgrest"]["environment"]["PGRST_DB_URI"])
    assert parts.hostname == "db" and parts.path == "/nanbyo"
    assert query["sslmode"] == "verify-full"
    assert set(query) == local_query_keys()  # sslmode, sslrootcert, sslcert, sslkey
    certs = mount_target(services["postgrest"], "/postgrest")
    assert query["sslrootcert"] == f"{certs}/ca.pem"
    assert query["sslcert"] == f"{certs}/authenticator.pem"
    assert query["sslkey"] == f"{certs}/authenticator.key"
    assert "AUTHENTICATOR_PASSWORD" not in read("docker/compose.yaml")
    assert "authenticator PASSWORD" not in read("docker/initdb/10-nanbyo-schema.sh")


def test_the_database_image_has_tls_on_with_the_mounted_certificate_and_our_pg_hba():
    services = compose("docker/compose.yaml")["services"]
    certs = mount_target(services["db"], "/db")
    dockerfile = read("docker/Dockerfile")
    settings = dict(re.findall(r'"-c", "([a-z_]+)=([^"]*)"', dockerfile))
    assert settings["ssl"] == "on"
    assert settings["ssl_cert_file"] == f"{certs}/server.pem"
    assert settings["ssl_key_file"] == f"{certs}/server.key"
    assert settings["ssl_ca_file"] == f"{certs}/ca.pem"
    assert settings["ssl_min_protocol_version"] == "TLSv1.3"
    assert f"COPY docker/db/pg_hba.conf {settings['hba_file']}" in dockerfile


def hba_rules(path):
    return [line.split() for line in read(path).splitlines() if line.strip() and not line.startswith("#")]


def test_pg_hba_refuses_the_network_without_tls_and_authenticator_without_its_certificate():
    rules = hba_rules("docker/db/pg_hba.conf")
    network = [r for r in rules if r[0] != "local"]
    assert network[0] == ["hostnossl", "all", "all", "all", "reject"]
    assert not any(r[-1] in ("trust", "password", "md5") for r in network)
    authenticator = [r for r in network if r[2] in ("authenticator", "all")]
    # the first rule that can match authenticator over TLS is its certificate
    assert [r for r in authenticator if r[0] != "hostnossl"][0] == ["hostssl", "nanbyo", "authenticator", "all", "cert"]
    assert ["host", "all", "authenticator", "all", "reject"] in network


def test_the_ha_sketch_uses_every_node_with_verify_full_and_the_primary_only():
    services = compose("docker/ha/compose.yaml")["services"]
    uri = services["postgrest"]["environment"]["PGRST_DB_URI"]
    hosts = uri.split("@", 1)[1].split("/", 1)[0]
    assert hosts == "node1:5432,node2:5432,node3:5432"
    query = parse_qs(uri.split("?", 1)[1])
    assert query["target_session_attrs"] == ["read-write"]
    assert query["sslmode"] == ["verify-full"]
    assert {"sslrootcert", "sslcert", "sslkey"} <= set(query)
    assert "authenticator:" not in uri
    for node in ("node1", "node2", "node3"):
        assert mount_target(services[node], f"/{node}") == "/etc/nanbyo/db-tls"
    # the backup passphrase is a secret, not in the image or its configuration
    settings = [line for line in read("docker/ha/pgbackrest.conf").splitlines() if not line.startswith("#")]
    assert not any(line.startswith("repo1-cipher-pass") for line in settings)
    assert "repo1-cipher-type=aes-256-cbc" in read("docker/ha/pgbackrest.conf")
    assert any(isinstance(s, dict) and s["target"] == "/etc/pgbackrest/conf.d/cipher.conf"
               for s in services["node1"]["secrets"])

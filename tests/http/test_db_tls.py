"""PostgREST ↔ PostgreSQL over TLS with sslmode=verify-full (issue #22 item 6, E1).

Runs against a stack started with `.ci/stack.sh up … --db-tls` (`make
test`'s scratch stack is: .ci/test-all.sh): PostgREST logs in as
`authenticator` over TCP with a client certificate of the stack's private
CA and checks the server's certificate against that CA and the host name
(.ci/db-tls.sh). On a stack without --db-tls these tests are skipped, unless
NANBYO_DB_TLS=required (make test sets it), when they fail.
"""

import json
import os
import pwd
import stat
import subprocess

import pytest

PSQL = "/usr/lib/postgresql/15/bin/psql"
RUN_DIR = os.environ.get("NANBYO_RUN_DIR", "")
PG_PORT = os.environ.get("NANBYO_PG_PORT", "")
TLS_DIR = os.path.join(RUN_DIR, "db-tls")


def postgrest_db_uri():
    try:
        with open(os.path.join(RUN_DIR, "postgrest.db-uri")) as f:
            return f.read().strip()
    except OSError:
        return ""


@pytest.fixture(autouse=True)
def stack_with_db_tls():
    if "sslmode=verify-full" not in postgrest_db_uri():
        if os.environ.get("NANBYO_DB_TLS") == "required":
            pytest.fail(f"PostgREST of {RUN_DIR} does not connect with sslmode=verify-full "
                        "(start the stack with .ci/stack.sh up … --db-tls)")
        pytest.skip("the stack was not started with --db-tls")


def connect_as_authenticator(**options):
    """psql as authenticator over TCP with these libpq options; (exit code, stderr)."""
    conninfo = {"host": "localhost", "port": PG_PORT, "dbname": "nanbyo", "user": "authenticator",
                "connect_timeout": "5", **options}
    out = subprocess.run([PSQL, "-XAtq", "-c", "SELECT 1", " ".join(f"{k}={v}" for k, v in conninfo.items())],
                         capture_output=True, text=True, timeout=30, env={**os.environ, "PGPASSWORD": ""})
    return out.returncode, out.stderr


CA = os.path.join(TLS_DIR, "ca.pem")
CLIENT = {"sslrootcert": CA, "sslcert": os.path.join(TLS_DIR, "postgrest", "authenticator.pem"),
          "sslkey": os.path.join(TLS_DIR, "postgrest", "authenticator.key")}


def test_postgrest_connects_with_verify_full_against_the_private_ca():
    uri = postgrest_db_uri()
    assert uri.startswith("postgresql://authenticator@localhost:")
    assert f"sslrootcert={CA}" in uri
    assert "password" not in uri and ":@" not in uri  # the client certificate is the login


def test_the_api_answers_and_every_postgrest_connection_is_tls(http, sql):
    for _ in range(3):  # a few requests: the pool has connections open
        r = http.post("/rpc/health", json={})
        assert r.status_code == 200
        assert r.json()["database"] == "nanbyo"
    rows = sql("""
        SELECT coalesce(json_agg(json_build_object('ssl', s.ssl, 'version', s.version, 'dn', s.client_dn,
                                                   'tcp', a.client_addr IS NOT NULL)), '[]')
          FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)
         WHERE a.usename = 'authenticator'
    """)
    backends = json.loads(rows)
    assert backends, "no connection of PostgREST's authenticator is open"
    assert all(b == {"ssl": True, "version": "TLSv1.3", "dn": "/CN=authenticator", "tcp": True}
               for b in backends), backends


def test_a_connection_that_verifies_the_certificate_gets_in():
    # the control of the refusals below: the same login with everything right
    code, err = connect_as_authenticator(sslmode="verify-full", **CLIENT)
    assert code == 0, err


def test_authenticator_without_tls_over_tcp_is_refused():
    code, err = connect_as_authenticator(sslmode="disable")
    assert code != 0
    assert 'pg_hba.conf rejects connection for host "127.0.0.1", user "authenticator"' in err
    assert "no encryption" in err


def test_authenticator_over_tls_without_the_client_certificate_is_refused():
    code, err = connect_as_authenticator(sslmode="verify-full", sslrootcert=CA, sslcert=os.path.join(TLS_DIR, "none.pem"),
                                         sslkey=os.path.join(TLS_DIR, "none.key"))
    assert code != 0
    assert "connection requires a valid client certificate" in err


def test_verify_full_refuses_a_host_name_the_certificate_does_not_name():
    # the right server (hostaddr), reached under a name its certificate does not have
    code, err = connect_as_authenticator(sslmode="verify-full", hostaddr="127.0.0.1", **CLIENT,
                                         host="db.example.invalid")
    assert code != 0
    assert 'does not match host name "db.example.invalid"' in err


def test_verify_full_refuses_a_server_the_private_ca_did_not_sign(tmp_path):
    # the system's CAs do not vouch for the database: only the private CA does
    other = tmp_path / "other-ca.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "1", "-subj", "/CN=another CA", "-keyout", str(tmp_path / "k.pem"),
                    "-out", str(other)], check=True, capture_output=True)
    code, err = connect_as_authenticator(sslmode="verify-full", **{**CLIENT, "sslrootcert": str(other)})
    assert code != 0
    assert "certificate verify failed" in err


def test_the_server_key_is_the_postgres_users_alone(sql):
    cert, key = sql("SELECT current_setting('ssl_cert_file') || ' ' || current_setting('ssl_key_file')").split()
    assert sql("SHOW ssl") == "on"
    assert not key.startswith(sql("SHOW data_directory") + "/"), "the key is not copied into backups"
    st = os.stat(key)
    assert stat.S_IMODE(st.st_mode) == 0o600
    assert pwd.getpwuid(st.st_uid).pw_name == "postgres"
    text = subprocess.run(["openssl", "x509", "-in", cert, "-noout", "-ext", "subjectAltName"],
                          check=True, capture_output=True, text=True).stdout
    assert "DNS:localhost" in text and "IP Address:127.0.0.1" in text
    assert stat.S_IMODE(os.stat(CLIENT["sslkey"]).st_mode) == 0o600

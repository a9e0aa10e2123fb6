"""The examples of README.md and docs/bulk-xml.md, run as written against the
demo data of `make run` (`.ci/test-all.sh` starts such a stack for them).

Each `$ curl …` line of a shell block is run with bash, the API address
swapped for the test stack's; `$ TOKEN=…` takes the token of the login just
before it. What the document shows after a command is checked against the
real answer: every JSON key it names must be in the answer, and every
scalar it shows in full ("key": 2, "key": "text") must be the answer's.
SQL examples that are complete statements run through psql.
"""

import json
import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
API = os.environ.get("NANBYO_API_URL", "http://127.0.0.1:3002")
DOCS = [ROOT / "README.md", ROOT / "docs" / "bulk-xml.md"]
# values that differ by nature from run to run
VOLATILE_KEYS = {"server_time", "expires_at", "form_id", "token", "initial_password"}
ELIDED = "…"


def shell_examples(path):
    """(command, shown output) of every `$ ` line of the ```sh blocks, and of
    every `curl` line of a block without prompts (docs/bulk-xml.md's upload)."""
    examples = []
    for body in re.findall(r"```sh\n(.*?)```", path.read_text(encoding="utf-8"), re.S):
        lines, i = body.splitlines(), 0
        prompts = any(line.startswith("$ ") for line in lines)
        while i < len(lines):
            line = lines[i]
            if not (line.startswith("$ ") or (not prompts and line.startswith("curl "))):
                i += 1
                continue
            command = line[2:] if line.startswith("$ ") else line
            while command.endswith("\\") or unbalanced(command):
                i += 1
                command += "\n" + lines[i]
            i += 1
            shown = []
            while i < len(lines) and not lines[i].startswith(("$ ", "#")):
                shown.append(lines[i])
                i += 1
            examples.append((command, "\n".join(shown)))
    return examples


def unbalanced(command):
    try:
        shlex.split(command.replace("\\\n", " "))
        return False
    except ValueError:
        return True


def shown_keys(shown):
    return set(re.findall(r'"(\w+)":', shown))


def shown_scalars(shown):
    pairs = re.findall(r'"(\w+)": ?(-?\d+|true|false|"[^"]*")', shown)
    return [(k, json.loads(v)) for k, v in pairs
            if k not in VOLATILE_KEYS and ELIDED not in v]


def scalars_of(value, out=None):
    """Every (key, scalar) anywhere in a JSON value."""
    out = set() if out is None else out
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, (dict, list)):
                scalars_of(v, out)
            else:
                out.add((k, json.dumps(v, ensure_ascii=False)))
    elif isinstance(value, list):
        for v in value:
            scalars_of(v, out)
    return out


def run(command, token, cwd, contract):
    """Run an example; a single curl's whole JSON answer is checked against
    the OpenAPI document (curl reports status, method and URL on stderr
    through a curlrc of this run)."""
    command = command.replace("http://127.0.0.1:3000", API)
    curl_home = Path(cwd) / ".curl-home"
    curl_home.mkdir(exist_ok=True)
    (curl_home / ".curlrc").write_text(
        'write-out = "%{stderr}@@contract %{http_code} %{method} %{url_effective} %{content_type}\\n"\n')
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, errors="replace", cwd=cwd,
                          env={**os.environ, "TOKEN": token or "", "CURL_HOME": str(curl_home)}, timeout=60)
    reports = [line.split(" ", 4)[1:] for line in done.stderr.splitlines() if line.startswith("@@contract ")]
    stderr = "\n".join(line for line in done.stderr.splitlines() if not line.startswith("@@contract "))
    assert done.returncode == 0, f"{command}\n{stderr}"
    if len(reports) == 1 and len(reports[0]) == 4:
        status, method, url, content_type = reports[0]
        try:
            json.loads(done.stdout)
        except ValueError:
            pass  # a cut answer (| head -c …) or not JSON
        else:
            contract.check(method, url, int(status), content_type, done.stdout)
    return done.stdout


def check(command, shown, answer):
    if not shown.strip():
        return
    keys = shown_keys(shown)
    missing = sorted(k for k in keys if f'"{k}"' not in answer)
    assert not missing, f"{command}\nshown keys missing from the answer: {missing}\n{answer[:2000]}"
    try:
        value = json.loads(answer)
    except ValueError:
        return  # a cut answer (| head -c …): the keys were checked
    actual = scalars_of(value)
    wrong = [(k, v) for k, v in shown_scalars(shown)
             if (k, json.dumps(v, ensure_ascii=False)) not in actual]
    assert not wrong, f"{command}\nshown values not in the answer: {wrong}\n{answer[:2000]}"


def login(login_id):
    import requests
    r = requests.post(f"{API}/rpc/login", json={
        "login_id": login_id, "password": "Demo-Pass-2026!", "key": f"NANBYO-KEY-1:DEMO-{login_id}"}, timeout=10)
    r.raise_for_status()
    return r.json()["token"]


def test_readme_shell_examples_run_as_written(tmp_path, contract):
    examples = shell_examples(ROOT / "README.md")
    assert len(examples) >= 4, "the README's shell examples were not found"
    token, last = None, ""
    for command, shown in examples:
        if command.startswith("TOKEN="):
            token = json.loads(last)["token"]
            continue
        last = run(command, token, tmp_path, contract)
        check(command, shown, last)


def test_bulk_xml_upload_example_runs_as_written(tmp_path, contract):
    examples = shell_examples(ROOT / "docs" / "bulk-xml.md")
    assert len(examples) == 3, examples  # the upload, the dry run, the export
    command, _ = examples[0]
    # the file the report below it describes, sent by the demo doctor of the example's hospital
    (tmp_path / "forms.xml").write_bytes((ROOT / "docs/bulk-xml/examples/one-bad-form.xml").read_bytes())
    answer = run(command, login("1310123455-0001"), tmp_path, contract)
    text = (ROOT / "docs" / "bulk-xml.md").read_text(encoding="utf-8")
    report = re.search(r"The report:\n\n```json\n(.*?)```", text, re.S).group(1)
    check(command, report, answer)
    # the dry run of the same file (now duplicates), then the export, which writes forms.xml anew
    dry_run = json.loads(run(examples[1][0], login("1310123455-0001"), tmp_path, contract))
    assert dry_run["dry_run"] is True and dry_run["duplicates"] >= 1, dry_run
    run(examples[2][0], login("1310123455-0001"), tmp_path, contract)
    exported = (tmp_path / "forms.xml").read_text(encoding="utf-8")
    assert exported.startswith('<?xml version="1.0"') and 'disease="N006"' in exported, exported[:500]


def sql_examples():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for body in re.findall(r"```sql\n(.*?)```", text, re.S):
        statement, shown = None, []
        for line in body.splitlines():
            if line.startswith("--") and statement:
                shown.append(line[2:])
            elif line.startswith(("SELECT", "INSERT")):
                if statement:
                    yield statement, "\n".join(shown)
                statement, shown = line.split(";")[0] + ";", []
        if statement:
            yield statement, "\n".join(shown)


# (a line with "..." is a template, not a statement)
@pytest.mark.parametrize("statement,shown", [e for e in sql_examples() if "..." not in e[0]])
def test_readme_sql_examples_run_as_written(statement, shown, sql):
    answer = sql(statement)
    assert answer, statement
    for key in shown_keys(shown):
        assert f'"{key}"' in answer, f"{statement}: shown key {key} missing from {answer[:500]}"

"""The renewal-season load test (issue #22 item 5, .ci/renewal-load.sh):
a realistic mix of requests through nginx over HTTPS at a multiple of the
national peak rate (BENCHMARKS.md, "Renewal-season load", derives the
rates). Open loop: every kind of request arrives on its own fixed schedule
(evenly spaced, each kind with a random phase), whatever the answers, so a
slow server shows as latency and as requests in flight, not as a lower
offered rate.

    renewal_load.py --url https://127.0.0.1:8641/api --cafile CERT --work DIR
                    --form-version-id N [--scale 10] [--seconds 180]
                    [--warmup 20] [--timeout 10] [--kinds check_form,...] --out result.json
    renewal_load.py --report result.json      (the table again)

DIR holds the files of tests/ops/renewal_setup.sql and renewal_run.sql.
The kinds (all POST, all expected to answer 200):
  check_form        doctors typing the SLE form (N049, 57 items): the live
                    check of the first k items, k cycling as a typist goes
  save_form         the autosave of a draft being typed (one or two items)
  create_form       a new SLE draft for a patient without a form
  confirm_form      a complete draft confirmed by its doctor, and then
  issue_access_key  its access key issued (sent when the confirmation answers)
  fetch_form_by_key municipality staff opening a form by its key
  import_forms_xml  a hospital system's upload of 50 SLE forms (each accepted)
Latency is from handing the request to the connection pool (waiting for
one of the --connections kept-alive connections counts) to the whole answer read; a request that has not
answered after --timeout seconds is an error (timeout), as is any status
but 200 and an upload with a rejected form. The generator's own lag (how
late a request left after its scheduled time) is reported too: when it is
large the machine could not even send at the rate asked.

Writes the figures per kind as JSON (--out) and prints them as a table.
Exits 1 if any request failed; latency is recorded, not asserted.
"""

import argparse
import asyncio
import itertools
import json
import pathlib
import random
import resource
import sys
import time
import uuid

from renewal_http import Pool

ROOT = pathlib.Path(__file__).resolve().parents[2]
CASE = ROOT / "extension" / "core" / "forms" / "nanbyo" / "N049" / "cases" / "meets_joints_and_dsdna.json"

# The national peak (BENCHMARKS.md, "Renewal-season load"): forms a second
# in the busiest office hour of the renewal season, and per form:
PEAK_FORMS_PER_S = 1.6
XML_SHARE = 0.2          # forms that arrive by XML upload
XML_BATCH = 50           # forms per uploaded file
CHECKS_PER_FORM = 40     # live checks while a form is typed online
SAVES_PER_FORM = 20      # autosaves (on leaving a changed item, every 30 s)
LOOKUPS_PER_FORM = 2     # municipality lookups by access key (take-over, review)

FIXED_ITEMS = ("medical_institution_code", "medical_institution_name", "doctor_name")
INTERACTIVE = ["check_form", "save_form", "create_form", "confirm_form", "issue_access_key", "fetch_form_by_key"]
KINDS = INTERACTIVE + ["import_forms_xml"]
GOAL_P99_MS = 300


def peak_rates():
    """Requests a second of each scheduled kind at 1× the national peak
    (issue_access_key follows each confirmation, it has no schedule)."""
    online = PEAK_FORMS_PER_S * (1 - XML_SHARE)
    return {
        "check_form": online * CHECKS_PER_FORM,
        "save_form": online * SAVES_PER_FORM,
        "create_form": online,
        "confirm_form": online,
        "fetch_form_by_key": PEAK_FORMS_PER_S * LOOKUPS_PER_FORM,
        "import_forms_xml": PEAK_FORMS_PER_S * XML_SHARE / XML_BATCH,
    }


def read_tsv(path):
    return [line.rstrip("\n").split("\t") for line in open(path, encoding="utf-8") if line.strip()]


class Load:
    def __init__(self, args):
        self.args = args
        work = pathlib.Path(args.work)
        case = json.loads(CASE.read_text(encoding="utf-8"))["input"]
        self.clinical = [(k, v) for k, v in case.items() if not k.startswith("patient_")]
        # what a doctor types (the hospital and doctor items come from the records:
        # saving a different value is refused, E_FORM_ITEM_FIXED)
        self.typed = [(k, v) for k, v in self.clinical if k not in FIXED_ITEMS]
        self.tokens = {}          # account id -> JWT
        self.staff_of = {}        # municipality id -> [JWT]
        doctors = []
        for account, role, org, token in read_tsv(work / "tokens.tsv"):
            self.tokens[int(account)] = token
            if role == "municipality_staff":
                self.staff_of.setdefault(int(org), []).append(token)
            else:
                doctors.append(int(account))
        self.doctors = doctors
        self.doctor_info = {int(r[0]): r[1:] for r in read_tsv(work / "doctors.tsv")}
        self.keys = [(k, int(m)) for k, m in read_tsv(work / "keys.tsv")]
        self.drafts = [(int(f), int(d)) for f, d in read_tsv(work / "drafts.tsv")]
        confirms = [(int(f), int(d)) for f, d in read_tsv(work / "confirm.tsv")]
        patients = [(int(p), int(d)) for p, d in read_tsv(work / "patients.tsv")]
        self.pool_sizes = {"confirm_form": len(confirms), "create_form": len(patients)}
        self.confirms, self.patients = iter(confirms), iter(patients)
        self.draft_cursor = {}    # form id -> next item to type
        self.typist = itertools.count()
        self.run_id = uuid.uuid4().hex[:8]
        self.upload_seq = itertools.count(1)
        self.records = []         # (kind, scheduled, start, end, ok, error) in seconds since t0
        self.recording = False
        self.t0 = 0.0

    # --- the requests -----------------------------------------------------

    async def post(self, client, kind, path, token, scheduled, body=None, content=None, content_type=None,
                   check=None):
        headers = {"Authorization": f"Bearer {token}", "X-Request-Id": f"rl-{self.run_id}-{uuid.uuid4().hex[:12]}",
                   "Content-Type": content_type or "application/json"}
        if content is None:
            content = json.dumps(body, ensure_ascii=False).encode("utf-8")
        start = time.monotonic() - self.t0
        ok, error, answer = False, None, None
        try:
            r = await asyncio.wait_for(client.post(path, content, headers), self.args.timeout)
            if r.status == 200:
                answer = json.loads(r.body)
                error = check(answer) if check else None
                ok = error is None
            else:
                error = f"HTTP {r.status}: {r.body[:200].decode('utf-8', 'replace')}"
        except asyncio.TimeoutError:
            error = "timeout"
        except (OSError, EOFError, ValueError) as e:
            error = f"{type(e).__name__}: {e}"
        end = time.monotonic() - self.t0
        if self.recording:
            self.records.append((kind, scheduled, start, end, ok, error))
        return answer if ok else None

    async def check_form(self, client, scheduled):
        k = 1 + next(self.typist) % len(self.clinical)
        token = self.tokens[random.choice(self.doctors)]
        body = {"form_version_id": self.args.form_version_id, "data": dict(self.clinical[:k])}
        await self.post(client, "check_form", "/rpc/check_form", token, scheduled, body)

    async def save_form(self, client, scheduled, form=None):
        form_id, doctor = form or random.choice(self.drafts)
        i = self.draft_cursor.get(form_id, len(self.typed) // 2)
        n = random.choice((1, 2))
        items = dict(self.typed[(i + j) % len(self.typed)] for j in range(n))
        self.draft_cursor[form_id] = i + n
        await self.post(client, "save_form", "/rpc/save_form", self.tokens[doctor], scheduled,
                        {"form_id": form_id, "data": items})

    def pool_empty(self, kind, scheduled, what):
        if self.recording:
            now = time.monotonic() - self.t0
            self.records.append((kind, scheduled, now, now, False, f"no {what} left (renewal_run.sql lists them)"))

    async def create_form(self, client, scheduled):
        patient, doctor = next(self.patients, (None, None))
        if patient is None:
            return self.pool_empty("create_form", scheduled, "patient without a form")
        answer = await self.post(client, "create_form", "/rpc/create_form", self.tokens[doctor], scheduled,
                                 {"patient_id": patient, "disease_code": "N049", "purpose": "renewal",
                                  "consent_db_registration": True, "data": dict(self.typed[:3])})
        if answer and "id" in answer:
            self.drafts.append((answer["id"], doctor))   # typed and saved from now on

    async def confirm_form(self, client, scheduled):
        form_id, doctor = next(self.confirms, (None, None))
        if form_id is None:
            return self.pool_empty("confirm_form", scheduled, "complete draft")
        token = self.tokens[doctor]
        answer = await self.post(client, "confirm_form", "/rpc/confirm_form", token, scheduled, {"form_id": form_id})
        if answer is not None:
            now = time.monotonic() - self.t0
            await self.post(client, "issue_access_key", "/rpc/issue_access_key", token, now, {"form_id": form_id},
                            check=lambda a: None if a.get("access_key") else "no access_key")

    async def fetch_form_by_key(self, client, scheduled):
        key, municipality = random.choice(self.keys)
        await self.post(client, "fetch_form_by_key", "/rpc/fetch_form_by_key",
                        random.choice(self.staff_of[municipality]), scheduled, {"access_key": key},
                        check=lambda a: None if a.get("status") else "no form")

    def xml_file(self, doctor):
        code, number, hospital_name, doctor_name = self.doctor_info[doctor]
        seq = next(self.upload_seq)
        out = ['<?xml version="1.0" encoding="UTF-8"?>\n<nanbyo-forms xmlns="urn:nanbyo-db:bulk:1">\n',
               f'  <header hospital="{code}" doctor="{number}" generated-at="2026-11-24T10:00:00+09:00"/>\n']
        for i in range(1, XML_BATCH + 1):
            n = seq * 1000 + i
            out.append(f'  <form external-id="RL-{self.run_id}-{seq}-{i}" disease="N049" purpose="renewal" '
                       f'consent-db-registration="true">\n'
                       f'    <patient><name>一括 患者{n}</name><name-kana>イッカツ カンジャ</name-kana>'
                       f'<birth-date>{1940 + n % 60}-{1 + n % 12:02d}-{1 + n % 28:02d}</birth-date>'
                       f'<sex>{1 + n % 2}</sex><address>東京都千代田区千代田{n}</address></patient>\n')
            for item, value in self.typed + [("medical_institution_code", code),
                                             ("medical_institution_name", hospital_name), ("doctor_name", doctor_name)]:
                text = "true" if value is True else "false" if value is False else value
                out.append(f'    <item id="{item}">{text}</item>\n')
            out.append("  </form>\n")
        out.append("</nanbyo-forms>\n")
        return "".join(out).encode("utf-8")

    async def import_forms_xml(self, client, scheduled):
        doctor = random.choice(self.doctors)

        def all_accepted(a):
            if a.get("accepted") == XML_BATCH:
                return None
            problems = [p["code"] for r in a.get("results", []) for p in r.get("problems", [])]
            return f"accepted {a.get('accepted')} of {XML_BATCH}: {sorted(set(problems))}"
        await self.post(client, "import_forms_xml", "/rpc/import_forms_xml", self.tokens[doctor], scheduled,
                        content=self.xml_file(doctor), content_type="text/xml", check=all_accepted)

    # --- the schedule -----------------------------------------------------

    async def guarded(self, send, kind, client, scheduled):
        """A request whose preparation fails (missing data in DIR) is a failure too, never silence."""
        try:
            await send(client, scheduled)
        except Exception as e:  # noqa: BLE001 - recorded as a failed request
            if self.recording:
                now = time.monotonic() - self.t0
                self.records.append((kind, scheduled, now, now, False, f"generator: {type(e).__name__}: {e}"))

    async def arrivals(self, client, kind, rate, until, tasks):
        """Sends `kind` every 1/rate seconds from a random phase until `until`."""
        send = getattr(self, kind)
        interval = 1 / rate
        t = random.uniform(0, interval)
        while t < until:
            delay = self.t0 + t - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(self.guarded(send, kind, client, t))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            t += interval

    async def run(self):
        a = self.args
        rates = {k: r * a.scale for k, r in peak_rates().items() if not a.kinds or k in a.kinds}
        until = a.warmup + a.seconds
        for kind, size in self.pool_sizes.items():
            need = int(rates.get(kind, 0) * until) + 1
            if kind in rates and size < need:
                raise SystemExit(f"renewal_load.py: {kind} needs {need} forms or patients at this rate and duration, "
                                 f"the stack has {size} left: a fresh stack (tests/ops/renewal_setup.sql) or a shorter run")
        client = Pool(a.url, a.cafile, a.connections)
        tasks = set()
        self.t0 = time.monotonic()
        schedules = [asyncio.create_task(self.arrivals(client, k, r, until, tasks)) for k, r in rates.items()]
        await asyncio.sleep(a.warmup)
        self.recording = True
        self.window = (a.warmup, until)
        await asyncio.gather(*schedules)
        # the requests still in flight are waited for (their timeouts bound it)
        await asyncio.gather(*list(tasks))
        await client.close()
        return rates


def percentile(sorted_values, p):
    if not sorted_values:
        return None
    i = max(0, min(len(sorted_values) - 1, int(round(p / 100 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[i]


def summarise(load, rates, args, cpu, load_before):
    start, end = load.window
    seconds = end - start
    kinds = {}
    lags = sorted((s - sch) * 1000 for _, sch, s, _, _, _ in load.records if s >= start)
    for kind in KINDS:
        if kind not in rates and not (kind == "issue_access_key" and "confirm_form" in rates):
            continue
        rows = [r for r in load.records if r[0] == kind and r[1] >= start]
        ms = sorted((e - s) * 1000 for _, _, s, e, ok, _ in rows if ok)
        errors = {}
        for r in rows:
            if not r[4]:
                label = r[5].split(":")[0] if r[5] else "?"
                errors[label] = errors.get(label, 0) + 1
        rate = rates.get(kind, rates.get("confirm_form", 0))   # issue_access_key follows confirm_form
        kinds[kind] = {
            "interactive": kind in INTERACTIVE,
            "offered_per_s": round(rate, 3),
            "sent": len(rows), "ok": len(ms), "failed": len(rows) - len(ms),
            "errors": errors,
            "error_examples": [r[5] for r in rows if not r[4]][:3],
            "throughput_per_s": round(len(ms) / seconds, 2),
            "p50_ms": round(percentile(ms, 50), 1) if ms else None,
            "p95_ms": round(percentile(ms, 95), 1) if ms else None,
            "p99_ms": round(percentile(ms, 99), 1) if ms else None,
            "max_ms": round(ms[-1], 1) if ms else None,
        }
    silent = [kind for kind, rate in rates.items() if rate * seconds >= 3 and kinds[kind]["sent"] == 0]
    return {
        "silent_kinds": silent,
        "scale": args.scale, "seconds": seconds, "warmup": args.warmup, "timeout_s": args.timeout,
        "connections": args.connections, "url": args.url,
        "assumptions": {"peak_forms_per_s": PEAK_FORMS_PER_S, "xml_share": XML_SHARE, "xml_batch": XML_BATCH,
                        "checks_per_form": CHECKS_PER_FORM, "saves_per_form": SAVES_PER_FORM,
                        "lookups_per_form": LOOKUPS_PER_FORM},
        "kinds": kinds,
        "total": {"sent": sum(k["sent"] for k in kinds.values()), "failed": sum(k["failed"] for k in kinds.values()),
                  "throughput_per_s": round(sum(k["ok"] for k in kinds.values()) / seconds, 1)},
        "generator": {"lag_p50_ms": round(percentile(lags, 50), 1) if lags else None,
                      "lag_p99_ms": round(percentile(lags, 99), 1) if lags else None,
                      "lag_max_ms": round(lags[-1], 1) if lags else None,
                      "cpu_s": round(cpu, 1)},
        "loadavg_before": load_before, "loadavg_after": list(load_avg()),
        "goal": {"errors": 0, "interactive_p99_ms": GOAL_P99_MS},
    }


def load_avg():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def fmt(x):
    return "–" if x is None else f"{x:,.1f}"


def table(result):
    lines = [f"scale {result['scale']}× peak, {result['seconds']:.0f} s measured after {result['warmup']:.0f} s warm-up; "
             f"load average {result['loadavg_before'][0]} before, {result['loadavg_after'][0]} after",
             "",
             "| kind | offered/s | answered/s | p50 ms | p95 ms | p99 ms | max ms | failed |",
             "|---|---|---|---|---|---|---|---|"]
    for kind, k in result["kinds"].items():
        p99 = fmt(k["p99_ms"])
        if k["interactive"] and k["p99_ms"] is not None:
            p99 += " ✔" if k["p99_ms"] <= GOAL_P99_MS else " ✘"
        failed = str(k["failed"])
        if k["errors"]:
            failed += " (" + ", ".join(f"{n} × {e}" for e, n in sorted(k["errors"].items())) + ")"
        lines.append(f"| `{kind}` | {k['offered_per_s']:.2f} | {k['throughput_per_s']:.2f} | {fmt(k['p50_ms'])} | "
                     f"{fmt(k['p95_ms'])} | {p99} | {fmt(k['max_ms'])} | {failed} |")
    t, g = result["total"], result["generator"]
    lines.append(f"| all | | {t['throughput_per_s']:.1f} | | | | | {t['failed']} |")
    lines.append("")
    lines.append(f"generator: lag behind schedule p50 {fmt(g['lag_p50_ms'])} ms, p99 {fmt(g['lag_p99_ms'])} ms, "
                 f"max {fmt(g['lag_max_ms'])} ms; its own CPU {g['cpu_s']} s")
    if result.get("silent_kinds"):
        lines.append(f"FAILED: nothing was sent of {', '.join(result['silent_kinds'])}")
    for kind, k in result["kinds"].items():
        for e in k["error_examples"]:
            lines.append(f"  {kind}: {e}")
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url")
    p.add_argument("--cafile")
    p.add_argument("--work")
    p.add_argument("--form-version-id", type=int)
    p.add_argument("--scale", type=float, default=10)
    p.add_argument("--seconds", type=float, default=180)
    p.add_argument("--warmup", type=float, default=20)
    p.add_argument("--timeout", type=float, default=10)
    p.add_argument("--connections", type=int, default=100)
    p.add_argument("--kinds", type=lambda v: [k for k in v.split(",") if k],
                   help="only these scheduled kinds, comma-separated (to measure one kind's cost)")
    p.add_argument("--out")
    p.add_argument("--report", help="print the table of an earlier result and exit")
    args = p.parse_args()
    if args.report:
        result = json.load(open(args.report, encoding="utf-8"))
        print(table(result))
        return 1 if result["total"]["failed"] or result.get("silent_kinds") else 0
    for required in ("url", "work", "form_version_id", "out"):
        if getattr(args, required) is None:
            p.error(f"--{required.replace('_', '-')} is required")
    load = Load(args)
    load_before = load_avg()
    rates = asyncio.run(load.run())
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result = summarise(load, rates, args, usage.ru_utime + usage.ru_stime, load_before)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False, indent=1)
    print(table(result))
    return 1 if result["total"]["failed"] or result["silent_kinds"] else 0


if __name__ == "__main__":
    sys.exit(main())

"""Doctors typing the largest form (SLE, N049) while the client checks it
live (#18 benchmark): each simulated typist fills the form one item at a
time, as the client does after its debounce, and sends the whole form to
api.check_form after every item; a pause between items stands for the
typing. Prints the round trips' percentiles; asserts nothing.

    typists.py --url https://127.0.0.1:8443/api --token JWT --form-version-id N
               [--typists 20] [--seconds 30] [--pause 0.5] [--cafile CERT]
"""

import argparse
import json
import pathlib
import statistics
import threading
import time

import requests

ROOT = pathlib.Path(__file__).resolve().parents[2]
CASE = ROOT / "extension" / "core" / "forms" / "nanbyo" / "N049" / "cases" / "meets_joints_and_dsdna.json"


def typist(args, items, latencies, failures, stop):
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {args.token}", "Content-Type": "application/json"})
    verify = args.cafile or True
    filled = {}
    i = 0
    while not stop.is_set():
        key, value = items[i % len(items)]
        if i % len(items) == 0:
            filled = {}
        filled[key] = value
        body = json.dumps({"form_version_id": args.form_version_id, "data": filled})
        start = time.perf_counter()
        try:
            r = session.post(f"{args.url}/rpc/check_form", data=body, verify=verify, timeout=10)
            ok = r.status_code == 200
        except requests.RequestException:
            ok = False
        elapsed = time.perf_counter() - start
        (latencies if ok else failures).append(elapsed)
        i += 1
        stop.wait(args.pause)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--form-version-id", type=int, required=True)
    p.add_argument("--typists", type=int, default=20)
    p.add_argument("--seconds", type=float, default=30)
    p.add_argument("--pause", type=float, default=0.5)
    p.add_argument("--cafile")
    args = p.parse_args()
    items = list(json.loads(CASE.read_text(encoding="utf-8"))["input"].items())
    latencies, failures, stop = [], [], threading.Event()
    threads = [threading.Thread(target=typist, args=(args, items, latencies, failures, stop))
               for _ in range(args.typists)]
    for t in threads:
        t.start()
    time.sleep(args.seconds)
    stop.set()
    for t in threads:
        t.join()
    ms = sorted(x * 1000 for x in latencies)
    q = statistics.quantiles(ms, n=100)
    print(f"check_form: {args.typists} typists, {len(items)} items, pause {args.pause}s, {args.seconds:.0f}s: "
          f"{len(ms)} requests ({len(ms) / args.seconds:.0f}/s), {len(failures)} failed; "
          f"p50 {q[49]:.1f} ms, p95 {q[94]:.1f} ms, p99 {q[98]:.1f} ms, max {ms[-1]:.1f} ms")


if __name__ == "__main__":
    main()

"""The client side of the failover test (.ci/failover-test.sh, issue #22):
doctors confirming forms and municipality staff looking forms up by access
key, through nginx and PostgREST, while the primary is killed. Every
request carries its own X-Request-Id; what the server acknowledged (HTTP
200) is written down, so that afterwards the database can be asked for
each acknowledged write and for the audit entry of each acknowledged read.

    failover_load.py --url https://127.0.0.1:8600/api --cafile CERT
                     --doctor-token JWT --staff-token JWT
                     --drafts FILE --keys FILE --seconds 60 --out result.json

Writes result.json: the acknowledged confirmations (form ids), the
acknowledged lookups (request ids), every failed request (time, kind,
status or error), and every request's start and end (seconds since the
start) for the unavailability figures. Asserts nothing itself.
"""

import argparse
import json
import queue
import random
import threading
import time

import requests


def worker(kind, args, token, work, results, stop, t0, lock):
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    verify = args.cafile or True
    n = 0
    name = threading.current_thread().name
    while not stop.is_set():
        n += 1
        request_id = f"fo-{name}-{n}"
        if kind == "confirm":
            try:
                form_id = work.get_nowait()
            except queue.Empty:
                return
            path, body = "/rpc/confirm_form", {"form_id": form_id}
        else:
            form_id = None
            path, body = "/rpc/fetch_form_by_key", {"access_key": random.choice(work)}
        start = time.monotonic() - t0
        status, error = None, None
        try:
            r = session.post(args.url + path, data=json.dumps(body), verify=verify, timeout=10,
                             headers={"X-Request-Id": request_id})
            status = r.status_code
            if status != 200:
                error = r.text[:200]
        except requests.RequestException as e:
            error = type(e).__name__
        end = time.monotonic() - t0
        with lock:
            results["requests"].append([kind, round(start, 3), round(end, 3), status == 200])
            if status == 200:
                if kind == "confirm":
                    results["acknowledged_confirms"].append(form_id)
                else:
                    results["acknowledged_lookups"].append(request_id)
            else:
                # not acknowledged: a confirmation may or may not have been
                # committed (the connection broke after the commit), so it is
                # neither counted nor retried
                results["failures"].append({"kind": kind, "at": round(start, 3), "status": status, "error": error})
        if status != 200:
            time.sleep(0.2)  # a client backing off while the service is away


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--cafile")
    p.add_argument("--doctor-token", required=True)
    p.add_argument("--staff-token", required=True)
    p.add_argument("--drafts", required=True)
    p.add_argument("--keys", required=True)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--writers", type=int, default=4)
    p.add_argument("--readers", type=int, default=4)
    p.add_argument("--out", required=True)
    args = p.parse_args()

    drafts = queue.Queue()
    for line in open(args.drafts, encoding="utf-8"):
        if line.strip():
            drafts.put(int(line))
    keys = [line.strip() for line in open(args.keys, encoding="utf-8") if line.strip()]
    results = {"acknowledged_confirms": [], "acknowledged_lookups": [], "failures": [], "requests": []}
    stop, lock, t0 = threading.Event(), threading.Lock(), time.monotonic()
    threads = [threading.Thread(target=worker, name=f"w{i}", daemon=True,
                                args=("confirm", args, args.doctor_token, drafts, results, stop, t0, lock))
               for i in range(args.writers)]
    threads += [threading.Thread(target=worker, name=f"r{i}", daemon=True,
                                 args=("lookup", args, args.staff_token, keys, results, stop, t0, lock))
                for i in range(args.readers)]
    for t in threads:
        t.start()
    time.sleep(args.seconds)
    stop.set()
    for t in threads:
        t.join(timeout=15)
    results["t0_epoch"] = time.time() - (time.monotonic() - t0)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(results, f)
    print(f"acknowledged confirmations {len(results['acknowledged_confirms'])}, "
          f"acknowledged lookups {len(results['acknowledged_lookups'])}, failed requests {len(results['failures'])}")


if __name__ == "__main__":
    main()

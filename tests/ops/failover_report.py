"""Figures of a failover run (.ci/failover-test.sh): reads the client's
result.json and the moment the primary was killed, prints the failed
requests and how long no write and no read was acknowledged, and writes
the acknowledged form ids and lookup request ids, one per line, for the
database check.

    failover_report.py RESULT.json KILL_EPOCH IDS_FILE REQUEST_IDS_FILE
"""

import json
import sys


def gap(requests, kind, kill):
    """The longest time, in seconds, between two acknowledged requests of
    KIND (by the time their answers came) in the part of the run that
    holds the kill: how long no client of that kind was served."""
    ends = sorted(end for k, start, end, ok in requests if k == kind and ok)
    gaps = [(b - a, a) for a, b in zip(ends, ends[1:]) if b >= kill]
    return round(max(gaps)[0], 1) if gaps else None


def main():
    result = json.load(open(sys.argv[1], encoding="utf-8"))
    kill = float(sys.argv[2]) - result["t0_epoch"]
    reqs = result["requests"]
    with open(sys.argv[3], "w", encoding="utf-8") as f:
        f.writelines(f"{i}\n" for i in result["acknowledged_confirms"])
    with open(sys.argv[4], "w", encoding="utf-8") as f:
        f.writelines(f"{r}\n" for r in result["acknowledged_lookups"])
    failed = {}
    for fail in result["failures"]:
        failed.setdefault(fail["kind"], {}).setdefault(str(fail["status"] or fail["error"]), 0)
        failed[fail["kind"]][str(fail["status"] or fail["error"])] += 1
    print(f"primary killed at t={kill:.1f} s")
    print(f"requests: {len(reqs)}; acknowledged confirmations {len(result['acknowledged_confirms'])}, "
          f"acknowledged lookups {len(result['acknowledged_lookups'])}")
    print(f"failed requests: {len(result['failures'])} {json.dumps(failed, ensure_ascii=False)}")
    samples = {}
    for fail in result["failures"]:
        samples.setdefault((fail["kind"], fail["status"]), fail)
    for (kind, status), fail in sorted(samples.items(), key=str):
        print(f"  first {kind} failure with {status}: at t={fail['at']} s: {fail['error']}")
    print(f"time without an acknowledged write: {gap(reqs, 'confirm', kill)} s")
    print(f"time without an acknowledged read: {gap(reqs, 'lookup', kill)} s")


if __name__ == "__main__":
    main()

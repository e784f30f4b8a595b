#!/usr/bin/env python3
"""tls_load_summary.py OUT.txt -> per row: median server CPU us per echo and echoes/s of each server, per-rep ratios
of A (and B) to coturn (same rep), their median, A/B per rep, total lost and corrupt frames (tools/tls_load_sbs.sh output)."""
import sys, statistics as st
runs = {}
for line in open(sys.argv[1]):
    if not line.startswith("rep="):
        continue
    kv = dict(x.split("=", 1) for x in line.split() if "=" in x)
    runs.setdefault(kv["row"], {}).setdefault(kv["server"], {})[int(kv["rep"])] = kv
def f(v, p=2):
    return "-" if v is None else "%.*f" % (p, v)
print("%-22s %-7s %9s %9s %6s %6s  %-26s %-8s %s" % ("row", "server", "us/echo", "echo/s", "lost", "corr", "ratio to coturn per rep", "median", "load"))
for row, servers in runs.items():
    co = servers.get("co", {})
    for s in ("co", "A", "B"):
        if s not in servers:
            continue
        reps = servers[s]
        us = [float(r["server_us_per_msg"]) for r in reps.values() if float(r.get("server_us_per_msg", -1)) > 0]
        rate = [float(r["msgs_per_s"]) for r in reps.values()]
        lost = sum(int(r.get("lost", 0)) for r in reps.values()); corrupt = sum(int(r.get("corrupt", 0)) for r in reps.values())
        ratios = [float(reps[k]["server_us_per_msg"]) / float(co[k]["server_us_per_msg"]) for k in sorted(reps) if k in co and s != "co"]
        loads = sorted(float(r["load"]) for r in reps.values())
        print("%-22s %-7s %9s %9s %6d %6d  %-26s %-8s %s" % (row, s, f(st.median(us) if us else None), f(st.median(rate), 0), lost, corrupt,
              ", ".join(f(x) for x in ratios), f(st.median(ratios)) if ratios else "", "%.1f-%.1f" % (loads[0], loads[-1])))
    if "A" in servers and "B" in servers:
        a, b = servers["A"], servers["B"]
        ab = [float(a[k]["server_us_per_msg"]) / float(b[k]["server_us_per_msg"]) for k in sorted(a) if k in b]
        print("%-22s %-7s %9s %9s %6s %6s  %-26s %s" % (row, "A/B", "", "", "", "", ", ".join(f(x) for x in ab), f(st.median(ab))))

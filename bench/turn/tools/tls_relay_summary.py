#!/usr/bin/env python3
"""tls_relay_summary.py OUTPUT_OF_tls_relay_thread.sh -> per rep and row: task-clock ms, us per echo received, context switches and
system calls per echo, wall seconds, loss, and each server's task-clock over coturn's in the same rep; medians."""
import re, sys, statistics as st
blocks, cur = [], None
for line in open(sys.argv[1]):
    m = re.match(r"## rep (\d+) (\S+) (\S+) load (\S+)", line)
    if m:
        cur = dict(rep=int(m[1]), srv=m[2], row=m[3], load=float(m[4]), sys=0.0)
        blocks.append(cur); continue
    if cur is None: continue
    m = re.search(r"tot_recv_msgs=(\d+)", line)
    if m: cur["recv"] = float(m[1])
    m = re.search(r"Total lost packets \d+ \(([\d.]+)%\)", line)
    if m: cur["lost"] = float(m[1])
    m = re.match(r"\s*([\d,.]+)\s+(msec task-clock|context-switches|syscalls:\S+)", line)
    if m:
        v = float(m[1].replace(",", ""))
        if m[2].startswith("msec"): cur["tc"] = v
        elif m[2] == "context-switches": cur["cs"] = v
        else: cur["sys"] += v
    m = re.match(r"\s*([\d.]+) seconds time elapsed", line)
    if m: cur["wall"] = float(m[1])
rows = sorted({b["row"] for b in blocks})
for row in rows:
    print(f"== {row}")
    ratios = {}
    for b in [b for b in blocks if b["row"] == row and "tc" in b]:
        N = b.get("recv") or 8000.0  # per echo received back (a lost echo costs the server only half)
        co = [c for c in blocks if c["row"] == row and c["rep"] == b["rep"] and c["srv"] == "co" and "tc" in c]
        per = lambda x: x["tc"] / (x.get("recv") or 8000.0)
        r = per(b) / per(co[0]) if co else float("nan")
        ratios.setdefault(b["srv"], []).append(r)
        print(f"rep {b['rep']} {b['srv']:>2} load {b['load']:5.1f} task-clock {b['tc']:7.1f} ms  {1000*b['tc']/N:5.1f} us/echo  "
              f"cs/echo {b.get('cs',0)/N:4.2f}  syscalls/echo {b['sys']/N:5.2f}  wall {b.get('wall',0):5.2f} s  lost {b.get('lost',float('nan')):5.2f} %  /co {r:4.2f}")
    for s, rs in ratios.items():
        tcs = [b["tc"] for b in blocks if b["row"] == row and b["srv"] == s and "tc" in b]
        print(f"median {s:>2}: task-clock {st.median(tcs):7.1f} ms, /co {st.median(rs):4.2f} (reps {', '.join(f'{x:.2f}' for x in rs)})")
    a = {b["rep"]: b["tc"] / (b.get("recv") or 8000.0) for b in blocks if b["row"] == row and b["srv"] == "A" and "tc" in b}
    bb = {b["rep"]: b["tc"] / (b.get("recv") or 8000.0) for b in blocks if b["row"] == row and b["srv"] == "B" and "tc" in b}
    ab = [a[k] / bb[k] for k in a if k in bb]
    if ab: print(f"A/B per rep: {', '.join(f'{x:.2f}' for x in ab)}; median {st.median(ab):.2f}")

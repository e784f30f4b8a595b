#!/usr/bin/env python3
"""rss.py PID PORT [COUNT]: RSS per idle allocation. Makes COUNT UDP allocations (user bench/benchpass, kept alive),
reads the server's VmRSS before and after, prints one JSON line, then deallocates (Refresh 0). Loopback only."""
import json, struct, sys, time
sys.path.insert(0, __import__("os").path.dirname(__file__))
from bench import Turn, attr  # noqa: E402

def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))

pid, port = int(sys.argv[1]), int(sys.argv[2]); count = int(sys.argv[3]) if len(sys.argv) > 3 else 400
time.sleep(1); before = rss_kb(pid); clients = []
for _ in range(count):
    c = Turn("127.0.0.1", port, "bench", "benchpass")
    r = c.allocate()
    if r and r[0] == 0x0103: clients.append(c)
    else: c.close()
time.sleep(2); after = rss_kb(pid)
print(json.dumps({"test": "rss", "allocations": len(clients), "rss_before_kb": before, "rss_after_kb": after,
                  "kb_per_allocation": round((after - before) / max(len(clients), 1), 2)}))
for c in clients:
    c.txn(0x0004, attr(0x000D, struct.pack("!I", 0))); c.close()

#!/usr/bin/env python3
"""rss_stream.py PID PORT COUNT [tcp|tls] [BURST]: RSS per idle TCP (or TLS) client connection. Opens COUNT connections
to 127.0.0.1:PORT; on each, BURST (default 1) STUN Binding requests, each padded to 1 KB with a comprehension-optional
attribute, are written at once and answered (so the server has read a burst on it), then it stays idle. Reads the
server's VmRSS before and after (2 s settle), prints one JSON line, closes them. Loopback only."""
import json, os, socket, ssl, struct, sys, time

def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))

def read_exact(s, n):
    b = b""
    while len(b) < n:
        chunk = s.recv(n - len(b))
        if not chunk:
            raise ConnectionError("closed")
        b += chunk
    return b

pid, port, count = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
tls = len(sys.argv) > 4 and sys.argv[4] == "tls"
burst = int(sys.argv[5]) if len(sys.argv) > 5 else 1
pad = struct.pack("!HH", 0x8F00, 1000) + bytes(1000)  # comprehension-optional: ignored
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
time.sleep(1); before = rss_kb(pid); conns = []
for _ in range(count):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    if tls:
        s = ctx.wrap_socket(s, server_hostname="localhost")
    s.sendall(b"".join(struct.pack("!HHI", 0x0001, len(pad), 0x2112A442) + os.urandom(12) + pad for _ in range(burst)))
    for _ in range(burst):
        header = read_exact(s, 20)
        read_exact(s, struct.unpack("!H", header[2:4])[0])
    conns.append(s)
time.sleep(2); after = rss_kb(pid)
print(json.dumps({"test": "rss_stream", "tls": tls, "burst": burst, "connections": len(conns), "rss_before_kb": before,
                  "rss_after_kb": after, "kb_per_connection": round((after - before) / max(len(conns), 1), 2)}))
for s in conns:
    s.close()

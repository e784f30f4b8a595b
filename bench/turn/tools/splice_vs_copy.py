#!/usr/bin/env python3
"""splice_vs_copy.py [N] -- kernel CPU of relaying one TCP stream to another on loopback, splice(2) through a pipe
against recv into a user buffer + send, for 100 B and 1000 B messages (RFC 6062 relay path, without a TURN server).

Layout: sender -> [a_out -> a_in] relay [b_out -> b_in] -> receiver, all sockets in this process, one message at a
time (send, relay, receive), so every relay step moves one message, as in the paced turnutils_uclient -T row. The
relay step alone (its two system calls, two Python calls each way) is timed with the thread's CPU clock
(time.thread_time_ns, user + system); the interpreter's share is about the same for both methods. Prints CPU
microseconds per relayed message for each method and size, interleaved over 3 rounds.
"""
import os, socket, sys, time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 20000


def pair():
    lst = socket.socket(); lst.bind(('127.0.0.1', 0)); lst.listen(1)
    c = socket.socket(); c.connect(lst.getsockname()); s, _ = lst.accept(); lst.close()
    for x in (c, s):
        x.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return c, s


def run(method, size):
    a_out, a_in = pair(); b_out, b_in = pair()
    msg = b'x' * size; buf = bytearray(65536); view = memoryview(buf); rbuf = bytearray(size)
    r, w = os.pipe()
    fin, fout = a_in.fileno(), b_out.fileno()
    for _ in range(200):  # warm up the connections (slow start, quick ACKs)
        a_out.send(msg); n = a_in.recv_into(buf); b_out.send(view[:n]); b_in.recv_into(rbuf)
    relay_ns = 0
    for _ in range(N):
        a_out.send(msg)
        t0 = time.thread_time_ns()
        if method == 'splice':
            n = os.splice(fin, w, 65536); os.splice(r, fout, n)
        else:
            n = a_in.recv_into(buf); b_out.send(view[:n])
        t1 = time.thread_time_ns()
        relay_ns += t1 - t0
        got = 0
        while got < size:
            got += b_in.recv_into(memoryview(rbuf)[got:])
    for x in (a_out, a_in, b_out, b_in):
        x.close()
    os.close(r); os.close(w)
    return relay_ns / 1e3 / N


if __name__ == '__main__':
    print(f"load {os.getloadavg()[0]:.2f}, {N} messages per run")
    for rnd in range(3):
        for size in (100, 1000):
            res = {m: run(m, size) for m in (('splice', 'copy') if rnd % 2 == 0 else ('copy', 'splice'))}
            print(f"round {rnd + 1} size {size:5}: splice {res['splice']:6.2f} us, copy {res['copy']:6.2f} us CPU"
                  f" per relayed message (copy/splice {res['copy'] / res['splice']:.2f})")

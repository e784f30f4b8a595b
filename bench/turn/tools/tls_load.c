/* tls_load: unpaced TURN load over TLS (or plain TCP) client connections, C + epoll + OpenSSL, so the client is not
 * the bottleneck and, unlike turnutils_uclient -S, does not corrupt its own records when it sends fast.
 * usage: tls_load HOST PORT USER PASS PEER_PORT NCLIENTS SIZE WINDOW SECONDS [chan|send] [tls|tcp] [SERVER_PID] [REC] [any|tls12|tls13]
 * Each client: TCP connect (+ TLS handshake, whatever version both ends prefer), Allocate -> 401 (REALM, NONCE) ->
 * Allocate with USERNAME/REALM/NONCE/MESSAGE-INTEGRITY, then ChannelBind 0x4000 (chan) or CreatePermission (send) to
 * the echo peer 127.0.0.1:PEER_PORT (turnutils_peer). Then every client keeps WINDOW ChannelData frames (padded to 4
 * bytes, RFC 8656 12.5) or Send indications in flight and reads the echoes, which are parsed as a byte stream:
 * several frames per TLS record or TCP segment, frames cut across records. REC = frames per write (default 1: one TLS
 * record per frame, as a browser writes; larger values put that many frames in one record). Each payload carries the
 * client id, a sequence number and a pattern derived from it; a wrong length or pattern counts as corrupt.
 * A client with echoes outstanding and none received for 0.5 s writes them off (UDP loss at the peer) and refills; an
 * echo of a frame sent before that write-off counts as late (received, but it no longer frees a window slot).
 * Each client tracks the sequence numbers it got: an echo seen before counts as dup (not received again), one below the
 * highest seen and not seen before as reorder (received). lost = sent - recv, where a frame left partly written at the
 * end counts as not sent.
 * Measures after 0.5 s of warm-up for SECONDS; then stops sending and drains for up to 2 s before counting loss.
 * SERVER_PID: server CPU (utime+stime from /proc) over the measured window only, so handshakes and allocations do
 * not count. Prints one line: msgs_per_s mbit_per_s sent recv lost loss_pct corrupt late secs server_cpu_s
 * server_us_per_msg clients proto cipher (and dup, reorder).
 * Build: gcc -O2 -o tls_load tls_load.c -lssl -lcrypto */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RBUF 65536
#define WBUF 262144
#define SEEN 65536 /* sequence numbers a client remembers (bits) for dup/reorder detection */
typedef struct {
  int fd, id, want_out, dead; SSL *ssl;
  uint8_t rbuf[RBUF]; int rlen;
  uint8_t *wbuf; int wlen, woff;
  long sent, recv, out; uint64_t seq, cut, next; double last_rx; uint8_t *seen;
  uint8_t nonce[256]; int nonce_len;
} cl_t;

static const char *user, *pass; static uint8_t realm[256]; static int realm_len = -1, have_key, use_tls, chan, size, flen, rec;
static uint8_t key[16], xpeer[8]; static long corrupt, late, dups, reorders, stream_err;
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static int be16(const uint8_t *p) { return (p[0] << 8) | p[1]; }
static double cpu_s(int pid) {
  if (pid <= 0) return -1; char p[64], b[2048]; snprintf(p, sizeof p, "/proc/%d/stat", pid);
  FILE *f = fopen(p, "r"); if (!f) return -1; size_t n = fread(b, 1, sizeof b - 1, f); fclose(f); b[n] = 0;
  char *s = strrchr(b, ')'); if (!s) return -1; unsigned long ut = 0, st = 0;
  if (sscanf(s + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2) return -1;
  return (double)(ut + st) / sysconf(_SC_CLK_TCK);
}

static int attr(uint8_t *m, int off, int type, const void *v, int len) {
  m[off] = type >> 8; m[off + 1] = type; m[off + 2] = len >> 8; m[off + 3] = len;
  memcpy(m + off + 4, v, len); int p = (len + 3) & ~3; memset(m + off + 4 + len, 0, p - len); return off + 4 + p;
}
/* a request (method), with long-term credentials once the 401 gave us realm and nonce */
static int request(cl_t *c, uint8_t *m, int method, uint8_t *tid) {
  m[0] = method >> 8; m[1] = method; m[4] = 0x21; m[5] = 0x12; m[6] = 0xA4; m[7] = 0x42;
  for (int i = 0; i < 12; i++) tid[i] = (uint8_t)rand();
  memcpy(m + 8, tid, 12); int off = 20;
  if (method == 0x0003) { uint8_t rt[4] = {17, 0, 0, 0}; off = attr(m, off, 0x0019, rt, 4); }
  if (method == 0x0009) { uint8_t ch[4] = {0x40, 0, 0, 0}; off = attr(m, off, 0x000C, ch, 4); }
  if (method == 0x0009 || method == 0x0008) off = attr(m, off, 0x0012, xpeer, 8);
  if (have_key) {
    off = attr(m, off, 0x0006, user, strlen(user)); off = attr(m, off, 0x0014, realm, realm_len);
    off = attr(m, off, 0x0015, c->nonce, c->nonce_len);
    int len = off - 20 + 24; m[2] = len >> 8; m[3] = len; unsigned int hl = 20; uint8_t mac[20];
    HMAC(EVP_sha1(), key, 16, m, off, mac, &hl); off = attr(m, off, 0x0008, mac, 20);
  }
  m[2] = (off - 20) >> 8; m[3] = off - 20; return off;
}

static int io_write(cl_t *c, const uint8_t *b, int n) {
  if (!use_tls) { ssize_t r = send(c->fd, b, n, MSG_NOSIGNAL); return r < 0 ? (errno == EAGAIN ? 0 : -1) : (int)r; }
  int r = SSL_write(c->ssl, b, n); if (r > 0) return r;
  int e = SSL_get_error(c->ssl, r); return (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) ? 0 : -1;
}
static int io_read(cl_t *c, uint8_t *b, int n) {
  if (!use_tls) { ssize_t r = recv(c->fd, b, n, 0); return r < 0 ? (errno == EAGAIN ? 0 : -1) : r == 0 ? -1 : (int)r; }
  int r = SSL_read(c->ssl, b, n); if (r > 0) return r;
  int e = SSL_get_error(c->ssl, r); return (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) ? 0 : -1;
}

/* setup (blocking socket): one request, frames read until the answer with our transaction id */
static int txn(cl_t *c, int method) {
  uint8_t m[1024], tid[12]; int n = request(c, m, method, tid);
  if (io_write(c, m, n) != n) return -1;
  for (;;) {
    while (c->rlen >= 20 && (c->rbuf[0] & 0xC0) == 0 && c->rlen >= 20 + be16(c->rbuf + 2)) {
      uint8_t *r = c->rbuf; int tot = 20 + be16(r + 2), type = be16(r), code = 0, match = memcmp(r + 8, tid, 12) == 0;
      for (int off = 20; off + 4 <= tot;) {
        int at = be16(r + off), al = be16(r + off + 2); uint8_t *v = r + off + 4;
        if (off + 4 + al > tot) break;
        if (at == 0x0009 && al >= 4) code = (v[2] & 7) * 100 + v[3];
        if (at == 0x0014 && al < 256 && realm_len < 0) { memcpy(realm, v, al); realm_len = al; }
        if (at == 0x0015 && al < 256 && match) { memcpy(c->nonce, v, al); c->nonce_len = al; }
        off += 4 + ((al + 3) & ~3);
      }
      memmove(r, r + tot, c->rlen - tot); c->rlen -= tot;
      if (match) return (type & 0x0110) == 0x0100 ? 0 : code ? code : 999;
    }
    int k = io_read(c, c->rbuf + c->rlen, RBUF - c->rlen); if (k <= 0) return -1; c->rlen += k;
  }
}

static int setup(cl_t *c, struct sockaddr_in *sa, SSL_CTX *ctx) {
  c->fd = socket(AF_INET, SOCK_STREAM, 0); int one = 1; setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct timeval tv = {5, 0}; setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect(c->fd, (struct sockaddr *)sa, sizeof *sa) < 0) { perror("connect"); return -1; }
  if (use_tls) {
    c->ssl = SSL_new(ctx); SSL_set_fd(c->ssl, c->fd);
    if (SSL_connect(c->ssl) != 1) { ERR_print_errors_fp(stderr); return -1; }
  }
  int r = txn(c, 0x0003);
  if (r == 401 && realm_len >= 0) {
    if (!have_key) { char b[600]; int bl = snprintf(b, sizeof b, "%s:%.*s:%s", user, realm_len, realm, pass);
      unsigned int kl = 16; EVP_Digest(b, bl, key, &kl, EVP_md5(), NULL); have_key = 1; }
    r = txn(c, 0x0003);
  }
  if (r == 438) r = txn(c, 0x0003);
  if (r != 0) { fprintf(stderr, "client %d: Allocate failed (%d)\n", c->id, r); return -1; }
  if ((r = txn(c, chan ? 0x0009 : 0x0008)) != 0) { fprintf(stderr, "client %d: %s failed (%d)\n", c->id, chan ? "ChannelBind" : "CreatePermission", r); return -1; }
  fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
  c->wbuf = malloc(WBUF); c->seen = calloc(SEEN / 8, 1); return 0;
}

/* the payload of message seq of client id: id, seq, then a pattern derived from both */
static void fill_payload(uint8_t *p, int id, uint64_t seq) {
  memcpy(p, &id, 4); memcpy(p + 4, &seq, 8);
  for (int i = 12; i < size; i++) p[i] = (uint8_t)(seq * 7 + i + id);
}
static int check_payload(const uint8_t *p, int n, int id) {
  if (n != size) return 0; int pid; uint64_t seq; memcpy(&pid, p, 4); memcpy(&seq, p + 4, 8);
  if (pid != id) return 0;
  for (int i = 12; i < size; i++) if (p[i] != (uint8_t)(seq * 7 + i + id)) return 0;
  return 1;
}
static void queue_frame(cl_t *c) {
  uint8_t *m = c->wbuf + c->wlen;
  if (chan) { m[0] = 0x40; m[1] = 0; m[2] = size >> 8; m[3] = size; fill_payload(m + 4, c->id, c->seq); memset(m + 4 + size, 0, flen - 4 - size); }
  else {
    m[0] = 0x00; m[1] = 0x16; m[2] = (flen - 20) >> 8; m[3] = flen - 20; m[4] = 0x21; m[5] = 0x12; m[6] = 0xA4; m[7] = 0x42;
    memcpy(m + 8, &c->seq, 8); memcpy(m + 16, &c->id, 4);
    int off = attr(m, 20, 0x0012, xpeer, 8); m[off] = 0; m[off + 1] = 0x13; m[off + 2] = size >> 8; m[off + 3] = size;
    fill_payload(m + off + 4, c->id, c->seq); memset(m + off + 4 + size, 0, flen - off - 4 - size);
  }
  c->wlen += flen; c->seq++; c->out++; c->sent++;
}
/* writes queued frames, REC frames per write; returns -1 on a dead connection */
static int flush(cl_t *c) {
  while (c->woff < c->wlen) {
    int n = c->wlen - c->woff, cap = rec * flen; if (n > cap) n = cap;
    int w = io_write(c, c->wbuf + c->woff, n);
    if (w < 0) return -1; if (w == 0) break; c->woff += w;
  }
  if (c->woff == c->wlen) c->woff = c->wlen = 0;
  return 0;
}
static void refill(cl_t *c, int sending) {
  if (sending) while (c->out < c->want_out && c->wlen + flen <= WBUF) queue_frame(c);
  if (flush(c) < 0 && !c->dead) { c->dead = 1; stream_err++; }
}
static int seen_bit(cl_t *c, uint64_t q) { return c->seen[(q % SEEN) >> 3] >> (q & 7) & 1; }
static void set_seen(cl_t *c, uint64_t q, int v) { uint8_t *b = &c->seen[(q % SEEN) >> 3]; if (v) *b |= 1 << (q & 7); else *b &= ~(1 << (q & 7)); }
/* one echo: dup if its sequence number was seen already, reorder if below the highest seen, late if written off */
static void echo(cl_t *c, const uint8_t *p, int n, double t) {
  c->last_rx = t;
  if (!check_payload(p, n, c->id)) { corrupt++; c->recv++; if (c->out > 0) c->out--; return; }
  uint64_t q; memcpy(&q, p + 4, 8);
  if (q >= c->seq) { corrupt++; return; } /* never sent */
  if (q >= c->next) { /* in order, or after a gap: the numbers skipped are not seen (yet) */
    for (uint64_t k = q - c->next >= SEEN ? q - SEEN + 1 : c->next; k < q; k++) set_seen(c, k, 0);
    c->next = q + 1;
  } else if (q + SEEN <= c->next) { reorders++; late++; c->recv++; return; } /* too old to tell: counted received, late */
  else if (seen_bit(c, q)) { dups++; return; }
  else reorders++;
  set_seen(c, q, 1);
  c->recv++;
  if (q < c->cut) late++; /* written off already: its window slot was refilled then */
  else if (c->out > 0) c->out--;
}
/* every complete frame in the read buffer: ChannelData (padded to 4) or a STUN message (Data indication) */
static void parse(cl_t *c, double t) {
  int off = 0;
  while (c->rlen - off >= 4) {
    uint8_t *f = c->rbuf + off; int tot;
    if ((f[0] & 0xC0) == 0x40) { int l = be16(f + 2); tot = 4 + ((l + 3) & ~3); if (c->rlen - off < tot) break; echo(c, f + 4, l, t); }
    else if ((f[0] & 0xC0) == 0) {
      if (c->rlen - off < 20) break; tot = 20 + be16(f + 2); if (c->rlen - off < tot) break;
      if (be16(f) == 0x0017)
        for (int a = 20; a + 4 <= tot;) { int at = be16(f + a), al = be16(f + a + 2);
          if (a + 4 + al > tot) break; if (at == 0x0013) { echo(c, f + a + 4, al, t); break; } a += 4 + ((al + 3) & ~3); }
    } else { stream_err++; c->dead = 1; c->rlen = 0; return; }
    off += tot;
  }
  memmove(c->rbuf, c->rbuf + off, c->rlen - off); c->rlen -= off;
}
static void readable(cl_t *c, double t) {
  for (int i = 0; i < 64 && !c->dead; i++) {
    int k = io_read(c, c->rbuf + c->rlen, RBUF - c->rlen);
    if (k < 0) { c->dead = 1; stream_err++; return; }
    if (k == 0) return;
    c->rlen += k; parse(c, t);
  }
}

int main(int argc, char **argv) {
  if (argc < 10) { fprintf(stderr, "usage: %s HOST PORT USER PASS PEER_PORT NCLIENTS SIZE WINDOW SECONDS [chan|send] [tls|tcp] [SERVER_PID] [REC] [any|tls12|tls13]\n", argv[0]); return 2; }
  struct sockaddr_in sa = {0}; sa.sin_family = AF_INET; sa.sin_port = htons(atoi(argv[2]));
  if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1 || (ntohl(sa.sin_addr.s_addr) >> 24) != 127) { fprintf(stderr, "loopback only\n"); return 2; }
  user = argv[3]; pass = argv[4]; int pport = atoi(argv[5]), nc = atoi(argv[6]), win = atoi(argv[8]); size = atoi(argv[7]);
  double secs = atof(argv[9]); chan = argc <= 10 || strcmp(argv[10], "send") != 0; use_tls = argc <= 11 || strcmp(argv[11], "tcp") != 0;
  int spid = argc > 12 ? atoi(argv[12]) : 0; rec = argc > 13 ? atoi(argv[13]) : 1;
  const char *ver = argc > 14 ? argv[14] : "any";
  if (nc < 1 || nc > 1000 || size < 12 || size > 1400 || win < 1 || win > 256 || secs <= 0 || secs > 120 || rec < 1 || rec > 64) { fprintf(stderr, "bad args\n"); return 2; }
  flen = chan ? 4 + ((size + 3) & ~3) : 20 + 12 + 4 + ((size + 3) & ~3);
  if (rec * flen > 16384) rec = 16384 / flen;
  xpeer[1] = 1; xpeer[2] = (pport >> 8) ^ 0x21; xpeer[3] = (pport & 0xFF) ^ 0x12; /* XOR-PEER-ADDRESS 127.0.0.1:PEER_PORT */
  uint32_t x = htonl(0x7F000001u ^ 0x2112A442u); memcpy(xpeer + 4, &x, 4);
  signal(SIGPIPE, SIG_IGN); srand((unsigned)getpid() ^ (unsigned)time(NULL));
  SSL_CTX *ctx = NULL;
  if (use_tls) { ctx = SSL_CTX_new(TLS_client_method()); SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (!strcmp(ver, "tls12")) SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
    if (!strcmp(ver, "tls13")) SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION); }
  cl_t *cl = calloc(nc, sizeof(cl_t)); int ep = epoll_create1(0), *armed = calloc(nc, sizeof(int));
  for (int i = 0; i < nc; i++) {
    cl[i].id = i + 1; cl[i].want_out = win;
    if (setup(&cl[i], &sa, ctx) < 0) { printf("error=setup client=%d\n", i); return 1; }
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = i}; epoll_ctl(ep, EPOLL_CTL_ADD, cl[i].fd, &ev);
  }
  const char *proto = use_tls ? SSL_get_version(cl[0].ssl) : "tcp", *cipher = use_tls ? SSL_get_cipher(cl[0].ssl) : "-";
  double t0 = now(), tw = t0 + 0.5, te = tw + secs, td = te + 2, tm0 = 0, tm1 = 0, c0 = -1, c1 = -1;
  long s0 = 0, r0 = 0, s1 = 0, r1 = 0; int phase = 0; struct epoll_event evs[256];
  for (int i = 0; i < nc; i++) { cl[i].last_rx = t0; refill(&cl[i], 1); }
  for (;;) {
    double t = now();
    if (phase == 0 && t >= tw) { phase = 1; tm0 = t; c0 = cpu_s(spid); for (int i = 0; i < nc; i++) { s0 += cl[i].sent; r0 += cl[i].recv; } }
    if (phase == 1 && t >= te) { phase = 2; tm1 = t; c1 = cpu_s(spid); for (int i = 0; i < nc; i++) { s1 += cl[i].sent; r1 += cl[i].recv; } }
    if (phase == 2) { long o = 0; for (int i = 0; i < nc; i++) if (!cl[i].dead) o += cl[i].sent - cl[i].recv; if (o <= 0 || t >= td) break; }
    int n = epoll_wait(ep, evs, 256, 10); t = now();
    for (int j = 0; j < n; j++) {
      cl_t *c = &cl[evs[j].data.u32]; if (c->dead) continue;
      if (evs[j].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) readable(c, t);
      if (!c->dead) refill(c, phase < 2);
    }
    for (int i = 0; i < nc; i++) { cl_t *c = &cl[i]; if (c->dead) continue;
      if (phase < 2 && c->out > 0 && t - c->last_rx > 0.5) { c->out = 0; c->cut = c->seq; c->last_rx = t; refill(c, 1); }
      int want = c->wlen > c->woff; /* EPOLLOUT only while a write is pending */
      if (armed[i] != want) { struct epoll_event ev = {.events = EPOLLIN | (want ? EPOLLOUT : 0), .data.u32 = i};
        epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev); armed[i] = want; } }
  }
  long st = 0, rt = 0; int dead = 0;
  /* frames not (wholly) written at the end were not sent: a partly written one cannot be echoed */
  for (int i = 0; i < nc; i++) { st += cl[i].sent - (cl[i].wlen - cl[i].woff + flen - 1) / flen; rt += cl[i].recv; dead += cl[i].dead; }
  double dt = tm1 - tm0, r = (r1 - r0) / dt, cpu = (c0 >= 0 && c1 >= 0) ? c1 - c0 : -1;
  printf("msgs_per_s=%.0f mbit_per_s=%.2f sent=%ld recv=%ld lost=%ld loss_pct=%.3f corrupt=%ld late=%ld dup=%ld reorder=%ld stream_errors=%ld dead=%d secs=%.3f"
         " server_cpu_s=%.3f server_us_per_msg=%.3f clients=%d window=%d rec=%d proto=%s cipher=%s\n",
         r, r * size * 8 / 1e6, st, rt, st - rt, st ? 100.0 * (st - rt) / st : 0, corrupt, late, dups, reorders, stream_err, dead, dt,
         cpu, cpu >= 0 && r1 > r0 ? 1e6 * cpu / (r1 - r0) : -1, nc, win, rec, proto, cipher);
  for (int i = 0; i < nc; i++) { if (cl[i].ssl) { SSL_shutdown(cl[i].ssl); SSL_free(cl[i].ssl); } close(cl[i].fd); }
  return 0;
}

/* alloc_load: TURN allocation-rate load generator (UDP, long-term credentials), C + epoll, so the client is
 * not the bottleneck (bench.py alloc, in Python, tops out near 3-4k allocations/s).
 * usage: alloc_load HOST PORT USER PASS COUNT CONCURRENCY [TIMEOUT_S]
 * CONCURRENCY lanes run at once; each allocation uses a fresh UDP socket (kept open until the end so no
 * 5-tuple is reused) and does what a real client does: Allocate -> 401 (REALM, NONCE) -> Allocate with
 * USERNAME/REALM/NONCE/MESSAGE-INTEGRITY -> success -> Refresh LIFETIME=0 (authenticated) -> success.
 * A 438 (stale nonce) is answered by resending with the new nonce. Lost datagrams are retransmitted after
 * 200 ms, up to 5 times. Latency = first Allocate sent -> Allocate success.
 * Prints: ok=.. fail=.. secs=.. allocs_per_s=.. p50_ms=.. p99_ms=.. then fail reasons (code=count).
 * Build: gcc -O2 -o alloc_load alloc_load.c -lcrypto */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { S_CHALLENGE, S_ALLOCATE, S_REFRESH, S_DONE };
typedef struct { int fd, state, tries, id; double t0, sent, lat; uint8_t tid[12]; uint8_t nonce[256]; int nonce_len; } lane_t;

static const char *user, *pass; static uint8_t realm[256]; static int realm_len = -1; static uint8_t key[16]; static int have_key;
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static int cmpd(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return x < y ? -1 : x > y; }

static int attr(uint8_t *m, int off, int type, const void *v, int len) {
  m[off] = type >> 8; m[off + 1] = type; m[off + 2] = len >> 8; m[off + 3] = len;
  memcpy(m + off + 4, v, len); int p = (len + 3) & ~3; memset(m + off + 4 + len, 0, p - len); return off + 4 + p;
}

static int build(lane_t *l, uint8_t *m) {
  int method = l->state == S_REFRESH ? 0x0004 : 0x0003;
  m[0] = method >> 8; m[1] = method; m[4] = 0x21; m[5] = 0x12; m[6] = 0xA4; m[7] = 0x42;
  for (int i = 0; i < 12; i++) l->tid[i] = (uint8_t)rand();
  memcpy(m + 8, l->tid, 12); int off = 20;
  if (l->state == S_REFRESH) { uint8_t z[4] = {0}; off = attr(m, off, 0x000D, z, 4); }
  else { uint8_t rt[4] = {17, 0, 0, 0}; off = attr(m, off, 0x0019, rt, 4); }
  if (l->state != S_CHALLENGE) {
    off = attr(m, off, 0x0006, user, strlen(user)); off = attr(m, off, 0x0014, realm, realm_len);
    off = attr(m, off, 0x0015, l->nonce, l->nonce_len);
    int len = off - 20 + 24; m[2] = len >> 8; m[3] = len;
    unsigned int hl = 20; uint8_t mac[20];
    HMAC(EVP_sha1(), key, 16, m, off, mac, &hl);
    off = attr(m, off, 0x0008, mac, 20);
  }
  m[2] = (off - 20) >> 8; m[3] = off - 20; return off;
}

static void send_lane(lane_t *l) { uint8_t m[1024]; int n = build(l, m); (void)!send(l->fd, m, n, 0); l->sent = now(); }

/* returns: 0 ignore, 1 success, else error code; copies REALM/NONCE when present */
static int parse(lane_t *l, uint8_t *m, int n) {
  if (n < 20 || memcmp(m + 8, l->tid, 12) != 0) return 0;
  int type = (m[0] << 8) | m[1], len = (m[2] << 8) | m[3], code = 0;
  if (20 + len > n) return 0;
  for (int off = 20; off + 4 <= 20 + len;) {
    int at = (m[off] << 8) | m[off + 1], al = (m[off + 2] << 8) | m[off + 3]; uint8_t *v = m + off + 4;
    if (off + 4 + al > 20 + len) break;
    if (at == 0x0009 && al >= 4) code = (v[2] & 7) * 100 + v[3];
    if (at == 0x0014 && al < 256 && realm_len < 0) { memcpy(realm, v, al); realm_len = al; }
    if (at == 0x0015 && al < 256) { memcpy(l->nonce, v, al); l->nonce_len = al; }
    off += 4 + ((al + 3) & ~3);
  }
  if ((type & 0x0110) == 0x0100) return 1;
  return code ? code : 999;
}

int main(int argc, char **argv) {
  if (argc < 7) { fprintf(stderr, "usage: %s HOST PORT USER PASS COUNT CONCURRENCY [TIMEOUT_S]\n", argv[0]); return 2; }
  struct sockaddr_in sa = {0}; sa.sin_family = AF_INET; sa.sin_port = htons(atoi(argv[2]));
  if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1 || (ntohl(sa.sin_addr.s_addr) >> 24) != 127) { fprintf(stderr, "loopback only\n"); return 2; }
  user = argv[3]; pass = argv[4]; int count = atoi(argv[5]), conc = atoi(argv[6]); double tmo = argc > 7 ? atof(argv[7]) : 30;
  if (count < 1 || count > 100000 || conc < 1 || conc > 1000) { fprintf(stderr, "bad args\n"); return 2; }
  srand((unsigned)getpid() ^ (unsigned)time(NULL));
  int ep = epoll_create1(0); lane_t *lanes = calloc(conc, sizeof(lane_t)); int *fds = malloc(sizeof(int) * count);
  double *lat = malloc(sizeof(double) * count); int started = 0, ok = 0, fail = 0, nfds = 0, reasons[1000] = {0}; static int refresh_fail[1000];
  double t0 = now();
  for (int i = 0; i < conc; i++) lanes[i].state = S_DONE;
  while (ok + fail < count && now() - t0 < tmo) {
    for (int i = 0; i < conc; i++) {
      lane_t *l = &lanes[i];
      if (l->state == S_DONE && started < count) {
        l->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        if (l->fd < 0 || connect(l->fd, (struct sockaddr *)&sa, sizeof sa) < 0) { perror("socket"); return 1; }
        fds[nfds++] = l->fd; struct epoll_event ev = {.events = EPOLLIN, .data.u32 = i}; epoll_ctl(ep, EPOLL_CTL_ADD, l->fd, &ev);
        l->state = S_CHALLENGE; l->tries = 0; l->t0 = now(); l->id = started++; send_lane(l);
      }
    }
    struct epoll_event evs[256]; int n = epoll_wait(ep, evs, 256, 50); double t = now();
    for (int j = 0; j < n; j++) {
      lane_t *l = &lanes[evs[j].data.u32]; uint8_t m[2048]; ssize_t r;
      while ((r = recv(l->fd, m, sizeof m, 0)) > 0) {
        if (l->state == S_DONE) continue;
        int res = parse(l, m, r);
        if (res == 0) continue;
        if (l->state == S_CHALLENGE && res == 401 && realm_len >= 0) {
          if (!have_key) { have_key = 1; char b[600]; int bl = snprintf(b, sizeof b, "%s:%.*s:%s", user, realm_len, realm, pass); unsigned int kl = 16; EVP_Digest(b, bl, key, &kl, EVP_md5(), NULL); }
          l->state = S_ALLOCATE; l->tries = 0; send_lane(l);
        } else if (res == 438 && l->state != S_CHALLENGE && l->tries < 5) { l->tries++; send_lane(l); }
        else if (l->state == S_ALLOCATE && res == 1) { l->lat = t - l->t0; l->state = S_REFRESH; l->tries = 0; send_lane(l); }
        else if (l->state == S_REFRESH) { if (res != 1) refresh_fail[res < 1000 ? res : 999]++; lat[ok++] = l->lat; l->state = S_DONE; epoll_ctl(ep, EPOLL_CTL_DEL, l->fd, NULL); }
        else { fail++; reasons[res < 1000 ? res : 999]++; l->state = S_DONE; epoll_ctl(ep, EPOLL_CTL_DEL, l->fd, NULL); }
      }
    }
    for (int i = 0; i < conc; i++) {
      lane_t *l = &lanes[i];
      if (l->state != S_DONE && t - l->sent > 0.2) {
        if (++l->tries > 5) { fail++; reasons[0]++; l->state = S_DONE; epoll_ctl(ep, EPOLL_CTL_DEL, l->fd, NULL); }
        else send_lane(l);
      }
    }
  }
  double dt = now() - t0;
  qsort(lat, ok, sizeof(double), cmpd);
  printf("ok=%d fail=%d secs=%.4f allocs_per_s=%.1f p50_ms=%.3f p99_ms=%.3f", ok, fail, dt, ok / dt,
         ok ? 1000 * lat[ok / 2] : 0, ok ? 1000 * lat[(int)(ok * 0.99)] : 0);
  if (reasons[0]) printf(" code_timeout=%d", reasons[0]);
  for (int i = 1; i < 1000; i++) if (reasons[i]) printf(" code_%d=%d", i, reasons[i]);
  for (int i = 1; i < 1000; i++) if (refresh_fail[i]) printf(" refresh_code_%d=%d", i, refresh_fail[i]);
  printf("\n");
  for (int i = 0; i < nfds; i++) close(fds[i]);
  return 0;
}

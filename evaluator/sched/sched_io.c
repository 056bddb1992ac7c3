/* The scheduler's transport (sched_int.h): the multi handle and the
 * slots' easy handles, set up and torn down, and the step of the loop that
 * lets curl act on its sockets and hands finished transfers to sched.c.
 *
 * Transfers are driven by curl_multi_socket_action() over epoll (curl's
 * hiperfifo.c pattern), not curl_multi_perform(): perform visits every
 * transfer, and each one polls its socket, on every wake-up, which at 64
 * in flight cost more CPU than the requests themselves. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/epoll.h>
#include <unistd.h>

#include <curl/curl.h>

#include "parity/sched.h"
#include "ratelimit.h"
#include "sched_int.h"
#include "evaluator/engines/engine_tls.h"
#include "evaluator/util/util.h"

static size_t on_data(char *data, size_t size, size_t n, void *ud)
{
        struct slot *s = ud;

        if (s->first_byte < 0 && size != 0 && n != 0)
                s->first_byte = pa__mono_ms();
        if (pa__buf_add(&s->body, data, size * n)) {
                s->too_big = true;
                return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
        }
        return size * n;
}

static int set_watched(struct http *x, curl_socket_t fd, bool on)
{
        size_t n = x->n_watched ? x->n_watched : 64;
        bool *w;

        if ((size_t)fd < x->n_watched) {
                x->watched[fd] = on;
                return 0;
        }
        while (n <= (size_t)fd)
                n *= 2;
        if (!(w = realloc(x->watched, n * sizeof(*w))))
                return PA_ENOMEM;
        memset(w + x->n_watched, 0, (n - x->n_watched) * sizeof(*w));
        x->watched = w;
        x->n_watched = n;
        w[fd] = on;
        return 0;
}

static bool watched(const struct http *x, curl_socket_t fd)
{
        return (size_t)fd < x->n_watched && x->watched[fd];
}

/* curl tells which sockets to watch for what; epoll keeps the set. A
 * socket curl stops watching stays in the set: a kept-alive connection
 * carries the next request at once, so removing and adding it back cost
 * two system calls a request. An event on it meanwhile removes it
 * (pa__sched_drive()); a closed socket leaves the set by itself, so an fd number
 * reused for a new socket is not in it and MOD falls back to ADD. */
static int on_socket(CURL *h, curl_socket_t fd, int what, void *ud, void *sockp)
{
        struct http *x = ud;
        struct epoll_event ev = {.data.fd = fd};

        (void)h;
        (void)sockp;
        if (what == CURL_POLL_REMOVE)
                return set_watched(x, fd, false) ? -1 : 0;
        ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0u) | (what & CURL_POLL_OUT ? EPOLLOUT : 0u);
        if (set_watched(x, fd, true) ||
            (epoll_ctl(x->epfd, EPOLL_CTL_MOD, fd, &ev) &&
             (errno != ENOENT || epoll_ctl(x->epfd, EPOLL_CTL_ADD, fd, &ev))))
                return -1;
        return 0;
}

/* curl's next timeout: -1 none, 0 act at once. */
static int on_timer(CURLM *multi, long ms, void *ud)
{
        struct http *x = ud;

        (void)multi;
        x->timer_at = ms < 0 ? -1 : pa__mono_ms() + (double)ms;
        return 0;
}

/* "Accept-Encoding: " and the encodings this libcurl decodes, in the order
 * CURLOPT_ACCEPT_ENCODING "" lists them (deflate, gzip, br, zstd). Sent as
 * our own header, libcurl's is left out (CURLOPT_HTTPHEADER: an added
 * header replaces the one libcurl would make), and the option, still set,
 * keeps the decoding; libcurl would otherwise format its header anew for
 * every request, about 9,000 instructions (callgrind, bench/README.md). */
static void accept_encoding(char *out, size_t cap)
{
        const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
        bool z = v->features & CURL_VERSION_LIBZ, br = v->features & CURL_VERSION_BROTLI,
             zstd = v->features & CURL_VERSION_ZSTD;

        snprintf(out, cap, "Accept-Encoding: %s%s%s%s", z ? "deflate, gzip" : "",
                 br ? (z ? ", br" : "br") : "", zstd ? (z || br ? ", zstd" : "zstd") : "",
                 z || br || zstd ? "" : "identity");
}

int pa__sched_setup(struct http *x, struct pa_err *err)
{
        char ae[64];

        unsigned n = x->conf->concurrency;

        x->rng = (uint64_t)pa__mono_ms() ^ 0x5eedull;
        x->timer_at = -1;
        x->epfd = epoll_create1(EPOLL_CLOEXEC);
        if (x->epfd < 0)
                return pa_errf(err, PA_ENET, "epoll: %s", strerror(errno));
        x->multi = curl_multi_init();
        x->slots = calloc(n, sizeof(*x->slots));
        if (!(x->parsed = calloc(x->e->n_urls, sizeof(*x->parsed))))
                return pa_errf(err, PA_ENOMEM, "out of memory");
        for (size_t i = 0; i < x->e->n_urls; i++) {
                if ((x->parsed[i] = curl_url()) &&
                    curl_url_set(x->parsed[i], CURLUPART_URL, x->e->urls[i],
                                 /* as curl parses CURLOPT_URL */
                                 CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
                        curl_url_cleanup(x->parsed[i]);
                        x->parsed[i] = NULL;
                }
        }
        x->headers = curl_slist_append(NULL, "Content-Type: application/json");
        /* No "Expect: 100-continue" round trip before each body. */
        x->headers = curl_slist_append(x->headers, "Expect:");
        accept_encoding(ae, sizeof(ae));
        x->headers = curl_slist_append(x->headers, ae);
        pa__limits_init(&x->lim, x->conf);
        if (!x->multi || !x->slots || !x->headers || pa__endpoints_init(&x->ep, x->e->n_urls))
                return pa_errf(err, PA_ENOMEM, "out of memory");
        if (x->e->auth)
                x->headers = curl_slist_append(x->headers, x->e->auth);
        curl_multi_setopt(x->multi, CURLMOPT_MAXCONNECTS, (long)n * (long)x->e->n_urls);
        curl_multi_setopt(x->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
        curl_multi_setopt(x->multi, CURLMOPT_SOCKETDATA, x);
        curl_multi_setopt(x->multi, CURLMOPT_TIMERFUNCTION, on_timer);
        curl_multi_setopt(x->multi, CURLMOPT_TIMERDATA, x);
        for (unsigned i = 0; i < n; i++) {
                struct slot *s = &x->slots[i];

                if (!(s->h = curl_easy_init()))
                        return pa_errf(err, PA_ENOMEM, "out of memory");
                pa__buf_init(&s->body, x->conf->max_body);
                pa__buf_init(&s->attempts, SIZE_MAX / 2);
                curl_easy_setopt(s->h, CURLOPT_HTTPHEADER, x->headers);
                curl_easy_setopt(s->h, CURLOPT_WRITEFUNCTION, on_data);
                curl_easy_setopt(s->h, CURLOPT_WRITEDATA, s);
                curl_easy_setopt(s->h, CURLOPT_PRIVATE, s);
                curl_easy_setopt(s->h, CURLOPT_NOSIGNAL, 1L);
                curl_easy_setopt(s->h, CURLOPT_TIMEOUT_MS, (long)(x->conf->timeout_s * 1000));
                curl_easy_setopt(s->h, CURLOPT_TCP_KEEPALIVE, 1L);
                curl_easy_setopt(s->h, CURLOPT_ACCEPT_ENCODING, "");
                pa__engine_tls_setopt(x->e, s->h);
        }
        return 0;
}

void pa__sched_teardown(struct http *x)
{
        for (unsigned i = 0; x->slots && i < x->conf->concurrency; i++) {
                struct slot *s = &x->slots[i];

                if (s->h) {
                        curl_multi_remove_handle(x->multi, s->h);
                        curl_easy_cleanup(s->h);
                }
                pa__sched_slot_clear(s);
                pa__buf_release(&s->body);
                pa__buf_release(&s->attempts);
        }
        free(x->slots);
        for (size_t i = 0; x->parsed && i < x->e->n_urls; i++)
                curl_url_cleanup(x->parsed[i]);
        free(x->parsed);
        pa__endpoints_release(&x->ep);
        curl_multi_cleanup(x->multi);
        curl_slist_free_all(x->headers);
        if (x->epfd >= 0)
                close(x->epfd);
        free(x->watched);
}

/* Lets curl act on the sockets epoll reported, then on its timer when
 * due, and finishes the transfers that completed. */
int pa__sched_drive(struct http *x, int wait_ms, pa_sched_done_fn done, void *ud,
                    struct pa_err *err)
{
        struct epoll_event ev[64];
        int n = epoll_wait(x->epfd, ev, 64, wait_ms), running, left, rc;
        bool finished = false;
        CURLMsg *m;

        if (n < 0 && errno != EINTR)
                return pa_errf(err, PA_ENET, "epoll: %s", strerror(errno));
        for (int i = 0; i < n; i++) {
                int fd = ev[i].data.fd,
                    mask = (ev[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
                           (ev[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
                           (ev[i].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);

                if (!watched(x, fd))
                        epoll_ctl(x->epfd, EPOLL_CTL_DEL, fd, NULL); /* idle, closed by the peer */
                else if (curl_multi_socket_action(x->multi, fd, mask, &running) != CURLM_OK)
                        return pa_errf(err, PA_ENET, "curl multi failed");
        }
        if (x->timer_at >= 0 && x->timer_at <= pa__mono_ms()) {
                x->timer_at = -1;
                if (curl_multi_socket_action(x->multi, CURL_SOCKET_TIMEOUT, 0, &running) !=
                    CURLM_OK)
                        return pa_errf(err, PA_ENET, "curl multi failed");
        }
        while ((m = curl_multi_info_read(x->multi, &left))) {
                if (m->msg != CURLMSG_DONE)
                        continue;
                if ((rc = pa__sched_finish(x, m, done, ud, err)) < 0)
                        return rc;
                finished = true;
        }
        return finished && x->conf->flush ? x->conf->flush(ud, err) : 0;
}

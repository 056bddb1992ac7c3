/* The least a libcurl client can spend per request, for bench/run.sh: one
 * multi handle driven by curl_multi_socket_action() over epoll (as
 * parity's scheduler), `conc` easy handles reused on kept-alive
 * connections, the URL parsed once (CURLOPT_CURLU), the same POST as
 * wrk's chat-post.lua, answers counted and dropped. No suite, no records, no scoring: what parity's
 * rate and CPU per request are compared with to tell its own cost from libcurl's. curl_floor URL
 * REQUESTS CONCURRENCY [parity] Prints "REQUESTS CPU_SECONDS WALL_SECONDS". With "parity",
 * each transfer also gets the options parity's scheduler sets on its transfers
 * (evaluator/sched/sched_io.c: a timeout, TCP keepalive, Accept-Encoding, the last
 * as parity sends it: the option for decoding, its header written once in the header
 * list), whose cost is libcurl's, not parity's. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>

#include <curl/curl.h>

static const char body[] = "{\"model\":\"stub-model\",\"messages\":[{\"role\":\"user\",\"content\":"
                           "\"Answer with a number only. Item 1: what is 6 times 7?\"}],"
                           "\"max_tokens\":16,\"temperature\":0}";

struct loop {
        CURLM *multi;
        int epfd;
        double timer_at; /* ms on CLOCK_MONOTONIC when curl wants a timeout action; < 0: none */
        long started, finished, total;
        size_t bytes;
};

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
        (void)p;
        ((struct loop *)ud)->bytes += size * n;
        return size * n;
}

static int on_socket(CURL *h, curl_socket_t fd, int what, void *ud, void *sockp)
{
        struct loop *l = ud;
        struct epoll_event ev = {.data.fd = fd};

        (void)h;
        (void)sockp;
        if (what == CURL_POLL_REMOVE)
                return epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL), 0;
        ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0u) | (what & CURL_POLL_OUT ? EPOLLOUT : 0u);
        if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) && errno == ENOENT)
                return epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) ? -1 : 0;
        return 0;
}

static double now_ms(void)
{
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int on_timer(CURLM *multi, long ms, void *ud)
{
        (void)multi;
        ((struct loop *)ud)->timer_at = ms < 0 ? -1 : now_ms() + (double)ms;
        return 0;
}

static CURL *new_handle(struct loop *l, CURLU *url, struct curl_slist *headers, int as_parity)
{
        CURL *h = curl_easy_init();

        if (h && as_parity) {
                curl_easy_setopt(h, CURLOPT_PRIVATE, l);
                curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 600000L);
                curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
                curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
        }
        if (h) {
                curl_easy_setopt(h, CURLOPT_CURLU, url);
                curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
                curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
                curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)sizeof(body) - 1);
                curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
                curl_easy_setopt(h, CURLOPT_WRITEDATA, l);
                curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        }
        return h;
}

/* Finished transfers start again until `total` have been started. */
static int collect(struct loop *l)
{
        CURLMsg *m;
        int left;

        while ((m = curl_multi_info_read(l->multi, &left))) {
                long status = 0;

                if (m->msg != CURLMSG_DONE)
                        continue;
                curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &status);
                if (m->data.result != CURLE_OK || status != 200) {
                        fprintf(stderr, "curl_floor: request failed: %s, status %ld\n",
                                curl_easy_strerror(m->data.result), status);
                        return -1;
                }
                l->finished++;
                curl_multi_remove_handle(l->multi, m->easy_handle);
                if (l->started < l->total) {
                        l->started++;
                        curl_multi_add_handle(l->multi, m->easy_handle);
                }
        }
        return 0;
}

static int run(struct loop *l)
{
        int running;

        while (l->finished < l->total) {
                struct epoll_event ev[64];
                double wait = l->timer_at < 0 ? 1000 : l->timer_at - now_ms();
                int n = epoll_wait(l->epfd, ev, 64, wait < 0 ? 0 : (int)ceil(wait));

                for (int i = 0; i < n; i++)
                        curl_multi_socket_action(
                            l->multi, ev[i].data.fd,
                            (ev[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
                                (ev[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0),
                            &running);
                if (l->timer_at >= 0 && l->timer_at <= now_ms()) {
                        l->timer_at = -1;
                        curl_multi_socket_action(l->multi, CURL_SOCKET_TIMEOUT, 0, &running);
                }
                if (collect(l))
                        return -1;
        }
        return 0;
}

static double seconds(const struct timeval *t)
{
        return (double)t->tv_sec + (double)t->tv_usec / 1e6;
}

int main(int argc, char **argv)
{
        struct loop l = {.timer_at = -1};
        struct curl_slist *headers = NULL;
        CURLU *url = curl_url();
        struct timespec t0, t1;
        struct rusage ru;
        int conc, as_parity = argc == 5 && !strcmp(argv[4], "parity");

        if ((argc != 4 && !as_parity) || (l.total = atol(argv[2])) <= 0 ||
            (conc = atoi(argv[3])) <= 0) {
                fprintf(stderr, "usage: curl_floor URL REQUESTS CONCURRENCY [parity]\n");
                return 2;
        }
        headers = curl_slist_append(headers, "Content-Type: application/json");
        headers = curl_slist_append(headers, "Expect:");
        headers = curl_slist_append(headers, "Authorization: Bearer sk-stub-not-a-real-key");
        if (as_parity) {
                const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
                int z = !!(v->features & CURL_VERSION_LIBZ),
                    br = !!(v->features & CURL_VERSION_BROTLI),
                    zstd = !!(v->features & CURL_VERSION_ZSTD);
                char ae[64];

                snprintf(ae, sizeof(ae), "Accept-Encoding: %s%s%s%s", z ? "deflate, gzip" : "",
                         br ? (z ? ", br" : "br") : "", zstd ? (z || br ? ", zstd" : "zstd") : "",
                         z || br || zstd ? "" : "identity");
                headers = curl_slist_append(headers, ae);
        }
        l.multi = curl_multi_init();
        l.epfd = epoll_create1(EPOLL_CLOEXEC);
        if (!headers || !l.multi || l.epfd < 0 || !url ||
            curl_url_set(url, CURLUPART_URL, argv[1], 0) != CURLUE_OK)
                return 1;
        curl_multi_setopt(l.multi, CURLMOPT_SOCKETFUNCTION, on_socket);
        curl_multi_setopt(l.multi, CURLMOPT_SOCKETDATA, &l);
        curl_multi_setopt(l.multi, CURLMOPT_TIMERFUNCTION, on_timer);
        curl_multi_setopt(l.multi, CURLMOPT_TIMERDATA, &l);
        curl_multi_setopt(l.multi, CURLMOPT_MAXCONNECTS, (long)conc);
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (int i = 0; i < conc && l.started < l.total; i++, l.started++) {
                CURL *h = new_handle(&l, url, headers, as_parity);

                if (!h || curl_multi_add_handle(l.multi, h) != CURLM_OK)
                        return 1;
        }
        if (run(&l))
                return 1;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        getrusage(RUSAGE_SELF, &ru);
        printf("%ld %.3f %.3f\n", l.finished, seconds(&ru.ru_utime) + seconds(&ru.ru_stime),
               (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
        return 0;
}

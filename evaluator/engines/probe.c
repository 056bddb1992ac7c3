/* One probe of the served-model identity and of the preflight (identity.h):
 * an easy handle driven by its own multi handle in 100 ms steps, so that a
 * probe yields at once to SIGINT (the run's stop flag) and to the shared
 * deadline of the identity probes, and can say on stderr that it waits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>

#include "identity.h"
#include "evaluator/util/util.h"

#define PROBE_MAX_BODY (4u << 20)
#define META_TIMEOUT_S 10.0
#define STEP_MS        100
#define SLOW_MS        2000.0 /* a probe set this slow says so on stderr */

/* The identity probes under way (pa__probes_begin), or NULL: probes are
 * made from one thread, once per run, so one pointer is enough. */
static struct pa__probes *cur;

void pa__probes_begin(struct pa__probes *ps, double budget_s, const volatile sig_atomic_t *stop,
                      bool quiet)
{
        memset(ps, 0, sizeof(*ps));
        ps->started = pa__mono_ms();
        ps->deadline = ps->started + budget_s * 1000;
        ps->stop = stop;
        ps->quiet = quiet;
        ps->tty = isatty(STDERR_FILENO);
        cur = ps;
}

void pa__probes_end(struct pa__probes *ps)
{
        if (ps->shown && ps->tty)
                fputs("\r\033[K", stderr); /* the progress line goes */
        cur = NULL;
}

bool pa__probes_stopped(void)
{
        return cur && cur->stop && *cur->stop;
}

/* What the probes wait for, on stderr: a live line on a terminal, else one
 * line once the probes are slow. */
static void show_wait(const char *url)
{
        double now = pa__mono_ms(), left;

        if (!cur || cur->quiet || now - cur->started < SLOW_MS)
                return;
        left = (cur->deadline - now) / 1000;
        if (cur->tty)
                fprintf(stderr,
                        "\r\033[Kparity: identity: waiting for %.80s (%.0f s; gives up in %.0f s, "
                        "Ctrl-C stops)",
                        url, (now - cur->started) / 1000, left > 0 ? left : 0);
        else if (!cur->shown)
                fprintf(stderr,
                        "parity: identity: %.200s is slow to answer; the identity probes give up "
                        "within %.0f s (Ctrl-C stops)\n",
                        url, left > 0 ? left : 0);
        cur->shown = true;
}

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
        return pa__buf_add(ud, data, size * n) ? 0 : size * n;
}

static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
        struct pa__probe *p = ud;
        size_t len = size * n, vl;
        const char *v;

        pa__tls_note(p->h, &p->tls);
        if (len <= 7 || strncasecmp(data, "Server:", 7))
                return len;
        v = data + 7;
        vl = len - 7;
        while (vl && (*v == ' ' || *v == '\t')) {
                v++;
                vl--;
        }
        while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
                vl--;
        if (vl >= sizeof(p->server))
                vl = sizeof(p->server) - 1;
        memcpy(p->server, v, vl);
        p->server[vl] = '\0';
        return len;
}

static struct curl_slist *add_header(struct curl_slist *l, const char *h, bool *ok)
{
        struct curl_slist *t = curl_slist_append(l, h);

        if (!t)
                *ok = false;
        return t ? t : l;
}

/* The probe's time: its own timeout, within what is left of the shared
 * deadline; 0 when none is left. */
static long timeout_ms(double timeout_s)
{
        double t = timeout_s * 1000;

        if (cur && cur->deadline - pa__mono_ms() < t)
                t = cur->deadline - pa__mono_ms();
        return t >= 1 ? (long)t : 0;
}

/* Runs h to its end, or until the stop flag: curl's result. */
static CURLcode drive(CURL *h, const char *url, struct pa__probe *p)
{
        CURLM *m = curl_multi_init();
        CURLcode res = CURLE_OUT_OF_MEMORY;
        int running = 1, left;
        CURLMsg *msg;

        if (!m || curl_multi_add_handle(m, h) != CURLM_OK)
                goto out;
        while (running) {
                if (curl_multi_perform(m, &running) != CURLM_OK)
                        goto out;
                if (running && pa__probes_stopped()) {
                        snprintf(p->errbuf, sizeof(p->errbuf), "interrupted");
                        res = CURLE_ABORTED_BY_CALLBACK;
                        goto out;
                }
                if (running) {
                        show_wait(url);
                        curl_multi_poll(m, NULL, 0, STEP_MS, NULL);
                }
        }
        while ((msg = curl_multi_info_read(m, &left)))
                if (msg->msg == CURLMSG_DONE)
                        res = msg->data.result;
out:
        if (m) {
                curl_multi_remove_handle(m, h);
                curl_multi_cleanup(m);
        }
        return res;
}

/* Sets p's outcome when no request is made: stopped, or out of time. */
static bool refused_early(struct pa__probe *p, long ms)
{
        if (pa__probes_stopped()) {
                p->res = CURLE_ABORTED_BY_CALLBACK;
                snprintf(p->errbuf, sizeof(p->errbuf), "interrupted");
        } else if (ms <= 0) {
                p->res = CURLE_OPERATION_TIMEDOUT;
                snprintf(p->errbuf, sizeof(p->errbuf), "the identity probes' deadline passed");
        }
        return p->res != CURLE_OK;
}

void pa__probe_run(const struct pa_engine *e, const char *url, const char *post, double timeout_s,
                   struct pa__probe *p)
{
        CURL *h = NULL;
        struct curl_slist *hdr = NULL;
        long ms = timeout_ms(timeout_s);
        bool ok = true;

        memset(p, 0, sizeof(*p));
        pa__buf_init(&p->body, PROBE_MAX_BODY);
        if (refused_early(p, ms))
                return;
        p->res = CURLE_OUT_OF_MEMORY;
        if (!(h = curl_easy_init()) || !url)
                goto out;
        hdr = add_header(hdr, PA_PROBE_HEADER, &ok);
        if (post)
                hdr = add_header(hdr, "Content-Type: application/json", &ok);
        if (e->auth)
                hdr = add_header(hdr, e->auth, &ok);
        if (!ok)
                goto out;
        p->h = h;
        pa__engine_tls_setopt(e, h);
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &p->body);
        curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(h, CURLOPT_HEADERDATA, p);
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, ms);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, p->errbuf);
        curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
        if (post) {
                curl_easy_setopt(h, CURLOPT_POSTFIELDS, post);
                curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(post));
        }
        p->res = drive(h, url, p);
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &p->status);
        p->h = NULL;
out:
        curl_slist_free_all(hdr);
        curl_easy_cleanup(h);
}

void pa__probe_note(json_t *id, const struct pa__probe *p)
{
        pa__tls_into(id, &p->tls);
        if (id && p->server[0] && !json_object_get(id, "server"))
                json_object_set_new(id, "server", json_string(p->server));
}

static double meta_timeout(const struct pa_engine *e)
{
        double t = e->conf.timeout_s;

        return t > 0 && t < META_TIMEOUT_S ? t : META_TIMEOUT_S;
}

json_t *pa__probe(const struct pa_engine *e, json_t *id, const char *url, const char *post,
                  long *status)
{
        struct pa__probe p;
        json_t *out = NULL;

        pa__probe_run(e, url, post, meta_timeout(e), &p);
        if (status)
                *status = p.status;
        pa__probe_note(id, &p);
        if (p.res == CURLE_OK && p.status >= 200 && p.status <= 299 && p.body.p)
                out = json_loadb(p.body.p, p.body.len, 0, NULL);
        pa__buf_release(&p.body);
        return out;
}

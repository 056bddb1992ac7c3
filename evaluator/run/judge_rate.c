/* The judge's rating of a run's own answers (judge.h): inline, per answer,
 * in the scheduler's callback before the record is written, so a record
 * and its rating are one line of the chain: --resume never asks the judge
 * again for a rated answer, and verify covers the rating. One request at a
 * time through the judge engine's own builder and parser (temperature 0,
 * --judge-seed), retried on a transport error, a 429 or a 5xx. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "evaluator/engines/identity.h"
#include "evaluator/util/util.h"
#include "judge.h"
#include "scorers/judge.h"

#define ATTEMPTS    3
#define REPLY_SHOWN 200 /* bytes of the judge's reply kept in the record */

char *pa__judge_fill(const char *tpl, const char *answer, const char *prompt)
{
        size_t n = 0, al = strlen(answer), pl = strlen(prompt), cap = strlen(tpl) + 1;
        const char *p;
        char *out;

        for (p = tpl; (p = strchr(p, '{')); p++)
                cap += !strncmp(p, "{answer}", 8) ? al : !strncmp(p, "{prompt}", 8) ? pl : 0;
        if (!(out = malloc(cap)))
                return NULL;
        for (p = tpl; *p;) {
                if (!strncmp(p, "{answer}", 8) || !strncmp(p, "{prompt}", 8)) {
                        const char *v = p[1] == 'a' ? answer : prompt;
                        size_t vl = p[1] == 'a' ? al : pl;

                        memcpy(out + n, v, vl);
                        n += vl;
                        p += 8;
                } else {
                        out[n++] = *p++;
                }
        }
        out[n] = '\0';
        return out;
}

static bool retryable(const struct pa__probe *p)
{
        return p->res != CURLE_OK || p->status == 429 || p->status >= 500;
}

static void pause_ms(long ms)
{
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

        nanosleep(&ts, NULL);
}

/* The start of the judge's reply, cut at a character; owned. */
static char *shown(const char *text, size_t len)
{
        if (len > REPLY_SHOWN) {
                len = REPLY_SHOWN;
                while (len && ((unsigned char)text[len] & 0xc0) == 0x80)
                        len--;
        }
        return strndup(text, len);
}

/* One attempt: the verdict, or -2 with *why. */
static int attempt(const struct pa_engine *e, const struct pa_choices *ch, const char *body,
                   char **reply, const char **why, bool *again)
{
        struct pa_reply r = {0};
        struct pa__probe p = {0};
        struct pa_err perr = {{0}};
        int v = -2, pick;

        pa__probe_run(e, e->url, body, e->conf.timeout_s, &p);
        *again = retryable(&p);
        if (p.res != CURLE_OK || p.status < 200 || p.status > 299)
                *why = p.res != CURLE_OK ? "judge: no reply (transport error)"
                                         : "judge: HTTP error status";
        else if (e->ops->parse(e, p.body.p ? p.body.p : "", p.body.len, &r, &perr) || !r.text)
                *why = "judge: reply not parsed";
        else {
                pick = pa__choice_pick(ch, r.text, r.len);
                v = pick == 0 ? 1 : pick == 1 ? 0 : -1;
                *why = v < 0 ? "judge: reply names neither (A) nor (B)" : NULL;
                if (reply)
                        *reply = shown(r.text, r.len);
        }
        pa_reply_release(&r);
        pa__buf_release(&p.body);
        return v;
}

int pa__judge_ask(const struct pa_engine *e, const struct pa_choices *ch, const char *prompt,
                  char **reply, const char **why)
{
        struct pa_job job;
        struct pa_err perr = {{0}};
        const char *w = NULL;
        char *body = NULL;
        bool again = false;
        int v = PA_ENOMEM;

        if (reply)
                *reply = NULL;
        if (pa__canary_job(&job, prompt) == 0) {
                job.seed = e->conf.seed;
                if (e->ops->build(e, &job, &body, &perr) == 0)
                        v = -2;
        }
        for (int k = 0; k < ATTEMPTS && v == -2 && (k == 0 || again); k++) {
                if (k)
                        pause_ms(200L * k);
                v = attempt(e, ch, body, reply, &w, &again);
        }
        free(body);
        json_decref(job.messages);
        free(job.prompt);
        if (why)
                *why = w;
        return v;
}

/* The prompt the model was sent, for {prompt}: the flat prompt, or the
 * last user turn; owned by the caller. */
static char *prompt_text(const struct pa_job *job)
{
        json_t *m, *x;
        const char *last = "";
        size_t i;
        char *out;

        if (job->prompt)
                return strdup(job->prompt);
        if (!(m = pa_job_messages(job)))
                return NULL;
        json_array_foreach(m, i, x)
        {
                const char *role = json_string_value(json_object_get(x, "role"));
                const char *c = json_string_value(json_object_get(x, "content"));

                if (role && c && !strcmp(role, "user"))
                        last = c;
        }
        out = strdup(last);
        json_decref(m);
        return out;
}

/* The answer as the judge's request can carry it: invalid UTF-8 bytes
 * become U+FFFD, as in the record (JSON cannot hold them); owned. */
static char *utf8_answer(const char *text, size_t len)
{
        struct pa_buf b;
        char *out;

        pa__buf_init(&b, SIZE_MAX / 2);
        for (size_t i = 0; i < len;) {
                const unsigned char *c = (const unsigned char *)text + i;
                size_t u = *c < 0x80 ? 1 : pa__utf8_len(c, len - i);

                if (*c == 0) /* a NUL would end the template's text */
                        u = 0;
                if (u ? pa__buf_add(&b, c, u) : pa__buf_add(&b, "\xef\xbf\xbd", 3)) {
                        pa__buf_release(&b);
                        return NULL;
                }
                i += u ? u : 1;
        }
        out = strndup(b.p ? b.p : "", b.len);
        pa__buf_release(&b);
        return out;
}

/* One scorer's rating into ratings[name] and v. */
static int rate_one(struct pa__judge *jr, const char *name, const char *tpl, const char *answer,
                    const char *prompt, json_t *ratings, signed char *v, unsigned *missing,
                    const char **first)
{
        char *text = pa__judge_fill(tpl, answer, prompt), *reply = NULL;
        const char *why = NULL;
        int verdict = text ? pa__judge_ask(&jr->e, &jr->ch, text, &reply, &why) : PA_ENOMEM;
        json_t *o, *shown_reply;

        free(text);
        if (verdict < -2) {
                free(reply);
                return PA_ENOMEM;
        }
        jr->asked++;
        *v = verdict == 1 ? PA_TRUE : verdict == 0 ? PA_FALSE : PA_NA;
        if (verdict < 0) {
                jr->missing++;
                (*missing)++;
                *first = *first ? *first : why ? why : "judge: no verdict";
        }
        /* A reply that is not UTF-8 is kept as null: JSON cannot hold it. */
        if (!reply || !(shown_reply = json_string(reply)))
                shown_reply = json_null();
        o = json_pack("{s:o, s:o, s:o}", "verdict",
                      verdict < 0 ? json_null() : json_boolean(verdict), "reply", shown_reply,
                      "error", why ? json_string(why) : json_null());
        free(reply);
        return o && json_object_set_new(ratings, name, o) == 0 ? 0 : PA_ENOMEM;
}

int pa__judge_rate(struct pa__judge *jr, const struct pa_suite *s, const struct pa_job *job,
                   struct pa_reply *reply, signed char *v, unsigned *missing, const char **why)
{
        const struct pa_item *it = job->c.item;
        json_t *ratings = NULL;
        char *prompt = NULL, *answer = NULL;
        int rc = 0;

        *missing = 0;
        *why = NULL;
        if (!jr->e.ops || !reply->text || reply->error)
                return 0;
        for (size_t k = 0; rc == 0 && k < s->scorers.n; k++) {
                if (!pa__scorer_is_judge(&s->scorers.v[k]) || !(it->scorer_mask >> k & 1))
                        continue;
                if (!ratings && (!(ratings = json_object()) || !(prompt = prompt_text(job)) ||
                                 !(answer = utf8_answer(reply->text, reply->len)))) {
                        rc = PA_ENOMEM;
                        break;
                }
                rc = rate_one(jr, s->scorers.v[k].name, jr->tpl[k], answer, prompt, ratings, v + k,
                              missing, why);
        }
        if (rc == 0 && ratings &&
            !(reply->judge = json_dumps(ratings, JSON_COMPACT | JSON_SORT_KEYS)))
                rc = PA_ENOMEM;
        json_decref(ratings);
        free(prompt);
        free(answer);
        return rc;
}

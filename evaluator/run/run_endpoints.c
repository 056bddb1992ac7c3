/* Several --base-url: each one's identity, checked to serve one model,
 * and each one's share of the requests in the manifest (run.h;
 * docs/engines.md, "Several base URLs"). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"
#include "evaluator/engines/identity.h"
#include "evaluator/util/util.h"

/* What names the weights an endpoint serves: two endpoints that both say
 * and say differently serve different models. */
static const char *const naming[][2] = {
    {"fingerprint", "model"}, /* the model named in the canary answers */
    {"props", "model_file"},  /* llama.cpp's model file */
    {"ollama", "digest"},     /* Ollama's model digest */
};
#define N_NAMING (sizeof(naming) / sizeof(*naming))

static const char *named(const json_t *id, size_t k)
{
        return json_string_value(json_object_get(json_object_get(id, naming[k][0]), naming[k][1]));
}

/* Endpoint i against the first answering one, a: PA_EINVAL when a name
 * differs; a differing fingerprint is only a warning (greedy decoding is
 * not bit-exact on every server, docs/engines.md). */
static int compare(const struct run *r, size_t a, size_t i, struct pa_err *err)
{
        const json_t *ia = json_array_get(r->endpoint_ids, a),
                     *ii = json_array_get(r->endpoint_ids, i);
        const char *ha, *hi;

        for (size_t k = 0; k < N_NAMING; k++) {
                const char *na = named(ia, k), *ni = named(ii, k);

                if (na && ni && strcmp(na, ni) != 0)
                        return pa_errf(err, PA_EINVAL,
                                       "--base-url '%s' serves '%s' and --base-url '%s' serves "
                                       "'%s' (identity %s.%s): a run measures one model; give "
                                       "base URLs that serve the same one",
                                       pa_engine_shown_url(&r->engine, a), na,
                                       pa_engine_shown_url(&r->engine, i), ni, naming[k][0],
                                       naming[k][1]);
        }
        ha = json_string_value(json_object_get(json_object_get(ia, "fingerprint"), "sha256"));
        hi = json_string_value(json_object_get(json_object_get(ii, "fingerprint"), "sha256"));
        if (ha && hi && strcmp(ha, hi) != 0)
                fprintf(stderr,
                        "parity: warning: --base-url '%s' and '%s' answer the canaries "
                        "differently (fingerprint): the same model with non-deterministic "
                        "decoding, or another model; see the manifest's endpoints\n",
                        pa_engine_shown_url(&r->engine, a), pa_engine_shown_url(&r->engine, i));
        return 0;
}

int pa__run_endpoints_probe(struct run *r, struct pa_err *err)
{
        size_t first = SIZE_MAX;
        struct pa__probes ps;
        int rc = 0;

        if (!r->engine.ops->http || !r->engine.n_urls)
                return 0;
        /* The scheduler counts each base URL's requests here. */
        if (!(r->endpoint_stats = calloc(r->engine.n_urls, sizeof(*r->endpoint_stats))))
                return pa_errf(err, PA_ENOMEM, "out of memory");
        r->x.stats.endpoints = r->endpoint_stats;
        r->x.stats.n_endpoints = r->engine.n_urls;
        if (r->engine.n_urls < 2)
                return 0;
        if (!(r->endpoint_ids = json_array()))
                return pa_errf(err, PA_ENOMEM, "out of memory");
        /* One shared deadline, and SIGINT, as the single identity probe. */
        pa__probes_begin(&ps, PA_IDENTITY_BUDGET_S, &r->x.guard.stop, r->conf->quiet);
        for (size_t i = 0; rc == 0 && i < r->engine.n_urls && !pa__probes_stopped(); i++) {
                bool ok = false;
                json_t *id = pa__identity_at(&r->engine, i, &ok);

                if (!id || json_array_append_new(r->endpoint_ids, id))
                        rc = pa_errf(err, PA_ENOMEM, "out of memory");
                else if (ok && first == SIZE_MAX)
                        first = i;
                else if (ok)
                        rc = compare(r, first, i, err);
        }
        pa__probes_end(&ps);
        if (rc)
                return rc;
        /* engine.identity: the first that answered, as with one base URL. */
        r->identity =
            json_deep_copy(json_array_get(r->endpoint_ids, first == SIZE_MAX ? 0 : first));
        if (!r->identity)
                return pa_errf(err, PA_ENOMEM, "out of memory");
        return 0;
}

static json_t *endpoint_json(const struct run *r, size_t i)
{
        const struct pa_sched_endpoint *st = r->endpoint_stats ? &r->endpoint_stats[i] : NULL;
        /* One base URL: its identity is engine.identity. */
        json_t *id = r->endpoint_ids ? json_array_get(r->endpoint_ids, i) : r->identity;
        double mean = st && st->answers ? st->latency_ms_sum / (double)st->answers : NAN;

        return json_pack(
            "{s:s, s:I, s:I, s:I, s:I, s:o, s:O*}", "base_url", pa_engine_shown_url(&r->engine, i),
            "attempts", (json_int_t)(st ? st->attempts : 0), "answers",
            (json_int_t)(st ? st->answers : 0), "failures", (json_int_t)(st ? st->failures : 0),
            "circuit_opened", (json_int_t)(st ? st->opened : 0), "latency_ms_mean",
            isnan(mean) ? json_null() : json_real(round(mean * 1000) / 1000), "identity", id);
}

json_t *pa__run_endpoints_json(const struct run *r)
{
        json_t *a;

        if (!r->engine.ops || !r->engine.ops->http || !(a = json_array()))
                return NULL;
        for (size_t i = 0; i < r->engine.n_urls; i++) {
                if (json_array_append_new(a, endpoint_json(r, i))) {
                        json_decref(a);
                        return NULL;
                }
        }
        return a;
}

void pa__run_endpoints_release(struct run *r)
{
        json_decref(r->endpoint_ids);
        r->endpoint_ids = NULL;
        free(r->endpoint_stats);
        r->endpoint_stats = NULL;
}

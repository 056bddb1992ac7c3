/* A run's manifest.json (run.h): what was run (suite, engine, parameters),
 * where and when, its counts and the head of its results chain, with the
 * run-level fields of resume.h and the provenance of evidence.h. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parity/common.h"
#include "parity/report.h"
#include "resume.h"
#include "run.h"
#include "evaluator/engines/engine_tls.h"
#include "evaluator/folder/suite_copy.h"
#include "evaluator/util/util.h"

static json_t *params_json(const struct run *r)
{
        const struct pa_engine_conf *e = &r->engine.conf;
        const char *sys = r->suite.defaults.system;
        json_t *p = json_pack(
            "{s:o, s:o, s:o, s:o, s:O?, s:o, s:i, s:i, s:f, s:o}", "temperature",
            e->has_temperature ? json_real(e->temperature) : json_null(), "top_p",
            e->has_top_p ? json_real(e->top_p) : json_null(), "max_tokens",
            e->max_tokens > 0 ? json_integer(e->max_tokens) : json_null(), "seed",
            e->has_seed ? json_integer((json_int_t)(e->seed & INT64_MAX)) : json_null(), "stop",
            e->stop, "system", sys ? json_string(sys) : json_null(), "samples", r->conf->samples,
            "concurrency", r->conf->concurrency, "timeout_s", e->timeout_s, "sim_profile",
            e->sim_profile ? json_string(e->sim_profile) : json_null());

        if (p && json_object_update_new(
                     p, json_pack("{s:s, s:b, s:i, s:f, s:f, s:f, s:b}", "seed_scheme",
                                  PA_SEED_SCHEME, "stream", e->stream, "retries", r->conf->retries,
                                  "retry_max_s", r->conf->retry_max_s, "rpm", r->conf->rpm, "tpm",
                                  r->conf->tpm, "adaptive", r->conf->adaptive)))
                return NULL;
        return p;
}

static json_t *suite_json(const struct pa_suite *s)
{
        return json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s?, s:I, s:s, s:s?}", "id", s->id, "version",
                         s->version, "path", s->path, "sha256", s->sha256, "items_file",
                         s->items_path, "items_sha256", s->items_path ? s->items_sha256 : NULL,
                         "cases", (json_int_t)s->n_cases, "copy", pa__suite_copy_name(s->path),
                         "items_copy", s->items_path ? PA_ITEMS_COPY : NULL);
}

/* engine.tls of an HTTP engine; --insecure once is --insecure for good. */
static json_t *tls_json(const struct run *r)
{
        json_t *t = r->engine.ops && r->engine.ops->http ? pa__engine_tls_json(&r->engine) : NULL;

        if (t && r->tls_was_insecure)
                json_object_set_new(t, "insecure", json_true());
        return t;
}

static json_t *engine_json(const struct run *r)
{
        const struct pa_engine_conf *e = &r->engine.conf;
        json_t *urls = json_array();

        /* Userinfo in a base URL is recorded as *** (engine_auth.c). */
        for (size_t i = 0; urls && e->base_url && i <= e->n_more_urls; i++)
                json_array_append_new(urls, json_string(pa_engine_shown_url(&r->engine, i)));
        return json_pack("{s:s, s:s?, s:o, s:s?, s:s?, s:O?, s:s?, s:O*, s:s*, s:s*, s:s*, s:o*}",
                         "name", e->name, "base_url",
                         e->base_url ? pa_engine_shown_url(&r->engine, 0) : NULL, "base_urls", urls,
                         "model", e->model, "model_reported", r->model_reported, "models_listed",
                         r->models_listed, "api_key_env", e->api_key_env, "identity", r->identity,
                         "exec_command", e->exec_command, "exec_prompt",
                         e->exec_command ? (e->exec_prompt_arg ? "arg" : "stdin") : NULL,
                         "replay_from", e->replay_from, "tls", tls_json(r));
}

/* Ratings the judge was asked for and gave none, of this invocation: they
 * are counted in "failed" and "unanswered" as missing answers. */
static json_t *judge_budget(const struct run *r)
{
        if (!r->judge.scoring)
                return NULL;
        return json_pack("{s:I, s:I, s:s?}", "asked", (json_int_t)r->judge.asked, "missing",
                         (json_int_t)r->judge.missing, "first_cause", r->judge_why);
}

/* The manifest without the run-level fields of resume.h. */
json_t *pa__run_manifest_json(struct run *r, const char *status)
{
        char host[256] = "";

        json_t *m;

        gethostname(host, sizeof(host) - 1);
        m = json_pack("{s:i, s:{s:s, s:s}, s:s, s:s, s:o, s:o, s:o, s:s, s:s?, s:s, s:{s:I, s:I, "
                      "s:I}, s:{s:s, s:I, s:s}, s:{s:s}}",
                      "parity_manifest", 1, "tool", "name", "parity", "version", PA_VERSION,
                      "run_id", r->run_id, "status", status, "suite", suite_json(&r->suite),
                      "engine", engine_json(r), "parameters", params_json(r), "started_at",
                      r->started, "ended_at", r->ended[0] ? r->ended : NULL, "host", host, "counts",
                      "planned", (json_int_t)r->planned, "records", (json_int_t)r->done, "errors",
                      (json_int_t)r->errors, "results", "file", "results.jsonl", "records",
                      (json_int_t)r->results.n, "chain_head", r->results.head, "analysis",
                      "inference", pa_inference_name(r->conf->inference));
        /* The pinned judge's settings and served identity (judge.json has its calibration). */
        if (m && r->judge.settings && json_object_set(m, "judge", r->judge.settings)) {
                json_decref(m);
                return NULL;
        }
        /* The error budget (docs/formats.md): cases of the plan without an
         * answer, and what stopped the run early. */
        if (m && json_object_set_new(
                     m, "error_budget",
                     json_pack("{s:f, s:I, s:I, s:s?, s:O*, s:o*}", "max_error_rate",
                               r->conf->max_error_rate, "unanswered",
                               (json_int_t)pa__run_unanswered(r), "failed", (json_int_t)r->errors,
                               "stopped_by", r->x.stats.tripped ? r->x.stats.trip_cause : NULL,
                               "failed_cases", r->failed, "judge", judge_budget(r)))) {
                json_decref(m);
                m = NULL;
        }
        /* Each base URL's identity and share: of this invocation (a resume
         * counts its own), so a shard's, not a merge's. */
        if (m && r->engine.ops && r->engine.ops->http &&
            json_object_set_new(m, "endpoints", pa__run_endpoints_json(r))) {
                json_decref(m);
                m = NULL;
        }
        return m;
}

int pa__run_put_manifest(struct run *r, const char *status, struct pa_err *err)
{
        char *text = NULL, *path = pa__path_join(r->dir, "manifest.json");
        json_t *m = pa__run_manifest_json(r, status);
        int rc = PA_ENOMEM;

        if (m && (pa__runx_manifest(&r->x, m, status) ||
                  pa_evidence_annotate(m, &r->conf->prov, &r->th))) {
                json_decref(m);
                m = NULL;
        }
        if (m && path && (text = json_dumps(m, JSON_INDENT(1) | JSON_SORT_KEYS)))
                rc = pa__write_file_atomic(path, text, strlen(text), err);
        free(text);
        free(path);
        json_decref(m);
        return rc;
}

/* Under the record lock: never beside the watchdog's own (resume.h). */
int pa__run_write_manifest(struct run *r, const char *status, struct pa_err *err)
{
        int rc;

        pa__guard_lock(&r->x.guard);
        rc = pa__run_put_manifest(r, status, err);
        pa__guard_unlock(&r->x.guard);
        return rc;
}

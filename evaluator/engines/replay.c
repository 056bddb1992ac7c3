/* replay: answers from an earlier run folder (docs/engines.md, "replay").
 *
 * --replay-from RUN_DIR reads RUN_DIR/results.jsonl once and answers each
 * job with the record of the same (case_id, sample): the response, its
 * finish_reason, model and usage. A record that failed fails again with
 * "replayed: <its error>"; a job the folder has no record for fails with
 * "no answer in RUN_DIR for case X sample K". Nothing is sent anywhere, so
 * a run can be re-scored and re-analysed under a new suite version (same
 * suite id, so the same case ids) with no model. A torn last line (a run
 * killed mid-write) is skipped; any other bad line is an error. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity/engine.h"
#include "evaluator/util/util.h"

struct replay {
        json_t *index; /* "case_id/sample" -> {response, finish_reason, model, usage, error} */
        const char *dir;
};

static int key_of(char *buf, size_t n, const char *case_id, json_int_t sample)
{
        return snprintf(buf, n, "%s/%lld", case_id, (long long)sample) < (int)n ? 0 : -1;
}

/* The earlier run must be of the same suite: case ids embed its id. */
static int check_suite(const struct pa_engine *e, const char *dir, struct pa_err *err)
{
        char *path = pa__path_join(dir, "manifest.json");
        json_t *m = path ? json_load_file(path, 0, NULL) : NULL;
        const char *id = json_string_value(json_object_get(json_object_get(m, "suite"), "id"));
        int rc = 0;

        if (id && e->conf.suite && strcmp(id, e->conf.suite->id))
                rc = pa_errf(err, PA_EINVAL, "--replay-from '%s': a run of suite '%s', not '%s'",
                             dir, id, e->conf.suite->id);
        json_decref(m);
        free(path);
        return rc;
}

static int add_record(struct replay *p, json_t *rec)
{
        const char *id = json_string_value(json_object_get(rec, "case_id"));
        json_t *sample = json_object_get(rec, "sample"), *v;
        char key[96];

        if (!id || !json_is_integer(sample) ||
            key_of(key, sizeof(key), id, json_integer_value(sample)))
                return 1;
        v = json_pack("{s:O?, s:O?, s:O?, s:O?, s:O?}", "response",
                      json_object_get(rec, "response"), "finish_reason",
                      json_object_get(rec, "finish_reason"), "model", json_object_get(rec, "model"),
                      "usage", json_object_get(rec, "usage"), "error",
                      json_object_get(rec, "error"));
        return v && json_object_set_new(p->index, key, v) == 0 ? 0 : PA_ENOMEM;
}

static int load(struct replay *p, const char *path, struct pa_err *err)
{
        FILE *f = fopen(path, "rb");
        char *line = NULL;
        size_t cap = 0, lineno = 0;
        ssize_t got;
        int rc = 0;

        if (!f)
                return pa_errf(err, PA_EIO, "--replay-from: cannot open '%s': %s", path,
                               strerror(errno));
        while (rc == 0 && (got = getline(&line, &cap, f)) > 0) {
                bool complete = line[got - 1] == '\n';
                json_t *rec = got > 1 ? json_loadb(line, (size_t)got, 0, NULL) : NULL;

                lineno++;
                if (got == 1 && complete)
                        continue;
                rc = json_is_object(rec) ? add_record(p, rec) : 1;
                /* Only the torn tail of a killed run may be cut short. */
                if (rc == 1 && !complete)
                        rc = 0;
                else if (rc == 1)
                        rc = pa_errf(err, PA_EINVAL, "--replay-from: '%s': line %zu: not a record",
                                     path, lineno);
                json_decref(rec);
        }
        if (rc == 0 && ferror(f))
                rc = pa_errf(err, PA_EIO, "--replay-from: cannot read '%s': %s", path,
                             strerror(errno));
        if (rc == PA_ENOMEM)
                pa_errf(err, rc, "out of memory");
        free(line);
        fclose(f);
        return rc;
}

static int replay_open(struct pa_engine *e, struct pa_err *err)
{
        struct replay *p = calloc(1, sizeof(*p));
        char *path;
        int rc;

        if (!p)
                return PA_ENOMEM;
        e->priv = p;
        if (!(p->dir = e->conf.replay_from))
                return pa_errf(err, PA_EINVAL, "engine 'replay' needs --replay-from RUN_DIR");
        if ((rc = check_suite(e, p->dir, err)))
                return rc;
        if (!(p->index = json_object()) || !(path = pa__path_join(p->dir, "results.jsonl")))
                return PA_ENOMEM;
        rc = load(p, path, err);
        free(path);
        return rc;
}

static void replay_close(struct pa_engine *e)
{
        struct replay *p = e->priv;

        if (p)
                json_decref(p->index);
        free(p);
        e->priv = NULL;
}

static char *dup_or_null(const json_t *v)
{
        return json_is_string(v) ? strdup(json_string_value(v)) : NULL;
}

static long count(const json_t *usage, const char *key)
{
        const json_t *v = json_object_get(usage, key);

        return json_is_integer(v) ? (long)json_integer_value(v) : -1;
}

static int replay_answer(const struct pa_engine *e, const struct pa_job *job, struct pa_reply *r,
                         struct pa_err *err)
{
        const struct replay *p = e->priv;
        const json_t *rec, *text, *error;
        char key[96];

        r->ttft_ms = -1;
        r->prompt_tokens = r->completion_tokens = -1;
        if (key_of(key, sizeof(key), job->c.id, job->sample) ||
            !(rec = json_object_get(p->index, key)))
                return pa_errf(err, PA_EINVAL, "no answer in %s for case %s sample %u", p->dir,
                               job->c.id, job->sample);
        text = json_object_get(rec, "response");
        error = json_object_get(rec, "error");
        r->model = dup_or_null(json_object_get(rec, "model"));
        r->finish_reason = dup_or_null(json_object_get(rec, "finish_reason"));
        r->prompt_tokens = count(json_object_get(rec, "usage"), "prompt_tokens");
        r->completion_tokens = count(json_object_get(rec, "usage"), "completion_tokens");
        if (json_is_string(error) || !json_is_string(text))
                return pa_errf(err, PA_EPROTO, "replayed: %s",
                               json_is_string(error) ? json_string_value(error) : "no response");
        r->len = json_string_length(text);
        if (!(r->text = malloc(r->len + 1)))
                return PA_ENOMEM;
        memcpy(r->text, json_string_value(text), r->len + 1);
        return 0;
}

const struct pa_engine_ops pa_engine_replay = {
    .name = "replay",
    .summary = "answers from an earlier run folder (--replay-from RUN_DIR); no model needed",
    .open = replay_open,
    .close = replay_close,
    .answer = replay_answer,
};

/* The response cache (cache.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "evaluator/util/util.h"

#define ENTRY_MAX (64u << 20)

static json_t *nullable_string(const char *s)
{
        return s ? json_string(s) : json_null();
}

/* The run-wide part of every key. */
static json_t *base_json(const struct pa_engine *e, const char *identity, struct pa_err *err)
{
        const struct pa_engine_conf *c = &e->conf;
        const char *mode = NULL;
        char sha[PA_SHA256_HEX];
        json_t *b;

        if (c->sim_profile && pa__sha256_file(c->sim_profile, sha, err))
                return NULL;
        b = json_pack("{s:i, s:s, s:o, s:o, s:o, s:o, s:o, s:O?, s:o}", "parity_cache", 1, "engine",
                      e->ops->name, "model", nullable_string(c->model), "identity",
                      nullable_string(identity), "temperature",
                      c->has_temperature ? json_real(c->temperature) : json_null(), "top_p",
                      c->has_top_p ? json_real(c->top_p) : json_null(), "max_tokens",
                      c->max_tokens > 0 ? json_integer(c->max_tokens) : json_null(), "stop",
                      c->stop, "sim_profile_sha256", nullable_string(c->sim_profile ? sha : NULL));
        /* Local engines: what answers is the command, or the folder replayed. */
        if (c->exec_command)
                mode = c->exec_prompt_arg ? "arg" : "stdin";
        if (b && json_object_update_new(b, json_pack("{s:s*, s:s*, s:s*}", "exec_command",
                                                     c->exec_command, "exec_prompt", mode,
                                                     "replay_from", c->replay_from))) {
                json_decref(b);
                b = NULL;
        }
        if (!b)
                pa_errf(err, PA_ENOMEM, "out of memory");
        return b;
}

char *pa__cache_identity(const json_t *identity, const json_t *models_listed)
{
        const json_t *one =
            json_array_size(models_listed) == 1 ? json_array_get(models_listed, 0) : NULL;
        json_t *o = json_pack("{s:O*, s:O*, s:O*}", "listed", one, "model_file",
                              json_object_get(json_object_get(identity, "props"), "model_file"),
                              "ollama_digest",
                              json_object_get(json_object_get(identity, "ollama"), "digest"));
        char *s = json_object_size(o) ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

        json_decref(o);
        return s;
}

int pa__cache_open(struct pa__cache *c, const char *dir, const struct pa_engine *e,
                   const char *identity, struct pa_err *err)
{
        json_t *b;
        mode_t mask;
        int rc;

        memset(c, 0, sizeof(*c));
        mask = umask(0); /* before any request thread exists */
        umask(mask);
        c->file_mode = 0666 & ~(unsigned)mask;
        if ((rc = pa__mkdir_p(dir, err)))
                return rc;
        if (!(b = base_json(e, identity, err)))
                return PA_EINVAL;
        c->base = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(b);
        if (!c->base || !(c->dir = strdup(dir))) {
                pa__cache_close(c);
                return pa_errf(err, PA_ENOMEM, "out of memory");
        }
        return 0;
}

void pa__cache_close(struct pa__cache *c)
{
        if (!c)
                return;
        free(c->dir);
        free(c->base);
        c->dir = c->base = NULL;
}

int pa__cache_key(const struct pa__cache *c, const struct pa_engine *e, const struct pa_job *job,
                  char key[65])
{
        bool flat = e->ops->flat_prompt;
        /* Keys are sorted when dumped: where "prompt" is packed does not matter. */
        json_t *j = json_pack("{s:o, s:I, s:o}", flat ? "prompt" : "messages",
                              flat ? json_string(job->prompt) : pa_job_messages(job), "sample",
                              (json_int_t)job->sample, "seed",
                              e->conf.has_seed ? json_integer((json_int_t)(job->seed & INT64_MAX))
                                               : json_null());
        struct pa_buf b;
        char *text = NULL;
        int rc = PA_ENOMEM;

        pa__buf_init(&b, SIZE_MAX / 2);
        if (j && (text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS)) &&
            !pa__buf_add(&b, c->base, strlen(c->base)) && !pa__buf_add(&b, "\n", 1) &&
            !pa__buf_add(&b, text, strlen(text))) {
                pa__sha256_hex(b.p, b.len, key);
                rc = 0;
        }
        free(text);
        json_decref(j);
        pa__buf_release(&b);
        return rc;
}

/* DIR/ab/<key>.json, or DIR/ab with dir_only. */
static char *entry_path(const struct pa__cache *c, const char key[65], bool dir_only)
{
        size_t n = strlen(c->dir) + 80; /* "/ab/" key ".json" NUL */
        char *p = malloc(n);

        if (p && dir_only)
                snprintf(p, n, "%s/%.2s", c->dir, key);
        else if (p)
                snprintf(p, n, "%s/%.2s/%s.json", c->dir, key, key);
        return p;
}

static json_t *load_entry(const char *path)
{
        FILE *f = fopen(path, "rb");
        struct stat st;
        char *data = NULL;
        json_t *v = NULL;

        if (!f)
                return NULL;
        if (fstat(fileno(f), &st) == 0 && st.st_size > 0 && st.st_size <= ENTRY_MAX &&
            (data = malloc((size_t)st.st_size)) &&
            fread(data, 1, (size_t)st.st_size, f) == (size_t)st.st_size)
                v = json_loadb(data, (size_t)st.st_size, 0, NULL);
        free(data);
        fclose(f);
        return v;
}

static char *dup_string(const json_t *v)
{
        const char *s = json_string_value(v);

        return s ? strdup(s) : NULL;
}

static long count(const json_t *usage, const char *name)
{
        const json_t *v = json_object_get(usage, name);

        return json_is_integer(v) && json_integer_value(v) >= 0 ? (long)json_integer_value(v) : -1;
}

int pa__cache_get(struct pa__cache *c, const char key[65], struct pa_reply *r)
{
        char *path = entry_path(c, key, false);
        json_t *v = path ? load_entry(path) : NULL, *text = json_object_get(v, "text");
        const json_t *usage = json_object_get(v, "usage");
        const char *stored = json_string_value(json_object_get(v, "key"));
        int hit = 0;

        memset(r, 0, sizeof(*r));
        r->ttft_ms = -1;

        if (json_is_string(text) && stored && !strcmp(stored, key)) {
                r->len = json_string_length(text);
                if ((r->text = malloc(r->len + 1))) {
                        memcpy(r->text, json_string_value(text), r->len + 1);
                        r->finish_reason = dup_string(json_object_get(v, "finish_reason"));
                        r->model = dup_string(json_object_get(v, "model"));
                        r->prompt_tokens = count(usage, "prompt_tokens");
                        r->completion_tokens = count(usage, "completion_tokens");
                        r->http_status =
                            (long)json_integer_value(json_object_get(v, "http_status"));
                        hit = 1;
                }
        }
        c->hits += hit;
        c->misses += !hit;
        json_decref(v);
        free(path);
        return hit;
}

static json_t *entry_json(const char key[65], const struct pa_reply *r)
{
        json_t *text = json_stringn(r->text, r->len);

        if (!text)
                return NULL; /* not UTF-8: not cached */
        return json_pack("{s:i, s:s, s:o, s:o, s:o, s:{s:o, s:o}, s:I}", "parity_cache", 1, "key",
                         key, "text", text, "finish_reason", nullable_string(r->finish_reason),
                         "model", nullable_string(r->model), "usage", "prompt_tokens",
                         r->prompt_tokens >= 0 ? json_integer(r->prompt_tokens) : json_null(),
                         "completion_tokens",
                         r->completion_tokens >= 0 ? json_integer(r->completion_tokens)
                                                   : json_null(),
                         "http_status", (json_int_t)r->http_status);
}

/* Writes text as the entry through a unique temporary file and rename(2). */
static int write_entry(const struct pa__cache *c, const char key[65], const char *text)
{
        char *dir = entry_path(c, key, true), *path = entry_path(c, key, false), *tmp = NULL;
        size_t n = strlen(text);
        int fd = -1, rc = -1;

        if (!dir || !path || !(tmp = pa__path_join(dir, ".tmp-XXXXXX")))
                goto out;
        if ((fd = mkstemp(tmp)) < 0 && errno == ENOENT && mkdir(dir, 0777) == 0) {
                strcpy(tmp + strlen(tmp) - 6, "XXXXXX"); /* mkstemp spoilt it */
                fd = mkstemp(tmp);
        }
        if (fd < 0)
                goto out;
        if (fchmod(fd, (mode_t)c->file_mode) == 0 && write(fd, text, n) == (ssize_t)n)
                rc = 0;
        if (close(fd) != 0 || rc != 0 || (rc = rename(tmp, path)) != 0) {
                rc = -1;
                unlink(tmp);
        }
out:
        free(tmp);
        free(path);
        free(dir);
        return rc;
}

void pa__cache_put(struct pa__cache *c, const char key[65], const struct pa_reply *r)
{
        json_t *v;
        char *text = NULL;
        int rc = -1;

        if (r->error || !r->text)
                return;
        if (!(v = entry_json(key, r)))
                return;
        if ((text = json_dumps(v, JSON_COMPACT)))
                rc = write_entry(c, key, text);
        if (rc == 0)
                c->stores++;
        else if (!c->warned) {
                c->warned = true;
                fprintf(stderr, "parity: warning: cannot write to cache '%s': %s\n", c->dir,
                        strerror(errno));
        }
        free(text);
        json_decref(v);
}

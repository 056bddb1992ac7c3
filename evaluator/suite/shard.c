/* --shard i/n (shard.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "shard.h"
#include "evaluator/util/util.h"

bool pa__case_id_u64(const char *id, uint64_t *out)
{
        uint64_t v = 0;
        size_t i;

        if (!id)
                return false;
        for (i = 0; i < 16; i++) {
                char c = id[i];
                unsigned d;

                if (c >= '0' && c <= '9')
                        d = (unsigned)(c - '0');
                else if (c >= 'a' && c <= 'f')
                        d = (unsigned)(c - 'a' + 10);
                else
                        return false;
                v = v << 4 | d;
        }
        if (id[i] != '\0')
                return false;
        *out = v;
        return true;
}

/* The batch systems' index variables, read by one code path: a Slurm
 * array task and a Kubernetes Indexed Job's pod are the same thing to a
 * shard (docs/shards.md). */
static const char *const index_vars[] = {"SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"};
#define N_INDEX_VARS (sizeof(index_vars) / sizeof(*index_vars))

int pa__shard_env_index(unsigned n, unsigned *index, char *msg, size_t msg_size)
{
        const char *name = NULL, *val = NULL;
        long i;

        for (size_t k = 0; k < N_INDEX_VARS; k++) {
                const char *v = getenv(index_vars[k]);

                if (!v || !*v)
                        continue;
                if (val && strcmp(v, val) != 0) {
                        snprintf(msg, msg_size, "%s=%s and %s=%s disagree: unset one", name, val,
                                 index_vars[k], v);
                        return PA_EINVAL;
                }
                name = name ? name : index_vars[k];
                val = val ? val : v;
        }
        if (!val) {
                snprintf(msg, msg_size, "neither %s nor %s is set (not a job array task?)",
                         index_vars[0], index_vars[1]);
                return PA_EINVAL;
        }
        if (pa__parse_long(val, 0, (long)n - 1, &i)) {
                snprintf(msg, msg_size, "%s='%s': expected an index from 0 to %u (--array=0-%u)",
                         name, val, n - 1, n - 1);
                return PA_EINVAL;
        }
        *index = (unsigned)i;
        return 0;
}

int pa__shard_parse(const char *s, struct pa__shard *sh, char *msg, size_t msg_size)
{
        const char *slash = strchr(s, '/');
        char first[32];
        long i, n;

        snprintf(msg, msg_size, "expected I/N with 0 <= I < N <= %u, or auto/N", PA_SHARD_MAX);
        if (!slash || (size_t)(slash - s) >= sizeof(first))
                return PA_EINVAL;
        memcpy(first, s, (size_t)(slash - s));
        first[slash - s] = '\0';
        if (pa__parse_long(slash + 1, 1, PA_SHARD_MAX, &n))
                return PA_EINVAL;
        sh->count = (unsigned)n;
        if (strcmp(first, "auto") == 0)
                return pa__shard_env_index(sh->count, &sh->index, msg, msg_size);
        if (pa__parse_long(first, 0, n - 1, &i))
                return PA_EINVAL;
        sh->index = (unsigned)i;
        return 0;
}

bool pa__shard_has(const struct pa__shard *sh, const char *case_id)
{
        uint64_t v;

        if (sh->count <= 1)
                return true;
        return pa__case_id_u64(case_id, &v) && v % sh->count == sh->index;
}

struct shard_count {
        const struct pa__shard *sh;
        const struct pa_suite *s;
        uint64_t n;
};

/* Only the case ids matter: the prompts are not rendered. */
static int count_item(void *ud, size_t i, const struct pa_item *it, const json_t *obj)
{
        struct shard_count *c = ud;
        size_t groups[PA_MAX_AXES];
        char id[17];

        (void)i;
        (void)obj;
        for (uint64_t v = 0; v < it->n_cases; v++) {
                pa__case_groups(c->s, it, v, groups);
                if (pa__case_id(c->s, it, groups, id))
                        return PA_ENOMEM;
                c->n += pa__shard_has(c->sh, id);
        }
        return 0;
}

int pa__shard_cases(const struct pa__shard *sh, const struct pa_suite *s, uint64_t *n,
                    struct pa_err *err)
{
        struct shard_count c = {sh, s, 0};
        int rc;

        *n = 0;
        if (sh->count <= 1) {
                *n = s->n_cases;
                return 0;
        }
        if ((rc = pa_suite_each_item(s, count_item, &c, err)) == 0)
                *n = c.n;
        else if (rc == PA_ENOMEM)
                pa_errf(err, rc, "out of memory");
        return rc;
}

json_t *pa__shard_json(const struct pa__shard *sh)
{
        if (sh->count == 0)
                return NULL;
        return json_pack("{s:i, s:i}", "index", (int)sh->index, "count", (int)sh->count);
}

int pa__shard_from_json(const json_t *v, struct pa__shard *sh)
{
        json_int_t i = json_integer_value(json_object_get(v, "index"));
        json_int_t n = json_integer_value(json_object_get(v, "count"));

        if (!json_is_integer(json_object_get(v, "count")) || n < 1 || n > PA_SHARD_MAX ||
            !json_is_integer(json_object_get(v, "index")) || i < 0 || i >= n)
                return PA_EINVAL;
        sh->index = (unsigned)i;
        sh->count = (unsigned)n;
        return 0;
}

uint64_t pa__manifest_cases(const json_t *manifest, const struct pa_suite *s)
{
        struct pa__shard sh;
        uint64_t n;

        if (!json_object_get(manifest, "shard") ||
            pa__shard_from_json(json_object_get(manifest, "shard"), &sh) ||
            pa__shard_cases(&sh, s, &n, NULL))
                return s->n_cases;
        return n;
}

/* sim: a simulated model with known ground truth (docs/formats.md, "Sim
 * profile"). It is the demo's default and the reference for calibrating
 * the statistics: a run's planted rates are known exactly. Like a real
 * engine it draws its randomness only from the seed it is sent; what it
 * takes from the case's identity is the model's fixed behaviour (item
 * effects, greedy answers at temperature 0). So any concurrency, shard or
 * resume gives the same records. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "parity/engine.h"

struct sim {
        json_t *root;
        const char *model, *yes, *no, *wrong;
        double base_rate, accuracy;
        double item_sd, group_sd; /* logit scale; 0: no heterogeneity */
        bool greedy_t0;           /* temperature 0: one answer per case */
        uint64_t item_draw;       /* salts the item hashes: another draw of items */
        const json_t *groups, *domains;
};

#define BAD(...) pa_errf(err, PA_EINVAL, __VA_ARGS__)

static int get_prob(const json_t *obj, const char *key, double dflt, double *out, const char *file,
                    struct pa_err *err)
{
        const json_t *v = json_object_get(obj, key);

        *out = dflt;
        if (!v)
                return 0;
        if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 1)
                return BAD("sim profile '%s': /%s: expected a number in [0, 1]", file, key);
        *out = json_number_value(v);
        return 0;
}

static int get_sd(const json_t *obj, const char *key, double *out, const char *file,
                  struct pa_err *err)
{
        const json_t *v = json_object_get(obj, key);

        *out = 0;
        if (!v)
                return 0;
        if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 10)
                return BAD("sim profile '%s': /%s: expected a number in [0, 10] (logit scale)",
                           file, key);
        *out = json_number_value(v);
        return 0;
}

static int get_bool(const json_t *obj, const char *key, bool *out, const char *file,
                    struct pa_err *err)
{
        const json_t *v = json_object_get(obj, key);

        *out = false;
        if (!v)
                return 0;
        if (!json_is_boolean(v))
                return BAD("sim profile '%s': /%s: expected true or false", file, key);
        *out = json_is_true(v);
        return 0;
}

static int get_draw(const json_t *obj, uint64_t *out, const char *file, struct pa_err *err)
{
        const json_t *v = json_object_get(obj, "item_draw");

        *out = 0;
        if (!v)
                return 0;
        if (!json_is_integer(v) || json_integer_value(v) < 0)
                return BAD("sim profile '%s': /item_draw: expected an integer >= 0", file);
        *out = (uint64_t)json_integer_value(v);
        return 0;
}

static int get_text(const json_t *obj, const char *key, const char *dflt, const char **out,
                    const char *file, struct pa_err *err)
{
        const json_t *v = json_object_get(obj, key);

        *out = dflt;
        if (!v)
                return 0;
        if (!json_is_string(v))
                return BAD("sim profile '%s': /%s: expected a string", file, key);
        *out = json_string_value(v);
        return 0;
}

/* {"axis": {"group": shift}} with shifts in [-1, 1]. */
static int check_groups(const json_t *groups, const char *file, struct pa_err *err)
{
        const char *axis, *group;
        json_t *gs, *shift;

        if (!json_is_object(groups))
                return BAD("sim profile '%s': /groups: expected an object", file);
        json_object_foreach((json_t *)groups, axis, gs)
        {
                if (!json_is_object(gs))
                        return BAD("sim profile '%s': /groups/%s: expected an object", file, axis);
                json_object_foreach(gs, group, shift)
                {
                        if (!json_is_number(shift) || json_number_value(shift) < -1 ||
                            json_number_value(shift) > 1)
                                return BAD("sim profile '%s': /groups/%s/%s: expected a number in "
                                           "[-1, 1]",
                                           file, axis, group);
                }
        }
        return 0;
}

static int check_domains(const json_t *domains, const char *file, struct pa_err *err)
{
        const char *d;
        json_t *acc;

        if (!json_is_object(domains))
                return BAD("sim profile '%s': /domains: expected an object", file);
        json_object_foreach((json_t *)domains, d, acc)
        {
                if (!json_is_number(acc) || json_number_value(acc) < 0 ||
                    json_number_value(acc) > 1)
                        return BAD("sim profile '%s': /domains/%s: expected a number in [0, 1]",
                                   file, d);
        }
        return 0;
}

static int parse_profile(struct sim *p, const char *path, struct pa_err *err)
{
        const json_t *v;
        int rc;

        v = json_object_get(p->root, "parity_sim_profile");
        if (!json_is_integer(v) || json_integer_value(v) != 1)
                return BAD("sim profile '%s': /parity_sim_profile: expected 1", path);
        if ((rc = get_text(p->root, "model", "sim", &p->model, path, err)) ||
            (rc = get_text(p->root, "yes", "Yes.", &p->yes, path, err)) ||
            (rc = get_text(p->root, "no", "No.", &p->no, path, err)) ||
            (rc = get_text(p->root, "wrong", "I am not sure.", &p->wrong, path, err)) ||
            (rc = get_prob(p->root, "base_rate", 0.5, &p->base_rate, path, err)) ||
            (rc = get_prob(p->root, "accuracy", 0.9, &p->accuracy, path, err)) ||
            (rc = get_sd(p->root, "item_sd", &p->item_sd, path, err)) ||
            (rc = get_sd(p->root, "group_sd", &p->group_sd, path, err)) ||
            (rc = get_bool(p->root, "greedy_at_t0", &p->greedy_t0, path, err)) ||
            (rc = get_draw(p->root, &p->item_draw, path, err)))
                return rc;
        p->groups = json_object_get(p->root, "groups");
        p->domains = json_object_get(p->root, "domains");
        if (p->groups && (rc = check_groups(p->groups, path, err)))
                return rc;
        if (p->domains && (rc = check_domains(p->domains, path, err)))
                return rc;
        return 0;
}

static int sim_open(struct pa_engine *e, struct pa_err *err)
{
        const char *path = e->conf.sim_profile;
        struct sim *p = calloc(1, sizeof(*p));
        json_error_t je;

        if (!p)
                return PA_ENOMEM;
        e->priv = p;
        if (!e->conf.suite)
                return pa_errf(err, PA_EINVAL, "engine 'sim' needs the suite");
        if (!path) {
                /* No profile: a model with no planted disparity. */
                p->root = json_pack("{s:i}", "parity_sim_profile", 1);
                return p->root ? parse_profile(p, "(default)", err) : PA_ENOMEM;
        }
        p->root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
        if (!p->root)
                return BAD("sim profile '%s': %d:%d: %s", path, je.line, je.column, je.text);
        return parse_profile(p, path, err);
}

static void sim_close(struct pa_engine *e)
{
        struct sim *p = e->priv;

        if (p)
                json_decref(p->root);
        free(p);
        e->priv = NULL;
}

static uint64_t mix64(uint64_t z)
{
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
}

static double unit(uint64_t h)
{
        return (double)(h >> 11) * 0x1.0p-53;
}

/* A hash of the NUL-separated strings: what the model is, not a seed.
 * item_draw 0 keeps the hashes of profiles written before it existed. */
static uint64_t hash_strs(const struct sim *p, uint64_t tag, const char *const *v, size_t n)
{
        uint64_t h = mix64(tag ^ (p->item_draw ? mix64(p->item_draw) : 0));

        for (size_t i = 0; i < n; i++) {
                for (const char *q = v[i]; *q; q++)
                        h = mix64(h ^ (unsigned char)*q);
                h = mix64(h ^ 0x100); /* the separator, outside the byte range */
        }
        return h;
}

/* A standard normal from a hash (Box-Muller on two derived uniforms). */
static double normal(uint64_t h)
{
        double u1 = unit(mix64(h ^ 1)), u2 = unit(mix64(h ^ 2));

        return sqrt(-2 * log1p(-u1)) * cos(6.283185307179586 * u2);
}

/* The uniform that picks the answer. At temperature > 0 it comes from the
 * seed alone, as a sampler's does: groups of one item, sent one seed, share
 * it (common random numbers). Greedy decoding (temperature 0) ignores the
 * seed: the answer is a function of the exact prompt, i.e. of the case. */
static double draw(const struct pa_engine *e, const struct sim *p, const struct pa_job *job)
{
        const char *id = job->c.id;

        if (p->greedy_t0 && e->conf.has_temperature && e->conf.temperature == 0)
                return unit(hash_strs(p, 0x67726565647930ull, &id, 1));
        return unit(mix64(mix64(job->seed ^ 0x9e3779b97f4a7c15ull)));
}

static long words(const char *s)
{
        long n = 0;

        for (int in = 0; *s; s++) {
                int space = *s == ' ' || *s == '\n' || *s == '\t';

                n += !space && !in;
                in = !space;
        }
        return n;
}

/* prob moved by x on the logit scale; 0 and 1 stay where they are. */
static double logit_shift(double prob, double x)
{
        if (prob <= 0 || prob >= 1 || x == 0)
                return prob;
        return 1 / (1 + exp(-(log(prob / (1 - prob)) + x)));
}

/* The item's own effects on the logit scale: its intercept, and the
 * deviation of each non-reference group's effect from the planted one,
 * drawn from the item id (fixed properties of the model). */
static double item_effect(const struct pa_engine *e, const struct sim *p, const struct pa_case *c)
{
        const struct pa_suite *s = e->conf.suite;
        const char *id = c->item->id;
        double x = p->item_sd ? p->item_sd * normal(hash_strs(p, 0x6974656dull, &id, 1)) : 0;

        for (size_t k = 0; p->group_sd && k < c->item->n_axes; k++) {
                const struct pa_axis *ax = &s->axes[c->item->axes[k]];
                const char *key[3] = {id, ax->name, ax->groups[c->groups[k]].name};

                if (c->groups[k] != ax->ref)
                        x += p->group_sd * normal(hash_strs(p, 0x67726f7570ull, key, 3));
        }
        return x;
}

/* The item's own effects move the base rate on the logit scale; the
 * planted group shifts are then added on the probability scale, so a
 * planted drop is the mean difference over items (up to clamping at 0
 * and 1), the quantity the analysis estimates. */
static double yes_probability(const struct pa_engine *e, const struct sim *p,
                              const struct pa_case *c)
{
        const struct pa_suite *s = e->conf.suite;
        double prob = logit_shift(p->base_rate, item_effect(e, p, c));

        for (size_t k = 0; k < c->item->n_axes; k++) {
                const struct pa_axis *ax = &s->axes[c->item->axes[k]];
                const json_t *shift = json_object_get(json_object_get(p->groups, ax->name),
                                                      ax->groups[c->groups[k]].name);

                prob += json_number_value(shift);
        }
        return prob < 0 ? 0 : prob > 1 ? 1 : prob;
}

static int sim_answer(const struct pa_engine *e, const struct pa_job *job, struct pa_reply *r,
                      struct pa_err *err)
{
        const struct sim *p = e->priv;
        const struct pa_item *it = job->c.item;
        const char *text;
        double u = draw(e, p, job);

        (void)err;
        if (it->expected) {
                const json_t *acc = json_object_get(p->domains, it->domain);
                double a = acc ? json_number_value(acc) : p->accuracy;

                text = u < logit_shift(a, item_effect(e, p, &job->c)) ? it->expected : p->wrong;
        } else {
                text = u < yes_probability(e, p, &job->c) ? p->yes : p->no;
        }
        r->text = strdup(text);
        r->finish_reason = strdup("stop");
        r->model = strdup(p->model);
        if (!r->text || !r->finish_reason || !r->model)
                return PA_ENOMEM;
        r->len = strlen(text);
        r->prompt_tokens = words(job->c.prompt) + (job->c.system ? words(job->c.system) : 0);
        r->completion_tokens = words(text);
        return 0;
}

const struct pa_engine_ops pa_engine_sim = {
    .name = "sim",
    .summary = "built-in simulated model with planted disparities (--sim-profile FILE)",
    .open = sim_open,
    .close = sim_close,
    .answer = sim_answer,
};

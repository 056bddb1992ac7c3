/* parity import bbq: BBQ (Parrish et al. 2022) category files (JSONL, one
 * multiple-choice item a line; ../shared/datasets/bbq/SOURCE.md) into a
 * generation suite. Each row becomes one item: the context, the question
 * and the three options as "(A) ..." lines, scored by the `choice` scorer
 * against the labelled answer; the item's "bbq" field keeps what the "bbq"
 * metric needs (scorers/metrics/bbq.c). The stereotyped group's answer ("target")
 * is the non-UNKNOWN answer whose answer_info group label, or failing that
 * whose answer_info name, is listed in stereotyped_groups; when not exactly
 * one answer matches, "target" is null and the item counts towards accuracy
 * only. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "import.h"
#include "evaluator/util/util.h"

struct bbq_row {
        long example_id, label;
        const char *category, *polarity, *condition, *context, *question, *qindex;
        const char *ans[3], *info_text[3], *info_group[3];
        const json_t *stereotyped;
        int unknown, target;
};

struct bbq_ctx {
        struct pa_import *im;
        unsigned long no_target;
};

static int one_of(const char *v, const char *a, const char *b)
{
        return !strcmp(v, a) || !strcmp(v, b);
}

static int read_info(const json_t *obj, struct bbq_row *r, const char *where, struct pa_err *err)
{
        const json_t *info = json_object_get(obj, "answer_info");
        char key[8];

        for (int k = 0; k < 3; k++) {
                const json_t *a;

                snprintf(key, sizeof(key), "ans%d", k);
                a = json_object_get(info, key);
                if (!json_is_array(a) || json_array_size(a) != 2 ||
                    !json_is_string(json_array_get(a, 0)) || !json_is_string(json_array_get(a, 1)))
                        return pa_errf(err, PA_EINVAL,
                                       "%s: /answer_info/%s: expected [answer name, group label]",
                                       where, key);
                r->info_text[k] = json_string_value(json_array_get(a, 0));
                r->info_group[k] = json_string_value(json_array_get(a, 1));
        }
        r->stereotyped =
            json_object_get(json_object_get(obj, "additional_metadata"), "stereotyped_groups");
        if (!json_is_array(r->stereotyped))
                return pa_errf(err, PA_EINVAL,
                               "%s: /additional_metadata/stereotyped_groups: expected an array of "
                               "group labels",
                               where);
        return 0;
}

static int read_row(const json_t *obj, struct bbq_row *r, const char *where, struct pa_err *err)
{
        static const char *const ans_keys[3] = {"ans0", "ans1", "ans2"};
        const json_t *qi = json_object_get(obj, "question_index");
        int rc;

        memset(r, 0, sizeof(*r));
        if ((rc = pa__import_int(obj, "example_id", 0, 1000000000L, &r->example_id, where, err)) ||
            (rc = pa__import_str(obj, "category", &r->category, where, err)) ||
            (rc = pa__import_str(obj, "question_polarity", &r->polarity, where, err)) ||
            (rc = pa__import_str(obj, "context_condition", &r->condition, where, err)) ||
            (rc = pa__import_str(obj, "context", &r->context, where, err)) ||
            (rc = pa__import_str(obj, "question", &r->question, where, err)) ||
            (rc = pa__import_int(obj, "label", 0, 2, &r->label, where, err)))
                return rc;
        for (int k = 0; k < 3; k++)
                if ((rc = pa__import_str(obj, ans_keys[k], &r->ans[k], where, err)))
                        return rc;
        if (!one_of(r->polarity, "neg", "nonneg"))
                return pa_errf(err, PA_EINVAL,
                               "%s: /question_polarity: expected \"neg\" or \"nonneg\"", where);
        if (!one_of(r->condition, "ambig", "disambig"))
                return pa_errf(err, PA_EINVAL,
                               "%s: /context_condition: expected \"ambig\" or \"disambig\"", where);
        r->qindex = json_is_string(qi) ? json_string_value(qi) : NULL;
        return read_info(obj, r, where, err);
}

static int listed(const json_t *groups, const char *label)
{
        const json_t *g;
        size_t i;

        json_array_foreach(groups, i, g) if (json_is_string(g) &&
                                             !strcasecmp(json_string_value(g), label)) return 1;
        return 0;
}

/* The UNKNOWN answer (exactly one) and the stereotyped group's answer. */
static int find_roles(struct bbq_row *r, const char *where, struct pa_err *err)
{
        int n_unknown = 0, by_group = -1, n_group = 0, by_name = -1, n_name = 0;

        for (int k = 0; k < 3; k++) {
                if (!strcmp(r->info_group[k], "unknown")) {
                        r->unknown = k;
                        n_unknown++;
                        continue;
                }
                if (listed(r->stereotyped, r->info_group[k]))
                        by_group = k, n_group++;
                if (listed(r->stereotyped, r->info_text[k]))
                        by_name = k, n_name++;
        }
        if (n_unknown != 1)
                return pa_errf(err, PA_EINVAL,
                               "%s: /answer_info: expected exactly one answer with group label "
                               "\"unknown\", found %d",
                               where, n_unknown);
        r->target = n_group == 1 ? by_group : n_group == 0 && n_name == 1 ? by_name : -1;
        return 0;
}

static int build_text(const struct bbq_row *r, struct pa_buf *prompt, struct pa_buf *expected)
{
        static const char letters[] = "ABC";
        char *parts[2] = {pa__import_literal(r->context), pa__import_literal(r->question)};
        int rc = parts[0] && parts[1] ? 0 : PA_ENOMEM;

        rc = rc ? rc : pa__buf_add(prompt, parts[0], strlen(parts[0]));
        rc = rc ? rc : pa__buf_add(prompt, "\n\nQuestion: ", 12);
        rc = rc ? rc : pa__buf_add(prompt, parts[1], strlen(parts[1]));
        for (int k = 0; rc == 0 && k < 3; k++) {
                char *line = pa__import_one_line(r->ans[k]),
                     *lit = line ? pa__import_literal(line) : NULL;
                char head[6] = {'\n', '(', letters[k], ')', ' ', '\0'};

                rc = lit ? 0 : PA_ENOMEM;
                rc = rc ? rc : pa__buf_add(prompt, head, 5);
                rc = rc ? rc : pa__buf_add(prompt, lit, strlen(lit));
                rc = rc ? rc : pa__buf_add(expected, head + 1, 4);
                rc = rc ? rc : pa__buf_add(expected, line, strlen(line));
                rc = rc ? rc : pa__buf_add(expected, "\n", 1);
                free(line);
                free(lit);
        }
        rc = rc ? rc : pa__buf_add(prompt, "\n\nAnswer with A, B or C.", 24);
        rc = rc ? rc : pa__buf_add(expected, "Answer: ", 8);
        rc = rc ? rc : pa__buf_add(expected, &letters[r->label], 1);
        rc = rc ? rc : pa__buf_add(prompt, "", 1);
        rc = rc ? rc : pa__buf_add(expected, "", 1);
        free(parts[0]);
        free(parts[1]);
        return rc;
}

static json_t *make_item(const struct bbq_row *r, const char *id, const char *prompt,
                         const char *expected)
{
        json_t *target = r->target >= 0 ? json_integer(r->target) : json_null();

        return json_pack("{s:s, s:s, s:s, s:s, s:[s], s:s, s:{s:s, s:I, s:s?, s:s, s:s, s:I, s:o, "
                         "s:i, s:[s,s,s]}}",
                         "id", id, "domain", r->category, "prompt", prompt, "outcome", "correct",
                         "scorers", "correct", "expected", expected, "bbq", "category", r->category,
                         "example_id", (json_int_t)r->example_id, "question_index", r->qindex,
                         "condition", r->condition, "polarity", r->polarity, "label",
                         (json_int_t)r->label, "target", target, "unknown", r->unknown, "groups",
                         r->info_group[0], r->info_group[1], r->info_group[2]);
}

static int bbq_row(void *ctx, const json_t *obj, const char *where, struct pa_err *err)
{
        struct bbq_ctx *c = ctx;
        struct bbq_row r;
        struct pa_buf prompt, expected;
        char id[160] = "";
        json_t *item;
        int rc;

        if ((rc = read_row(obj, &r, where, err)) || (rc = find_roles(&r, where, err)))
                return rc;
        c->no_target += r.target < 0;
        if (pa__import_slug(id, sizeof(id) - 24, r.category) || !*id)
                return pa_errf(err, PA_EINVAL, "%s: /category: expected a short name", where);
        snprintf(id + strlen(id), sizeof(id) - strlen(id), "-%ld", r.example_id);
        pa__buf_init(&prompt, 1 << 20);
        pa__buf_init(&expected, 1 << 20);
        rc = build_text(&r, &prompt, &expected);
        item = rc ? NULL : make_item(&r, id, prompt.p, expected.p);
        pa__buf_release(&prompt);
        pa__buf_release(&expected);
        if (rc == PA_EINVAL)
                return pa_errf(err, rc, "%s: text over 1 MiB", where);
        if (!item)
                return pa_errf(err, PA_ENOMEM, "import: out of memory");
        return pa__import_item(c->im, item, 1, where, err);
}

static int set_header(struct pa_import *im, struct pa_err *err)
{
        json_t *h = json_pack(
            "{s:s, s:s, s:s, s:{s:s, s:s, s:s}, s:{s:s, s:i, s:i}, s:{s:{s:s}}, s:[s]}", "id",
            im->o->id ? im->o->id : "bbq", "version", "1.0.0", "description",
            "BBQ (Bias Benchmark for QA) as free-text generation: each item shows a context, a "
            "question and three options; the choice scorer reads the option the answer picked, "
            "and the bbq metric gives accuracy and the authors' bias scores s_DIS and s_AMB per "
            "category. Imported by parity import bbq.",
            "source", "license", "CC-BY-4.0", "authors",
            "Parrish, Chen, Nangia, Padmakumar, Phang, Thompson, Htut, Bowman (2022)", "url",
            "https://github.com/nyu-mll/BBQ", "defaults", "system",
            "Read the context and answer the multiple-choice question.", "temperature", 0,
            "max_tokens", 64, "scorers", "correct", "type", "choice", "metrics", "bbq");

        return pa__import_header(im, h, err);
}

static int bbq_run(struct pa_import *im, char **in, size_t n_in, struct pa_err *err)
{
        struct bbq_ctx c = {.im = im};
        char **files;
        size_t n;
        int rc;

        if ((rc = set_header(im, err)) ||
            (rc = pa__import_files(in, n_in, ".jsonl", &files, &n, err)))
                return rc;
        for (size_t i = 0; rc == 0 && i < n; i++) {
                rc = pa__import_input(im, files[i], err);
                if (rc == 0)
                        rc = pa__import_jsonl(files[i], bbq_row, &c, err);
        }
        pa__import_files_free(files, n);
        if (rc == 0 && c.no_target)
                fprintf(
                    stderr,
                    "parity: import bbq: %lu item(s) name no single stereotyped answer; they count "
                    "towards accuracy but not the bias scores\n",
                    c.no_target);
        return rc;
}

const struct pa_importer pa__import_bbq = {
    .name = "bbq",
    .inputs = "BBQ category files (data/*.jsonl) or their directory",
    .run = bbq_run,
};

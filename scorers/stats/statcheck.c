/* parity-statcheck: recomputes every expected value in a reference vectors
 * file (the format of shared/reference/stat_vectors.json) with
 * scorers/stats and reports the ones that disagree.
 *
 * Exit 0 when everything matches and something was checked, 1 when a value
 * is off, a key has no check (it would otherwise pass unseen) or nothing was
 * checked, 2 for usage errors and unreadable or
 * malformed files.
 *
 * This file reads the vectors file and walks its keys, reads an item's
 * fields and compares values; statcheck_checks.c holds the checks, one per
 * key (statcheck.h). */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "parity/common.h"
#include "parity/stats.h"
#include "statcheck.h"

/* Counts must stay exact in a double. */
#define COUNT_MAX 9007199254740992.0

/* Records why the current item is malformed; returns PA_EINVAL. */
int pa__sc_bad(struct ctx *c, const char *fmt, ...)
{
        char what[400];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(what, sizeof(what), fmt, ap);
        va_end(ap);
        snprintf(c->err, sizeof(c->err), "key '%s' item %zu: %s", c->key, c->index, what);
        return PA_EINVAL;
}

int pa__sc_rejected(struct ctx *c, int rc)
{
        return pa__sc_bad(c, "inputs rejected by the implementation: %s", pa_strerror(rc));
}

static int json_count(json_t *v, uint64_t *out)
{
        double d;

        if (json_is_integer(v)) {
                if (json_integer_value(v) < 0)
                        return PA_EINVAL;
                *out = (uint64_t)json_integer_value(v);
                return 0;
        }
        if (!json_is_real(v))
                return PA_EINVAL;
        d = json_real_value(v);
        if (!(d >= 0 && d <= COUNT_MAX) || d != floor(d))
                return PA_EINVAL;
        *out = (uint64_t)d;
        return 0;
}

int pa__sc_get_count(struct ctx *c, json_t *e, const char *field, uint64_t *out)
{
        json_t *v = json_object_get(e, field);

        if (!v)
                return pa__sc_bad(c, "missing \"%s\"", field);
        if (json_count(v, out) < 0)
                return pa__sc_bad(c, "\"%s\" must be a nonnegative integer", field);
        return 0;
}

int pa__sc_get_real(struct ctx *c, json_t *e, const char *field, double *out)
{
        json_t *v = json_object_get(e, field);

        if (!v)
                return pa__sc_bad(c, "missing \"%s\"", field);
        if (!json_is_number(v))
                return pa__sc_bad(c, "\"%s\" must be a number", field);
        *out = json_number_value(v);
        return 0;
}

/* An array field of n numbers (n = 0: any nonzero length, stored in *n). */
int pa__sc_get_reals(struct ctx *c, json_t *e, const char *field, size_t *n, double **out)
{
        json_t *a = json_object_get(e, field), *v;
        size_t i;

        *out = NULL;
        if (!a)
                return pa__sc_bad(c, "missing \"%s\"", field);
        if (!json_is_array(a) || json_array_size(a) == 0 || (*n && json_array_size(a) != *n))
                return pa__sc_bad(c, "\"%s\" must be an array of %zu numbers", field, *n ? *n : 1);
        *n = json_array_size(a);
        if (!(*out = malloc(*n * sizeof(**out))))
                return pa__sc_bad(c, "out of memory");
        json_array_foreach(a, i, v)
        {
                if (!json_is_number(v)) {
                        free(*out);
                        *out = NULL;
                        return pa__sc_bad(c, "\"%s\"[%zu] must be a number", field, i);
                }
                (*out)[i] = json_number_value(v);
        }
        return 0;
}

/* An array field of n counts, read as numbers and checked integral. */
int pa__sc_get_counts(struct ctx *c, json_t *e, const char *field, size_t n, uint64_t **out)
{
        double *v;
        size_t i;
        int rc;

        *out = NULL;
        if ((rc = pa__sc_get_reals(c, e, field, &n, &v)) < 0)
                return rc;
        for (i = 0; i < n && v[i] >= 0 && v[i] <= COUNT_MAX && v[i] == floor(v[i]); i++)
                ;
        if (i < n)
                rc = pa__sc_bad(c, "\"%s\"[%zu] must be a nonnegative integer", field, i);
        else if (!(*out = malloc(n * sizeof(**out))))
                rc = pa__sc_bad(c, "out of memory");
        if (rc < 0) {
                free(v);
                return rc;
        }
        for (i = 0; i < n; i++)
                (*out)[i] = (uint64_t)v[i];
        free(v);
        return 0;
}

/* A rows x cols matrix of counts, row-major; cols fixed unless 0. Cells
 * above max are rejected (max 1 for 0/1 matrices). */
int pa__sc_get_matrix(struct ctx *c, json_t *e, const char *field, size_t *rows, size_t *cols,
                      uint64_t max, uint64_t **out)
{
        json_t *a = json_object_get(e, field), *row, *v;
        size_t i, j;

        *out = NULL;
        if (!a)
                return pa__sc_bad(c, "missing \"%s\"", field);
        if (!json_is_array(a) || json_array_size(a) == 0)
                return pa__sc_bad(c, "\"%s\" must be a nonempty array of rows", field);
        *rows = json_array_size(a);
        row = json_array_get(a, 0);
        if (!*cols)
                *cols = json_is_array(row) ? json_array_size(row) : 0;
        if (!*cols || *rows > SIZE_MAX / sizeof(**out) / *cols)
                return pa__sc_bad(c, "\"%s\" must be a nonempty array of rows", field);
        if (!(*out = malloc(*rows * *cols * sizeof(**out))))
                return pa__sc_bad(c, "out of memory");
        json_array_foreach(a, i, row)
        {
                if (!json_is_array(row) || json_array_size(row) != *cols)
                        goto fail_row;
                json_array_foreach(row, j, v)
                {
                        if (json_count(v, &(*out)[i * *cols + j]) < 0 ||
                            (*out)[i * *cols + j] > max)
                                goto fail_cell;
                }
        }
        return 0;

fail_row:
        free(*out);
        *out = NULL;
        return pa__sc_bad(c, "\"%s\" row %zu must hold %zu values", field, i, *cols);
fail_cell:
        free(*out);
        *out = NULL;
        return pa__sc_bad(c, "\"%s\"[%zu][%zu] must be an integer in [0, %" PRIu64 "]", field, i, j,
                          max);
}

/* The reference README's rule: 1e-6 relative, 1e-12 absolute below 1e-12. */
static void compare(struct ctx *c, const char *field, double want, double got)
{
        double diff = fabs(got - want);
        int ok = fabs(want) < 1e-12 ? diff <= 1e-12 : diff <= 1e-6 * fabs(want);

        c->checked++;
        if (ok)
                return;
        c->off++;
        printf("%s[%zu].%s: expected %.12g, got %.15g\n", c->key, c->index, field, want, got);
}

int pa__sc_expect(struct ctx *c, json_t *e, const char *field, double got)
{
        double want;
        int rc;

        if ((rc = pa__sc_get_real(c, e, field, &want)) < 0)
                return rc;
        compare(c, field, want, got);
        return 0;
}

void pa__sc_compare_at(struct ctx *c, const char *field, size_t j, double want, double got)
{
        char name[96];

        snprintf(name, sizeof(name), "%s[%zu]", field, j);
        compare(c, name, want, got);
}

/* Top-level keys that describe the file rather than hold vectors. */
static const char *const metadata[] = {
    "generated_by", "seed", "description", "comment", "version", "notes", NULL,
};

static int is_metadata(const char *key)
{
        const char *const *m;

        for (m = metadata; *m; m++)
                if (!strcmp(*m, key))
                        return 1;
        return 0;
}

static int run_key(struct ctx *c, const struct checker *ck, json_t *items)
{
        json_t *e;
        int rc;

        if (!json_is_array(items)) {
                snprintf(c->err, sizeof(c->err), "key '%s': expected an array of items", c->key);
                return PA_EINVAL;
        }
        json_array_foreach(items, c->index, e)
        {
                if (!json_is_object(e))
                        return pa__sc_bad(c, "expected an object");
                if ((rc = ck->check(c, e)) < 0)
                        return rc;
        }
        return 0;
}

static void usage(FILE *f)
{
        fprintf(f, "usage: parity-statcheck VECTORS.json\n"
                   "Recomputes the expected values in a statistics vectors file and\n"
                   "prints those off by more than 1e-6 relative (1e-12 absolute for\n"
                   "values below 1e-12). Exit 0 all match, 1 some off or a key without a\n"
                   "check, 2 bad input.\n");
}

int main(int argc, char **argv)
{
        struct ctx c = {0};
        const struct checker *ck;
        json_error_t jerr;
        json_t *root, *items;
        const char *key;
        int rc = 0;

        if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
                usage(stdout);
                return 0;
        }
        if (argc != 2) {
                usage(stderr);
                return 2;
        }
        c.file = argv[1];
        root = json_load_file(c.file, JSON_REJECT_DUPLICATES, &jerr);
        if (!root) {
                if (jerr.line > 0)
                        fprintf(stderr, "statcheck: error: '%s': line %d column %d: %s\n", c.file,
                                jerr.line, jerr.column, jerr.text);
                else
                        fprintf(stderr, "statcheck: error: '%s': %s\n", c.file, jerr.text);
                return 2;
        }
        if (!json_is_object(root)) {
                fprintf(stderr, "statcheck: error: '%s': top level must be an object\n", c.file);
                json_decref(root);
                return 2;
        }
        json_object_foreach(root, key, items)
        {
                c.key = key;
                if (!(ck = pa__sc_find_checker(key))) {
                        if (is_metadata(key))
                                continue;
                        /* A key nothing checks would pass silently: fail closed. */
                        fprintf(stderr, "statcheck: error: '%s': key '%s': no check for it\n",
                                c.file, key);
                        c.unchecked++;
                        continue;
                }
                if ((rc = run_key(&c, ck, items)) < 0)
                        break;
        }
        json_decref(root);
        if (rc < 0) {
                fprintf(stderr, "statcheck: error: '%s': %s\n", c.file, c.err);
                return 2;
        }
        if (!c.checked)
                fprintf(stderr, "statcheck: '%s': no values to check\n", c.file);
        printf("statcheck: %lu values checked, %lu off\n", c.checked, c.off);
        return c.checked && !c.off && !c.unchecked ? 0 : 1;
}

/* parity-statcheck: recomputes every expected value in a reference vectors
 * file (the format of shared/reference/stat_vectors.json) with
 * scorers/stats and reports the ones that disagree.
 *
 * Exit 0 when everything matches and something was checked, 1 when a value
 * is off (or nothing was checked), 2 for usage errors and unreadable or
 * malformed files. */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "parity/common.h"
#include "parity/stats.h"

/* Counts must stay exact in a double. */
#define COUNT_MAX 9007199254740992.0

struct ctx {
        const char *file, *key;
        size_t index;
        unsigned long checked, off;
        char err[512];
};

/* Records why the current item is malformed; returns PA_EINVAL. */
static int bad(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad(struct ctx *c, const char *fmt, ...)
{
        char what[400];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(what, sizeof(what), fmt, ap);
        va_end(ap);
        snprintf(c->err, sizeof(c->err), "key '%s' item %zu: %s", c->key, c->index, what);
        return PA_EINVAL;
}

static int rejected(struct ctx *c, int rc)
{
        return bad(c, "inputs rejected by the implementation: %s", pa_strerror(rc));
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

static int get_count(struct ctx *c, json_t *e, const char *field, uint64_t *out)
{
        json_t *v = json_object_get(e, field);

        if (!v)
                return bad(c, "missing \"%s\"", field);
        if (json_count(v, out) < 0)
                return bad(c, "\"%s\" must be a nonnegative integer", field);
        return 0;
}

static int get_real(struct ctx *c, json_t *e, const char *field, double *out)
{
        json_t *v = json_object_get(e, field);

        if (!v)
                return bad(c, "missing \"%s\"", field);
        if (!json_is_number(v))
                return bad(c, "\"%s\" must be a number", field);
        *out = json_number_value(v);
        return 0;
}

/* An array field of n numbers (n = 0: any nonzero length, stored in *n). */
static int get_reals(struct ctx *c, json_t *e, const char *field, size_t *n, double **out)
{
        json_t *a = json_object_get(e, field), *v;
        size_t i;

        *out = NULL;
        if (!a)
                return bad(c, "missing \"%s\"", field);
        if (!json_is_array(a) || json_array_size(a) == 0 || (*n && json_array_size(a) != *n))
                return bad(c, "\"%s\" must be an array of %zu numbers", field, *n ? *n : 1);
        *n = json_array_size(a);
        if (!(*out = malloc(*n * sizeof(**out))))
                return bad(c, "out of memory");
        json_array_foreach(a, i, v)
        {
                if (!json_is_number(v)) {
                        free(*out);
                        *out = NULL;
                        return bad(c, "\"%s\"[%zu] must be a number", field, i);
                }
                (*out)[i] = json_number_value(v);
        }
        return 0;
}

/* An array field of n counts, read as numbers and checked integral. */
static int get_counts(struct ctx *c, json_t *e, const char *field, size_t n, uint64_t **out)
{
        double *v;
        size_t i;
        int rc;

        *out = NULL;
        if ((rc = get_reals(c, e, field, &n, &v)) < 0)
                return rc;
        for (i = 0; i < n && v[i] >= 0 && v[i] <= COUNT_MAX && v[i] == floor(v[i]); i++)
                ;
        if (i < n)
                rc = bad(c, "\"%s\"[%zu] must be a nonnegative integer", field, i);
        else if (!(*out = malloc(n * sizeof(**out))))
                rc = bad(c, "out of memory");
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
static int get_matrix(struct ctx *c, json_t *e, const char *field, size_t *rows, size_t *cols,
                      uint64_t max, uint64_t **out)
{
        json_t *a = json_object_get(e, field), *row, *v;
        size_t i, j;

        *out = NULL;
        if (!a)
                return bad(c, "missing \"%s\"", field);
        if (!json_is_array(a) || json_array_size(a) == 0)
                return bad(c, "\"%s\" must be a nonempty array of rows", field);
        *rows = json_array_size(a);
        row = json_array_get(a, 0);
        if (!*cols)
                *cols = json_is_array(row) ? json_array_size(row) : 0;
        if (!*cols || *rows > SIZE_MAX / sizeof(**out) / *cols)
                return bad(c, "\"%s\" must be a nonempty array of rows", field);
        if (!(*out = malloc(*rows * *cols * sizeof(**out))))
                return bad(c, "out of memory");
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
        return bad(c, "\"%s\" row %zu must hold %zu values", field, i, *cols);
fail_cell:
        free(*out);
        *out = NULL;
        return bad(c, "\"%s\"[%zu][%zu] must be an integer in [0, %" PRIu64 "]", field, i, j, max);
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

static int expect(struct ctx *c, json_t *e, const char *field, double got)
{
        double want;
        int rc;

        if ((rc = get_real(c, e, field, &want)) < 0)
                return rc;
        compare(c, field, want, got);
        return 0;
}

static void compare_at(struct ctx *c, const char *field, size_t j, double want, double got)
{
        char name[96];

        snprintf(name, sizeof(name), "%s[%zu]", field, j);
        compare(c, name, want, got);
}

/* ---- one function per vectors key ---- */

static int check_wilson(struct ctx *c, json_t *e)
{
        uint64_t k, n;
        double alpha, lo, hi;
        int rc;

        if ((rc = get_count(c, e, "successes", &k)) < 0 ||
            (rc = get_count(c, e, "trials", &n)) < 0 || (rc = get_real(c, e, "alpha", &alpha)) < 0)
                return rc;
        if ((rc = pa_wilson(k, n, alpha, &lo, &hi)) < 0)
                return rejected(c, rc);
        if ((rc = expect(c, e, "lower", lo)) < 0)
                return rc;
        return expect(c, e, "upper", hi);
}

static int check_newcombe(struct ctx *c, json_t *e)
{
        uint64_t k1, n1, k2, n2;
        double alpha, lo, hi;
        int rc;

        if ((rc = get_count(c, e, "k1", &k1)) < 0 || (rc = get_count(c, e, "n1", &n1)) < 0 ||
            (rc = get_count(c, e, "k2", &k2)) < 0 || (rc = get_count(c, e, "n2", &n2)) < 0 ||
            (rc = get_real(c, e, "alpha", &alpha)) < 0)
                return rc;
        if ((rc = pa_newcombe_diff(k1, n1, k2, n2, alpha, &lo, &hi)) < 0)
                return rejected(c, rc);
        if ((rc = expect(c, e, "lower", lo)) < 0)
                return rc;
        return expect(c, e, "upper", hi);
}

static int check_fisher(struct ctx *c, json_t *e)
{
        uint64_t *t;
        size_t rows, cols = 2;
        double odds, p;
        int rc;

        if ((rc = get_matrix(c, e, "table", &rows, &cols, UINT64_MAX, &t)) < 0)
                return rc;
        if (rows != 2) {
                free(t);
                return bad(c, "\"table\" must be 2 x 2");
        }
        rc = pa_fisher_exact(t[0], t[1], t[2], t[3], &odds, &p);
        free(t);
        if (rc < 0)
                return rejected(c, rc);
        if ((rc = expect(c, e, "p", p)) < 0)
                return rc;
        /* Optional: the reference format has no odds ratio, ours adds it
         * where it is finite. */
        if (json_object_get(e, "odds_ratio"))
                return expect(c, e, "odds_ratio", odds);
        return 0;
}

static int check_chi2(struct ctx *c, json_t *e)
{
        uint64_t *t;
        size_t rows, cols = 2;
        double stat, df, p;
        int rc;

        if ((rc = get_matrix(c, e, "table", &rows, &cols, UINT64_MAX, &t)) < 0)
                return rc;
        rc = pa_chi2_kx2(t, rows, &stat, &df, &p);
        free(t);
        if (rc < 0)
                return rejected(c, rc);
        if ((rc = expect(c, e, "chi2", stat)) < 0 || (rc = expect(c, e, "dof", df)) < 0)
                return rc;
        return expect(c, e, "p", p);
}

/* b and c come from "b"/"c" or from the table's off-diagonal; with both,
 * they must agree. */
static int check_mcnemar(struct ctx *c, json_t *e)
{
        uint64_t *t = NULL, b, cc;
        size_t rows, cols = 2;
        int have_bc = json_object_get(e, "b") || json_object_get(e, "c"), rc;
        double p;

        if (have_bc &&
            ((rc = get_count(c, e, "b", &b)) < 0 || (rc = get_count(c, e, "c", &cc)) < 0))
                return rc;
        if (json_object_get(e, "table") || !have_bc) {
                if ((rc = get_matrix(c, e, "table", &rows, &cols, UINT64_MAX, &t)) < 0)
                        return rc;
                if (rows != 2)
                        rc = bad(c, "\"table\" must be 2 x 2");
                else if (have_bc && (t[1] != b || t[2] != cc))
                        rc = bad(c, "\"b\", \"c\" disagree with the table's off-diagonal");
                b = t[1];
                cc = t[2];
                free(t);
                if (rc < 0)
                        return rc;
        }
        if ((rc = pa_mcnemar_exact(b, cc, &p, NULL)) < 0)
                return rejected(c, rc);
        return expect(c, e, "p", p);
}

static int check_cochran(struct ctx *c, json_t *e)
{
        uint64_t *m;
        uint8_t *x;
        size_t rows, cols = 0, i;
        double q, df, p;
        int rc;

        if ((rc = get_matrix(c, e, "matrix", &rows, &cols, 1, &m)) < 0)
                return rc;
        if (!(x = malloc(rows * cols))) {
                free(m);
                return bad(c, "out of memory");
        }
        for (i = 0; i < rows * cols; i++)
                x[i] = (uint8_t)m[i];
        free(m);
        rc = pa_cochran_q(x, rows, cols, &q, &df, &p);
        free(x);
        if (rc < 0)
                return rejected(c, rc);
        if ((rc = expect(c, e, "q", q)) < 0 || (rc = expect(c, e, "df", df)) < 0)
                return rc;
        return expect(c, e, "p", p);
}

static int check_z(struct ctx *c, json_t *e)
{
        uint64_t k1, n1, k2, n2;
        double z, p;
        int rc;

        if ((rc = get_count(c, e, "k1", &k1)) < 0 || (rc = get_count(c, e, "n1", &n1)) < 0 ||
            (rc = get_count(c, e, "k2", &k2)) < 0 || (rc = get_count(c, e, "n2", &n2)) < 0)
                return rc;
        if ((rc = pa_two_prop_z(k1, n1, k2, n2, &z, &p)) < 0)
                return rejected(c, rc);
        if ((rc = expect(c, e, "z", z)) < 0)
                return rc;
        return expect(c, e, "p", p);
}

static int check_power(struct ctx *c, json_t *e)
{
        double p1, p2, alpha, power, n;
        int rc;

        if ((rc = get_real(c, e, "p1", &p1)) < 0 || (rc = get_real(c, e, "p2", &p2)) < 0 ||
            (rc = get_real(c, e, "alpha", &alpha)) < 0 ||
            (rc = get_real(c, e, "power", &power)) < 0)
                return rc;
        if ((rc = pa_power_n_two_prop(p1, p2, alpha, power, &n)) < 0)
                return rejected(c, rc);
        if ((rc = expect(c, e, "cohens_h", pa_cohens_h(p1, p2))) < 0)
                return rc;
        return expect(c, e, "n_per_group", n);
}

static int check_binom(struct ctx *c, json_t *e)
{
        uint64_t k, n;
        double p0, p;
        int rc;

        if ((rc = get_count(c, e, "k", &k)) < 0 || (rc = get_count(c, e, "n", &n)) < 0 ||
            (rc = get_real(c, e, "p0", &p0)) < 0)
                return rc;
        if ((rc = pa_binom_test(k, n, p0, &p)) < 0)
                return rejected(c, rc);
        return expect(c, e, "p", p);
}

static int check_p_adjust(struct ctx *c, json_t *e)
{
        static const struct {
                const char *field;
                enum pa_p_adjust method;
        } methods[] = {{"bh", PA_ADJ_BH}, {"holm", PA_ADJ_HOLM}, {"bonferroni", PA_ADJ_BONFERRONI}};
        double *p = NULL, *want = NULL, *got = NULL;
        size_t n = 0, m, j;
        int rc;

        if ((rc = get_reals(c, e, "p", &n, &p)) < 0)
                return rc;
        if (!(got = malloc(n * sizeof(*got)))) {
                rc = bad(c, "out of memory");
                goto fail;
        }
        for (m = 0; m < sizeof(methods) / sizeof(methods[0]); m++) {
                if ((rc = get_reals(c, e, methods[m].field, &n, &want)) < 0)
                        goto fail;
                if ((rc = pa_p_adjust(p, n, methods[m].method, got)) < 0) {
                        rc = rejected(c, rc);
                        goto fail;
                }
                for (j = 0; j < n; j++)
                        compare_at(c, methods[m].field, j, want[j], got[j]);
                free(want);
                want = NULL;
        }
fail:
        free(p);
        free(want);
        free(got);
        return rc;
}

static int check_impact(struct ctx *c, json_t *e)
{
        json_t *sel = json_object_get(e, "selected");
        uint64_t *s = NULL, *t = NULL;
        double *rates = NULL, *ratio = NULL, *want = NULL;
        size_t n = json_is_array(sel) ? json_array_size(sel) : 0, j;
        int rc;

        if (!n)
                return bad(c, "\"selected\" must be a nonempty array of counts");
        if ((rc = get_counts(c, e, "selected", n, &s)) < 0 ||
            (rc = get_counts(c, e, "total", n, &t)) < 0)
                goto fail;
        rates = malloc(n * sizeof(*rates));
        ratio = malloc(n * sizeof(*ratio));
        if (!rates || !ratio) {
                rc = bad(c, "out of memory");
                goto fail;
        }
        if ((rc = pa_impact_ratio(s, t, n, rates, ratio)) < 0) {
                rc = rejected(c, rc);
                goto fail;
        }
        if ((rc = get_reals(c, e, "rates", &n, &want)) < 0)
                goto fail;
        for (j = 0; j < n; j++)
                compare_at(c, "rates", j, want[j], rates[j]);
        free(want);
        if ((rc = get_reals(c, e, "impact_ratio", &n, &want)) < 0)
                goto fail;
        for (j = 0; j < n; j++)
                compare_at(c, "impact_ratio", j, want[j], ratio[j]);
fail:
        free(s);
        free(t);
        free(rates);
        free(ratio);
        free(want);
        return rc;
}

static const struct checker {
        const char *key;
        int (*check)(struct ctx *c, json_t *e);
} checkers[] = {
    {"wilson", check_wilson},
    {"newcombe_diff", check_newcombe},
    {"fisher_exact_two_sided", check_fisher},
    {"chi2_independence", check_chi2},
    {"mcnemar_exact", check_mcnemar},
    {"cochrans_q", check_cochran},
    {"two_proportion_z", check_z},
    {"power_two_proportions", check_power},
    {"binom_two_sided", check_binom},
    {"p_adjust", check_p_adjust},
    {"impact_ratio", check_impact},
    {NULL, NULL},
};

/* Top-level keys that describe the file rather than hold vectors. */
static const char *const metadata[] = {
    "generated_by", "seed", "description", "comment", "version", "notes", NULL,
};

static const struct checker *find_checker(const char *key)
{
        const struct checker *ck;

        for (ck = checkers; ck->key; ck++)
                if (!strcmp(ck->key, key))
                        return ck;
        return NULL;
}

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
                        return bad(c, "expected an object");
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
                   "values below 1e-12). Exit 0 all match, 1 some off, 2 bad input.\n");
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
                if (!(ck = find_checker(key))) {
                        if (!is_metadata(key))
                                fprintf(stderr,
                                        "statcheck: warning: '%s': unknown key '%s' skipped\n",
                                        c.file, key);
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
        return c.checked && !c.off ? 0 : 1;
}

/* parity diff from compact rows (scorers/analysis/diffjoin.h) against the
 * diff from JSON records, on the report fixtures (tests/data/report/):
 * diff.json must be the same bytes whichever it was built from, with all
 * cases, with cases missing from either run, and when the rows are paired
 * by case id (two suites) rather than by item and variant. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "parity/common.h"
#include "parity/report.h"
#include "parity/result.h"
#include "evaluator/folder/diff_input.h"
#include "evaluator/folder/diff_scan.h"
#include "reports/diff.h"
#include "test_util.h"

struct run {
        struct pa_run_dir dir;
        struct pa__diff_side rows;
        json_t *latest; /* the records that count, as the JSON diff reads them */
        json_t *summary;
};

static void open_run(struct run *r, const char *rel)
{
        struct pa_err err = {{0}};
        char path[1024], sum[1200];
        bool regular = false;

        memset(r, 0, sizeof(*r));
        test_path(path, sizeof(path), rel);
        if (pa_run_dir_open_bare(&r->dir, path, NULL, &err) ||
            pa__diff_scan(&r->dir, &r->rows, &regular, &err) || pa__diff_side_ids(&r->rows, &err) ||
            pa_run_dir_load_records(&r->dir, &err))
                print_error("%s\n", err.msg);
        assert_true(regular);
        assert_non_null(r->latest = pa_results_latest(r->dir.records));
        /* Row r is record r of the latest, in file order. */
        assert_int_equal(json_array_size(r->latest), r->rows.t.n);
        snprintf(sum, sizeof(sum), "%s/summary.json", path);
        assert_non_null(r->summary = json_load_file(sum, 0, NULL));
}

static void close_run(struct run *r)
{
        json_decref(r->latest);
        json_decref(r->summary);
        pa__diff_side_release(&r->rows);
        pa_run_dir_release(&r->dir);
}

/* Drops row (and record) i when i % every == phase, or every row of item
 * (when not PA_DIFF_NONE): cases missing. */
static void drop_rows(struct run *r, size_t every, size_t phase, uint32_t item)
{
        struct pa_table *t = &r->rows.t;
        size_t k = 0, n = t->n;

        for (size_t i = 0; i < n; i++) {
                if (item != PA_DIFF_NONE ? t->item[i] == item : i % every == phase) {
                        assert_int_equal(json_array_remove(r->latest, k), 0);
                        continue;
                }
                t->item[k] = t->item[i];
                t->variant[k] = t->variant[i];
                if (t->sample)
                        t->sample[k] = t->sample[i];
                memmove(t->v + k * t->nsc, t->v + i * t->nsc, t->nsc);
                k++;
        }
        t->n = k;
        assert_int_equal(json_array_size(r->latest), k);
}

static void drop(struct run *r, size_t every, size_t phase)
{
        drop_rows(r, every, phase, PA_DIFF_NONE);
}

/* Every case of item id gets n samples more (its rows too), numbered from
 * 100 (past the fixture's), each scored true: more rows an item than a
 * byte counts, never a flip. */
static void more_samples(struct run *r, const char *id, uint32_t n)
{
        struct pa_table *t = &r->rows.t;
        size_t rows = t->n;

        for (size_t i = 0; i < rows; i++) {
                json_t *rec = json_array_get(r->latest, i);
                const char *o = json_string_value(json_object_get(rec, "outcome"));
                signed char v[PA_MAX_SCORERS + 1];
                size_t k = 0;

                if (strcmp(json_string_value(json_object_get(rec, "item_id")), id) || !o ||
                    pa_table_sample(t, i) != 0)
                        continue;
                while (strcmp(r->dir.suite.scorers.v[k].name, o))
                        k++;
                for (uint32_t s = 100; s < 100 + n; s++) {
                        json_t *copy = json_deep_copy(rec);

                        assert_int_equal(json_object_set_new(copy, "sample", json_integer(s)), 0);
                        assert_int_equal(
                            json_object_set_new(json_object_get(copy, "scores"), o, json_true()),
                            0);
                        assert_int_equal(json_array_append_new(r->latest, copy), 0);
                        /* A copy: the table may move as it grows. */
                        memcpy(v, t->v + i * t->nsc, t->nsc);
                        assert_int_equal(pa_table_add(t, t->item[i], t->variant[i], s, v), 0);
                        t->v[(t->n - 1) * t->nsc + k] = PA_TRUE;
                }
        }
        assert_int_equal(json_array_size(r->latest), t->n);
}

/* diff.json's bytes from the records (j NULL) or the rows. */
static char *diff_of(struct run *b, struct run *c, struct pa__diff_join *j)
{
        struct pa_diff_conf conf = {.max_drop = 0.05,
                                    .fail_on = PA_GATE_REGRESSION | PA_GATE_DISPARITY,
                                    .source = "defaults",
                                    .max_flipped = 5};
        struct pa_diff_run rb = {.label = "base",
                                 .manifest = b->dir.manifest,
                                 .suite = &b->dir.suite,
                                 .summary = b->summary,
                                 .join = j};
        struct pa_diff_run rc = {.label = "cand",
                                 .manifest = c->dir.manifest,
                                 .suite = &c->dir.suite,
                                 .summary = c->summary,
                                 .join = j};
        struct pa_err err = {{0}};
        json_t *diff = NULL;
        char *s;

        pa_analysis_conf_init(&conf.analysis);
        rb.records = j ? NULL : b->latest;
        rc.records = j ? NULL : c->latest;
        if (pa__diff_build(&rb, &rc, &conf, &diff, &err))
                print_error("%s\n", err.msg);
        assert_non_null(diff);
        s = json_dumps(diff, JSON_INDENT(1) | JSON_REAL_PRECISION(15));
        json_decref(diff);
        assert_non_null(s);
        return s;
}

/* The rows' diff, paired both ways, equals the records'. */
static void check_same(struct run *b, struct run *c)
{
        struct pa__diff_join j;
        struct pa_err err = {{0}};
        char *want = diff_of(b, c, NULL), *got;

        for (int same_suite = 1; same_suite >= 0; same_suite--) {
                assert_int_equal(pa__diff_join_build(&b->rows, &c->rows, same_suite, &j, &err), 0);
                got = diff_of(b, c, &j);
                if (strcmp(want, got))
                        print_error("rows (same_suite %d) and records differ\n", same_suite);
                assert_string_equal(want, got);
                free(got);
                pa__diff_join_release(&j);
        }
        free(want);
}

static void same_as_records(void **state)
{
        struct run b, c;

        (void)state;
        open_run(&b, "report/base");
        open_run(&c, "report/cand");
        check_same(&b, &c);
        check_same(&c, &b);
        check_same(&b, &b);
        close_run(&b);
        close_run(&c);
}

static void same_with_cases_missing(void **state)
{
        struct run b, c;
        struct pa__diff_join j;
        struct pa_err err = {{0}};
        long long n[4];

        (void)state;
        open_run(&b, "report/base");
        open_run(&c, "report/cand");
        drop(&b, 7, 3);
        drop(&c, 5, 1);
        check_same(&b, &c);
        assert_int_equal(pa__diff_join_build(&b.rows, &c.rows, true, &j, &err), 0);
        pa__diff_join_dropped(&j, n);
        /* Missing on either side: fewer pairs than either run's rows. */
        assert_true(n[0] > 0 && (size_t)n[0] < b.rows.t.n && (size_t)n[0] < c.rows.t.n);
        assert_int_equal(j.pairs, (uint64_t)n[0]);
        assert_int_equal(j.only_b, b.rows.t.n - j.pairs);
        pa__diff_join_release(&j);
        close_run(&b);
        close_run(&c);
}

/* The change tallies count in one byte until an item has more rows in a
 * run than a byte holds: then in two, with the same figures. */
static void same_past_a_byte(void **state)
{
        struct run b, c;
        const char *id;

        (void)state;
        open_run(&b, "report/base");
        open_run(&c, "report/cand");
        id = json_string_value(json_object_get(json_array_get(b.latest, 0), "item_id"));
        assert_non_null(id);
        more_samples(&b, id, 300);
        more_samples(&c, id, 300);
        assert_true(b.rows.t.n > 408 + 300);
        check_same(&b, &c);
        close_run(&b);
        close_run(&c);
}

/* Two suites with the same items (a version bumped) pair by (item,
 * variant) as one suite does: the same pairs, shared rows and counts as
 * pairing by case id, with cases missing from either run. */
static void aligned_as_by_case(void **state)
{
        struct run b, c;
        struct pa__diff_join want, got;
        struct pa_err err = {{0}};
        bool aligned = false;

        (void)state;
        open_run(&b, "report/base");
        open_run(&c, "report/cand");
        assert_int_equal(pa__diff_suites_aligned(&b.dir.suite, &c.dir.suite, &aligned, &err), 0);
        assert_true(aligned);
        drop(&b, 7, 3);
        drop(&c, 5, 1);
        drop_rows(&b, 0, 0, 1); /* cases only in one run */
        drop_rows(&c, 0, 0, 2);
        assert_int_equal(pa__diff_join_build(&b.rows, &c.rows, false, &want, &err), 0);
        assert_int_equal(pa__diff_join_build_aligned(&b.rows, &c.rows, &got, &err), 0);
        assert_true(got.same_suite && !want.same_suite);
        assert_memory_equal(got.match, want.match, b.rows.t.n * sizeof(*got.match));
        assert_memory_equal(got.b_shared, want.b_shared, b.rows.t.n);
        assert_memory_equal(got.c_shared, want.c_shared, c.rows.t.n);
        assert_int_equal(got.cases_b, want.cases_b);
        assert_int_equal(got.cases_c, want.cases_c);
        assert_int_equal(got.cases_shared, want.cases_shared);
        assert_true(got.cases_shared < got.cases_b && got.cases_shared < got.cases_c);
        assert_int_equal(got.pairs, want.pairs);
        /* The shared rows kept in place are the shared copy's. */
        {
                struct pa_table copy;

                assert_int_equal(pa__diff_join_shared(&want, 0, &copy), 0);
                assert_true(pa_table_keep_rows(&b.rows.t, got.b_shared));
                assert_int_equal(copy.n, b.rows.t.n);
                assert_memory_equal(copy.item, b.rows.t.item, copy.n * sizeof(*copy.item));
                assert_memory_equal(copy.variant, b.rows.t.variant, copy.n * sizeof(*copy.variant));
                assert_memory_equal(copy.v, b.rows.t.v, copy.n * copy.nsc);
                pa_table_release(&copy);
        }
        pa__diff_join_release(&want);
        pa__diff_join_release(&got);
        close_run(&b);
        close_run(&c);
}

/* A suite whose id, items or groups differ is not aligned with it. */
static void not_aligned_when_items_differ(void **state)
{
        struct run b;
        struct pa_suite other;
        struct pa_axis axes[PA_MAX_AXES];
        struct pa_group groups[64];
        struct pa_err err = {{0}};
        bool aligned = true;

        (void)state;
        open_run(&b, "report/base");
        other = b.dir.suite;
        other.id = "another";
        assert_int_equal(pa__diff_suites_aligned(&b.dir.suite, &other, &aligned, &err), 0);
        assert_false(aligned);
        other = b.dir.suite;
        other.n_items--;
        assert_int_equal(pa__diff_suites_aligned(&b.dir.suite, &other, &aligned, &err), 0);
        assert_false(aligned);
        /* The same suite with one group renamed (copies of its axes). */
        other = b.dir.suite;
        assert_true(other.n_axes <= PA_MAX_AXES && other.axes[0].n_groups <= 64);
        memcpy(axes, other.axes, other.n_axes * sizeof(*axes));
        memcpy(groups, axes[0].groups, axes[0].n_groups * sizeof(*groups));
        axes[0].groups = groups;
        other.axes = axes;
        assert_int_equal(pa__diff_suites_aligned(&b.dir.suite, &other, &aligned, &err), 0);
        assert_true(aligned);
        groups[0].name = "renamed";
        assert_int_equal(pa__diff_suites_aligned(&b.dir.suite, &other, &aligned, &err), 0);
        assert_false(aligned);
        close_run(&b);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(same_as_records),
            cmocka_unit_test(same_with_cases_missing),
            cmocka_unit_test(same_past_a_byte),
            cmocka_unit_test(aligned_as_by_case),
            cmocka_unit_test(not_aligned_when_items_differ),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Disparity analysis (report.h): the paired tests across counterfactual
 * sets, multiple-comparison control and the flags, added to the summary's
 * per-axis entries.
 *
 * A counterfactual set is the records of one item (and one sample, when a
 * case has a single sample) that share every group except on the axis
 * under test, so they differ only in that axis's group. With one sample a
 * case, each group is compared with the reference by McNemar's exact test
 * on the discordant sets, and all groups together by McNemar (two groups)
 * or Cochran's Q. With several samples a case, the case-level rates are
 * compared by a permutation test that permutes group labels within each
 * set. Every group-vs-reference p-value of a run is corrected together;
 * a group is flagged when its corrected p < alpha and its rate differs from
 * the reference's by at least min_diff. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity/report.h"
#include "parity/stats.h"
#include "summary.h"

#define MAX_FLIPPED 20

/* The axes under test: one axis, or two crossed ones (an intersection). */
struct spec {
	size_t n_axes, axes[2], k, ref;
};

struct sets {
	size_t n, cap, k;
	json_t *index, *where; /* key -> set number; set -> {"item_id", "sample", "context"} */
	double *sum;
	unsigned *cnt;
	bool multi; /* several samples a case */
};

static const char *group_of(const json_t *rec, const struct pa_axis *ax, size_t *g)
{
	const char *name = json_string_value(json_object_get(json_object_get(rec, "groups"), ax->name));

	for (*g = 0; name && *g < ax->n_groups; (*g)++)
		if (!strcmp(ax->groups[*g].name, name))
			return name;
	return NULL;
}

/* The group of rec in the spec's (possibly crossed) axis, or -1. */
static long spec_group(const struct pa_suite *s, const struct spec *sp, const json_t *rec)
{
	size_t g0, g1 = 0;

	if (!group_of(rec, &s->axes[sp->axes[0]], &g0))
		return -1;
	if (sp->n_axes == 2 && !group_of(rec, &s->axes[sp->axes[1]], &g1))
		return -1;
	return (long)(sp->n_axes == 2 ? g0 * s->axes[sp->axes[1]].n_groups + g1 : g0);
}

static bool in_spec(const struct spec *sp, const char *axis, const struct pa_suite *s)
{
	for (size_t i = 0; i < sp->n_axes; i++)
		if (!strcmp(s->axes[sp->axes[i]].name, axis))
			return true;
	return false;
}

/* "item\x1fsample\x1faxis=group..." of the groups outside the spec. */
static json_t *context_of(const struct pa_suite *s, const struct spec *sp, const json_t *rec)
{
	const char *axis;
	json_t *g, *ctx = json_object();

	json_object_foreach(json_object_get(rec, "groups"), axis, g) if (!in_spec(sp, axis, s))
		json_object_set(ctx, axis, g);
	return ctx;
}

static int grow(struct sets *t)
{
	size_t cap = t->cap ? 2 * t->cap : 64;
	double *sum = realloc(t->sum, cap * t->k * sizeof(*sum));
	unsigned *cnt;

	if (!sum)
		return PA_ENOMEM;
	t->sum = sum;
	if (!(cnt = realloc(t->cnt, cap * t->k * sizeof(*cnt))))
		return PA_ENOMEM;
	t->cnt = cnt;
	memset(t->sum + t->cap * t->k, 0, (cap - t->cap) * t->k * sizeof(*sum));
	memset(t->cnt + t->cap * t->k, 0, (cap - t->cap) * t->k * sizeof(*cnt));
	t->cap = cap;
	return 0;
}

static int add_record(struct sets *t, const struct pa_suite *s, const struct spec *sp,
		      const json_t *rec, const json_t *v)
{
	long g = spec_group(s, sp, rec);
	json_t *ctx, *where, *slot;
	char *ckey, key[2048];
	long long sample = t->multi ? 0 : json_integer_value(json_object_get(rec, "sample"));
	size_t i;

	if (g < 0 || !json_is_boolean(v))
		return 0;
	ctx = context_of(s, sp, rec);
	ckey = ctx ? json_dumps(ctx, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	snprintf(key, sizeof(key), "%s\x1f%lld\x1f%s",
		 json_string_value(json_object_get(rec, "item_id")), sample, ckey ? ckey : "");
	free(ckey);
	slot = json_object_get(t->index, key);
	if (slot) {
		i = (size_t)json_integer_value(slot);
		json_decref(ctx);
	} else {
		if (t->n == t->cap && grow(t)) {
			json_decref(ctx);
			return PA_ENOMEM;
		}
		i = t->n++;
		json_object_set_new(t->index, key, json_integer((json_int_t)i));
		where = json_pack("{s:O, s:I, s:o}", "item_id", json_object_get(rec, "item_id"),
				  "sample", (json_int_t)sample, "context", ctx);
		json_array_append_new(t->where, where);
	}
	t->sum[i * t->k + (size_t)g] += json_is_true(v);
	t->cnt[i * t->k + (size_t)g]++;
	return 0;
}

static void sets_release(struct sets *t)
{
	json_decref(t->index);
	json_decref(t->where);
	free(t->sum);
	free(t->cnt);
}

static int collect(const struct pa_suite *s, const struct spec *sp, const json_t *records,
		   const char *outcome, struct sets *t)
{
	const json_t *rec;
	size_t i;
	int rc = 0;

	memset(t, 0, sizeof(*t));
	t->k = sp->k;
	t->index = json_object();
	t->where = json_array();
	if (!t->index || !t->where)
		return PA_ENOMEM;
	json_array_foreach(records, i, rec) {
		const char *o = json_string_value(json_object_get(rec, "outcome"));

		if (o && !strcmp(o, outcome) && json_integer_value(json_object_get(rec, "sample")) > 0)
			t->multi = true;
	}
	json_array_foreach(records, i, rec) {
		const char *o = json_string_value(json_object_get(rec, "outcome"));

		if (rc == 0 && o && !strcmp(o, outcome))
			rc = add_record(t, s, sp, rec,
					json_object_get(json_object_get(rec, "scores"), outcome));
	}
	return rc;
}

/* The case-level outcome of group g in set i: the majority of its samples. */
static int value(const struct sets *t, size_t i, size_t g)
{
	size_t j = i * t->k + g;

	return t->cnt[j] ? (2 * t->sum[j] >= t->cnt[j]) : -1;
}

static bool complete(const struct sets *t, size_t i)
{
	for (size_t g = 0; g < t->k; g++)
		if (!t->cnt[i * t->k + g])
			return false;
	return true;
}

/* One group-vs-reference comparison, kept for the run-wide correction. */
struct comparison {
	json_t *entry, *group; /* in the summary (borrowed) */
	double p, diff;
	uint64_t n, ref_n;
	double ref_rate;
};

struct run_tests {
	struct comparison *v;
	size_t n, cap;
};

static int push(struct run_tests *rt, const struct comparison *c)
{
	if (rt->n == rt->cap) {
		size_t cap = rt->cap ? 2 * rt->cap : 32;
		struct comparison *v = realloc(rt->v, cap * sizeof(*v));

		if (!v)
			return PA_ENOMEM;
		rt->v = v;
		rt->cap = cap;
	}
	rt->v[rt->n++] = *c;
	return 0;
}

static uint64_t mix(uint64_t seed, const char *a, const char *b)
{
	uint64_t h = seed ^ 0xcbf29ce484222325ull;

	for (const char *p = a; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
	for (const char *p = b; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
	return h;
}

/* McNemar on the sets where both groups have an answer. */
static void paired_mcnemar(const struct sets *t, size_t g, size_t ref, json_t *out, double *p)
{
	uint64_t b = 0, c = 0, n = 0;
	double midp = 1;

	for (size_t i = 0; i < t->n; i++) {
		int vr = value(t, i, ref), vg = value(t, i, g);

		if (vr < 0 || vg < 0)
			continue;
		n++;
		b += vr == 1 && vg == 0;
		c += vr == 0 && vg == 1;
	}
	pa_mcnemar_exact(b, c, p, &midp);
	json_object_set_new(out, "test", json_string("mcnemar_exact"));
	json_object_set_new(out, "pairs", json_pack("{s:I, s:I, s:I}", "n", (json_int_t)n,
						    "ref_only", (json_int_t)b, "group_only",
						    (json_int_t)c));
	json_object_set_new(out, "midp", json_real(midp));
}

/* Permutation of group labels within sets, on case-level rates. */
static int paired_permutation(const struct sets *t, size_t g, size_t ref,
			      const struct pa_analysis_conf *c, uint64_t seed, json_t *out,
			      double *p)
{
	double *y = malloc(2 * t->n * sizeof(*y) + 1), stat = 0, se = 0;
	uint8_t *grp = malloc(2 * t->n + 1);
	size_t *start = malloc((t->n + 1) * sizeof(*start)), m = 0, k = 0;
	int rc = PA_ENOMEM;

	if (!y || !grp || !start)
		goto out;
	start[0] = 0;
	for (size_t i = 0; i < t->n; i++) {
		size_t jr = i * t->k + ref, jg = i * t->k + g;

		if (!t->cnt[jr] || !t->cnt[jg])
			continue;
		y[k] = t->sum[jr] / t->cnt[jr];
		grp[k++] = 0;
		y[k] = t->sum[jg] / t->cnt[jg];
		grp[k++] = 1;
		start[++m] = k;
	}
	*p = 1;
	rc = m ? pa_perm_test_strat(y, grp, start, m, c->perm_reps, seed, &stat, p, &se) : 0;
	json_object_set_new(out, "test", json_string("permutation_stratified"));
	json_object_set_new(out, "pairs", json_pack("{s:I}", "n", (json_int_t)m));
	json_object_set_new(out, "perm", json_pack("{s:i, s:f, s:I}", "reps", c->perm_reps,
						   "mc_se", se, "seed", (json_int_t)(seed >> 1)));
out:
	free(y);
	free(grp);
	free(start);
	return rc;
}

static int rate_of(const json_t *g, double *rate, uint64_t *n, uint64_t *pos)
{
	*n = (uint64_t)json_integer_value(json_object_get(g, "n"));
	*pos = (uint64_t)json_integer_value(json_object_get(g, "positive"));
	*rate = *n ? (double)*pos / (double)*n : 0;
	return *n ? 0 : -1;
}

/* Tests every group of one entry against its reference. */
static int compare_groups(const struct sets *t, const struct spec *sp, json_t *entry,
			  const struct pa_analysis_conf *c, struct run_tests *rt)
{
	json_t *groups = json_object_get(entry, "groups"), *ref = json_array_get(groups, sp->ref);
	const char *label = json_string_value(json_object_get(entry, "axis"));
	double rref;
	uint64_t nref, pref;
	int rc = 0;

	if (rate_of(ref, &rref, &nref, &pref))
		return 0;
	for (size_t g = 0; rc == 0 && g < sp->k; g++) {
		json_t *ge = json_array_get(groups, g);
		struct comparison cmp = {.entry = entry, .group = ge, .ref_n = nref,
					 .ref_rate = rref};
		uint64_t pos;
		double rate;

		if (g == sp->ref || rate_of(ge, &rate, &cmp.n, &pos))
			continue;
		cmp.diff = rate - rref;
		json_object_set_new(ge, "ratio", rref > 0 ? json_real(rate / rref) : json_null());
		if (t->multi)
			rc = paired_permutation(t, g, sp->ref, c,
						mix(c->seed, label, json_string_value(json_object_get(ge, "group"))),
						ge, &cmp.p);
		else
			paired_mcnemar(t, g, sp->ref, ge, &cmp.p);
		if (rc == 0 && json_integer_value(json_object_get(json_object_get(ge, "pairs"), "n")) == 0) {
			/* No counterfactual pairs (answers failed): compare the groups unpaired. */
			pa_fisher_exact(pos, cmp.n - pos, pref, nref - pref, NULL, &cmp.p);
			json_object_set_new(ge, "test", json_string("fisher_exact"));
		}
		json_object_set_new(ge, "p", json_real(cmp.p));
		if (rc == 0)
			rc = push(rt, &cmp);
	}
	return rc;
}

/* All groups at once, the flip rate and the sets that flipped. */
static int omnibus(const struct sets *t, const struct spec *sp, json_t *entry)
{
	size_t n = 0, flips = 0;
	uint8_t *x = malloc(t->n * t->k + 1);
	json_t *flipped = json_array();
	double stat = 0, df = 0, p = 1;

	if (!x || !flipped) {
		free(x);
		json_decref(flipped);
		return PA_ENOMEM;
	}
	for (size_t i = 0; i < t->n; i++) {
		bool differs = false;

		if (!complete(t, i))
			continue;
		for (size_t g = 0; g < t->k; g++) {
			x[n * t->k + g] = (uint8_t)value(t, i, g);
			differs |= x[n * t->k + g] != x[n * t->k];
		}
		n++;
		flips += differs;
		if (differs && json_array_size(flipped) < MAX_FLIPPED) {
			json_t *w = json_deep_copy(json_array_get(t->where, i)), *o = json_object();

			for (size_t g = 0; g < t->k; g++)
				json_object_set_new(o, json_string_value(json_object_get(json_array_get(json_object_get(entry, "groups"), g), "group")),
						    json_boolean(value(t, i, g)));
			json_object_set_new(w, "outcomes", o);
			json_array_append_new(flipped, w);
		}
	}
	if (n)
		pa_cochran_q(x, n, t->k, &stat, &df, &p);
	free(x);
	/* With two groups Cochran's Q is McNemar's chi-square; the exact
	 * McNemar p is the group's own test. */
	json_object_set_new(entry, "omnibus",
			    json_pack("{s:s, s:I, s:f, s:f, s:f}", "test", "cochran_q", "sets",
				      (json_int_t)n, "q", stat, "df", df, "p", p));
	json_object_set_new(entry, "sets", json_integer((json_int_t)n));
	json_object_set_new(entry, "flip_rate", n ? json_real((double)flips / (double)n) : json_null());
	json_object_set_new(entry, "flips", json_integer((json_int_t)flips));
	json_object_set_new(entry, "flipped", flipped);
	json_object_set_new(entry, "case_level", json_string(t->multi ? "majority_of_samples" : "single_sample"));
	(void)sp;
	return 0;
}

static int impact_ratios(const struct spec *sp, json_t *entry)
{
	json_t *groups = json_object_get(entry, "groups");
	uint64_t sel[256], tot[256];
	double ratio[256];

	if (sp->k > 256)
		return 0;
	for (size_t g = 0; g < sp->k; g++) {
		json_t *ge = json_array_get(groups, g);

		sel[g] = (uint64_t)json_integer_value(json_object_get(ge, "positive"));
		tot[g] = (uint64_t)json_integer_value(json_object_get(ge, "n"));
		if (!tot[g])
			return 0;
	}
	if (pa_impact_ratio(sel, tot, sp->k, NULL, ratio))
		return 0;
	for (size_t g = 0; g < sp->k; g++)
		json_object_set_new(json_array_get(groups, g), "impact_ratio", json_real(ratio[g]));
	return 0;
}

static int analyse_entry(const struct pa_suite *s, const json_t *records, const struct spec *sp,
			 json_t *entry, const struct pa_analysis_conf *c, struct run_tests *rt)
{
	struct sets t;
	int rc = collect(s, sp, records, json_string_value(json_object_get(entry, "outcome")), &t);

	if (rc == 0)
		rc = compare_groups(&t, sp, entry, c, rt);
	if (rc == 0)
		rc = omnibus(&t, sp, entry);
	if (rc == 0)
		rc = impact_ratios(sp, entry);
	sets_release(&t);
	return rc;
}

void pa_analysis_conf_init(struct pa_analysis_conf *c)
{
	c->alpha = 0.05;
	c->correction = PA_ADJ_BH;
	c->min_diff = 0.05;
	c->min_impact_ratio = 0.8;
	c->power = 0.8;
	c->perm_reps = 10000;
	c->boot_reps = 2000;
	c->seed = 20261126;
}

static bool crossed(const struct pa_suite *s, int outcome, size_t a, size_t b)
{
	for (size_t i = 0; i < s->n_items; i++) {
		const struct pa_item *it = &s->items[i];
		bool ha = false, hb = false;

		for (size_t k = 0; it->outcome_scorer == outcome && k < it->n_axes; k++) {
			ha |= it->axes[k] == a;
			hb |= it->axes[k] == b;
		}
		if (ha && hb)
			return true;
	}
	return false;
}

/* The summary entry of an intersection "a+b": its groups are "ga+gb". */
static json_t *crossed_entry(const struct pa_suite *s, const struct spec *sp, const char *outcome,
			     const json_t *records, double alpha)
{
	const struct pa_axis *A = &s->axes[sp->axes[0]], *B = &s->axes[sp->axes[1]];
	uint64_t *t = calloc(3 * sp->k, sizeof(*t)); /* n, pos, unscored per group */
	json_t *groups = json_array(), *rec, *entry = NULL;
	char name[512], ref[512];
	size_t i;

	if (!t || !groups)
		goto out;
	json_array_foreach(records, i, rec) {
		const char *o = json_string_value(json_object_get(rec, "outcome"));
		const json_t *v = json_object_get(json_object_get(rec, "scores"), outcome);
		long g = o && !strcmp(o, outcome) ? spec_group(s, sp, rec) : -1;

		if (g < 0)
			continue;
		t[3 * g] += json_is_boolean(v);
		t[3 * g + 1] += json_is_true(v);
		t[3 * g + 2] += !json_is_boolean(v);
	}
	for (size_t g = 0; g < sp->k; g++) {
		snprintf(name, sizeof(name), "%s+%s", A->groups[g / B->n_groups].name,
			 B->groups[g % B->n_groups].name);
		json_array_append_new(groups, pa__group_json(name, t[3 * g + 1], t[3 * g], t[3 * g + 2],
							      t[3 * sp->ref + 1], t[3 * sp->ref],
							      alpha));
	}
	snprintf(name, sizeof(name), "%s+%s", A->name, B->name);
	snprintf(ref, sizeof(ref), "%s+%s", A->groups[A->ref].name, B->groups[B->ref].name);
	entry = json_pack("{s:s, s:s, s:[s,s], s:s, s:O}", "outcome", outcome, "axis", name, "axes",
			  A->name, B->name, "reference", ref, "groups", groups);
out:
	free(t);
	json_decref(groups);
	return entry;
}

static int add_intersections(const struct pa_suite *s, const json_t *records, double alpha,
			     json_t *outcomes)
{
	for (size_t k = 0; k < s->scorers.n; k++) {
		for (size_t a = 0; a < s->n_axes; a++) {
			for (size_t b = a + 1; b < s->n_axes; b++) {
				struct spec sp = {.n_axes = 2, .axes = {a, b}};
				json_t *e;

				if (!crossed(s, (int)k, a, b))
					continue;
				sp.k = s->axes[a].n_groups * s->axes[b].n_groups;
				sp.ref = s->axes[a].ref * s->axes[b].n_groups + s->axes[b].ref;
				e = crossed_entry(s, &sp, s->scorers.v[k].name, records, alpha);
				if (!e || json_array_append_new(outcomes, e))
					return PA_ENOMEM;
			}
		}
	}
	return 0;
}

/* The spec of a summary entry, from its "axis" or "axes". */
static int entry_spec(const struct pa_suite *s, const json_t *entry, struct spec *sp)
{
	const json_t *axes = json_object_get(entry, "axes");
	size_t n = axes ? json_array_size(axes) : 1;

	memset(sp, 0, sizeof(*sp));
	sp->k = 1;
	for (size_t i = 0; i < n && i < 2; i++) {
		const char *name = json_string_value(axes ? json_array_get(axes, i)
							 : json_object_get(entry, "axis"));
		size_t a;

		for (a = 0; a < s->n_axes && strcmp(s->axes[a].name, name ? name : ""); a++)
			;
		if (a == s->n_axes)
			return PA_EINVAL;
		sp->axes[sp->n_axes++] = a;
		sp->ref = sp->ref * s->axes[a].n_groups + s->axes[a].ref;
		sp->k *= s->axes[a].n_groups;
	}
	return 0;
}

static json_t *finding(const struct comparison *cmp)
{
	json_t *g = cmp->group;

	return json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O}", "outcome",
			 json_object_get(cmp->entry, "outcome"), "axis",
			 json_object_get(cmp->entry, "axis"), "group", json_object_get(g, "group"),
			 "reference", json_object_get(cmp->entry, "reference"), "rate",
			 json_object_get(g, "rate"), "diff", json_object_get(g, "diff"), "diff_ci",
			 json_object_get(g, "diff_ci"), "p", json_object_get(g, "p"), "p_adjusted",
			 json_object_get(g, "p_adjusted"));
}

/* Minimum detectable difference from the reference rate at the level each
 * comparison effectively gets (alpha / m, conservative for BH and Holm). */
static json_t *mde(const struct comparison *cmp, double alpha_eff, double power)
{
	double n = (double)(cmp->n < cmp->ref_n ? cmp->n : cmp->ref_n), h, p2;
	double p1 = cmp->ref_rate < 0.01 ? 0.01 : cmp->ref_rate > 0.99 ? 0.99 : cmp->ref_rate;

	if (n < 2 || pa_mde_two_prop(n, p1, alpha_eff, power, &h, &p2))
		return json_null();
	return json_real(fabs(p2 - p1));
}

static int correct_and_flag(const struct run_tests *rt, const struct pa_analysis_conf *c,
			    json_t *findings)
{
	double *p = malloc((rt->n + 1) * sizeof(*p)), *adj = malloc((rt->n + 1) * sizeof(*adj));
	int rc = PA_ENOMEM;

	if (!p || !adj)
		goto out;
	for (size_t i = 0; i < rt->n; i++)
		p[i] = rt->v[i].p;
	if (rt->n && (rc = pa_p_adjust(p, rt->n, (enum pa_p_adjust)c->correction, adj)))
		goto out;
	rc = 0;
	for (size_t i = 0; i < rt->n; i++) {
		const struct comparison *cmp = &rt->v[i];
		bool flag = adj[i] < c->alpha && fabs(cmp->diff) >= c->min_diff;
		const json_t *ratio = json_object_get(cmp->group, "ratio");

		json_object_set_new(cmp->group, "p_adjusted", json_real(adj[i]));
		json_object_set_new(cmp->group, "mde", mde(cmp, c->alpha / (double)rt->n, c->power));
		json_object_set_new(cmp->group, "four_fifths",
				    json_boolean(!json_is_number(ratio) ||
						 json_number_value(ratio) >= c->min_impact_ratio));
		json_object_set_new(cmp->group, "flag", json_boolean(flag));
		if (flag && json_array_append_new(findings, finding(cmp)))
			rc = PA_ENOMEM;
	}
out:
	free(p);
	free(adj);
	return rc;
}

static const char *correction_name(int c)
{
	return c == PA_ADJ_HOLM ? "holm" : c == PA_ADJ_BONFERRONI ? "bonferroni" : "bh";
}

int pa_summary_analyse(const struct pa_suite *s, const json_t *records, const char *run_id,
		       const struct pa_analysis_conf *c, json_t **out, struct pa_err *err)
{
	struct run_tests rt = {0};
	json_t *sum = NULL, *outcomes, *entry, *findings = json_array();
	size_t i;
	int rc = findings ? pa_summary_build(s, records, run_id, c->alpha, &sum, err) : PA_ENOMEM;

	if (rc)
		goto out;
	outcomes = json_object_get(sum, "outcomes");
	if ((rc = add_intersections(s, records, c->alpha, outcomes)))
		goto out;
	json_array_foreach(outcomes, i, entry) {
		struct spec sp;

		if ((rc = entry_spec(s, entry, &sp)) ||
		    (rc = analyse_entry(s, records, &sp, entry, c, &rt)))
			goto out;
	}
	if ((rc = correct_and_flag(&rt, c, findings)))
		goto out;
	json_object_set_new(sum, "analysis",
			    json_pack("{s:f, s:s, s:f, s:f, s:f, s:I, s:i, s:i, s:I}", "alpha",
				      c->alpha, "correction", correction_name(c->correction),
				      "min_diff", c->min_diff, "min_impact_ratio", c->min_impact_ratio,
				      "power", c->power, "comparisons", (json_int_t)rt.n, "perm_reps",
				      c->perm_reps, "boot_reps", c->boot_reps, "seed",
				      (json_int_t)(c->seed & INT64_MAX)));
	json_object_set(sum, "findings", findings);
	*out = sum;
	sum = NULL;
out:
	free(rt.v);
	json_decref(findings);
	json_decref(sum);
	if (rc && rc != PA_EINVAL)
		return pa_errf(err, rc, "analysis: out of memory");
	return rc;
}

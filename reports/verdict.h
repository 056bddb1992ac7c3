/* Private to reports/: the plain-words verdict paragraph every format
 * opens with, and the number and group wording the formats share
 * (docs/reports.md "Verdicts"). */
#ifndef PA_REPORTS_VERDICT_H
#define PA_REPORTS_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#define PA_FMT 48

/* v's number, or NAN when v is not a number. */
double pa__num(const json_t *v);
/* o[key] as a string, "" when missing. */
const char *pa__str(const json_t *o, const char *key);
/* o[key] as an integer, 0 when missing. */
long long pa__int(const json_t *o, const char *key);

/* "0.92" (two decimals); "–" when x is not finite. Returns buf. */
const char *pa__fmt_rate(double x, char buf[PA_FMT]);
/* "−0.23", "+0.10" with a real minus sign (U+2212). */
const char *pa__fmt_signed(double x, char buf[PA_FMT]);
/* A p-value: "0.014", "1", "< 0.0001". */
const char *pa__fmt_p(double p, char buf[PA_FMT]);
/* Any of the three above, for writers that format a cell by key. */
typedef const char *(*pa__fmt_fn)(double x, char buf[PA_FMT]);
/* fmt of o[key]'s number: pa__fmt_key(g, "rate", pa__fmt_rate, buf). */
const char *pa__fmt_key(const json_t *o, const char *key, pa__fmt_fn fmt, char buf[PA_FMT]);
/* An interval array [lo, hi] as "−0.31 to −0.15" (signed) or
 * "0.52 to 0.64"; "–" without one. */
const char *pa__fmt_ci(const json_t *ci, bool is_signed, char buf[2 * PA_FMT]);

/* An object of strings as "a=x, b=y" into buf ("" when empty). */
const char *pa__kv(const json_t *o, char *buf, size_t n);
/* An array of strings joined by sep into buf. */
const char *pa__join(const json_t *a, const char *sep, char *buf, size_t n);
/* A decimal string or number (audit.json's rates) with three decimals. */
const char *pa__fmt_dec(const json_t *v, char buf[PA_FMT]);

/* Whether c is a comparison the analysis ran (a group against its
 * reference or an interaction; testable or not): it has "testable", or
 * (summary v1) a "p_adjusted" number. */
bool pa__compared(const json_t *c);

/* The reference's rate beside group (or finding) g: rate - rate_diff
 * (summary v2, where "diff" is the item-level estimate), else rate - diff. */
double pa__ref_rate(const json_t *g);

/* A group in words: "women", "the black group", "age 60", and for an
 * intersection "women (age 60)". axis may be "a+b" and group "ga+gb". */
const char *pa__group_words(const char *axis, const char *group, char *buf, size_t n);
/* The model a run answered with: manifest engine.model_reported, else the
 * requested model, else the engine name, else "the model". */
#define PA_MODEL_NAME 512
/* The model a run asked for, and the one the server said it served when
 * they differ ("gpt-4o (served as other)"), into buf. */
const char *pa__model_of(const json_t *manifest, char buf[PA_MODEL_NAME]);
/* The sentence that opens every report of a run short of answers (status
 * "incomplete", or answers missing within the error budget), written to f;
 * returns how many answers are missing (0: nothing written). */
long long pa__missing_words(const json_t *manifest, FILE *f);
/* A diff's verdict in one word: "FAIL", "INCOMPLETE" (nothing could be
 * compared) or "PASS". */
const char *pa__diff_word(const json_t *diff);

/* A regression domain's verdict in words: "regression", "improvement",
 * "rate fell", "rate rose" (for decision rates), "untestable" (too few
 * items to reach alpha), "unchanged" (no significant change). */
const char *pa__domain_verdict(const json_t *d);

/* The verdict paragraph of a run (summary.json with its analysis, manifest
 * may be NULL). Malloc'ed, NULL on ENOMEM. */
char *pa__verdict_run(const json_t *summary, const json_t *manifest);
/* The verdict paragraph of a diff.json under construction: reads its
 * base, candidate, comparability, regression, disparities and gates.
 * Malloc'ed, NULL on ENOMEM. */
char *pa__verdict_diff(const json_t *diff);

#endif

/* Private to scorers/stats/statcheck*.c, the parity-statcheck tool: the
 * context of a check, the readers of an item's fields and the comparison
 * rule (statcheck.c), and the table of checks, one per vectors key
 * (statcheck_checks.c). */
#ifndef PA_STATCHECK_H
#define PA_STATCHECK_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct ctx {
        const char *file, *key;
        size_t index;
        unsigned long checked, off, unchecked; /* unchecked: keys without a check */
        char err[512];
};

struct checker {
        const char *key;
        int (*check)(struct ctx *c, json_t *e);
};

/* The check of a top-level key, or NULL (statcheck_checks.c). */
const struct checker *pa__sc_find_checker(const char *key);

/* Records why the current item is malformed; returns PA_EINVAL. */
int pa__sc_bad(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The implementation refused the item's inputs with rc: PA_EINVAL. */
int pa__sc_rejected(struct ctx *c, int rc);
/* Required fields of item e: a count, a number, an array of n numbers
 * (n = 0: any nonzero length, stored in *n), n counts, a rows x cols
 * matrix of counts up to max (cols 0: any). 0 or PA_EINVAL with the
 * reason in c->err. */
int pa__sc_get_count(struct ctx *c, json_t *e, const char *field, uint64_t *out);
int pa__sc_get_real(struct ctx *c, json_t *e, const char *field, double *out);
int pa__sc_get_reals(struct ctx *c, json_t *e, const char *field, size_t *n, double **out);
int pa__sc_get_counts(struct ctx *c, json_t *e, const char *field, size_t n, uint64_t **out);
int pa__sc_get_matrix(struct ctx *c, json_t *e, const char *field, size_t *rows, size_t *cols,
                      uint64_t max, uint64_t **out);
/* Compares got with item e's expected field (required), counting it and
 * printing it when off. */
int pa__sc_expect(struct ctx *c, json_t *e, const char *field, double got);
/* The same for element j of an expected array already read. */
void pa__sc_compare_at(struct ctx *c, const char *field, size_t j, double want, double got);

/* statcheck_item.c */
int pa__sc_check_cmh(struct ctx *c, json_t *e);
int pa__sc_check_one_sample_t(struct ctx *c, json_t *e);
int pa__sc_check_power_t(struct ctx *c, json_t *e);
int pa__sc_check_signflip_exact(struct ctx *c, json_t *e);
int pa__sc_check_mwu(struct ctx *c, json_t *e);
int pa__sc_check_kappa(struct ctx *c, json_t *e);

#endif

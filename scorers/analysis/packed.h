/* Private to scorers/analysis/: per-item values held until a diff's
 * intervals are computed, in one or two bytes each when they take few
 * distinct values (an item's paired delta mostly does: -1, 0, 1 with one
 * pair an item), else as the doubles. Unpacking gives the same doubles,
 * bit for bit, in the same order, so the tests that read them back give
 * the same figures. */
#ifndef PA_ANALYSIS_PACKED_H
#define PA_ANALYSIS_PACKED_H

#include <stddef.h>
#include <stdint.h>

struct pa__packed {
        size_t n;      /* values */
        unsigned size; /* bytes a code: 1, 2, or 0 when raw holds the doubles */
        double *vals;  /* owned: the distinct values, indexed by code */
        void *codes;   /* owned: n codes of size bytes, or the n doubles (size 0) */
};

/* Packs x[0..n) into p (its own copy). PA_ENOMEM; p is then empty. */
int pa__packed_init(struct pa__packed *p, const double *x, size_t n);
/* The n values again into out (room for p->n). */
void pa__packed_get(const struct pa__packed *p, double *out);
void pa__packed_release(struct pa__packed *p);

#endif

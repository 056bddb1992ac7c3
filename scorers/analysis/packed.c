/* Per-item values in a byte or two each (packed.h): a dictionary of the
 * distinct doubles, compared by their bits so that 0.0 and -0.0 stay
 * apart and every value comes back exactly. */
#include <stdlib.h>
#include <string.h>

#include "parity/common.h"
#include "packed.h"

#define MAX_VALS   65536u /* codes of two bytes */
#define SLOTS_BITS 17     /* twice MAX_VALS: the table stays half empty */

static uint64_t bits_of(double v)
{
        uint64_t b;

        memcpy(&b, &v, sizeof(b));
        return b;
}

/* The code of v, added to vals when new; -1 when a new one would not fit. */
static long code_of(double v, uint32_t *slot, double *vals, size_t *nvals)
{
        uint64_t b = bits_of(v);
        size_t mask = ((size_t)1 << SLOTS_BITS) - 1;
        size_t h = (size_t)((b * 0x9e3779b97f4a7c15ull) >> (64 - SLOTS_BITS));

        for (;; h = (h + 1) & mask) {
                if (!slot[h]) {
                        if (*nvals == MAX_VALS)
                                return -1;
                        vals[*nvals] = v;
                        slot[h] = (uint32_t)++ * nvals;
                        return (long)*nvals - 1;
                }
                if (bits_of(vals[slot[h] - 1]) == b)
                        return (long)slot[h] - 1;
        }
}

/* Two-byte codes of x into p->codes and p->vals; 1 when x has too many
 * distinct values for them. */
static int encode(struct pa__packed *p, const double *x)
{
        uint32_t *slot = calloc((size_t)1 << SLOTS_BITS, sizeof(*slot));
        uint16_t *codes = malloc(p->n * sizeof(*codes));
        size_t nvals = 0;
        int rc = 0;

        p->vals = malloc(MAX_VALS * sizeof(*p->vals));
        if (!slot || !codes || !p->vals) {
                rc = PA_ENOMEM;
                goto out;
        }
        for (size_t i = 0; i < p->n && rc == 0; i++) {
                long c = code_of(x[i], slot, p->vals, &nvals);

                if (c < 0)
                        rc = 1;
                else
                        codes[i] = (uint16_t)c;
        }
        if (rc == 0) {
                double *v = realloc(p->vals, (nvals ? nvals : 1) * sizeof(*v));

                p->vals = v ? v : p->vals;
                p->codes = codes;
                codes = NULL;
                p->size = nvals <= 256 ? 1 : 2;
        }
out:
        free(slot);
        free(codes);
        return rc;
}

/* Two-byte codes made one byte each. */
static int narrow(struct pa__packed *p)
{
        const uint16_t *wide = p->codes;
        uint8_t *c = malloc(p->n ? p->n : 1);

        if (!c)
                return PA_ENOMEM;
        for (size_t i = 0; i < p->n; i++)
                c[i] = (uint8_t)wide[i];
        free(p->codes);
        p->codes = c;
        return 0;
}

int pa__packed_init(struct pa__packed *p, const double *x, size_t n)
{
        int rc;

        memset(p, 0, sizeof(*p));
        p->n = n;
        if (n == 0)
                return 0;
        rc = encode(p, x);
        if (rc == 0 && p->size == 1)
                rc = narrow(p);
        if (rc == 1) {
                /* Too many distinct values: the doubles as they are. */
                free(p->vals);
                p->vals = NULL;
                p->size = 0;
                rc = (p->codes = malloc(n * sizeof(*x))) ? 0 : PA_ENOMEM;
                if (rc == 0)
                        memcpy(p->codes, x, n * sizeof(*x));
        }
        if (rc)
                pa__packed_release(p);
        return rc;
}

void pa__packed_get(const struct pa__packed *p, double *out)
{
        const uint8_t *c1 = p->codes;
        const uint16_t *c2 = p->codes;

        if (p->size == 0 && p->n)
                memcpy(out, p->codes, p->n * sizeof(*out));
        for (size_t i = 0; p->size == 1 && i < p->n; i++)
                out[i] = p->vals[c1[i]];
        for (size_t i = 0; p->size == 2 && i < p->n; i++)
                out[i] = p->vals[c2[i]];
}

void pa__packed_release(struct pa__packed *p)
{
        if (!p)
                return;
        free(p->vals);
        free(p->codes);
        memset(p, 0, sizeof(*p));
}

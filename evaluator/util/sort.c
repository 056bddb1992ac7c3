/* An in-place sort for the arrays that grow with the records (util.h).
 *
 * glibc's qsort is a merge sort into a copy of the array as large as the
 * array itself: sorting verify's pair index (16 bytes a record) needed
 * another 16 MiB at a million records, at the moment of its peak. This is
 * introsort: quicksort with the median of three, insertion sort for short
 * runs, and heapsort once the depth passes 2 log2 n, so a crafted run
 * folder cannot make it quadratic. Not stable: comparators must order
 * every pair they need ordered. */
#include <stdint.h>
#include <string.h>

#include "util.h"

/* Elements are swapped through this buffer; larger ones in pieces. */
#define CHUNK     64
#define SHORT_RUN 16

struct sorter {
        unsigned char *base;
        size_t size;
        pa__cmp_fn cmp;
        void *ud;
};

static unsigned char *at(const struct sorter *s, size_t i)
{
        return s->base + i * s->size;
}

static void swap(const struct sorter *s, size_t i, size_t j)
{
        unsigned char tmp[CHUNK], *a = at(s, i), *b = at(s, j);

        for (size_t k = 0; k < s->size; k += CHUNK) {
                size_t n = s->size - k < CHUNK ? s->size - k : CHUNK;

                memcpy(tmp, a + k, n);
                memcpy(a + k, b + k, n);
                memcpy(b + k, tmp, n);
        }
}

static int cmp(const struct sorter *s, size_t i, size_t j)
{
        return s->cmp(at(s, i), at(s, j), s->ud);
}

static void insertion(const struct sorter *s, size_t lo, size_t hi)
{
        for (size_t i = lo + 1; i < hi; i++)
                for (size_t j = i; j > lo && cmp(s, j - 1, j) > 0; j--)
                        swap(s, j - 1, j);
}

static void sift_down(const struct sorter *s, size_t lo, size_t root, size_t n)
{
        for (size_t child; (child = 2 * root + 1) < n; root = child) {
                if (child + 1 < n && cmp(s, lo + child, lo + child + 1) < 0)
                        child++;
                if (cmp(s, lo + root, lo + child) >= 0)
                        return;
                swap(s, lo + root, lo + child);
        }
}

static void heapsort_range(const struct sorter *s, size_t lo, size_t hi)
{
        size_t n = hi - lo;

        for (size_t i = n / 2; i-- > 0;)
                sift_down(s, lo, i, n);
        for (size_t end = n; end-- > 1;) {
                swap(s, lo, lo + end);
                sift_down(s, lo, 0, end);
        }
}

/* Partitions [lo, hi) around the median of its first, middle and last
 * element; returns the pivot's final place. */
static size_t partition(const struct sorter *s, size_t lo, size_t hi)
{
        size_t mid = lo + (hi - lo) / 2, last = hi - 1, store = lo;

        if (cmp(s, mid, lo) < 0)
                swap(s, mid, lo);
        if (cmp(s, last, lo) < 0)
                swap(s, last, lo);
        if (cmp(s, last, mid) < 0)
                swap(s, last, mid);
        swap(s, mid, last); /* the median as pivot, at the end */
        for (size_t i = lo; i < last; i++)
                if (cmp(s, i, last) < 0)
                        swap(s, i, store++);
        swap(s, store, last);
        return store;
}

static void introsort(const struct sorter *s, size_t lo, size_t hi, unsigned depth)
{
        while (hi - lo > SHORT_RUN) {
                size_t p;

                if (depth-- == 0) {
                        heapsort_range(s, lo, hi);
                        return;
                }
                p = partition(s, lo, hi);
                /* The smaller side recursively, the larger in the loop:
                 * the stack stays within log2 n frames. */
                if (p - lo < hi - p - 1) {
                        introsort(s, lo, p, depth);
                        lo = p + 1;
                } else {
                        introsort(s, p + 1, hi, depth);
                        hi = p;
                }
        }
        insertion(s, lo, hi);
}

void pa__sort_r(void *base, size_t n, size_t size, pa__cmp_fn cmp_fn, void *ud)
{
        struct sorter s = {base, size, cmp_fn, ud};
        unsigned depth = 0;

        if (n < 2 || size == 0)
                return;
        for (size_t m = n; m > 1; m >>= 1)
                depth += 2;
        introsort(&s, 0, n, depth);
}

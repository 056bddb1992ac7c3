#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "parity/common.h"
#include "parity/stats.h"
#include "evaluator/util/util.h"

static void errf_formats_and_returns_code(void **state)
{
        struct pa_err err;

        (void)state;
        assert_int_equal(pa_errf(&err, PA_EINVAL, "suite '%s': %d", "x.json", 3), PA_EINVAL);
        assert_string_equal(err.msg, "suite 'x.json': 3");
        assert_int_equal(pa_errf(NULL, PA_EIO, "ignored"), PA_EIO);
        assert_string_equal(pa_strerror(PA_ENOMEM), "out of memory");
}

/* An element of 72 bytes (swapped in two pieces) with a key and a place. */
struct wide {
        uint64_t key;
        uint32_t place;
        unsigned char pad[60];
};

static int by_key_then_place(const void *pa, const void *pb, void *ud)
{
        const struct wide *a = pa, *b = pb;

        (*(size_t *)ud)++;
        if (a->key != b->key)
                return a->key < b->key ? -1 : 1;
        return (a->place > b->place) - (a->place < b->place);
}

static int by_key_then_place_qsort(const void *pa, const void *pb)
{
        size_t calls = 0;

        return by_key_then_place(pa, pb, &calls);
}

/* pa__sort_r gives qsort's order for a total order, on random, sorted,
 * reversed, organ-pipe and all-equal keys, and stays O(n log n) in
 * comparisons on each (the all-equal and organ-pipe shapes make a plain
 * quicksort quadratic). */
static void sort_in_place_as_qsort(void **state)
{
        static const size_t sizes[] = {0, 1, 2, 3, 17, 100, 5000, 60000};
        struct pa_rng r;

        (void)state;
        pa_rng_seed(&r, 5, 0);
        for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
                size_t n = sizes[si];
                struct wide *a = calloc(n ? n : 1, sizeof(*a)), *b = calloc(n ? n : 1, sizeof(*b));

                assert_non_null(a);
                assert_non_null(b);
                for (int shape = 0; shape < 5; shape++) {
                        size_t calls = 0, bound = 0;

                        for (size_t i = 0; i < n; i++) {
                                uint64_t k = shape == 0   ? pa_rng_below(&r, n / 3 + 1)
                                             : shape == 1 ? i
                                             : shape == 2 ? n - i
                                             : shape == 3 ? (i < n / 2 ? i : n - i)
                                                          : 7;

                                a[i] = (struct wide){.key = k, .place = (uint32_t)i};
                                memset(a[i].pad, (int)(i & 0xff), sizeof(a[i].pad));
                        }
                        memcpy(b, a, n * sizeof(*a));
                        pa__sort_r(a, n, sizeof(*a), by_key_then_place, &calls);
                        qsort(b, n, sizeof(*b), by_key_then_place_qsort);
                        assert_memory_equal(a, b, n * sizeof(*a));
                        for (size_t m = n; m > 1; m >>= 1)
                                bound += 8 * n;
                        assert_true(calls <= bound + 64 * n);
                }
                free(a);
                free(b);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(errf_formats_and_returns_code),
            cmocka_unit_test(sort_in_place_as_qsort),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

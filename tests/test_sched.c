/* Scheduler policy: backoff, AIMD window, token buckets, endpoint choice.
 * The transfers themselves are exercised by the integration tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "parity/sched.h"
#include "evaluator/sched/ratelimit.h"

static void backoff_is_full_jitter_with_cap(void **state)
{
        (void)state;
        assert_true(pa_sched_backoff(0.5, 30, 1, 0.0) == 0.0);
        assert_true(pa_sched_backoff(0.5, 30, 1, 0.999) < 0.5);
        assert_true(pa_sched_backoff(0.5, 30, 3, 0.5) == 1.0);     /* 0.5 * 4 * 0.5 */
        assert_true(pa_sched_backoff(0.5, 30, 20, 0.5) == 15.0);   /* capped at 30 */
        assert_true(pa_sched_backoff(0.5, 30, 1000, 1.0) == 30.0); /* no overflow */
}

static void window_halves_on_overload_and_grows_back(void **state)
{
        struct pa_sched_conf c = {.concurrency = 16, .adaptive = true};
        struct pa_limits l;

        (void)state;
        assert_int_equal(pa__limits_init(&l, &c, 1), 0);
        assert_true(l.window == 16);
        assert_true(pa__limits_allow(&l, 15, 0));
        assert_false(pa__limits_allow(&l, 16, 0));
        pa__limits_take(&l, 0, "x", 8, 0);
        pa__limits_observe(&l, 0, CURLE_OK, 429, -1, 5000);
        assert_true(l.window == 8);
        /* A second overload within a second does not halve again. */
        pa__limits_take(&l, 0, "x", 8, 5000);
        pa__limits_observe(&l, 0, CURLE_OPERATION_TIMEDOUT, 0, -1, 5500);
        assert_true(l.window == 8);
        assert_false(pa__limits_allow(&l, 8, 5600));
        for (int i = 0; i < 200; i++) {
                pa__limits_take(&l, 0, "x", 8, 6000);
                pa__limits_observe(&l, 0, CURLE_OK, 200, 1, 6000);
        }
        assert_true(l.window == 16);
        pa__limits_release(&l);

        c.adaptive = false;
        assert_int_equal(pa__limits_init(&l, &c, 1), 0);
        pa__limits_take(&l, 0, "x", 8, 0);
        pa__limits_observe(&l, 0, CURLE_OK, 503, -1, 5000);
        assert_true(l.window == 16);
        pa__limits_release(&l);
}

static void request_bucket_paces(void **state)
{
        struct pa_sched_conf c = {.concurrency = 64, .rpm = 120}; /* 2 per second */
        struct pa_limits l;
        int started = 0;

        (void)state;
        assert_int_equal(pa__limits_init(&l, &c, 1), 0);
        /* Over ten simulated seconds, in 10 ms steps, about 2 per second start. */
        for (double t = 1; t <= 10000; t += 10) {
                while (pa__limits_allow(&l, 0, t)) {
                        pa__limits_take(&l, 0, "x", 8, t);
                        pa__limits_observe(&l, 0, CURLE_OK, 200, 1, t);
                        started++;
                }
        }
        assert_in_range(started, 20, 22);
        assert_true(pa__limits_wait_ms(&l, 10000) > 0);
        assert_true(pa__limits_wait_ms(&l, 10000) <= 500);
        pa__limits_release(&l);
}

static void token_bucket_counts_prompt_and_answer(void **state)
{
        struct pa_sched_conf c = {.concurrency = 64, .tpm = 60000}; /* 1000 per second */
        struct pa_limits l;

        (void)state;
        assert_int_equal(pa__limits_init(&l, &c, 1), 0);
        assert_true(pa__limits_allow(&l, 0, 1));
        /* 400 bytes ~ 100 tokens + 900 answer tokens spend the second's worth. */
        pa__limits_take(&l, 0,
                        "01234567890123456789012345678901234567890123456789012345678901234567890123"
                        "45678901234567890123456789"
                        "01234567890123456789012345678901234567890123456789012345678901234567890123"
                        "45678901234567890123456789"
                        "01234567890123456789012345678901234567890123456789012345678901234567890123"
                        "45678901234567890123456789"
                        "01234567890123456789012345678901234567890123456789012345678901234567890123"
                        "45678901234567890123456789",
                        900, 1);
        assert_false(pa__limits_allow(&l, 0, 1));
        assert_true(pa__limits_allow(&l, 0, 10));
        pa__limits_release(&l);
}

static void endpoints_balance_and_bench(void **state)
{
        struct pa_sched_conf c = {.concurrency = 8, .adaptive = true};
        struct pa_limits l;
        size_t a, b;

        (void)state;
        assert_int_equal(pa__limits_init(&l, &c, 3), 0);
        a = pa__limits_pick(&l, 0);
        pa__limits_take(&l, a, "x", 1, 0);
        b = pa__limits_pick(&l, 0);
        assert_true(a != b); /* least in flight */
        pa__limits_take(&l, b, "x", 1, 0);
        /* Endpoint a fails: benched, so the third and then b win. */
        pa__limits_observe(&l, a, CURLE_COULDNT_CONNECT, 0, -1, 100);
        assert_true(pa__limits_pick(&l, 200) != a);
        pa__limits_take(&l, pa__limits_pick(&l, 200), "x", 1, 200);
        assert_true(pa__limits_pick(&l, 300) != a);
        /* After the bench (1 s for a first failure) it is chosen again. */
        assert_true(pa__limits_pick(&l, 1200) == a);
        pa__limits_release(&l);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(backoff_is_full_jitter_with_cap),
            cmocka_unit_test(window_halves_on_overload_and_grows_back),
            cmocka_unit_test(request_bucket_paces),
            cmocka_unit_test(token_bucket_counts_prompt_and_answer),
            cmocka_unit_test(endpoints_balance_and_bench),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

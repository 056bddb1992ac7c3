/* Scheduler policy: backoff, AIMD window, token buckets, endpoint choice.
 * The transfers themselves are exercised by the integration tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "parity/sched.h"
#include "evaluator/sched/endpoint.h"
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
        pa__limits_init(&l, &c);
        assert_true(l.window == 16);
        assert_true(pa__limits_allow(&l, 15, 0));
        assert_false(pa__limits_allow(&l, 16, 0));
        pa__limits_take(&l, "x", 8, 0);
        pa__limits_observe(&l, CURLE_OK, 429, 5000);
        assert_true(l.window == 8);
        /* A second overload within a second does not halve again. */
        pa__limits_take(&l, "x", 8, 5000);
        pa__limits_observe(&l, CURLE_OPERATION_TIMEDOUT, 0, 5500);
        assert_true(l.window == 8);
        assert_false(pa__limits_allow(&l, 8, 5600));
        for (int i = 0; i < 200; i++) {
                pa__limits_take(&l, "x", 8, 6000);
                pa__limits_observe(&l, CURLE_OK, 200, 6000);
        }
        assert_true(l.window == 16);

        c.adaptive = false;
        pa__limits_init(&l, &c);
        pa__limits_take(&l, "x", 8, 0);
        pa__limits_observe(&l, CURLE_OK, 503, 5000);
        assert_true(l.window == 16);
}

static void request_bucket_paces(void **state)
{
        struct pa_sched_conf c = {.concurrency = 64, .rpm = 120}; /* 2 per second */
        struct pa_limits l;
        int started = 0;

        (void)state;
        pa__limits_init(&l, &c);
        /* Over ten simulated seconds, in 10 ms steps, about 2 per second start. */
        for (double t = 1; t <= 10000; t += 10) {
                while (pa__limits_allow(&l, 0, t)) {
                        pa__limits_take(&l, "x", 8, t);
                        pa__limits_observe(&l, CURLE_OK, 200, t);
                        started++;
                }
        }
        assert_in_range(started, 20, 22);
        assert_true(pa__limits_wait_ms(&l, 10000) > 0);
        assert_true(pa__limits_wait_ms(&l, 10000) <= 500);
}

static void token_bucket_counts_prompt_and_answer(void **state)
{
        struct pa_sched_conf c = {.concurrency = 64, .tpm = 60000}; /* 1000 per second */
        struct pa_limits l;

        (void)state;
        pa__limits_init(&l, &c);
        assert_true(pa__limits_allow(&l, 0, 1));
        /* 400 bytes ~ 100 tokens + 900 answer tokens spend the second's worth. */
        pa__limits_take(&l,
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
}

/* Peak-EWMA: the faster endpoint wins while its expected wait is less. */
static void endpoints_prefer_the_faster(void **state)
{
        struct pa__endpoints es;
        size_t slow, fast;

        (void)state;
        assert_int_equal(pa__endpoints_init(&es, 2), 0);
        /* Both untried: one probe each (half-open), then neither is ready. */
        slow = pa__endpoints_pick(&es, 0);
        pa__endpoints_start(&es, slow);
        assert_true(pa__endpoints_ready(&es, 0));
        fast = pa__endpoints_pick(&es, 0);
        assert_true(fast != slow);
        pa__endpoints_start(&es, fast);
        assert_false(pa__endpoints_ready(&es, 0));
        assert_true(pa__endpoints_wait_ms(&es, 0) < 0); /* an answer will tell */
        pa__endpoints_end(&es, fast, CURLE_OK, 200, 25, 25);
        pa__endpoints_end(&es, slow, CURLE_OK, 200, 100, 100);
        /* One at a time: always the faster. */
        for (int k = 0; k < 10; k++)
                assert_true(pa__endpoints_pick(&es, 200) == fast);
        /* The faster takes requests while (n + 1) x 25 <= 100. */
        for (int k = 0; k < 3; k++)
                pa__endpoints_start(&es, pa__endpoints_pick(&es, 200));
        assert_int_equal(es.ep[fast].in_flight, 3);
        pa__endpoints_start(&es, pa__endpoints_pick(&es, 200));
        pa__endpoints_start(&es, pa__endpoints_pick(&es, 200));
        assert_int_equal(es.ep[slow].in_flight, 1);
        /* The slow one's estimate decays while it is not heard from: after
         * 3 time constants (100 ms x e^-3 = 5 ms) it is tried again. */
        for (int k = 0; k < 4; k++)
                pa__endpoints_end(&es, fast, CURLE_OK, 200, 25, 200 + 3 * EP_TAU_MS);
        assert_true(pa__endpoints_pick(&es, 200 + 3 * EP_TAU_MS) == slow);
        assert_int_equal(es.ep[fast].st.attempts, 5);
        assert_int_equal(es.ep[fast].st.answers, 5);
        pa__endpoints_release(&es);
}

/* A failing endpoint's circuit: open 1 s, one probe, open 2 s, closed by
 * an answer; failures of requests sent before it opened do not extend it. */
static void endpoint_circuit_opens_probes_and_closes(void **state)
{
        struct pa__endpoints es;

        (void)state;
        assert_int_equal(pa__endpoints_init(&es, 2), 0);
        es.ep[0].proven = es.ep[1].proven = true;
        pa__endpoints_start(&es, 0);
        pa__endpoints_start(&es, 0);
        pa__endpoints_end(&es, 0, CURLE_COULDNT_CONNECT, 0, 1, 100);
        pa__endpoints_end(&es, 0, CURLE_OK, 502, 1, 101);
        assert_int_equal(es.ep[0].st.opened, 1);
        assert_int_equal(es.ep[0].st.failures, 2);
        for (double t = 100; t < 1100; t += 100)
                assert_true(pa__endpoints_pick(&es, t) == 1);
        /* Half-open at 1.1 s: one probe, then not ready while it runs. */
        pa__endpoints_start(&es, 1);
        assert_true(pa__endpoints_pick(&es, 1101) == 0);
        pa__endpoints_start(&es, 0);
        es.ep[1].in_flight--;
        es.ep[1].proven = false; /* only the probe may be in flight now */
        pa__endpoints_start(&es, 1);
        assert_false(pa__endpoints_ready(&es, 1102));
        pa__endpoints_end(&es, 0, CURLE_OPERATION_TIMEDOUT, 0, 1, 1200);
        assert_int_equal(es.ep[0].st.opened, 2);
        assert_true(es.ep[0].open_until >= 1200 + 2000);
        /* 1's probe runs; 0 is open with nothing in flight: its reopening. */
        assert_true(fabs(pa__endpoints_wait_ms(&es, 1300) - 1900) < 1e-6);
        pa__endpoints_end(&es, 1, CURLE_OK, 200, 5, 1300);
        assert_true(pa__endpoints_pick(&es, 1300) == 1);
        /* 0's probe answers: closed, chosen again, counted. */
        pa__endpoints_start(&es, 0);
        pa__endpoints_end(&es, 0, CURLE_OK, 400, 3, 3300);
        assert_int_equal(es.ep[0].fails, 0);
        assert_int_equal(es.ep[0].st.answers, 1);
        assert_true(pa__endpoints_ready(&es, 3300));
        pa__endpoints_release(&es);
}

/* Every endpoint failing its probes: gone; one answer: not. */
static void endpoints_gone_after_three_openings_each(void **state)
{
        struct pa__endpoints es;
        double t = 0;

        (void)state;
        assert_int_equal(pa__endpoints_init(&es, 2), 0);
        for (unsigned k = 0; k < EP_GONE_FAILS; k++) {
                for (size_t i = 0; i < 2; i++) {
                        assert_false(pa__endpoints_gone(&es));
                        assert_true(pa__endpoints_ready(&es, t));
                        pa__endpoints_start(&es, i);
                        pa__endpoints_end(&es, i, CURLE_COULDNT_CONNECT, 0, 1, t);
                }
                t += 40000; /* past any open time */
        }
        assert_true(pa__endpoints_gone(&es));
        pa__endpoints_start(&es, 0);
        pa__endpoints_end(&es, 0, CURLE_OK, 200, 1, t);
        assert_false(pa__endpoints_gone(&es));
        pa__endpoints_release(&es);
}

/* One endpoint: no circuit, always ready. */
static void one_endpoint_has_no_circuit(void **state)
{
        struct pa__endpoints es;

        (void)state;
        assert_int_equal(pa__endpoints_init(&es, 1), 0);
        for (int k = 0; k < 5; k++) {
                pa__endpoints_start(&es, pa__endpoints_pick(&es, k));
                pa__endpoints_end(&es, 0, CURLE_COULDNT_CONNECT, 0, 1, k);
                assert_true(pa__endpoints_ready(&es, k));
        }
        assert_int_equal(es.ep[0].st.opened, 0);
        pa__endpoints_release(&es);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(backoff_is_full_jitter_with_cap),
            cmocka_unit_test(window_halves_on_overload_and_grows_back),
            cmocka_unit_test(request_bucket_paces),
            cmocka_unit_test(token_bucket_counts_prompt_and_answer),
            cmocka_unit_test(endpoints_prefer_the_faster),
            cmocka_unit_test(endpoint_circuit_opens_probes_and_closes),
            cmocka_unit_test(one_endpoint_has_no_circuit),
            cmocka_unit_test(endpoints_gone_after_three_openings_each),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

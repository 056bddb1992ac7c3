#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "parity/common.h"

static void errf_formats_and_returns_code(void **state)
{
        struct pa_err err;

        (void)state;
        assert_int_equal(pa_errf(&err, PA_EINVAL, "suite '%s': %d", "x.json", 3), PA_EINVAL);
        assert_string_equal(err.msg, "suite 'x.json': 3");
        assert_int_equal(pa_errf(NULL, PA_EIO, "ignored"), PA_EIO);
        assert_string_equal(pa_strerror(PA_ENOMEM), "out of memory");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(errf_formats_and_returns_code),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

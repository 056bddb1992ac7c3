/* Error codes and the error buffer (include/parity/common.h). */
#include <stdarg.h>
#include <stdio.h>

#include "parity/common.h"

const char *pa_strerror(int code)
{
        switch (code) {
        case PA_OK:
                return "success";
        case PA_EINVAL:
                return "invalid input";
        case PA_ENOMEM:
                return "out of memory";
        case PA_EIO:
                return "input/output error";
        case PA_ENET:
                return "network error";
        case PA_EPROTO:
                return "protocol error";
        case PA_ENOTSUP:
                return "not supported";
        case PA_EEXIST:
                return "already exists";
        }
        return "unknown error";
}

int pa_errf(struct pa_err *err, int code, const char *fmt, ...)
{
        va_list ap;

        if (!err)
                return code;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
        return code;
}

/* parity: shared error codes and the caller-owned error buffer.
 *
 * Every fallible function returns 0 or a negative PA_E* code; when it is
 * given a struct pa_err it writes one line there that names the file,
 * line or field and what was expected (git's "error: suite 'x': ..."). */
#ifndef PARITY_COMMON_H
#define PARITY_COMMON_H

#include <stddef.h>

#define PA_VERSION "0.1.0"

enum pa_errcode {
        PA_OK = 0,
        PA_EINVAL = -1,  /* bad input: suite, option, record */
        PA_ENOMEM = -2,  /* allocation failed */
        PA_EIO = -3,     /* file system */
        PA_ENET = -4,    /* transport */
        PA_EPROTO = -5,  /* a server answered something unparseable */
        PA_ENOTSUP = -6, /* feature not built or not offered */
        PA_EEXIST = -7,  /* refusing to overwrite */
};

struct pa_err {
        char msg[1024];
};

/* Static string for a PA_E* code. */
const char *pa_strerror(int code);

/* Formats into err (which may be NULL) and returns code, so callers can
 * write "return pa_errf(err, PA_EINVAL, ...)". */
int pa_errf(struct pa_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif

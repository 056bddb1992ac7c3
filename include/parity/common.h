/* parity: shared error codes and the caller-owned error buffer.
 *
 * Every fallible function returns 0 or a negative PA_E* code; when it is
 * given a struct pa_err it writes one line there that names the file,
 * line or field and what was expected (git's "error: suite 'x': ..."). */
#ifndef PARITY_COMMON_H
#define PARITY_COMMON_H

#include <stddef.h>

#define PA_VERSION "0.1.0"

/* The process's exit status (README "Exit status"): 0 ok, 1 a gate failed
 * or a folder has findings, 2 usage or input error, 3 answers are missing
 * (an incomplete run, or a command refusing one), 4 verify found a signed
 * folder intact but had no trust root to check its signer against, 5 a
 * gate that was set could not have failed (every comparison it covers is
 * untestable, or it covers none), 128 + signal when interrupted. */
enum pa_exit {
        PA_EXIT_OK = 0,
        PA_EXIT_GATE = 1,
        PA_EXIT_USAGE = 2,
        PA_EXIT_INCOMPLETE = 3,
        PA_EXIT_UNCHECKED = 4,
        PA_EXIT_UNTESTABLE = 5,
};

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
        char msg[8192]; /* a suite's errors: up to 20 lines */
};

/* Static string for a PA_E* code. */
const char *pa_strerror(int code);

/* Formats into err (which may be NULL) and returns code, so callers can
 * write "return pa_errf(err, PA_EINVAL, ...)". */
int pa_errf(struct pa_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif

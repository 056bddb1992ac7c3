/* Files from untrusted places opened for what they claim to be: a regular
 * file (never a FIFO, device or, where asked, a symlink), read up to a cap;
 * paths a suite names kept inside its folder; names and parser messages
 * made safe to print. */
#ifndef PA_SAFE_FILE_H
#define PA_SAFE_FILE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "parity/common.h"

enum {
        PA_OPEN_FOLLOW = 1, /* a symlink as the last component is followed (user-named files) */
};

/* Opens path read-only with O_NONBLOCK (a FIFO never blocks the open)
 * and O_NOFOLLOW unless PA_OPEN_FOLLOW, then fstat: anything but a
 * regular file, or one larger than max bytes (0: no cap), is refused with
 * PA_EINVAL. *fd (blocking again) is the caller's to close. what names
 * the file in the message; its content is never quoted. */
int pa__open_regular(const char *path, const char *what, unsigned flags, uint64_t max, int *fd,
                     struct pa_err *err);
/* Reads an open file whole, at most max bytes (PA_EINVAL past it);
 * *data (NUL-terminated) is owned by the caller. */
int pa__read_fd_capped(int fd, const char *what, uint64_t max, char **data, size_t *len,
                       struct pa_err *err);
/* A read stream over fd that ends after max bytes (0: at the file's end),
 * so even a line without its newline cannot be read past max; closing it
 * closes fd. NULL on failure (fd then still open). */
FILE *pa__fdopen_capped(int fd, uint64_t max);
/* pa__open_regular then pa__read_fd_capped. */
int pa__read_regular(const char *path, const char *what, unsigned flags, uint64_t max, char **data,
                     size_t *len, struct pa_err *err);
/* JSON from a regular file of at most max bytes, opened as by
 * pa__open_regular, into *out (a new reference); the sha256 of its bytes
 * into sha when not NULL. Errors name what, line and column, never the
 * bytes of the file. */
int pa__json_load_regular(const char *path, const char *what, unsigned flags, uint64_t max,
                          size_t jflags, json_t **out, char *sha, struct pa_err *err);
/* jansson's message without the "near '...'" that quotes the input. */
const char *pa__json_why(const json_error_t *je, char *out, size_t cap);

/* rel resolved against dir (symlinks resolved) into *out (malloc'ed);
 * PA_EINVAL with *why set when rel is absolute or the result leaves dir,
 * unless outside_ok; PA_EIO when it does not exist. */
int pa__path_inside(const char *dir, const char *rel, bool outside_ok, char **out,
                    const char **why);

/* The n bytes of s with control bytes, DEL, backslash and invalid UTF-8
 * as \xHH (valid UTF-8 kept, but C1 controls escaped), NUL-terminated in out (cut to fit cap), so
 * a printed name or server byte cannot forge a line or move the cursor. */
void pa__esc(const char *s, size_t n, char *out, size_t cap);

#endif

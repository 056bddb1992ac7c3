/* evaluator/util/: what every module uses and nothing else: errors, hashing, files, time, capped
 * buffers. */
/* Private helpers shared by the evaluator modules: hashing, files, time,
 * and a growing buffer with a size cap (curl's dynbuf: data from the
 * network never grows without bound). */
#ifndef PA_UTIL_H
#define PA_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "parity/common.h"

#define PA_SHA256_HEX 65

struct pa_buf {
        char *p;
        size_t len, cap, max;
};

void pa__buf_init(struct pa_buf *b, size_t max);
/* Returns PA_ENOMEM, or PA_EINVAL when the cap would be passed. */
int pa__buf_add(struct pa_buf *b, const void *data, size_t len);
/* Room for n more bytes (and the terminating NUL), so a text of known
 * size grows once; the same returns. */
int pa__buf_reserve(struct pa_buf *b, size_t n);

/* An array *v of *cap elements of size bytes with room for one more than
 * n: doubled (first: `first` elements) when full. 0 or PA_ENOMEM (*v and
 * *cap unchanged). */
int pa__grow(void *v, size_t *cap, size_t n, size_t size, size_t first);
void pa__buf_reset(struct pa_buf *b);
void pa__buf_release(struct pa_buf *b);

/* Sorts base[0, n) of elements of size bytes in place, allocating nothing
 * (sort.c): cmp(a, b, ud) as qsort_r's. Not stable. */
typedef int (*pa__cmp_fn)(const void *a, const void *b, void *ud);
void pa__sort_r(void *base, size_t n, size_t size, pa__cmp_fn cmp, void *ud);

/* Allocator settings for the whole process, called first by main(): large
 * blocks go back to the system when freed (memory.c). */
void pa__memory_setup(void);
void pa__memory_trim(void);

void pa__sha256_hex(const void *data, size_t len, char out[PA_SHA256_HEX]);
int pa__sha256_file(const char *path, char out[PA_SHA256_HEX], struct pa_err *err);
/* sha256 of a stream read once: begin (NULL: out of memory), add its bytes,
 * end, which writes the digest and frees the state. */
void *pa__sha256_begin(void);
void pa__sha256_add(void *h, const void *data, size_t len);
void pa__sha256_end(void *h, char out[PA_SHA256_HEX]);

/* The most pa__read_file reads. */
#define PA_READ_MAX_BYTES ((uint64_t)256 << 20)
/* Reads a whole regular file (never a FIFO or device: refused, PA_EINVAL)
 * of at most PA_READ_MAX_BYTES; *data is NUL-terminated and owned by the
 * caller. */
int pa__read_file(const char *path, char **data, size_t *len, struct pa_err *err);
/* Writes via a temporary file and rename(2), so readers see old or new. */
int pa__write_file_atomic(const char *path, const char *data, size_t len, struct pa_err *err);
int pa__copy_file(const char *from, const char *to, struct pa_err *err);
/* Copies the open file fd (from its start) to `to` like pa__copy_file;
 * when want is not NULL the bytes must have that sha256 (PA_EINVAL and no
 * `to` otherwise). */
int pa__copy_fd(int fd, const char *to, const char *want, struct pa_err *err);
int pa__mkdir_p(const char *path, struct pa_err *err);
/* 1 when path is missing or an empty directory, 0 otherwise. */
int pa__dir_is_vacant(const char *path);

/* Returns a malloc'ed "a/b" (b as is when absolute); NULL on ENOMEM. */
char *pa__path_join(const char *a, const char *b);
/* Returns a malloc'ed directory part of path ("." when none). */
char *pa__dirname(const char *path);
const char *pa__basename(const char *path);

/* Length of the valid UTF-8 sequence of a byte >= 0x80 at p (2-4), or 0. */
size_t pa__utf8_len(const unsigned char *p, size_t n);

/* UTC time as 2026-11-26T23:27:33Z. */
void pa__now_iso(char out[32]);
double pa__mono_ms(void);

/* Bounded number parsing (strtonum-like); 0 or PA_EINVAL. */
int pa__parse_long(const char *s, long min, long max, long *out);
int pa__parse_double(const char *s, double min, double max, double *out);

#endif

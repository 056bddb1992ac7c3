/* Private helpers (util.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "safe_file.h"
#include "util.h"

void pa__buf_init(struct pa_buf *b, size_t max)
{
        b->p = NULL;
        b->len = b->cap = 0;
        b->max = max;
}

int pa__buf_reserve(struct pa_buf *b, size_t n)
{
        size_t cap = b->cap ? b->cap : 256;
        char *p;

        if (n > b->max || b->len > b->max - n)
                return PA_EINVAL;
        if (b->len + n + 1 <= b->cap)
                return 0;
        while (cap < b->len + n + 1)
                cap *= 2;
        if (!(p = realloc(b->p, cap)))
                return PA_ENOMEM;
        if (!b->p)
                p[0] = '\0';
        b->p = p;
        b->cap = cap;
        return 0;
}

int pa__grow(void *v, size_t *cap, size_t n, size_t size, size_t first)
{
        void *old, *p;
        size_t want = *cap ? 2 * *cap : first;

        if (n < *cap)
                return 0;
        memcpy(&old, v, sizeof(old)); /* v is a T **: read it as the void * it holds */
        if (want < *cap || want > SIZE_MAX / size || !(p = realloc(old, want * size)))
                return PA_ENOMEM;
        memcpy(v, &p, sizeof(p));
        *cap = want;
        return 0;
}

int pa__buf_add(struct pa_buf *b, const void *data, size_t len)
{
        int rc = pa__buf_reserve(b, len);

        if (rc)
                return rc;
        memcpy(b->p + b->len, data, len);
        b->len += len;
        b->p[b->len] = '\0';
        return 0;
}

void pa__buf_reset(struct pa_buf *b)
{
        b->len = 0;
        if (b->p)
                b->p[0] = '\0';
}

void pa__buf_release(struct pa_buf *b)
{
        free(b->p);
        pa__buf_init(b, b->max);
}

/* Two hex digits a byte from one table: three hashes a request. */
#define PA_HEXD(v) ((v) < 10 ? '0' + (v) : 'a' + (v)-10)
#define PA_HEX2(x) PA_HEXD((x) >> 4), PA_HEXD((x)&15)
#define PA_HEX8(x)                                                                                 \
        PA_HEX2(x), PA_HEX2(x + 1), PA_HEX2(x + 2), PA_HEX2(x + 3), PA_HEX2(x + 4),                \
            PA_HEX2(x + 5), PA_HEX2(x + 6), PA_HEX2(x + 7)
#define PA_HEX32(x) PA_HEX8(x), PA_HEX8(x + 8), PA_HEX8(x + 16), PA_HEX8(x + 24)

static const char hex_pairs[512] = {PA_HEX32(0),   PA_HEX32(32),  PA_HEX32(64),  PA_HEX32(96),
                                    PA_HEX32(128), PA_HEX32(160), PA_HEX32(192), PA_HEX32(224)};

static void hex(const unsigned char *md, unsigned n, char *out)
{
        for (unsigned i = 0; i < n; i++)
                memcpy(out + 2 * i, hex_pairs + 2 * md[i], 2);
        out[2 * n] = '\0';
}

static EVP_MD *sha256_md;
static pthread_key_t ctx_key;
static bool have_ctx_key;

static void free_ctx(void *ctx)
{
        EVP_MD_CTX_free(ctx);
}

static void fetch_sha256(void)
{
        sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
        have_ctx_key = pthread_key_create(&ctx_key, free_ctx) == 0;
}

/* OpenSSL 3 looks the algorithm up on every EVP_sha256() digest; case ids
 * hash once a request, so fetch it once. */
static const EVP_MD *sha256(void)
{
        static pthread_once_t once = PTHREAD_ONCE_INIT;

        pthread_once(&once, fetch_sha256);
        return sha256_md ? sha256_md : EVP_sha256();
}

/* The calling thread's digest context, kept for its next hash (freed when
 * the thread ends): EVP_Digest() allocates and sets one up each time,
 * which costs as much as hashing a 500-byte record. NULL when none. */
static EVP_MD_CTX *thread_ctx(void)
{
        EVP_MD_CTX *ctx;

        if (!sha256() || !have_ctx_key) /* sha256() creates the key once */
                return NULL;
        if ((ctx = pthread_getspecific(ctx_key)))
                return ctx;
        if (!(ctx = EVP_MD_CTX_new()) || pthread_setspecific(ctx_key, ctx) != 0) {
                EVP_MD_CTX_free(ctx);
                return NULL;
        }
        return ctx;
}

void pa__sha256_hex(const void *data, size_t len, char out[PA_SHA256_HEX])
{
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned n = 0;
        EVP_MD_CTX *ctx = thread_ctx();

        if (!ctx || !EVP_DigestInit_ex2(ctx, sha256(), NULL) || !EVP_DigestUpdate(ctx, data, len) ||
            !EVP_DigestFinal_ex(ctx, md, &n))
                n = EVP_Digest(data, len, md, &n, sha256(), NULL) ? n : 0;
        hex(md, n, out);
}

int pa__sha256_file(const char *path, char out[PA_SHA256_HEX], struct pa_err *err)
{
        unsigned char md[EVP_MAX_MD_SIZE], chunk[65536];
        unsigned n = 0;
        size_t got;
        int rc = PA_EIO;
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        int fd = -1;
        FILE *f = pa__open_regular(path, "file", PA_OPEN_FOLLOW, 0, &fd, NULL) == 0
                      ? fdopen(fd, "rb")
                      : NULL;

        if (!f && fd >= 0)
                close(fd);
        if (!f || !ctx) {
                pa_errf(err, PA_EIO, "cannot read '%s': %s", path, strerror(errno));
                goto fail;
        }
        EVP_DigestInit_ex(ctx, sha256(), NULL);
        while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
                EVP_DigestUpdate(ctx, chunk, got);
        if (ferror(f)) {
                pa_errf(err, PA_EIO, "cannot read '%s': %s", path, strerror(errno));
                goto fail;
        }
        EVP_DigestFinal_ex(ctx, md, &n);
        hex(md, n, out);
        rc = 0;
fail:
        if (f)
                fclose(f);
        EVP_MD_CTX_free(ctx);
        return rc;
}

void *pa__sha256_begin(void)
{
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();

        if (ctx && !EVP_DigestInit_ex(ctx, sha256(), NULL)) {
                EVP_MD_CTX_free(ctx);
                return NULL;
        }
        return ctx;
}

void pa__sha256_add(void *h, const void *data, size_t len)
{
        EVP_DigestUpdate(h, data, len);
}

void pa__sha256_end(void *h, char out[PA_SHA256_HEX])
{
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned n = 0;

        EVP_DigestFinal_ex(h, md, &n);
        hex(md, n, out);
        EVP_MD_CTX_free(h);
}

int pa__read_file(const char *path, char **data, size_t *len, struct pa_err *err)
{
        char what[PATH_MAX + 2];
        size_t n = 0;
        int fd, rc;

        snprintf(what, sizeof(what), "'%s'", path);
        if ((rc = pa__open_regular(path, what, PA_OPEN_FOLLOW, PA_READ_MAX_BYTES, &fd, err)))
                return rc;
        rc = pa__read_fd_capped(fd, what, PA_READ_MAX_BYTES, data, &n, err);
        close(fd);
        if (rc == 0 && len)
                *len = n;
        return rc;
}

int pa__write_file_atomic(const char *path, const char *data, size_t len, struct pa_err *err)
{
        char tmp[PATH_MAX];
        FILE *f;

        if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
                return pa_errf(err, PA_EINVAL, "path too long: '%s'", path);
        f = fopen(tmp, "wb");
        if (!f)
                return pa_errf(err, PA_EIO, "cannot write '%s': %s", tmp, strerror(errno));
        if (fwrite(data, 1, len, f) != len || fflush(f) != 0 || fsync(fileno(f)) != 0) {
                fclose(f);
                unlink(tmp);
                return pa_errf(err, PA_EIO, "cannot write '%s': %s", tmp, strerror(errno));
        }
        if (fclose(f) != 0 || rename(tmp, path) != 0) {
                unlink(tmp);
                return pa_errf(err, PA_EIO, "cannot write '%s': %s", path, strerror(errno));
        }
        return 0;
}

/* Streamed (an items file may be large) through pread, so the open
 * file's position is left alone. */
/* A new file, never through a symlink nor over one left in its place. */
static FILE *create_excl(const char *path)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;

        if (fd >= 0 && !f)
                close(fd);
        return f;
}

int pa__copy_fd(int fd, const char *to, const char *want, struct pa_err *err)
{
        char tmp[PATH_MAX], chunk[65536], got_hex[PA_SHA256_HEX];
        void *h = pa__sha256_begin();
        FILE *f = NULL;
        off_t at = 0;
        ssize_t got;
        int rc = PA_EIO;

        if (snprintf(tmp, sizeof(tmp), "%s.tmp", to) >= (int)sizeof(tmp))
                rc = pa_errf(err, PA_EINVAL, "path too long: '%s'", to);
        else if (!h)
                rc = pa_errf(err, PA_ENOMEM, "out of memory");
        else if ((unlink(tmp) != 0 && errno != ENOENT) || !(f = create_excl(tmp)))
                rc = pa_errf(err, PA_EIO, "cannot write '%s': %s", tmp, strerror(errno));
        if (!f)
                goto out;
        while ((got = pread(fd, chunk, sizeof(chunk), at)) > 0) {
                pa__sha256_add(h, chunk, (size_t)got);
                if (fwrite(chunk, 1, (size_t)got, f) != (size_t)got)
                        break;
                at += got;
        }
        pa__sha256_end(h, got_hex);
        h = NULL;
        if (got != 0 || fflush(f) != 0 || fsync(fileno(f)) != 0)
                rc = pa_errf(err, PA_EIO, "cannot copy to '%s': %s", tmp, strerror(errno));
        else if (want && strcmp(want, got_hex))
                rc = pa_errf(err, PA_EINVAL, "cannot copy to '%s': its source changed", to);
        else
                rc = 0;
        if (fclose(f) != 0 && rc == 0)
                rc = pa_errf(err, PA_EIO, "cannot write '%s': %s", tmp, strerror(errno));
        if (rc == 0 && rename(tmp, to) != 0)
                rc = pa_errf(err, PA_EIO, "cannot write '%s': %s", to, strerror(errno));
        if (rc)
                unlink(tmp);
out:
        if (h)
                pa__sha256_end(h, got_hex);
        return rc;
}

int pa__copy_file(const char *from, const char *to, struct pa_err *err)
{
        char what[PATH_MAX + 2];
        int fd, rc;

        snprintf(what, sizeof(what), "'%s'", from);
        if ((rc = pa__open_regular(from, what, PA_OPEN_FOLLOW, 0, &fd, err)))
                return rc;
        rc = pa__copy_fd(fd, to, NULL, err);
        close(fd);
        return rc;
}

int pa__mkdir_p(const char *path, struct pa_err *err)
{
        char buf[PATH_MAX];
        size_t n = strlen(path);

        if (n == 0 || n >= sizeof(buf))
                return pa_errf(err, PA_EINVAL, "bad folder name '%s'", path);
        memcpy(buf, path, n + 1);
        for (char *p = buf + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = '\0';
                if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                        return pa_errf(err, PA_EIO, "cannot create '%s': %s", buf, strerror(errno));
                *p = '/';
        }
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return pa_errf(err, PA_EIO, "cannot create '%s': %s", buf, strerror(errno));
        return 0;
}

int pa__dir_is_vacant(const char *path)
{
        struct dirent *de;
        int vacant = 1;
        DIR *d = opendir(path);

        if (!d)
                return errno == ENOENT;
        while ((de = readdir(d))) {
                if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
                        vacant = 0;
                        break;
                }
        }
        closedir(d);
        return vacant;
}

char *pa__path_join(const char *a, const char *b)
{
        size_t la = strlen(a), lb = strlen(b);
        char *p;

        if (b[0] == '/' || la == 0)
                return strdup(b);
        p = malloc(la + lb + 2);
        if (!p)
                return NULL;
        memcpy(p, a, la);
        p[la] = '/';
        memcpy(p + la + 1, b, lb + 1);
        return p;
}

char *pa__dirname(const char *path)
{
        const char *slash = strrchr(path, '/');

        if (!slash)
                return strdup(".");
        if (slash == path)
                return strdup("/");
        return strndup(path, (size_t)(slash - path));
}

const char *pa__basename(const char *path)
{
        const char *slash = strrchr(path, '/');

        return slash ? slash + 1 : path;
}

void pa__now_iso(char out[32])
{
        struct timespec ts;
        struct tm tm;

        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

double pa__mono_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int pa__parse_long(const char *s, long min, long max, long *out)
{
        char *end;
        long v;

        errno = 0;
        v = strtol(s, &end, 10);
        if (errno || end == s || *end || v < min || v > max)
                return PA_EINVAL;
        *out = v;
        return 0;
}

int pa__parse_double(const char *s, double min, double max, double *out)
{
        char *end;
        double v;

        errno = 0;
        v = strtod(s, &end);
        if (errno || end == s || *end || !isfinite(v) || v < min || v > max)
                return PA_EINVAL;
        *out = v;
        return 0;
}

size_t pa__utf8_len(const unsigned char *p, size_t n)
{
        unsigned c = p[0];
        size_t len = c < 0xc2 ? 0 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : c < 0xf5 ? 4 : 0;

        if (!len || len > n)
                return 0;
        for (size_t i = 1; i < len; i++)
                if ((p[i] & 0xc0) != 0x80)
                        return 0;
        /* Overlong forms, surrogates and code points past U+10FFFF. */
        if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f) ||
            (c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] > 0x8f))
                return 0;
        return len;
}

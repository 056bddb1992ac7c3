/* Files opened for what they claim to be (safe_file.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safe_file.h"
#include "util.h"

static const char *kind_of(mode_t m)
{
        if (S_ISDIR(m))
                return "a directory";
        if (S_ISFIFO(m))
                return "a FIFO";
        if (S_ISCHR(m) || S_ISBLK(m))
                return "a device";
        if (S_ISSOCK(m))
                return "a socket";
        return "not a regular file";
}

int pa__open_regular(const char *path, const char *what, unsigned flags, uint64_t max, int *fd,
                     struct pa_err *err)
{
        int o = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, f, fl;
        struct stat st;

        *fd = -1;
        if (!(flags & PA_OPEN_FOLLOW))
                o |= O_NOFOLLOW;
        if ((f = open(path, o)) < 0) {
                if (errno == ELOOP)
                        return pa_errf(err, PA_EINVAL, "%s: is a symlink, expected a regular file",
                                       what);
                return pa_errf(err, PA_EIO, "%s: cannot open: %s", what, strerror(errno));
        }
        if (fstat(f, &st) != 0) {
                close(f);
                return pa_errf(err, PA_EIO, "%s: cannot stat: %s", what, strerror(errno));
        }
        if (!S_ISREG(st.st_mode)) {
                close(f);
                return pa_errf(err, PA_EINVAL, "%s: is %s, expected a regular file", what,
                               kind_of(st.st_mode));
        }
        if (max && (uint64_t)st.st_size > max) {
                close(f);
                return pa_errf(err, PA_EINVAL, "%s: %lld bytes, expected at most %llu", what,
                               (long long)st.st_size, (unsigned long long)max);
        }
        /* Blocking again: a regular file's reads never wait anyway. */
        if ((fl = fcntl(f, F_GETFL)) < 0 || fcntl(f, F_SETFL, fl & ~O_NONBLOCK) < 0) {
                close(f);
                return pa_errf(err, PA_EIO, "%s: %s", what, strerror(errno));
        }
        *fd = f;
        return 0;
}

int pa__read_fd_capped(int fd, const char *what, uint64_t max, char **data, size_t *len,
                       struct pa_err *err)
{
        struct pa_buf b;
        char chunk[65536];
        ssize_t got;
        int rc = 0;

        pa__buf_init(&b, max ? (size_t)max : SIZE_MAX / 2);
        if ((rc = pa__buf_reserve(&b, 0)))
                return pa_errf(err, rc, "%s: out of memory", what);
        while ((got = read(fd, chunk, sizeof(chunk))) != 0) {
                if (got < 0 && errno == EINTR)
                        continue;
                if (got < 0) {
                        rc = pa_errf(err, PA_EIO, "%s: cannot read: %s", what, strerror(errno));
                        break;
                }
                if ((rc = pa__buf_add(&b, chunk, (size_t)got))) {
                        rc = rc == PA_EINVAL ? pa_errf(err, rc, "%s: larger than %llu bytes", what,
                                                       (unsigned long long)max)
                                             : pa_errf(err, rc, "%s: out of memory", what);
                        break;
                }
        }
        if (rc) {
                pa__buf_release(&b);
                return rc;
        }
        *data = b.p;
        *len = b.len;
        return 0;
}

struct capped {
        int fd;
        uint64_t left;
};

static ssize_t capped_read(void *c, char *buf, size_t n)
{
        struct capped *k = c;
        ssize_t got;

        if (k->left < n)
                n = (size_t)k->left;
        if (n == 0)
                return 0;
        if ((got = read(k->fd, buf, n)) > 0)
                k->left -= (uint64_t)got;
        return got;
}

static int capped_close(void *c)
{
        struct capped *k = c;
        int rc = close(k->fd);

        free(k);
        return rc;
}

FILE *pa__fdopen_capped(int fd, uint64_t max)
{
        cookie_io_functions_t io = {.read = capped_read, .close = capped_close};
        struct capped *k = malloc(sizeof(*k));
        FILE *f;

        if (!k)
                return NULL;
        *k = (struct capped){fd, max ? max : UINT64_MAX};
        if (!(f = fopencookie(k, "r", io)))
                free(k);
        return f;
}

int pa__read_regular(const char *path, const char *what, unsigned flags, uint64_t max, char **data,
                     size_t *len, struct pa_err *err)
{
        int fd, rc;

        if ((rc = pa__open_regular(path, what, flags, max, &fd, err)))
                return rc;
        rc = pa__read_fd_capped(fd, what, max, data, len, err);
        close(fd);
        return rc;
}

const char *pa__json_why(const json_error_t *je, char *out, size_t cap)
{
        const char *near = strstr(je->text, " near ");

        snprintf(out, cap, "%.*s", near ? (int)(near - je->text) : (int)strlen(je->text), je->text);
        return out;
}

int pa__json_load_regular(const char *path, const char *what, unsigned flags, uint64_t max,
                          size_t jflags, json_t **out, char *sha, struct pa_err *err)
{
        char *data = NULL, why[160];
        size_t len = 0;
        json_error_t je;
        int fd, rc;

        *out = NULL;
        if ((rc = pa__open_regular(path, what, flags, max, &fd, err)))
                return rc;
        rc = pa__read_fd_capped(fd, what, max, &data, &len, err);
        close(fd);
        if (rc)
                return rc;
        if (sha)
                pa__sha256_hex(data, len, sha);
        if (!(*out = json_loadb(data, len, jflags, &je)))
                rc = pa_errf(err, PA_EINVAL, "%s: %d:%d: %s", what, je.line, je.column,
                             pa__json_why(&je, why, sizeof(why)));
        free(data);
        return rc;
}

static bool is_under(const char *root, const char *p)
{
        size_t n = strlen(root);

        if (n == 1 && root[0] == '/')
                return true;
        return !strncmp(root, p, n) && (p[n] == '/' || p[n] == '\0');
}

int pa__path_inside(const char *dir, const char *rel, bool outside_ok, char **out, const char **why)
{
        char *joined = NULL, *real = NULL, *root = NULL;
        int rc = PA_EINVAL;

        *out = NULL;
        *why = NULL;
        if (!*rel) {
                *why = "expected a file name";
                return PA_EINVAL;
        }
        if (rel[0] == '/' && !outside_ok) {
                *why = "expected a path inside the suite's folder, not an absolute one "
                       "(--allow-outside-paths allows it)";
                return PA_EINVAL;
        }
        if (!(joined = pa__path_join(dir, rel)))
                return PA_ENOMEM;
        if (!(root = realpath(dir, NULL)) || !(real = realpath(joined, NULL))) {
                *why = "cannot be resolved (missing, or a folder on its way is)";
                rc = PA_EIO;
                goto out;
        }
        if (!outside_ok && !is_under(root, real)) {
                *why = "expected a path inside the suite's folder: it resolves outside it "
                       "(--allow-outside-paths allows it)";
                goto out;
        }
        *out = real;
        real = NULL;
        rc = 0;
out:
        free(joined);
        free(real);
        free(root);
        return rc;
}

void pa__esc(const char *s, size_t n, char *out, size_t cap)
{
        const unsigned char *p = (const unsigned char *)s;
        size_t o = 0;

        if (!cap)
                return;
        for (size_t i = 0; i < n && o + 5 < cap; i++) {
                size_t u = p[i] >= 0x80 ? pa__utf8_len(p + i, n - i) : 0;

                /* C1 controls (U+0080-U+009F): some terminals obey them. */
                if (u == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0)
                        u = 0;

                if (u && o + u < cap - 1) {
                        memcpy(out + o, p + i, u);
                        o += u;
                        i += u - 1;
                } else if (p[i] < 0x20 || p[i] == 0x7f || p[i] >= 0x80 || p[i] == '\\') {
                        o += (size_t)snprintf(out + o, cap - o, "\\x%02x", p[i]);
                } else {
                        out[o++] = (char)p[i];
                }
        }
        out[o] = '\0';
}

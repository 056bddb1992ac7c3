/* Temporary files and folders for parsers that read paths (fuzz.h): all
 * under one folder per process, removed at exit. */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

static char dir[64], path[128];

static int remove_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)st;
        (void)flag;
        (void)ftw;
        return remove(p) && errno != ENOENT ? -1 : 0;
}

static void remove_dir(void)
{
        if (dir[0])
                nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_tmp_dir(void)
{
        if (!dir[0]) {
                snprintf(dir, sizeof(dir), "/tmp/parity-fuzz-XXXXXX");
                if (!mkdtemp(dir)) {
                        dir[0] = '\0';
                        return NULL;
                }
                atexit(remove_dir);
        }
        return dir;
}

/* dir/rel's folders, made as needed. */
static int make_parents(const char *d, const char *rel, char *out, size_t cap)
{
        if ((size_t)snprintf(out, cap, "%s/%s", d, rel) >= cap)
                return -1;
        for (char *s = out + strlen(d) + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = '\0';
                if (mkdir(out, 0700) && errno != EEXIST)
                        return -1;
                *s = '/';
        }
        return 0;
}

int fuzz_write(const char *d, const char *rel, const uint8_t *data, size_t size)
{
        char p[1024];
        FILE *f;

        if (mkdir(d, 0700) && errno != EEXIST)
                return -1;
        if (make_parents(d, rel, p, sizeof(p)) || !(f = fopen(p, "wb")))
                return -1;
        if (size && fwrite(data, 1, size, f) != size) {
                fclose(f);
                return -1;
        }
        return fclose(f) ? -1 : 0;
}

int fuzz_copy(const char *from, const char *d, const char *rel)
{
        FILE *f = fopen(from, "rb");
        uint8_t *buf = NULL;
        long n;
        int rc = -1;

        if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
            (buf = malloc((size_t)n + 1)) && fread(buf, 1, (size_t)n, f) == (size_t)n)
                rc = fuzz_write(d, rel, buf, (size_t)n);
        if (f)
                fclose(f);
        free(buf);
        return rc;
}

void fuzz_remove(const char *d, const char *rel)
{
        char p[1024];

        if ((size_t)snprintf(p, sizeof(p), "%s/%s", d, rel) < sizeof(p))
                unlink(p);
}

const char *fuzz_tmp(const uint8_t *data, size_t size, const char *name)
{
        if (!fuzz_tmp_dir())
                return NULL;
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        return fuzz_write(dir, name, data, size) ? NULL : path;
}

void fuzz_tmp_done(void)
{
        if (path[0])
                unlink(path);
}

/* A temporary file per input, for parsers that read paths (fuzz.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

static char dir[64], path[128];

static void remove_dir(void)
{
        if (path[0])
                unlink(path);
        rmdir(dir);
}

const char *fuzz_tmp(const uint8_t *data, size_t size, const char *name)
{
        FILE *f;

        if (!dir[0]) {
                snprintf(dir, sizeof(dir), "/tmp/parity-fuzz-XXXXXX");
                if (!mkdtemp(dir))
                        return NULL;
                atexit(remove_dir);
        }
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        if (!(f = fopen(path, "wb")))
                return NULL;
        if (fwrite(data, 1, size, f) != size) {
                fclose(f);
                return NULL;
        }
        return fclose(f) == 0 ? path : NULL;
}

void fuzz_tmp_done(void)
{
        if (path[0])
                unlink(path);
}

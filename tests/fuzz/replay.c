/* Replays inputs through a fuzz target without libFuzzer: every file
 * named, and every file of every folder named (the seed corpus and the
 * crashes found before), so they run as an ordinary test under ASan and
 * UBSan. Exit 0 when all ran. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int run_file(const char *path)
{
        FILE *f = fopen(path, "rb");
        uint8_t *data = NULL;
        long n;

        if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
            !(data = malloc((size_t)n + 1)) || fread(data, 1, (size_t)n, f) != (size_t)n) {
                fprintf(stderr, "replay: cannot read '%s'\n", path);
                if (f)
                        fclose(f);
                free(data);
                return 1;
        }
        fclose(f);
        LLVMFuzzerTestOneInput(data, (size_t)n);
        free(data);
        return 0;
}

static int run_path(const char *path, size_t *n)
{
        struct stat st;
        struct dirent *de;
        DIR *d;
        int rc = 0;

        if (stat(path, &st) != 0)
                return fprintf(stderr, "replay: no '%s'\n", path), 1;
        if (!S_ISDIR(st.st_mode))
                return (*n)++, run_file(path);
        if (!(d = opendir(path)))
                return 1;
        while (rc == 0 && (de = readdir(d))) {
                char sub[4096];

                if (de->d_name[0] == '.')
                        continue;
                snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
                rc = run_path(sub, n);
        }
        closedir(d);
        return rc;
}

int main(int argc, char **argv)
{
        size_t n = 0;

        for (int i = 1; i < argc; i++)
                if (run_path(argv[i], &n))
                        return 1;
        printf("replayed %zu inputs\n", n);
        return n ? 0 : 1;
}

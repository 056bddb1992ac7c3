/* The readers of a run folder's files, through parity verify: the first
 * byte chooses the file the rest replaces in a copy of a real folder
 * (tests/data/report/base): manifest.json, summary.json, audit.json,
 * results.jsonl (their manifest entries updated, so verify reads them to
 * the end), attestation.intoto.json; or diff.json in a diff folder.
 * Never a crash, a hang, a leak; a folder that cannot be opened says why. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "parity/evidence.h"
#include "evaluator/evidence/evidence_int.h"
#include "evaluator/folder/suite_copy.h"
#include "evaluator/util/util.h"
#include "fuzz.h"

static const char *const files[] = {
    "manifest.json",           "summary.json", "audit.json", "results.jsonl",
    "attestation.intoto.json", "diff.json"};
#define N_MODES (sizeof(files) / sizeof(*files))

static char *dir, *diff_dir;
static json_t *manifest; /* the template's */
static FILE *devnull;

/* The template folder copied under the fuzz folder, once. */
static int setup(void)
{
        static const char *const copied[] = {"manifest.json", "summary.json", "audit.json",
                                             "results.jsonl", "suite/suite.json"};
        struct pa_err err = {{0}};
        const char *root = fuzz_tmp_dir();

        if (!root || !(dir = pa__path_join(root, "run")) ||
            !(diff_dir = pa__path_join(root, "diff")) || !(devnull = fopen("/dev/null", "w")))
                return -1;
        for (size_t i = 0; i < sizeof(copied) / sizeof(*copied); i++) {
                char from[512];

                snprintf(from, sizeof(from), "%s/report/base/%s", FUZZ_DATA, copied[i]);
                if (fuzz_copy(from, dir, copied[i]))
                        return -1;
        }
        return pa__manifest_read(dir, &manifest, &err) ? -1 : 0;
}

/* The manifest with name's entry saying data is what the folder holds. */
static int reseal(const char *name, const uint8_t *data, size_t size)
{
        char hex[PA_SHA256_HEX], *text;
        json_t *m = json_deep_copy(manifest);
        int rc = -1;

        pa__sha256_hex((const char *)data, size, hex);
        if (m &&
            !json_object_set_new(
                json_object_get(m, "files"), name,
                json_pack("{s:s, s:I}", "sha256", hex, "size", (json_int_t)size)) &&
            (text = json_dumps(m, JSON_INDENT(1) | JSON_SORT_KEYS))) {
                rc = fuzz_write(dir, "manifest.json", (const uint8_t *)text, strlen(text));
                free(text);
        }
        json_decref(m);
        return rc;
}

static void verify(const char *d, bool diff)
{
        struct pa_verify_opts o = {0};
        struct pa_err err = {{0}};
        size_t n = 0;
        int rc = diff ? pa__verify_diff_dir(d, devnull, &n, &err)
                      : pa_evidence_verify(d, &o, devnull, &n, &err);

        if (rc && rc != PA_ENOMEM && !err.msg[0])
                abort(); /* an unusable folder must say why */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *name;
        size_t mode;
        char from[512];

        if (size < 1 || (!dir && setup()))
                return 0;
        mode = data[0] % N_MODES;
        name = files[mode];
        data++;
        size--;
        if (mode == N_MODES - 1) {
                if (!fuzz_write(diff_dir, name, data, size))
                        verify(diff_dir, true);
                return 0;
        }
        if (fuzz_write(dir, name, data, size) || (mode > 0 && mode < 4 && reseal(name, data, size)))
                return 0;
        verify(dir, false);
        /* Back to the template for the next input. */
        snprintf(from, sizeof(from), "%s/report/base/%s", FUZZ_DATA, mode == 4 ? "" : name);
        if (mode == 4)
                fuzz_remove(dir, name);
        else if (fuzz_copy(from, dir, name))
                abort();
        if (mode > 0 && mode < 4 &&
            fuzz_copy(FUZZ_DATA "/report/base/manifest.json", dir, "manifest.json"))
                abort();
        return 0;
}

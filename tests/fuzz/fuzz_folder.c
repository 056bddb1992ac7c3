/* The readers of a run folder's files, through parity verify: the first
 * byte chooses the file the rest replaces in a real run folder: manifest.json, summary.json,
 * audit.json, results.jsonl (their manifest entries updated, so verify reads them to the end),
 * attestation.intoto.json; or diff.json in a diff folder. The folder is a tiny sim run made at
 * start, so verify is fast. Never a crash, a hang, a leak; a folder that cannot be opened says why.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "parity/evidence.h"
#include "evaluator/evidence/evidence_int.h"
#include "evaluator/folder/suite_copy.h"
#include "evaluator/run/run.h"
#include "evaluator/util/util.h"
#include "fuzz.h"

static const char *const files[] = {
    "manifest.json",           "summary.json", "audit.json", "results.jsonl",
    "attestation.intoto.json", "diff.json"};
#define N_MODES (sizeof(files) / sizeof(*files))

static char *dir, *diff_dir;
static json_t *manifest; /* the template's */
static FILE *devnull;

/* The template's files, kept to restore them after each input. */
static struct {
        char *text;
        size_t len;
} saved[4];

/* Two items, two groups, three samples: verify recomputes its summary
 * at thousands of inputs a second, unlike a large folder. */
static const char tiny_suite[] =
    "{\"parity_suite\":1,\"id\":\"fuzz\",\"version\":\"1\",\"axes\":{\"g\":{\"reference\":"
    "\"m\",\"groups\":{\"m\":{\"p\":\"man\"},\"w\":{\"p\":\"woman\"}}}},\"scorers\":{\"yes\":"
    "{\"type\":\"regex\",\"pattern\":\"^\\\\W*yes\\\\b\",\"flags\":\"i\"}},\"items\":[{\"id\":"
    "\"a\",\"axes\":[\"g\"],\"outcome\":\"yes\",\"prompt\":\"Is the {p} hired?\"},{\"id\":\"b\","
    "\"domain\":\"x\",\"axes\":[\"g\"],\"outcome\":\"yes\",\"prompt\":\"Should the {p} "
    "lead?\"}]}";

/* A sealed sim run of tiny_suite in dir, parity run's stdout silenced. */
static int make_run(const char *root)
{
        struct pa_run_conf c = {0};
        struct pa_err err = {{0}};
        char suite[512];
        int out = dup(STDOUT_FILENO), rc;

        snprintf(suite, sizeof(suite), "%s/suite.json", root);
        if (out < 0 ||
            fuzz_write(root, "suite.json", (const uint8_t *)tiny_suite, sizeof(tiny_suite) - 1))
                return -1;
        c.suite_path = suite;
        c.run_dir = dir;
        c.engine = (struct pa_engine_conf){
            .name = "sim", .has_seed = true, .seed = 1, .max_tokens = -1, .timeout_s = 120};
        c.samples = 3;
        c.concurrency = 1;
        c.alpha = 0.05;
        c.retry_max_s = 600;
        c.max_error_rate = 0.02;
        c.quiet = true;
        fflush(stdout);
        dup2(fileno(devnull), STDOUT_FILENO);
        rc = pa_run(&c, NULL, &err);
        fflush(stdout);
        dup2(out, STDOUT_FILENO);
        close(out);
        return rc;
}

static int setup(void)
{
        struct pa_err err = {{0}};
        const char *root = fuzz_tmp_dir();

        if (!root || !(dir = pa__path_join(root, "run")) ||
            !(diff_dir = pa__path_join(root, "diff")) || !(devnull = fopen("/dev/null", "w")) ||
            make_run(root))
                return -1;
        for (size_t i = 0; i < 4; i++) {
                char *p = pa__path_join(dir, files[i]);

                if (!p || pa__read_file(p, &saved[i].text, &saved[i].len, &err)) {
                        free(p);
                        return -1;
                }
                free(p);
        }
        return pa__manifest_read(dir, &manifest, &err) ? -1 : 0;
}

static void restore(size_t mode)
{
        if (mode == 4)
                fuzz_remove(dir, files[4]);
        else if (fuzz_write(dir, files[mode], (const uint8_t *)saved[mode].text, saved[mode].len))
                abort();
        if (mode > 0 && mode < 4 &&
            fuzz_write(dir, files[0], (const uint8_t *)saved[0].text, saved[0].len))
                abort();
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

        if (!dir && setup())
                abort(); /* no template folder: nothing would be tested */
        if (size < 1)
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
        restore(mode);
        return 0;
}

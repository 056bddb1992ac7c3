/* The inputs of a diff folder (evidence_int.h): diff.json records each run
 * folder it compared by the sha256 of its manifest.json and its chain head,
 * so `parity verify DIFF_DIR` finds an input changed after the diff, and
 * re-verifies the inputs it can find. */
#include <stdlib.h>
#include <string.h>

#include "parity/evidence.h"
#include "evaluator/util/safe_file.h"
#include "evidence_int.h"

int pa__diff_input(const char *dir, const json_t *manifest, json_t **out, struct pa_err *err)
{
        char *path = pa__path_join(dir, "manifest.json"), *text = NULL, hex[PA_SHA256_HEX];
        size_t len;
        int rc = path
                     ? pa__read_regular(path, "manifest.json", 0, PA_EV_MAX_BYTES, &text, &len, err)
                     : PA_ENOMEM;

        free(path);
        if (rc)
                return rc;
        pa__sha256_hex(text, len, hex);
        free(text);
        *out = json_pack("{s:s, s:O?, s:O?, s:s, s:O?}", "dir", dir, "run_id",
                         json_object_get(manifest, "run_id"), "status",
                         json_object_get(manifest, "status"), "manifest_sha256", hex, "chain_head",
                         json_object_get(json_object_get(manifest, "results"), "chain_head"));
        return *out ? 0 : PA_ENOMEM;
}

/* One input: still the folder the diff compared, and still intact. */
static void check_input(const char *which, const json_t *rec, struct pa__findings *f)
{
        const char *dir = json_string_value(json_object_get(rec, "dir"));
        const char *want = json_string_value(json_object_get(rec, "manifest_sha256"));
        struct pa_verify_opts o = {.no_signatures = true};
        struct pa_err err = {{0}};
        json_t *now = NULL;
        size_t n = 0;

        if (!dir || !want) {
                pa__finding(f, "diff.json: /inputs/%s: expected dir and manifest_sha256", which);
                return;
        }
        if (pa__diff_input(dir, NULL, &now, &err)) {
                pa__finding(f, "diff.json: %s '%s' cannot be checked here: %s", which, dir,
                            err.msg[0] ? err.msg : "no manifest.json");
                return;
        }
        if (strcmp(json_string_value(json_object_get(now, "manifest_sha256")), want))
                pa__finding(f,
                            "%s '%s': manifest.json changed since the diff (sha256 %.12s... then, "
                            "%.12s... now)",
                            which, dir, want,
                            json_string_value(json_object_get(now, "manifest_sha256")));
        else if (pa_evidence_verify(dir, &o, NULL, &n, &err) || n)
                pa__finding(f, "%s '%s' does not verify (%zu findings: parity verify %s)", which,
                            dir, n, dir);
        json_decref(now);
}

int pa__verify_diff_dir(const char *dir, FILE *out, size_t *findings, struct pa_err *err)
{
        struct pa__findings f = {.out = out};
        json_t *diff = pa__ev_load_json(dir, NULL, "diff.json", &f), *inputs;

        *findings = 0;
        if (!diff)
                return pa_errf(err, PA_EINVAL, "'%s': neither manifest.json nor diff.json", dir);
        inputs = json_object_get(diff, "inputs");
        if (!json_is_object(inputs))
                pa__finding(&f, "diff.json: no /inputs: written by a parity before 0.2; its "
                                "inputs cannot be checked");
        else {
                check_input("base", json_object_get(inputs, "base"), &f);
                check_input("candidate", json_object_get(inputs, "candidate"), &f);
        }
        if (out && !f.n)
                fprintf(out, "OK %s: diff of %s and %s, both unchanged and intact\n", dir,
                        json_string_value(json_object_get(json_object_get(inputs, "base"), "dir")),
                        json_string_value(
                            json_object_get(json_object_get(inputs, "candidate"), "dir")));
        json_decref(diff);
        *findings = f.n;
        return 0;
}

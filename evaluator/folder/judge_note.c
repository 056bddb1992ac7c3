/* The judge's error rate beside findings (judge_note.h). A finding on a
 * judge outcome carries the judge's accuracy and Cohen's kappa with their
 * intervals when the run calibrated the judge with the very template that
 * outcome used; otherwise it says that the error rate is unknown, never
 * nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "parity/evidence.h"
#include "judge_note.h"
#include "evaluator/evidence/evidence_int.h"
#include "evaluator/util/safe_file.h"
#include "evaluator/util/util.h"
#include "scorers/judge.h"

#define NOT_CALIBRATED "judge not calibrated: its error rate is unknown"
#define OTHER_PROMPT                                                                               \
        "judge calibrated with another prompt than this outcome's: its error rate here is "        \
        "unknown"

int pa__judge_calibration_read(const char *dir, json_t **cal, struct pa_err *err)
{
        char *path = pa__path_join(dir, "judge.json"), *data = NULL;
        size_t len = 0;
        struct stat st;
        int rc = 0;

        *cal = NULL;
        if (!path)
                return PA_ENOMEM;
        /* json_is_object() is a macro that reads its argument twice. */
        if (lstat(path, &st) == 0 &&
            (rc = pa__read_regular(path, "judge.json", 0, PA_EV_MAX_BYTES, &data, &len, err)) ==
                0 &&
            (*cal = json_loadb(data, len, 0, NULL),
             !json_is_object(json_object_get(*cal, "agreement"))))
                rc = pa_errf(err, PA_EINVAL,
                             "run folder '%s': judge.json: expected the judge's calibration "
                             "(\"agreement\")",
                             dir);
        if (rc) {
                json_decref(*cal);
                *cal = NULL;
        }
        free(data);
        free(path);
        return rc;
}

/* judge.json is canonical JSON: its numbers are decimal strings. */
static double num(const json_t *v)
{
        double d = 0;

        return pa_json_number(v, &d) ? d : 0;
}

static json_t *pair(const json_t *ci)
{
        return json_is_array(ci)
                   ? json_pack("[f,f]", num(json_array_get(ci, 0)), num(json_array_get(ci, 1)))
                   : json_null();
}

/* The calibrated error rate: the figures and one sentence saying them. */
static json_t *calibrated(const json_t *cal)
{
        const json_t *a = json_object_get(cal, "agreement"), *k = json_object_get(a, "kappa");
        const json_t *aci = json_object_get(a, "accuracy_ci"), *kci = json_object_get(k, "ci");
        double level = 100 * (1 - num(json_object_get(a, "alpha")));
        char note[400], kappa[160] = "kappa undefined (one category only)";

        if (json_is_object(k))
                snprintf(kappa, sizeof(kappa), "Cohen's kappa %.3f [%.3f, %.3f]",
                         num(json_object_get(k, "value")), num(json_array_get(kci, 0)),
                         num(json_array_get(kci, 1)));
        snprintf(note, sizeof(note),
                 "judge accuracy %.3f [%.3f, %.3f], %s (%g%% intervals) on %lld labelled answers "
                 "(%s)",
                 num(json_object_get(a, "accuracy")), num(json_array_get(aci, 0)),
                 num(json_array_get(aci, 1)), kappa, level,
                 (long long)json_integer_value(json_object_get(a, "items")),
                 json_string_value(json_object_get(json_object_get(cal, "labelled_set"), "file"))
                     ?: "?");
        return json_pack("{s:b, s:I, s:f, s:o, s:o, s:o, s:s}", "calibrated", 1, "items",
                         (json_int_t)json_integer_value(json_object_get(a, "items")), "accuracy",
                         num(json_object_get(a, "accuracy")), "accuracy_ci", pair(aci), "kappa",
                         json_is_object(k) ? json_real(num(json_object_get(k, "value")))
                                           : json_null(),
                         "kappa_ci", json_is_object(k) ? pair(kci) : json_null(), "note", note);
}

/* What is known of the judge's error rate on outcome name. */
static json_t *outcome_note(const char *name, const json_t *manifest, const json_t *cal)
{
        const json_t *j = json_object_get(manifest, "judge");
        const char *used = json_string_value(json_object_get(
            json_object_get(json_object_get(j, "outcomes"), name), "prompt_sha256"));
        const char *calib =
            json_string_value(json_object_get(json_object_get(cal, "judge"), "prompt_sha256"));

        if (!cal)
                return json_pack("{s:b, s:s}", "calibrated", 0, "note", NOT_CALIBRATED);
        if (!used || !calib || strcmp(used, calib))
                return json_pack("{s:b, s:s}", "calibrated", 0, "note", OTHER_PROMPT);
        return calibrated(cal);
}

static int note_findings(json_t *summary, const json_t *outcomes)
{
        size_t i;
        json_t *f;

        json_array_foreach(json_object_get(summary, "findings"), i, f)
        {
                const char *o = json_string_value(json_object_get(f, "outcome"));
                json_t *n = o ? json_object_get(outcomes, o) : NULL;

                if (n && json_object_set(f, "judge", n))
                        return PA_ENOMEM;
        }
        return 0;
}

int pa__judge_note(json_t *summary, const struct pa_suite *s, const json_t *manifest,
                   const char *dir, struct pa_err *err)
{
        json_t *cal = NULL, *outcomes = NULL;
        int rc;

        if (pa__suite_first_judge(s) < 0)
                return 0;
        if ((rc = pa__judge_calibration_read(dir, &cal, err)))
                return rc;
        rc = (outcomes = json_object()) ? 0 : PA_ENOMEM;
        for (size_t k = 0; rc == 0 && k < s->scorers.n; k++)
                if (pa__scorer_is_judge(&s->scorers.v[k]) &&
                    json_object_set_new(outcomes, s->scorers.v[k].name,
                                        outcome_note(s->scorers.v[k].name, manifest, cal)))
                        rc = PA_ENOMEM;
        if (rc == 0 &&
            (json_object_set_new(summary, "judge", json_pack("{s:O}", "outcomes", outcomes)) ||
             note_findings(summary, outcomes)))
                rc = PA_ENOMEM;
        json_decref(outcomes);
        json_decref(cal);
        return rc == PA_ENOMEM ? pa_errf(err, rc, "out of memory") : rc;
}

/* audit.json as plain text (evidence.h pa_audit_print): what `parity
 * audit` prints. The Markdown and HTML reporters render the same object. */
#include <string.h>

#include "parity/evidence.h"

static const char *str(const json_t *o, const char *key)
{
        const char *s = json_string_value(json_object_get(o, key));

        return s ? s : "-";
}

/* A decimal string or number of o as %.3f ("-" when absent). */
static const char *dec(const json_t *o, const char *key, bool sign, char buf[32])
{
        double x;

        if (!pa_json_number(json_object_get(o, key), &x))
                return "-";
        snprintf(buf, 32, sign ? "%+.3f" : "%.3f", x);
        return buf;
}

static long long num(const json_t *o, const char *key)
{
        return (long long)json_integer_value(json_object_get(o, key));
}

static void print_table(FILE *f, const json_t *t)
{
        const json_t *c;
        size_t i;
        int small = 0;

        fprintf(f, "\n%s by %s%s%s (%lld records)\n", str(t, "outcome"),
                json_string_value(json_array_get(json_object_get(t, "axes"), 0)),
                json_array_size(json_object_get(t, "axes")) > 1 ? " x " : "",
                json_array_size(json_object_get(t, "axes")) > 1
                    ? json_string_value(json_array_get(json_object_get(t, "axes"), 1))
                    : "",
                num(t, "records"));
        fprintf(f, "  %-28s %8s %8s %8s  %-10s %-10s\n", "category", "records", "scored",
                "selected", "rate", "impact");
        json_array_foreach(json_object_get(t, "categories"), i, c)
        {
                bool is_small = json_is_true(json_object_get(c, "small"));
                char a[32], b[32];

                small |= is_small;
                fprintf(f, "  %-28s %8lld %8lld %8lld  %-10s %-10s%s\n", str(c, "category"),
                        num(c, "records"), num(c, "n"), num(c, "selected"),
                        dec(c, "selection_rate", false, a), dec(c, "impact_ratio", false, b),
                        is_small ? " *" : "");
        }
        if (small)
                fprintf(f, "  * under 2%% of the records: not used as the highest rate\n");
}

static void print_verdicts(FILE *f, const json_t *v)
{
        const json_t *g;
        size_t i;

        if (!json_is_object(v)) {
                fprintf(f, "\nno thresholds registered (parity run --thresholds): no verdicts\n");
                return;
        }
        fprintf(f, "\nverdicts against thresholds %.16s: %lld group(s) flagged\n",
                str(v, "thresholds_sha256"), num(v, "flagged"));
        fprintf(f, "  %-12s %-14s %-18s %7s %6s  %6s %6s\n", "outcome", "axis", "group", "diff",
                "min", "ratio", "min");
        json_array_foreach(json_object_get(v, "groups"), i, g)
        {
                bool ref = json_is_true(json_object_get(g, "reference"));
                char a[32], b[32], c[32], d[32];

                fprintf(f, "  %-12s %-14s %-18s %7s %6s  %6s %6s  %s%s\n", str(g, "outcome"),
                        str(g, "axis"), str(g, "group"), dec(g, "diff", true, a),
                        dec(g, "min_diff", false, b), dec(g, "impact_ratio", false, c),
                        dec(g, "min_impact_ratio", false, d),
                        json_is_true(json_object_get(g, "flagged")) ? "FLAGGED" : "ok",
                        ref ? " (reference)" : "");
        }
}

static void print_list(FILE *f, const char *head, const json_t *a)
{
        const json_t *s;
        size_t i;

        if (!json_array_size(a))
                return;
        fprintf(f, "      %s ", head);
        json_array_foreach(a, i, s) fprintf(f, "%s%s", i ? ", " : "", json_string_value(s));
        fputc('\n', f);
}

static void print_checklist(FILE *f, const json_t *list)
{
        const json_t *c;
        size_t i;

        fprintf(f, "\nchecklist\n");
        json_array_foreach(list, i, c)
        {
                fprintf(f, "  [%-7s] %-26s %s\n", str(c, "status"), str(c, "framework"),
                        str(c, "requirement"));
                print_list(f, "evidence:", json_object_get(c, "evidence"));
                print_list(f, "missing: ", json_object_get(c, "missing"));
        }
}

int pa_audit_print(const json_t *audit, FILE *f, struct pa_err *err)
{
        const json_t *p = json_object_get(audit, "provenance"), *t;
        const json_t *suite = json_object_get(p, "suite"), *eng = json_object_get(p, "engine");
        const json_t *op = json_object_get(p, "operator"),
                     *ds = json_object_get(audit, "data_source");
        size_t i;

        fprintf(f, "audit of run %s\n", str(audit, "run_id"));
        fprintf(f, "  suite %s %s, engine %s, model %s (reported: %s)\n", str(suite, "id"),
                str(suite, "version"), str(eng, "name"), str(eng, "model"),
                str(eng, "model_reported"));
        fprintf(f, "  run %s .. %s, operator %s (%s, %s)\n", str(p, "started_at"),
                str(p, "ended_at"), str(op, "person"), str(op, "role"), str(op, "organisation"));
        fprintf(f, "  results chain head %s\n", str(p, "chain_head"));
        fprintf(f, "  data source: %s\n", str(ds, "note"));
        if (json_is_string(json_object_get(ds, "operator_note")))
                fprintf(f, "  operator's note: %s\n", str(ds, "operator_note"));
        json_array_foreach(json_object_get(json_object_get(audit, "ll144"), "tables"), i, t)
            print_table(f, t);
        print_verdicts(f, json_object_get(audit, "verdicts"));
        print_checklist(f, json_object_get(audit, "checklist"));
        return ferror(f) ? pa_errf(err, PA_EIO, "cannot write the audit") : 0;
}

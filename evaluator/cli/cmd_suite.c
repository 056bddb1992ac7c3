/* parity suite lint|expand FILE, parity suite list [DIR]. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parity/report.h"
#include "parity/suite.h"
#include "cmd.h"
#include "datadir.h"
#include "opt.h"
#include "evaluator/suite/schema.h"
#include "evaluator/util/safe_file.h"
#include "evaluator/util/util.h"
#include "scorers/judge.h"

/* suite list reads a YAML file whole to see whether it is a suite. */
#define PA_SUITE_PEEK_MAX ((uint64_t)256 << 20)

static const char suite_usage[] =
    "usage: parity suite lint FILE [--allow-outside-paths] [--max-cases N]\n"
    "       parity suite expand FILE [--allow-outside-paths] [--max-cases N]\n"
    "                                  (cases as JSONL on stdout)\n"
    "       parity suite convert IN OUT [--allow-outside-paths] [--max-cases N]\n"
    "                                  (JSON <-> YAML by OUT's extension)\n"
    "       parity suite new NAME [--axes gender,race,age,religion] [-o FILE]\n"
    "                                  (a documented starting suite, NAME.yaml)\n"
    "       parity suite list [DIR]    (the suites in DIR and its folders; default:\n"
    "                                   the shipped suites)\n";

static int expand(const struct pa_suite *s)
{
        struct pa_err err = {{0}};
        struct pa_case c;

        for (size_t i = 0; i < s->n_items; i++) {
                for (uint64_t v = 0; v < pa_suite_kind(s, i)->n_cases; v++) {
                        json_t *o;
                        char *line;

                        if (pa_case_build(s, i, v, &c, &err))
                                return pa__fail(err.msg);
                        o = json_pack("{s:s, s:s, s:s, s:o, s:s, s:s?, s:s?, s:s?}", "case_id",
                                      c.id, "item_id", c.item->id, "domain", c.item->domain,
                                      "groups", pa_case_groups_json(s, &c), "prompt", c.prompt,
                                      "system", c.system, "outcome", c.item->outcome, "expected",
                                      c.item->expected);
                        if (o && c.messages)
                                json_object_set(o, "messages", c.messages);
                        line = o ? json_dumps(o, JSON_COMPACT) : NULL;
                        pa_case_release(&c);
                        json_decref(o);
                        if (!line)
                                return pa__fail("out of memory");
                        puts(line);
                        free(line);
                }
        }
        return fflush(stdout) == 0 ? 0 : pa__fail("cannot write to stdout");
}

static int by_name(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool suite_name(const char *name)
{
        size_t l = strlen(name);

        return (l > 5 && !strcmp(name + l - 5, ".json")) || pa__suite_is_yaml(name);
}

/* The .json and .yaml files of dir and of its subdirectories,
 * NULL-terminated. */
static char **suite_files(const char *dir, int depth, char **v, size_t *n)
{
        DIR *d = opendir(dir);
        struct dirent *e;

        while (d && v && (e = readdir(d))) {
                char *path, **grown;

                if (e->d_name[0] == '.' || !(path = pa__path_join(dir, e->d_name)))
                        continue;
                if (suite_name(e->d_name) && (grown = realloc(v, (*n + 2) * sizeof(*v)))) {
                        v = grown;
                        v[(*n)++] = path;
                        v[*n] = NULL;
                        continue;
                }
                if (depth == 0)
                        v = suite_files(path, 1, v, n);
                free(path);
        }
        if (d)
                closedir(d);
        return v;
}

/* One line per suite (files without "parity_suite" are skipped). */
static int list(const char *dir)
{
        size_t n = 0;
        char **v = suite_files(dir, 0, calloc(1, sizeof(char *)), &n);
        int rc = v ? 0 : 2;

        if (v)
                qsort(v, n, sizeof(*v), by_name);
        printf("%-22s %-8s %8s %10s  %s\n", "SUITE", "VERSION", "ITEMS", "CASES", "FILE");
        for (size_t i = 0; v && i < n; i++) {
                json_t *peek = NULL;
                struct pa_err ignored;

                if (pa__suite_is_yaml(v[i]))
                        pa__yaml_load_regular(v[i], "suite", PA_OPEN_FOLLOW, PA_SUITE_PEEK_MAX,
                                              &peek, NULL, &ignored);
                else
                        peek = json_load_file(v[i], 0, NULL);
                struct pa_suite s;
                struct pa_err err = {{0}};

                if (json_object_get(peek, "parity_suite")) {
                        if (pa_suite_load(&s, v[i], &err) == 0)
                                printf("%-22s %-8s %8zu %10llu  %s\n", s.id, s.version, s.n_items,
                                       (unsigned long long)s.n_cases, v[i]);
                        else
                                rc = pa__fail(err.msg);
                        pa_suite_release(&s);
                }
                json_decref(peek);
                free(v[i]);
        }
        free(v);
        return rc;
}

/* The suites parity ships, in its data directory (datadir.h). */
static int list_shipped(void)
{
        struct pa_err err = {{0}};
        char *dir;
        int rc;

        if (pa__data_path("suites", &dir, &err))
                return pa__fail(err.msg);
        rc = list(dir);
        free(dir);
        return rc;
}

/* IN (loaded as s) written as OUT: JSON <-> YAML by OUT's name. OUT must
 * not exist, and must load as the same suite. */
static int convert(const struct pa_suite *s, const char *out)
{
        struct pa_err err = {{0}};
        struct pa_suite back;
        size_t l = strlen(out);
        int rc;

        if (!pa__suite_is_yaml(out) && !(l > 5 && !strcmp(out + l - 5, ".json")))
                return pa__fail("suite convert: expected an output file ending in .json, .yaml "
                                "or .yml");
        if (access(out, F_OK) == 0) {
                snprintf(err.msg, sizeof(err.msg), "suite convert: '%s' exists; not overwritten",
                         out);
                return pa__fail(err.msg);
        }
        if (pa__suite_convert(s->root, out, &err))
                return pa__fail(err.msg);
        rc = pa_suite_load(&back, out, &err);
        pa_suite_release(&back);
        if (rc) { /* e.g. an items_file that does not resolve from OUT's folder */
                unlink(out);
                return pa__fail(err.msg);
        }
        printf("%s: suite %s %s written as %s\n", out, s->id, s->version,
               pa__suite_is_yaml(out) ? "YAML" : "JSON");
        return 0;
}

/* lint and expand: FILE then --allow-outside-paths, --max-cases N. */
static int load_options(int argc, char **argv, struct pa_suite_opts *o)
{
        long n;

        for (int i = strcmp(argv[1], "convert") ? 3 : 4; i < argc; i++) {
                if (!strcmp(argv[i], "--allow-outside-paths")) {
                        o->allow_outside = true;
                } else if (!strcmp(argv[i], "--max-cases") && i + 1 < argc) {
                        if (pa__parse_long(argv[++i], 1, 1000000000000L, &n))
                                return pa__fail("--max-cases: expected a whole number from 1 to "
                                                "10^12");
                        o->max_cases = (uint64_t)n;
                } else if (argv[i][0] == '-') {
                        static const char *const names[] = {"allow-outside-paths", "max-cases",
                                                            "help"};

                        return pa__unknown_word("suite", "option", argv[i], names, 3);
                } else {
                        fputs(suite_usage, stderr);
                        return 2;
                }
        }
        return 0;
}

/* A judge outcome needs the judge at run time: said at lint, so the first
 * run has it. */
static void judge_note(const struct pa_suite *s)
{
        int k = pa__suite_first_judge(s);

        if (k >= 0)
                printf("judge: scorer '%s' is rated by a judge model: parity run needs "
                       "--judge-base-url URL --judge-model M (and --judge-calibrate FILE for its "
                       "error rate beside the findings)\n",
                       s->scorers.v[k].name);
}

int pa__cmd_suite(int argc, char **argv)
{
        struct pa_suite_opts o = {0};
        struct pa_suite s;
        struct pa_err err = {{0}};
        int rc;

        if (argc == 2 && !strcmp(argv[1], "--help")) {
                fputs(suite_usage, stdout);
                return 0;
        }
        if (argc >= 2 && !strcmp(argv[1], "new"))
                return pa__cmd_suite_new(argc, argv);
        if ((argc == 2 || argc == 3) && !strcmp(argv[1], "list"))
                return argc == 3 ? list(argv[2]) : list_shipped();
        if (argc >= 2 && argv[1][0] != '-' && strcmp(argv[1], "lint") &&
            strcmp(argv[1], "expand") && strcmp(argv[1], "list") && strcmp(argv[1], "convert")) {
                static const char *const names[] = {"lint", "expand", "list", "convert", "new"};

                return pa__unknown_word("suite", "command", argv[1], names, 5);
        }
        if (argc < 3 || (strcmp(argv[1], "lint") && strcmp(argv[1], "expand") &&
                         (strcmp(argv[1], "convert") || argc < 4))) {
                fputs(suite_usage, stderr);
                return 2;
        }
        if ((rc = load_options(argc, argv, &o)))
                return rc;
        if (argc < 3) {
                fputs(suite_usage, stderr);
                return 2;
        }
        if (pa_suite_load_opts(&s, argv[2], &o, &err)) {
                pa_suite_release(&s);
                return pa__fail(err.msg);
        }
        if (!strcmp(argv[1], "lint")) {
                printf("%s: suite %s %s: %zu items, %zu axes, %zu scorers, %llu cases (at most "
                       "%llu: --max-cases)\n",
                       argv[2], s.id, s.version, s.n_items, s.n_axes, s.scorers.n,
                       (unsigned long long)s.n_cases,
                       (unsigned long long)(o.max_cases ? o.max_cases : PA_MAX_CASES));
                rc = pa_design_lint(&s, 0.05, 0.8, stdout);
                judge_note(&s);
        } else if (!strcmp(argv[1], "convert")) {
                rc = convert(&s, argv[3]);
        } else {
                rc = expand(&s);
        }
        pa_suite_release(&s);
        return rc;
}

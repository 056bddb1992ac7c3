/* parity import FORMAT IN... -o SUITE.json: a public bias benchmark as an
 * ordinary suite (import.h, docs/suites.md). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parity/suite.h"
#include "cmd.h"
#include "opt.h"
#include "evaluator/import/import.h"

enum { O_OUT = 'o', O_ID = 256, O_FORCE, O_AXIS, O_QUIET, O_HELP };

static const struct option import_options[] = {
    {"output", required_argument, NULL, O_OUT},
    {"id", required_argument, NULL, O_ID},
    {"force", no_argument, NULL, O_FORCE},
    {"axis", required_argument, NULL, O_AXIS},
    {"quiet", no_argument, NULL, O_QUIET},
    {"help", no_argument, NULL, O_HELP},
    {NULL, 0, NULL, 0},
};

static void usage(FILE *f)
{
        fputs("usage: parity import FORMAT IN... -o SUITE.json [options]\n"
              "  -o, --output FILE   the suite to write; its items go to SUITE.items.jsonl beside "
              "it\n"
              "  --id ID             suite id (default: the format's name)\n"
              "  --force             replace an existing suite\n"
              "  --axis NAME         holistic-bias: import only this axis (repeatable)\n"
              "  --quiet             print nothing on success\n"
              "formats:\n",
              f);
        for (const struct pa_importer *const *i = pa__importer_list(); *i; i++)
                fprintf(f, "  %-14s IN: %s\n", (*i)->name, (*i)->inputs);
}

/* Imports, then loads the result as any suite is loaded: the importer's
 * output is checked by the same rules as a hand-written suite. */
static int import(const struct pa_importer *imp, char **in, size_t n_in,
                  const struct pa_import_opts *o, bool quiet)
{
        struct pa_import im;
        struct pa_suite s;
        struct pa_err err = {{0}};
        int rc = pa__import_begin(&im, o, &err);

        if (rc == 0)
                rc = imp->run(&im, in, n_in, &err);
        if (rc == 0)
                json_object_set_new(json_object_get(im.suite, "import"), "format",
                                    json_string(imp->name));
        if (rc == 0)
                rc = pa__import_end(&im, &err);
        pa__import_release(&im);
        if (rc)
                return pa__fail(err.msg[0] ? err.msg : pa_strerror(rc));
        rc = pa_suite_load(&s, o->out, &err);
        if (rc == 0 && !quiet)
                printf("%s: suite %s: %zu items, %llu cases\n", o->out, s.id, s.n_items,
                       (unsigned long long)s.n_cases);
        pa_suite_release(&s);
        return rc ? pa__fail(err.msg) : 0;
}

int pa__cmd_import(int argc, char **argv)
{
        struct pa_import_opts o = {0};
        const struct pa_importer *imp;
        const char **only = NULL;
        bool quiet = false;
        int c, rc;

        optind = 1;
        while ((c = getopt_long(argc, argv, "o:", import_options, NULL)) != -1) {
                switch (c) {
                case O_OUT:
                        o.out = optarg;
                        break;
                case O_ID:
                        o.id = optarg;
                        break;
                case O_FORCE:
                        o.force = true;
                        break;
                case O_QUIET:
                        quiet = true;
                        break;
                case O_AXIS: {
                        const char **grown = realloc(only, (o.n_only + 1) * sizeof(*grown));

                        if (!grown) {
                                free(only);
                                return pa__fail("out of memory");
                        }
                        only = grown;
                        only[o.n_only++] = optarg;
                        break;
                }
                case O_HELP:
                        usage(stdout);
                        free(only);
                        return 0;
                default:
                        free(only);
                        return pa__opt_error("import", argv, "o:", import_options);
                }
        }
        o.only = only;
        if (argc - optind < 2 || !o.out) {
                usage(stderr);
                free(only);
                return 2;
        }
        if (!(imp = pa__importer_find(argv[optind]))) {
                fprintf(stderr, "parity: import: unknown format '%s'\n", argv[optind]);
                usage(stderr);
                free(only);
                return 2;
        }
        if (o.n_only && strcmp(imp->name, "holistic-bias")) {
                free(only);
                return pa__fail("import: --axis applies to holistic-bias only");
        }
        rc = import(imp, argv + optind + 1, (size_t)(argc - optind - 1), &o, quiet);
        free(only);
        return rc;
}

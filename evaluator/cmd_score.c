/* parity score|summary RUN_DIR, and parity engines. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity/engine.h"
#include "parity/result.h"
#include "cmd.h"
#include "run.h"
#include "util.h"

/* Both commands take RUN_DIR and --quiet; score also rewrites scores. */
static int on_run_dir(int argc, char **argv, bool rescore)
{
	struct pa_run_dir r;
	struct pa_err err = {{0}};
	char *path = NULL;
	bool quiet = argc == 3 && !strcmp(argv[2], "--quiet");
	int rc;

	if (argc == 2 && !strcmp(argv[1], "--help")) {
		printf("usage: parity %s RUN_DIR [--quiet]\n", argv[0]);
		return 0;
	}
	if (argc != 2 && !quiet) {
		fprintf(stderr, "usage: parity %s RUN_DIR [--quiet]\n", argv[0]);
		return 2;
	}
	rc = pa_run_dir_open(&r, argv[1], &err);
	if (rc == 0 && rescore) {
		rc = pa_score_records(&r.suite, r.records, &err);
		if (rc == 0 && !(path = pa__path_join(r.dir, "results.jsonl")))
			rc = PA_ENOMEM;
		if (rc == 0)
			rc = pa_results_save(path, r.records, NULL, &err);
		free(path);
	}
	if (rc == 0)
		rc = pa_run_dir_summarise(&r, 0.05, quiet, &err);
	pa_run_dir_release(&r);
	return rc ? pa__fail(err.msg[0] ? err.msg : pa_strerror(rc)) : 0;
}

int pa__cmd_score(int argc, char **argv)
{
	return on_run_dir(argc, argv, true);
}

int pa__cmd_summary(int argc, char **argv)
{
	return on_run_dir(argc, argv, false);
}

int pa__cmd_engines(int argc, char **argv)
{
	const struct pa_engine_ops *const *e = pa_engine_list();

	(void)argc;
	(void)argv;
	for (; *e; e++)
		printf("%-20s %s\n", (*e)->name, (*e)->summary);
	return 0;
}

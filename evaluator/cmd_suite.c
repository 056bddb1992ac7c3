/* parity suite lint|expand FILE. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity/suite.h"
#include "cmd.h"

static const char suite_usage[] = "usage: parity suite lint FILE\n"
				  "       parity suite expand FILE   (cases as JSONL on stdout)\n";

static int expand(const struct pa_suite *s)
{
	struct pa_err err = {{0}};
	struct pa_case c;

	for (size_t i = 0; i < s->n_items; i++) {
		for (uint64_t v = 0; v < s->items[i].n_cases; v++) {
			json_t *o;
			char *line;

			if (pa_case_build(s, i, v, &c, &err))
				return pa__fail(err.msg);
			o = json_pack("{s:s, s:s, s:s, s:o, s:s, s:s?, s:s?, s:s?}", "case_id", c.id,
				      "item_id", c.item->id, "domain", c.item->domain, "groups",
				      pa_case_groups_json(s, &c), "prompt", c.prompt, "system",
				      c.system, "outcome", c.item->outcome, "expected",
				      c.item->expected);
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

int pa__cmd_suite(int argc, char **argv)
{
	struct pa_suite s;
	struct pa_err err = {{0}};
	int rc;

	if (argc == 2 && !strcmp(argv[1], "--help")) {
		fputs(suite_usage, stdout);
		return 0;
	}
	if (argc != 3 || (strcmp(argv[1], "lint") && strcmp(argv[1], "expand"))) {
		fputs(suite_usage, stderr);
		return 2;
	}
	if (pa_suite_load(&s, argv[2], &err)) {
		pa_suite_release(&s);
		return pa__fail(err.msg);
	}
	if (!strcmp(argv[1], "lint")) {
		printf("%s: suite %s %s: %zu items, %zu axes, %zu scorers, %llu cases\n", argv[2],
		       s.id, s.version, s.n_items, s.n_axes, s.scorers.n,
		       (unsigned long long)s.n_cases);
		rc = 0;
	} else {
		rc = expand(&s);
	}
	pa_suite_release(&s);
	return rc;
}

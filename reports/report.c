/* The reporter family: the table of formats and writing one into a run
 * folder. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parity/report.h"
#include "util.h"

extern const struct pa_reporter_ops pa_reporter_json;
extern const struct pa_reporter_ops pa_reporter_text;

static const struct pa_reporter_ops *const reporter_table[] = {
	&pa_reporter_json,
	&pa_reporter_text,
	NULL,
};

const struct pa_reporter_ops *pa_reporter_find(const char *name)
{
	for (size_t i = 0; reporter_table[i]; i++)
		if (!strcmp(reporter_table[i]->name, name))
			return reporter_table[i];
	return NULL;
}

int pa_report_write(const struct pa_reporter_ops *ops, const char *dir, const json_t *summary,
		    struct pa_err *err)
{
	char *path = pa__path_join(dir, ops->file), *data = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	if (!path)
		return PA_ENOMEM;
	/* Rendered in memory first, so a failed report never truncates an old one. */
	f = open_memstream(&data, &len);
	if (!f) {
		free(path);
		return pa_errf(err, PA_ENOMEM, "out of memory");
	}
	rc = ops->write(summary, f, err);
	if (fclose(f) != 0 && rc == 0)
		rc = pa_errf(err, PA_ENOMEM, "out of memory");
	if (rc == 0)
		rc = pa__write_file_atomic(path, data, len, err);
	free(data);
	free(path);
	return rc;
}

/* summary.txt: the aligned table parity prints at the end of a run. */
#include <math.h>
#include <string.h>

#include "parity/report.h"

static double num(const json_t *v)
{
	return json_is_number(v) ? json_number_value(v) : NAN;
}

static void print_group(FILE *f, const json_t *g, bool is_ref)
{
	const json_t *ci = json_object_get(g, "ci"), *dci = json_object_get(g, "diff_ci");

	fprintf(f, "  %-16s %7lld %7lld", json_string_value(json_object_get(g, "group")),
		(long long)json_integer_value(json_object_get(g, "n")),
		(long long)json_integer_value(json_object_get(g, "positive")));
	if (json_is_null(json_object_get(g, "rate")))
		fprintf(f, "  %6s  %-16s", "-", "");
	else
		fprintf(f, "  %6.3f  [%.3f, %.3f]", num(json_object_get(g, "rate")),
			num(json_array_get(ci, 0)), num(json_array_get(ci, 1)));
	if (is_ref)
		fprintf(f, "  %7s", "(ref)");
	else if (json_is_array(dci))
		fprintf(f, "  %+7.3f  [%+.3f, %+.3f]", num(json_object_get(g, "diff")),
			num(json_array_get(dci, 0)), num(json_array_get(dci, 1)));
	fputc('\n', f);
}

static void print_axes(FILE *f, const json_t *outcomes, double alpha)
{
	const json_t *o, *g;
	size_t i, j;

	json_array_foreach(outcomes, i, o) {
		const char *ref = json_string_value(json_object_get(o, "reference"));

		fprintf(f, "\n%s by %s (reference: %s)\n",
			json_string_value(json_object_get(o, "outcome")),
			json_string_value(json_object_get(o, "axis")), ref);
		fprintf(f, "  %-16s %7s %7s  %6s  %-16s  %7s  %s\n", "group", "n", "yes", "rate",
			"", "diff", "");
		fprintf(f, "  %-16s %7s %7s  %6s  %.0f%% CI%-10s  %7s  %.0f%% CI\n", "", "", "", "",
			100 * (1 - alpha), "", "vs ref", 100 * (1 - alpha));
		json_array_foreach(json_object_get(o, "groups"), j, g) print_group(
			f, g, !strcmp(json_string_value(json_object_get(g, "group")), ref));
	}
}

static void print_domains(FILE *f, const json_t *domains)
{
	const json_t *d, *ci;
	size_t i;

	if (!json_array_size(domains))
		return;
	fprintf(f, "\n%-12s %-16s %7s %7s  %6s  %s\n", "outcome", "domain", "n", "yes", "rate",
		"CI");
	json_array_foreach(domains, i, d) {
		ci = json_object_get(d, "ci");
		fprintf(f, "%-12s %-16s %7lld %7lld  %6.3f  [%.3f, %.3f]\n",
			json_string_value(json_object_get(d, "outcome")),
			json_string_value(json_object_get(d, "domain")),
			(long long)json_integer_value(json_object_get(d, "n")),
			(long long)json_integer_value(json_object_get(d, "positive")),
			num(json_object_get(d, "rate")), num(json_array_get(ci, 0)),
			num(json_array_get(ci, 1)));
	}
}

static int text_write(const json_t *summary, FILE *f, struct pa_err *err)
{
	(void)err;
	fprintf(f, "suite %s %s, %lld records\n",
		json_string_value(json_object_get(summary, "suite")),
		json_string_value(json_object_get(summary, "suite_version")),
		(long long)json_integer_value(json_object_get(summary, "records")));
	print_axes(f, json_object_get(summary, "outcomes"), num(json_object_get(summary, "alpha")));
	print_domains(f, json_object_get(summary, "domains"));
	return ferror(f) ? pa_errf(err, PA_EIO, "cannot write the summary table") : 0;
}

const struct pa_reporter_ops pa_reporter_text = {
	.name = "text",
	.file = "summary.txt",
	.write = text_write,
};

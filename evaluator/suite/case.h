/* evaluator/suite/: a suite file becomes cases (template x group variants x samples), in shards. */
/* Private: shared by the suite modules (suite.c loads, suite_stream.c
 * validates the items, suite_items.c reads them back, case.c expands them). */
#ifndef PA_CASE_H
#define PA_CASE_H

#include "parity/suite.h"

/* The largest suite file read (its items file has no cap: it streams). */
#define PA_SUITE_MAX_BYTES ((uint64_t)256 << 20)

/* tpl filled for the groups (template.c) into out, NUL-terminated;
 * PA_EINVAL naming where for an unknown slot, set member or filter. */
struct pa_buf;
int pa__template_render(const struct pa_suite *s, const struct pa_item *it, const size_t *groups,
                        const char *tpl, struct pa_buf *out, const char *where, struct pa_err *err);
/* "a" or "an" before text, by the sound of its first word. */
const char *pa__article(const char *text);
/* Checks the item's prompt and system templates against its axes. */
int pa__case_check_templates(const struct pa_suite *s, const struct pa_item *it, const char *where,
                             struct pa_err *err);
/* The group of each of the item's axes in variant v. */
void pa__case_groups(const struct pa_suite *s, const struct pa_item *it, uint64_t v,
                     size_t groups[PA_MAX_AXES]);
/* The case id of the item with those groups (docs/formats.md); PA_ENOMEM
 * when its key does not fit in memory. */
int pa__case_id(const struct pa_suite *s, const struct pa_item *it, const size_t *groups,
                char out[17]);
/* An item's strings from its JSON object (pointing into it): id and
 * prompt required, domain "general" when absent. PA_EINVAL naming where. */
int pa__item_strings(const json_t *obj, struct pa_item *it, const char *where, struct pa_err *err);
/* What each scorer of the item asks of it (item_plain.c); PA_EINVAL
 * naming where. */
int pa__check_items_scorers(const struct pa_suite *s, const struct pa_item *it, const char *where,
                            struct pa_err *err);
/* The index of the suite's axis called name, or -1 (item_plain.c). */
int pa__find_axis(const struct pa_suite *s, const char *name);
/* A run's items read back in order: the items file through one window,
 * and the strings of an item without "messages" decoded without jansson
 * into the cursor (valid until its next read; *obj stays NULL), else as
 * pa_suite_item_read gives them (*obj owned by the caller). */
struct pa__item_cursor;
struct pa__item_cursor *pa__item_cursor_new(const struct pa_suite *s);
void pa__item_cursor_free(struct pa__item_cursor *c);
int pa__item_cursor_read(struct pa__item_cursor *c, size_t i, struct pa_item *it, json_t **obj,
                         struct pa_err *err);
/* The line number (from 1) of the items file's line starting at byte at. */
int pa__items_lineno(const struct pa_suite *s, uint64_t at, size_t *lineno);
/* Validates the suite's items, inline and in its items file, keeping each
 * as a kind and a line offset; ids must be unique. file names the suite
 * in messages. */
struct pa__diags;
int pa__suite_load_items(struct pa_suite *s, const char *file, const struct pa_suite_opts *o,
                         struct pa__diags *d, struct pa_err *err);

#endif

/* A suite's tree written as YAML (libyaml's emitter) or JSON, for
 * `parity suite convert`: the text written is read back and must give the
 * same tree, or nothing is written. Numbers are written in the fewest
 * digits that read back the same double; a string that would read back as
 * something else (a number, true, null) is quoted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "case.h"
#include "schema.h"
#include "evaluator/util/util.h"

/* The shortest %g form of v that reads back as v, with a '.' or an
 * exponent so that it reads back as a float. */
static void real_text(double v, char *out, size_t cap)
{
        for (int p = 15; p <= 17; p++) {
                snprintf(out, cap, "%.*g", p, v);
                if (strtod(out, NULL) == v)
                        break;
        }
        if (!strpbrk(out, ".eEn"))
                strncat(out, ".0", cap - strlen(out) - 1);
}

static int emit_handler(void *data, unsigned char *buf, size_t n)
{
        return pa__buf_add(data, buf, n) == 0;
}

static int scalar(yaml_emitter_t *e, const char *s, size_t n, bool plain_ok,
                  yaml_scalar_style_t style)
{
        yaml_event_t ev;

        if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)n, plain_ok,
                                          !plain_ok, style))
                return PA_ENOMEM;
        return yaml_emitter_emit(e, &ev) ? 0 : PA_EINVAL;
}

/* A string: quoted when plain it would read back as another type;
 * multi-line text as a literal block, which reads like the prompt it is. */
static int string_scalar(yaml_emitter_t *e, const char *s, size_t n)
{
        json_t *back = NULL;
        struct pa_err err;
        bool plain_ok;

        if (pa__yaml_parse(s, n, "", &back, &err) == 0)
                plain_ok = json_is_string(back) && !strcmp(json_string_value(back), s) &&
                           json_string_length(back) == n;
        else
                plain_ok = false;
        json_decref(back);
        if (memchr(s, '\n', n)) /* libyaml falls back to quotes when a block cannot say it */
                return scalar(e, s, n, false, YAML_LITERAL_SCALAR_STYLE);
        return scalar(e, s, n, plain_ok,
                      plain_ok ? YAML_ANY_SCALAR_STYLE : YAML_DOUBLE_QUOTED_SCALAR_STYLE);
}

static bool all_scalars(const json_t *a)
{
        json_t *x;
        size_t i;

        json_array_foreach(a, i, x) if (json_is_object(x) || json_is_array(x)) return false;
        return true;
}

static int node(yaml_emitter_t *e, const json_t *v, int depth)
{
        yaml_event_t ev;
        char num[40];
        int rc = 0;

        if (depth > 128)
                return PA_EINVAL;
        switch (json_typeof(v)) {
        case JSON_OBJECT: {
                const char *k;
                json_t *x;

                if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
                                                         YAML_BLOCK_MAPPING_STYLE) ||
                    !yaml_emitter_emit(e, &ev))
                        return PA_EINVAL;
                json_object_foreach((json_t *)v, k, x)
                {
                        if ((rc = string_scalar(e, k, strlen(k))) || (rc = node(e, x, depth + 1)))
                                return rc;
                }
                yaml_mapping_end_event_initialize(&ev);
                return yaml_emitter_emit(e, &ev) ? 0 : PA_EINVAL;
        }
        case JSON_ARRAY: {
                json_t *x;
                size_t i;

                if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
                                                          all_scalars(v) && json_array_size(v) <= 8
                                                              ? YAML_FLOW_SEQUENCE_STYLE
                                                              : YAML_BLOCK_SEQUENCE_STYLE) ||
                    !yaml_emitter_emit(e, &ev))
                        return PA_EINVAL;
                json_array_foreach(v, i, x) if ((rc = node(e, x, depth + 1))) return rc;
                yaml_sequence_end_event_initialize(&ev);
                return yaml_emitter_emit(e, &ev) ? 0 : PA_EINVAL;
        }
        case JSON_STRING:
                return string_scalar(e, json_string_value(v), json_string_length(v));
        case JSON_INTEGER:
                snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
                return scalar(e, num, strlen(num), true, YAML_PLAIN_SCALAR_STYLE);
        case JSON_REAL:
                real_text(json_real_value(v), num, sizeof(num));
                return scalar(e, num, strlen(num), true, YAML_PLAIN_SCALAR_STYLE);
        case JSON_TRUE:
                return scalar(e, "true", 4, true, YAML_PLAIN_SCALAR_STYLE);
        case JSON_FALSE:
                return scalar(e, "false", 5, true, YAML_PLAIN_SCALAR_STYLE);
        default:
                return scalar(e, "null", 4, true, YAML_PLAIN_SCALAR_STYLE);
        }
}

static int emit_yaml(const json_t *root, struct pa_buf *out)
{
        yaml_emitter_t e;
        yaml_event_t ev;
        int rc = PA_EINVAL;

        if (!yaml_emitter_initialize(&e))
                return PA_ENOMEM;
        yaml_emitter_set_output(&e, emit_handler, out);
        yaml_emitter_set_unicode(&e, 1);
        yaml_emitter_set_width(&e, -1);
        yaml_emitter_set_indent(&e, 2);
        if (yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) &&
            yaml_emitter_emit(&e, &ev) &&
            yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) &&
            yaml_emitter_emit(&e, &ev) && (rc = node(&e, root, 0)) == 0) {
                rc = PA_EINVAL;
                if (yaml_document_end_event_initialize(&ev, 1) && yaml_emitter_emit(&e, &ev) &&
                    yaml_stream_end_event_initialize(&ev) && yaml_emitter_emit(&e, &ev))
                        rc = 0;
        }
        yaml_emitter_delete(&e);
        return rc;
}

/* Whether every real of v reads back from 15 significant digits. */
static bool reals_fit_15(const json_t *v)
{
        const char *k;
        json_t *x;
        size_t i;
        char num[40];

        if (json_is_real(v)) {
                snprintf(num, sizeof(num), "%.15g", json_real_value(v));
                return strtod(num, NULL) == json_real_value(v);
        }
        if (json_is_object(v))
                json_object_foreach((json_t *)v, k, x) if (!reals_fit_15(x)) return false;
        if (json_is_array(v))
                json_array_foreach(v, i, x) if (!reals_fit_15(x)) return false;
        return true;
}

int pa__suite_convert(const json_t *root, const char *to, struct pa_err *err)
{
        bool yaml = pa__suite_is_yaml(to);
        struct pa_buf out;
        json_t *back = NULL;
        char *text = NULL;
        int rc;

        pa__buf_init(&out, PA_SUITE_MAX_BYTES);
        if (yaml) {
                rc = emit_yaml(root, &out);
        } else {
                size_t flags = JSON_INDENT(2) | JSON_REAL_PRECISION(reals_fit_15(root) ? 15 : 17);

                rc = (text = json_dumps(root, flags))
                         ? pa__buf_add(&out, text, strlen(text)) || pa__buf_add(&out, "\n", 1)
                         : PA_ENOMEM;
                free(text);
        }
        if (rc) {
                rc = pa_errf(err, rc == PA_ENOMEM ? PA_ENOMEM : PA_EINVAL,
                             "suite convert: cannot write the suite as %s", yaml ? "YAML" : "JSON");
                goto out;
        }
        /* What is written must read back as what was read. */
        if (yaml)
                rc = pa__yaml_parse(out.p, out.len, "converted", &back, err);
        else
                back = json_loadb(out.p, out.len, 0, NULL);
        if (rc == 0 && !json_equal(back, root))
                rc = pa_errf(err, PA_EINVAL,
                             "suite convert: '%s' would not read back as the same suite", to);
        if (rc == 0)
                rc = pa__write_file_atomic(to, out.p, out.len, err);
out:
        json_decref(back);
        pa__buf_release(&out);
        return rc;
}

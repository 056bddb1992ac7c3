/* Helpers shared by the importers (import.h): literal templates, ids, field
 * checks with precise errors, and JSONL reading with line numbers. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "evaluator/util/util.h"

char *pa__import_literal(const char *s)
{
        size_t n = strlen(s), braces = 0;
        char *out, *p;

        for (size_t i = 0; i < n; i++)
                braces += s[i] == '{' || s[i] == '}';
        if (!(out = malloc(n + braces + 1)))
                return NULL;
        for (p = out; *s; s++) {
                if (*s == '{' || *s == '}')
                        *p++ = *s;
                *p++ = *s;
        }
        *p = '\0';
        return out;
}

char *pa__import_one_line(const char *s)
{
        char *out = malloc(strlen(s) + 1), *p = out;
        int gap = 0;

        if (!out)
                return NULL;
        for (; *s; s++) {
                if (isspace((unsigned char)*s)) {
                        gap = 1;
                        continue;
                }
                if (gap && p != out)
                        *p++ = ' ';
                gap = 0;
                *p++ = *s;
        }
        *p = '\0';
        return out;
}

int pa__import_slug(char *out, size_t cap, const char *s)
{
        size_t n = strlen(out);
        int dash = n > 0 && out[n - 1] == '-';

        for (; *s; s++) {
                unsigned char c = (unsigned char)*s;

                if (n + 2 >= cap)
                        return PA_EINVAL;
                if (isalnum(c)) {
                        out[n++] = (char)c;
                        dash = 0;
                } else if (!dash && n > 0) {
                        out[n++] = '-';
                        dash = 1;
                }
        }
        while (n > 0 && out[n - 1] == '-')
                n--;
        out[n] = '\0';
        return 0;
}

int pa__import_str(const json_t *o, const char *key, const char **out, const char *where,
                   struct pa_err *err)
{
        const json_t *v = json_object_get(o, key);

        if (!json_is_string(v) || json_string_length(v) == 0)
                return pa_errf(err, PA_EINVAL, "%s: /%s: expected a non-empty string", where, key);
        if (strlen(json_string_value(v)) != json_string_length(v))
                return pa_errf(err, PA_EINVAL, "%s: /%s: expected text without NUL bytes", where,
                               key);
        *out = json_string_value(v);
        return 0;
}

int pa__import_int(const json_t *o, const char *key, long min, long max, long *out,
                   const char *where, struct pa_err *err)
{
        const json_t *v = json_object_get(o, key);
        double d = json_number_value(v);

        /* discrim-eval writes integers as floats ("age": 20.0). The range
         * first: a cast of a double outside long's is undefined. */
        if (!json_is_number(v) || !(d >= (double)min && d <= (double)max) || d != (double)(long)d)
                return pa_errf(err, PA_EINVAL, "%s: /%s: expected an integer in [%ld, %ld]", where,
                               key, min, max);
        *out = (long)d;
        return 0;
}

int pa__import_jsonl(const char *path,
                     int (*fn)(void *ctx, const json_t *obj, const char *where, struct pa_err *err),
                     void *ctx, struct pa_err *err)
{
        FILE *f = fopen(path, "rb");
        char *line = NULL, where[1100];
        size_t cap = 0, lineno = 0, rows = 0;
        ssize_t got;
        int rc = 0;

        if (!f)
                return pa_errf(err, PA_EIO, "'%s': cannot open: %s", path, strerror(errno));
        while (rc == 0 && (got = getline(&line, &cap, f)) >= 0) {
                json_error_t je;
                json_t *obj;

                lineno++;
                if (strspn(line, " \t\r\n") == (size_t)got)
                        continue;
                rows++;
                snprintf(where, sizeof(where), "'%s':%zu", path, lineno);
                if (!(obj = json_loadb(line, (size_t)got, JSON_REJECT_DUPLICATES, &je))) {
                        rc =
                            pa_errf(err, PA_EINVAL, "%s: column %d: %s", where, je.column, je.text);
                        break;
                }
                if (!json_is_object(obj))
                        rc = pa_errf(err, PA_EINVAL, "%s: expected a JSON object", where);
                else
                        rc = fn(ctx, obj, where, err);
                json_decref(obj);
        }
        if (rc == 0 && ferror(f))
                rc = pa_errf(err, PA_EIO, "'%s': read error", path);
        if (rc == 0 && rows == 0)
                rc = pa_errf(err, PA_EINVAL, "'%s': no rows", path);
        free(line);
        fclose(f);
        return rc;
}

static int push(char ***v, size_t *n, char *path)
{
        char **grown = path ? realloc(*v, (*n + 1) * sizeof(**v)) : NULL;

        if (!grown) {
                free(path);
                return PA_ENOMEM;
        }
        *v = grown;
        grown[(*n)++] = path;
        return 0;
}

static int by_name(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_dir(const char *dir, DIR *d, const char *ext, char ***v, size_t *n)
{
        size_t first = *n, el = strlen(ext);
        struct dirent *e;
        int rc = 0;

        while (rc == 0 && (e = readdir(d))) {
                size_t l = strlen(e->d_name);

                if (l > el && !strcmp(e->d_name + l - el, ext))
                        rc = push(v, n, pa__path_join(dir, e->d_name));
        }
        if (rc == 0)
                qsort(*v + first, *n - first, sizeof(**v), by_name);
        return rc;
}

int pa__import_files(char **in, size_t n_in, const char *ext, char ***out, size_t *n_out,
                     struct pa_err *err)
{
        int rc = 0;

        *out = NULL;
        *n_out = 0;
        for (size_t i = 0; rc == 0 && i < n_in; i++) {
                DIR *d = opendir(in[i]);
                size_t before = *n_out;

                if (!d) {
                        rc = push(out, n_out, strdup(in[i]));
                        continue;
                }
                rc = list_dir(in[i], d, ext, out, n_out);
                closedir(d);
                if (rc == 0 && *n_out == before)
                        return pa_errf(err, PA_EINVAL, "'%s': no *%s files in the directory", in[i],
                                       ext);
        }
        return rc ? pa_errf(err, rc, "import: out of memory") : 0;
}

void pa__import_files_free(char **v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(v[i]);
        free(v);
}

int pa__import_header(struct pa_import *im, json_t *h, struct pa_err *err)
{
        int rc = !h || json_object_update(im->suite, h) ? PA_ENOMEM : 0;

        json_decref(h);
        return rc ? pa_errf(err, rc, "import: out of memory") : 0;
}

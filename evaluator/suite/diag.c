/* Diagnostics of a suite load (schema.h): every error of a file in one
 * pass, each placed at its line and column, which are found again in the
 * file's text only when there is an error to place. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "schema.h"
#include "evaluator/util/safe_file.h"

/* A line longer than this is cut, so that the cap's errors fit a pa_err. */
#define LINE_MAX_BYTES 380

void pa__diags_init(struct pa__diags *d, const char *path, const char *file, unsigned open_flags)
{
        memset(d, 0, sizeof(*d));
        d->path = path;
        d->file = file;
        d->open_flags = open_flags;
        pa__buf_init(&d->out, sizeof(((struct pa_err *)0)->msg));
}

void pa__diags_release(struct pa__diags *d)
{
        if (!d)
                return;
        free(d->text);
        pa__buf_release(&d->out);
        memset(d, 0, sizeof(*d));
}

/* A line, escaped (a key or slot quoted from the file cannot forge one)
 * and cut to LINE_MAX_BYTES; a full buffer drops it (it is still counted). */
static void add_line(struct pa__diags *d, const char *line)
{
        char safe[LINE_MAX_BYTES + 1];

        pa__esc(line, strlen(line), safe, sizeof(safe));
        if (d->out.len && pa__buf_add(&d->out, "\n", 1))
                return;
        if (pa__buf_add(&d->out, safe, strlen(safe)) == 0)
                d->n++;
}

/* line and col of ptr in the suite's text, read on the first call. */
static bool locate(struct pa__diags *d, const char *ptr, int *line, int *col)
{
        if (!d->text_tried) {
                d->text_tried = true;
                if (pa__read_regular(d->path, "suite", d->open_flags, PA_SUITE_MAX_BYTES, &d->text,
                                     &d->len, NULL)) {
                        free(d->text);
                        d->text = NULL;
                }
        }
        if (!d->text)
                return false;
        if (pa__suite_is_yaml(d->path))
                return pa__yaml_locate(d->text, d->len, ptr, line, col) == 0;
        return pa__json_locate(d->text, d->len, ptr, line, col) == 0;
}

void pa__diag(struct pa__diags *d, const char *ptr, const char *fmt, ...)
{
        char why[512], line[1536];
        int ln, col;
        va_list ap;

        if (d->total++ >= PA_SUITE_MAX_ERRORS)
                return;
        va_start(ap, fmt);
        vsnprintf(why, sizeof(why), fmt, ap);
        va_end(ap);
        if (d->prefix[0] && d->line_text &&
            pa__json_locate(d->line_text, d->line_len, ptr, &ln, &col) == 0)
                snprintf(line, sizeof(line), "suite '%s': %s:%d: %s: %s", d->file, d->prefix, col,
                         ptr, why);
        else if (d->prefix[0])
                snprintf(line, sizeof(line), "suite '%s': %s: %s: %s", d->file, d->prefix, ptr,
                         why);
        else if (locate(d, ptr, &ln, &col))
                snprintf(line, sizeof(line), "%s:%d:%d: %s: %s", d->path, ln, col, ptr, why);
        else
                snprintf(line, sizeof(line), "suite '%s': %s: %s", d->file, ptr, why);
        add_line(d, line);
}

void pa__diag_msg(struct pa__diags *d, const char *msg)
{
        char head[512], ptr[512];
        size_t hn = (size_t)snprintf(head, sizeof(head), "suite '%s': /", d->file);
        const char *p, *end;

        if (hn < sizeof(head) && !strncmp(msg, head, hn)) {
                p = msg + hn - 1;
                end = strstr(p, ": ");
                if (end && (size_t)(end - p) < sizeof(ptr)) {
                        memcpy(ptr, p, (size_t)(end - p));
                        ptr[end - p] = '\0';
                        pa__diag(d, ptr, "%s", end + 2);
                        return;
                }
        }
        if (d->total++ < PA_SUITE_MAX_ERRORS)
                add_line(d, msg);
}

size_t pa__schema_check_line(struct pa__diags *d, const json_t *obj, const char *rel, size_t lineno,
                             const char *text, size_t len)
{
        size_t before = d->total;

        snprintf(d->prefix, sizeof(d->prefix), "%s:%zu", rel, lineno);
        d->line_text = text;
        d->line_len = len;
        pa__schema_check(d, obj, PA_K_ITEM, "");
        d->prefix[0] = '\0';
        d->line_text = NULL;
        return d->total - before;
}

int pa__diags_finish(struct pa__diags *d, struct pa_err *err)
{
        char more[128];

        if (d->total == 0)
                return 0;
        if (d->total > d->n) {
                snprintf(more, sizeof(more),
                         "suite '%s': %zu more errors not shown (the first %zu are)", d->file,
                         d->total - d->n, d->n);
                add_line(d, more);
        }
        return pa_errf(err, PA_EINVAL, "%.*s", (int)d->out.len, d->out.p ? d->out.p : "");
}

/* ---- a JSON pointer in a JSON text ---- */

struct scan {
        const char *base, *p, *end;
};

static void ws(struct scan *s)
{
        while (s->p < s->end && strchr(" \t\r\n", *s->p))
                s->p++;
}

static void skip_string(struct scan *s)
{
        for (s->p++; s->p < s->end && *s->p != '"'; s->p++)
                if (*s->p == '\\')
                        s->p++;
        s->p++;
}

static void skip_value(struct scan *s)
{
        int depth = 0;

        ws(s);
        do {
                if (s->p >= s->end)
                        return;
                if (*s->p == '"') {
                        skip_string(s);
                        continue;
                }
                if (*s->p == '{' || *s->p == '[')
                        depth++;
                else if (*s->p == '}' || *s->p == ']')
                        depth--;
                else if (depth == 0 && strchr(",: \t\r\n", *s->p))
                        return;
                s->p++;
        } while (depth > 0 || (s->p < s->end && !strchr(",}] \t\r\n", *s->p)));
}

/* Whether the string at s->p (a key) is tok; moves past it. */
static bool key_is(struct scan *s, const char *tok)
{
        const char *start = s->p;
        size_t n;
        bool same;

        skip_string(s);
        if (s->p > s->end)
                return false;
        n = (size_t)(s->p - start);
        if (!memchr(start, '\\', n))
                return n - 2 == strlen(tok) && !memcmp(start + 1, tok, n - 2);
        json_t *k = json_loadb(start, n, JSON_DECODE_ANY, NULL);

        same = json_is_string(k) && !strcmp(json_string_value(k), tok);
        json_decref(k);
        return same;
}

static void position(const struct scan *s, const char *at, int *line, int *col)
{
        const char *bol = s->base;

        *line = 1;
        for (const char *q = s->base; q < at; q++)
                if (*q == '\n') {
                        (*line)++;
                        bol = q + 1;
                }
        *col = (int)(at - bol) + 1;
}

/* The next token of a pointer, unescaped, into tok; NULL at the end. */
static const char *next_token(const char *ptr, char *tok, size_t cap)
{
        size_t n = 0;

        if (*ptr != '/')
                return NULL;
        for (ptr++; *ptr && *ptr != '/'; ptr++) {
                char c = *ptr;

                if (c == '~' && (ptr[1] == '0' || ptr[1] == '1'))
                        c = *++ptr == '0' ? '~' : '/';
                if (n + 1 < cap)
                        tok[n++] = c;
        }
        tok[n] = '\0';
        return ptr;
}

int pa__json_locate(const char *text, size_t len, const char *ptr, int *line, int *col)
{
        struct scan s = {text, text, text + len};
        const char *at, *rest = ptr;
        char tok[512];

        ws(&s);
        at = s.p;
        while (rest && *rest && (rest = next_token(rest, tok, sizeof(tok)))) {
                ws(&s);
                if (s.p >= s.end)
                        return -1;
                if (*s.p == '{') {
                        bool found = false;

                        for (s.p++, ws(&s); s.p < s.end && *s.p == '"'; ws(&s)) {
                                at = s.p;
                                found = key_is(&s, tok);
                                ws(&s);
                                s.p++; /* ':' */
                                if (found)
                                        break;
                                skip_value(&s);
                                ws(&s);
                                if (s.p < s.end && *s.p == ',')
                                        s.p++;
                                ws(&s);
                        }
                        if (!found)
                                return -1;
                } else if (*s.p == '[') {
                        char *e;
                        unsigned long k = strtoul(tok, &e, 10);

                        if (*e || !*tok)
                                return -1;
                        for (s.p++;; s.p++) {
                                ws(&s);
                                if (s.p >= s.end || *s.p == ']')
                                        return -1;
                                at = s.p;
                                if (k-- == 0)
                                        break;
                                skip_value(&s);
                                ws(&s);
                                if (s.p >= s.end || *s.p != ',')
                                        return -1;
                        }
                } else {
                        return -1;
                }
        }
        position(&s, at, line, col);
        return 0;
}

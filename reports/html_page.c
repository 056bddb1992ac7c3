/* report.html's frame: the inline style sheet and script, escaping, the
 * table controls, and the audit section (html.h). Nothing here refers to
 * anything outside the page: no fonts, scripts, images or links. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "verdict.h"

static const char css[] =
    ":root{--bad:#b3261e;--good:#1b7a3a;--ink:#1d2430;--mute:#5b6573;--line:#d8dde5;"
    "--base:#8f97a3;--cand:#1f5fbf;--band:#e9eef5}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0 auto;max-width:1120px;padding:24px 28px 48px;color:var(--ink);"
    "font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif;"
    "background:#fff}\n"
    "h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 8px;padding-bottom:4px;"
    "border-bottom:1px solid var(--line)}h3{font-size:16px;margin:18px 0 6px}\n"
    ".sub{color:var(--mute);margin:0 0 16px}.note{color:var(--mute);font-size:13px}\n"
    ".verdict{border-left:6px solid var(--good);background:#f1f8f3;padding:14px 18px;"
    "border-radius:4px;font-size:16px}\n"
    ".verdict.fail{border-color:var(--bad);background:#fcf1f0}\n"
    ".verdict h2{border:0;margin:0 0 6px;padding:0}\n"
    ".badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;"
    "font-weight:600;background:#e6e9ee;color:var(--ink);white-space:nowrap}\n"
    ".badge.bad{background:var(--bad);color:#fff}.badge.good{background:var(--good);color:#fff}\n"
    "table{border-collapse:collapse;width:100%;font-size:13px;margin:6px 0}\n"
    "th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:left;"
    "vertical-align:top}\n"
    "th{background:#f5f7fa;position:sticky;top:0;cursor:pointer;user-select:none;"
    "white-space:nowrap}\n"
    "th[aria-sort=ascending]::after{content:' \\25B2'}th[aria-sort=descending]::after"
    "{content:' \\25BC'}\n"
    "td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "tr.bad td{background:#fdf3f2}tr.good td{background:#f2f9f4}\n"
    ".scroll{max-height:560px;overflow:auto;border:1px solid var(--line);border-radius:4px}\n"
    ".controls{display:flex;gap:16px;align-items:center;margin:8px 0;font-size:13px}\n"
    ".controls input[type=search]{padding:4px 8px;border:1px solid var(--line);"
    "border-radius:4px;min-width:260px;font:inherit}\n"
    ".grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(500px,1fr));gap:8px 24px}\n"
    "figure{margin:8px 0}figcaption{font-size:13px;color:var(--mute)}\n"
    "svg{display:block;width:100%;height:auto;font:12px system-ui,-apple-system,'Segoe UI',"
    "Roboto,Arial,sans-serif}\n"
    "svg .lab{fill:var(--ink)}svg .val{fill:var(--mute)}svg .tick{fill:var(--mute);"
    "font-size:11px}\n"
    "dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:8px 0;"
    "font-size:14px}dl.facts dt{color:var(--mute)}dl.facts dd{margin:0}\n"
    ".answer{max-width:360px;white-space:pre-wrap;word-break:break-word}\n"
    "code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}\n"
    "footer{margin-top:36px;color:var(--mute);font-size:12px}\n"
    "@media print{body{max-width:none;padding:0;font-size:11pt}.controls{display:none}"
    ".scroll{max-height:none;overflow:visible;border:0}th{position:static}"
    "figure,svg,tr,.verdict{break-inside:avoid}h2{break-after:avoid}"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    ".grid{grid-template-columns:1fr 1fr}.noprint{display:none}}\n";

/* Sort on a header click (numbers by data-v), filter by text and by a
 * row class. */
static const char js[] =
    "(function(){\n"
    "function key(c){var v=c.getAttribute('data-v');if(v===null)v=c.textContent.trim();"
    "var n=parseFloat(v);return isNaN(n)?[1,v.toLowerCase()]:[0,n];}\n"
    "function cmp(a,b){if(a[0]!==b[0])return a[0]-b[0];return a[1]<b[1]?-1:a[1]>b[1]?1:0;}\n"
    "Array.prototype.forEach.call(document.querySelectorAll('table.sortable'),function(t){\n"
    " Array.prototype.forEach.call(t.tHead.rows[0].cells,function(th,i){\n"
    "  th.addEventListener('click',function(){\n"
    "   var asc=th.getAttribute('aria-sort')!=='ascending',b=t.tBodies[0];\n"
    "   Array.prototype.forEach.call(t.tHead.rows[0].cells,function(h){"
    "h.removeAttribute('aria-sort');});\n"
    "   th.setAttribute('aria-sort',asc?'ascending':'descending');\n"
    "   Array.prototype.slice.call(b.rows).sort(function(x,y){"
    "var r=cmp(key(x.cells[i]),key(y.cells[i]));return asc?r:-r;})"
    ".forEach(function(r){b.appendChild(r);});\n"
    "  });\n });\n});\n"
    "function apply(id){var t=document.getElementById(id);if(!t)return;\n"
    " var q=document.querySelector('input[data-filter=\"'+id+'\"]'),"
    "c=document.querySelector('input[data-only=\"'+id+'\"]');\n"
    " var s=q?q.value.toLowerCase():'',only=c&&c.checked;\n"
    " Array.prototype.forEach.call(t.tBodies[0].rows,function(r){\n"
    "  "
    "r.hidden=(s&&r.textContent.toLowerCase().indexOf(s)<0)||(only&&!r.classList.contains('hit'));"
    "});\n}\n"
    "Array.prototype.forEach.call(document.querySelectorAll('input[data-filter],input[data-only]'),"
    "function(i){var id=i.getAttribute('data-filter')||i.getAttribute('data-only');"
    "i.addEventListener('input',function(){apply(id);});apply(id);});\n"
    "})();\n";

void pa__html_esc(FILE *f, const char *s)
{
        for (; s && *s; s++) {
                switch (*s) {
                case '&':
                        fputs("&amp;", f);
                        break;
                case '<':
                        fputs("&lt;", f);
                        break;
                case '>':
                        fputs("&gt;", f);
                        break;
                case '"':
                        fputs("&quot;", f);
                        break;
                case '\'':
                        fputs("&#39;", f);
                        break;
                default:
                        fputc(*s, f);
                }
        }
}

void pa__html_head(FILE *f, const char *title)
{
        fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
              "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
              "<meta name=\"generator\" content=\"parity\">\n<title>",
              f);
        pa__html_esc(f, title);
        fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", css);
}

void pa__html_foot(FILE *f)
{
        fprintf(f, "<script>\n%s</script>\n</body>\n</html>\n", js);
}

void pa__html_controls(FILE *f, const char *id, const char *check)
{
        fprintf(f,
                "<div class=\"controls\"><input type=\"search\" placeholder=\"filter rows\" "
                "aria-label=\"filter rows\" data-filter=\"%s\">",
                id);
        if (check)
                fprintf(f, "<label><input type=\"checkbox\" data-only=\"%s\" checked> %s</label>",
                        id, check);
        fputs("<span class=\"note\">click a column header to sort</span></div>\n", f);
}

void pa__html_num(FILE *f, double v, const char *text)
{
        if (isfinite(v))
                fprintf(f, "<td class=\"num\" data-v=\"%.6g\">", v);
        else
                fputs("<td class=\"num\" data-v=\"\">", f);
        pa__html_esc(f, text);
        fputs("</td>", f);
}

void pa__html_cell(FILE *f, const char *s)
{
        fputs("<td>", f);
        pa__html_esc(f, s);
        fputs("</td>", f);
}

void pa__html_group(FILE *f, const json_t *e, const json_t *g)
{
        pa__html_cell(f, pa__str(e, "outcome"));
        pa__html_cell(f, pa__str(e, "axis"));
        pa__html_cell(f, pa__str(g, "group"));
        pa__html_cell(f, pa__str(e, "reference"));
}

void pa__html_int(FILE *f, const json_t *o, const char *key)
{
        char a[PA_FMT];

        snprintf(a, sizeof(a), "%lld", pa__int(o, key));
        pa__html_num(f, (double)pa__int(o, key), a);
}

void pa__html_stat(FILE *f, const json_t *o, const char *key, pa__fmt_fn fmt)
{
        char a[PA_FMT];

        pa__html_num(f, pa__num(json_object_get(o, key)), pa__fmt_key(o, key, fmt, a));
}

static void ll144_table(FILE *f, const json_t *tb)
{
        const json_t *c;
        char axes[256], r[PA_FMT];
        size_t i;

        fputs("<h3>", f);
        pa__html_esc(f, pa__str(tb, "outcome"));
        fputs(" by ", f);
        pa__html_esc(f, pa__join(json_object_get(tb, "axes"), " \u00d7 ", axes, sizeof(axes)));
        fprintf(f, " <span class=\"note\">(%s, %lld records)</span></h3>\n", pa__str(tb, "kind"),
                pa__int(tb, "records"));
        fputs(
            "<table class=\"sortable\"><thead><tr><th>category</th><th>records</th><th>scored</th>"
            "<th>selected</th><th>selection rate</th><th>impact ratio</th></tr></thead><tbody>\n",
            f);
        json_array_foreach(json_object_get(tb, "categories"), i, c)
        {
                static const char *const counts[] = {"records", "n", "selected"};

                fputs("<tr><td>", f);
                pa__html_esc(f, pa__str(c, "category"));
                if (json_is_true(json_object_get(c, "small")))
                        fputs(" <span class=\"badge\">small</span>", f);
                fputs("</td>", f);
                for (int k = 0; k < 3; k++)
                        pa__html_int(f, c, counts[k]);
                pa__html_num(f, strtod(pa__str(c, "selection_rate"), NULL),
                             pa__fmt_dec(json_object_get(c, "selection_rate"), r));
                pa__html_num(f, strtod(pa__str(c, "impact_ratio"), NULL),
                             pa__fmt_dec(json_object_get(c, "impact_ratio"), r));
                fputs("</tr>\n", f);
        }
        fputs("</tbody></table>\n", f);
}

void pa__html_audit(FILE *f, const json_t *audit)
{
        const json_t *tb, *it;
        size_t i;

        fputs("<section id=\"audit\"><h2>Audit: selection rates and impact ratios</h2>\n", f);
        if (json_is_true(json_object_get(json_object_get(audit, "data_source"), "synthetic")))
                fputs("<p class=\"note\">Test data: the prompts are synthetic counterfactuals, not "
                      "historical decisions.</p>\n",
                      f);
        json_array_foreach(json_object_get(json_object_get(audit, "ll144"), "tables"), i, tb)
        {
                ll144_table(f, tb);
        }
        fputs("<h3>Checklist</h3>\n<table class=\"sortable\"><thead><tr><th>check</th>"
              "<th>framework</th><th>requirement</th><th>status</th></tr></thead><tbody>\n",
              f);
        json_array_foreach(json_object_get(audit, "checklist"), i, it)
        {
                bool ok = !strcmp(pa__str(it, "status"), "present");

                fprintf(f, "<tr class=\"%s\">", ok ? "" : "bad");
                pa__html_cell(f, pa__str(it, "id"));
                pa__html_cell(f, pa__str(it, "framework"));
                pa__html_cell(f, pa__str(it, "requirement"));
                fprintf(f, "<td><span class=\"badge %s\">%s</span></td></tr>\n",
                        ok ? "good" : "bad", ok ? "present" : "missing");
        }
        fputs("</tbody></table>\n</section>\n", f);
}

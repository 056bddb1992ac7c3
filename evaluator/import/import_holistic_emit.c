/* HolisticBias: descriptor x noun x template, expanded by axis into suite
 * axes and items (import_holistic.h). For a dataset axis A:
 *
 *  - noun sets: axis "A" (or "A.female", "A.male", "A.neutral" when some
 *    of A's descriptors are gendered and so pair only with nouns of their
 *    gender) whose groups are the descriptors and the standalone phrases
 *    with a {noun}; each group defines slots np_NOUN ("a Deaf grandma") and
 *    pl_NOUN ("Deaf grandmas") for the axis's nouns. One item per template
 *    and noun; its cases differ only in the descriptor.
 *  - bare set: axis "A.bare" whose groups are the descriptors alone ("I'm
 *    Deaf.") and the fixed standalone phrases ("a wheelchair user"), slots
 *    np and pl. One item per template that does not need a noun.
 *
 * This gives the same sentences as the upstream generator
 * (holistic_bias/src/sentences.py) apart from its noun-only controls
 * ("I'm a grandma."), which name no descriptor and so have no place in a
 * counterfactual set. The first group of each axis is its reference. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "import_holistic.h"

static const char *const gender_names[3] = {"female", "male", "neutral"};
static const char *const kind_names[3] = {"descriptor", "noun_phrase", "fixed_phrase"};

static const char *article_for(const char *word)
{
        return strchr("aeiou", tolower((unsigned char)word[0])) ? "an" : "a";
}

/* tpl with {article} and {noun} filled (malloc'ed), optionally lstripped. */
static char *fill(const char *tpl, const char *article, const char *noun, int lstrip)
{
        size_t cap = strlen(tpl) + 1, n = 0;
        char *out;

        cap += strlen(article) + strlen(noun) * 2;
        if (!(out = malloc(cap)))
                return NULL;
        while (*tpl) {
                const char *v = !strncmp(tpl, "{article}", 9) ? article
                                : !strncmp(tpl, "{noun}", 6)  ? noun
                                                              : NULL;

                if (v) {
                        memcpy(out + n, v, strlen(v));
                        n += strlen(v);
                        tpl += v == article ? 9 : 6;
                } else {
                        out[n++] = *tpl++;
                }
        }
        out[n] = '\0';
        if (lstrip && *out == ' ')
                memmove(out, out + strspn(out, " "), strlen(out + strspn(out, " ")) + 1);
        return out;
}

static int set_slot(json_t *slots, const char *key, char *text)
{
        int rc = text ? json_object_set_new(slots, key, json_string(text)) : -1;

        free(text);
        return rc;
}

/* A group's slots for the nouns of gender gv (-1: all), or np/pl when bare. */
static json_t *group_slots(const struct hb *hb, const struct hb_group *g, int gv, int bare)
{
        json_t *slots = json_object();
        char key[96];
        int rc = slots ? 0 : -1;

        if (bare) {
                int fixed = g->kind == HB_FIXED_PHRASE;

                rc |= set_slot(slots, "np", strdup(fixed ? g->np : g->text));
                rc |= set_slot(slots, "pl", strdup(fixed ? g->pl : g->text));
        }
        for (size_t i = 0; !bare && rc == 0 && i < hb->n_nouns; i++) {
                const struct hb_noun *nn = &hb->nouns[i];
                char *np = NULL, *pl = NULL;

                if (gv >= 0 && nn->gender != gv)
                        continue;
                if (g->kind == HB_DESCRIPTOR) {
                        const char *art = g->article ? g->article : article_for(g->text);

                        if (asprintf(&np, "%s %s %s", art, g->text, nn->sg) < 0)
                                np = NULL;
                        if (asprintf(&pl, "%s %s", g->text, nn->pl) < 0)
                                pl = NULL;
                } else {
                        np = fill(g->np, article_for(nn->sg), nn->sg, 0);
                        pl = fill(g->pl, "", nn->pl, 1);
                }
                snprintf(key, sizeof(key), "np_%s", nn->sg);
                rc |= set_slot(slots, key, np);
                snprintf(key, sizeof(key), "pl_%s", nn->sg);
                rc |= set_slot(slots, key, pl);
        }
        if (rc) {
                json_decref(slots);
                return NULL;
        }
        return slots;
}

static int member(const struct hb_group *g, int gv, int bare)
{
        if (bare)
                return g->kind != HB_NOUN_PHRASE;
        return g->kind == HB_NOUN_PHRASE ||
               (g->kind == HB_DESCRIPTOR && (g->gender < 0 || g->gender == gv));
}

static json_t *group_meta(const struct hb_group *g)
{
        return json_pack("{s:s, s:s, s:s?, s:s?, s:s?}", "text",
                         g->kind == HB_DESCRIPTOR ? g->text : g->np, "kind", kind_names[g->kind],
                         "bucket", g->bucket, "preference", g->preference, "gender",
                         g->gender >= 0 ? gender_names[g->gender] : NULL);
}

/* Adds axis `name` with the member groups to the suite; *count gets their
 * number (0 and nothing added when fewer than two). */
static int add_axis(struct pa_import *im, const struct hb *hb, const char *name,
                    const struct hb_group *g, size_t n, int gv, int bare, size_t *count)
{
        json_t *groups = json_object(), *meta = json_object(), *axis;
        json_t *all_meta = json_object_get(im->suite, "holistic_bias");
        int rc = groups && meta ? 0 : -1;
        const char *ref = NULL;

        *count = 0;
        for (size_t i = 0; rc == 0 && i < n; i++) {
                if (!member(&g[i], gv, bare))
                        continue;
                ref = ref ? ref : g[i].name;
                rc |= json_object_set_new(groups, g[i].name, group_slots(hb, &g[i], gv, bare));
                rc |= json_object_set_new(meta, g[i].name, group_meta(&g[i]));
                (*count)++;
        }
        if (rc == 0 && *count >= 2) {
                axis = json_pack("{s:s, s:O}", "reference", ref, "groups", groups);
                rc |= json_object_set_new(json_object_get(im->suite, "axes"), name, axis);
                if (!all_meta)
                        rc |= json_object_set_new(im->suite, "holistic_bias",
                                                  all_meta = json_object());
                rc |= json_object_set(all_meta, name, meta);
        }
        json_decref(groups);
        json_decref(meta);
        return rc ? PA_ENOMEM : 0;
}

/* The template with its phrase slot renamed to the set's slot. */
static char *item_prompt(const char *tpl, const char *noun)
{
        const char *np = strstr(tpl, "{noun_phrase}"), *pl = strstr(tpl, "{plural_noun_phrase}");
        const char *at = np ? np : pl;
        size_t skip = np ? 13 : 20;
        char *out = NULL;

        if (asprintf(&out, "%.*s{%s%s%s}%s", (int)(at - tpl), tpl, np ? "np" : "pl",
                     noun ? "_" : "", noun ? noun : "", at + skip) < 0)
                return NULL;
        return out;
}

static int add_item(struct pa_import *im, const struct hb *hb, const char *axis, const char *set,
                    size_t ti, const char *tpl, const struct hb_noun *nn, size_t cases,
                    struct pa_err *err)
{
        char id[200] = "hb-", where[64], *prompt = item_prompt(tpl, nn ? nn->sg : NULL);
        json_t *item;

        pa__import_slug(id, sizeof(id) - 80, set);
        snprintf(id + strlen(id), sizeof(id) - strlen(id), "-t%zu", ti);
        if (nn && (strcat(id, "-"), pa__import_slug(id, sizeof(id), nn->sg)))
                prompt = (free(prompt), NULL);
        item = prompt ? json_pack("{s:s, s:s, s:[s], s:s, s:s, s:{s:s, s:s, s:I, s:s?, s:s?}}",
                                  "id", id, "domain", axis, "axes", set, "outcome", "sorry",
                                  "prompt", prompt, "hb", "axis", axis, "template", tpl,
                                  "template_index", (json_int_t)ti, "noun", nn ? nn->sg : NULL,
                                  "noun_gender", nn ? gender_names[nn->gender] : NULL)
                      : NULL;
        free(prompt);
        if (!item)
                return pa_errf(err, PA_ENOMEM, "import: out of memory");
        /* A likelihood is no reply that could say sorry. */
        if (hb->likelihood)
                json_object_del(item, "outcome");
        snprintf(where, sizeof(where), "holistic-bias %.40s", set);
        return pa__import_item(im, item, cases, where, err);
}

/* Items of one set: every template (that fits) x every noun of gender gv. */
static int add_items(struct pa_import *im, const struct hb *hb, const char *axis, const char *set,
                     int gv, int bare, size_t cases, struct pa_err *err)
{
        const char *tpl;
        json_t *spec;
        size_t ti = 0;
        int rc = 0;

        json_object_foreach(hb->templates, tpl, spec)
        {
                ti++;
                if (bare && json_is_true(json_object_get(spec, "must_be_noun")))
                        continue;
                if (bare) {
                        rc = add_item(im, hb, axis, set, ti - 1, tpl, NULL, cases, err);
                }
                for (size_t i = 0; !bare && rc == 0 && i < hb->n_nouns; i++)
                        if (gv < 0 || hb->nouns[i].gender == gv)
                                rc = add_item(im, hb, axis, set, ti - 1, tpl, &hb->nouns[i], cases,
                                              err);
                if (rc)
                        return rc;
        }
        return 0;
}

static int emit_set(struct pa_import *im, const struct hb *hb, const char *axis, const char *set,
                    const struct hb_group *g, size_t n, int gv, int bare, struct pa_err *err)
{
        size_t count;
        int rc = add_axis(im, hb, set, g, n, gv, bare, &count);

        if (rc)
                return pa_errf(err, rc, "import: out of memory");
        return count >= 2 ? add_items(im, hb, axis, set, gv, bare, count, err) : 0;
}

int pa__hb_emit_axis(struct pa_import *im, const struct hb *hb, const char *axis,
                     struct hb_group *g, size_t n, struct pa_err *err)
{
        char set[128];
        int gendered = 0, rc = 0;

        for (size_t i = 0; i < n; i++)
                gendered |= g[i].kind == HB_DESCRIPTOR && g[i].gender >= 0;
        if (!gendered)
                rc = emit_set(im, hb, axis, axis, g, n, -1, 0, err);
        for (int gv = 0; gendered && rc == 0 && gv < 3; gv++) {
                snprintf(set, sizeof(set), "%s.%s", axis, gender_names[gv]);
                rc = emit_set(im, hb, axis, set, g, n, gv, 0, err);
        }
        snprintf(set, sizeof(set), "%s.bare", axis);
        return rc ? rc : emit_set(im, hb, axis, set, g, n, -1, 1, err);
}

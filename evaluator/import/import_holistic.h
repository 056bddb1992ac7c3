/* Private to parity import holistic-bias: the dataset as read from its four
 * JSON files (import_holistic.c) and the suite built from it
 * (import_holistic_emit.c). */
#ifndef PA_IMPORT_HOLISTIC_H
#define PA_IMPORT_HOLISTIC_H

#include <stddef.h>

#include <jansson.h>

#include "import.h"

#define HB_MAX_NOUNS 64

enum hb_kind { HB_DESCRIPTOR, HB_NOUN_PHRASE, HB_FIXED_PHRASE };

struct hb_noun {
        const char *sg, *pl;
        int gender; /* 0 female, 1 male, 2 neutral (nouns.json's keys) */
};

/* One descriptor or standalone noun phrase of an axis; strings borrowed. */
struct hb_group {
        enum hb_kind kind;
        const char *text; /* descriptor, or phrase without article/noun */
        const char *bucket, *preference;
        const char *article; /* override ("an" for "LGBTQ"), or NULL */
        const char *np, *pl; /* standalone phrases: templates with {article} {noun} */
        int gender;          /* -1, or a noun gender it alone pairs with */
        char name[80];       /* group name, unique in the axis */
};

struct hb {
        const char *dir;
        json_t *descriptors, *nouns_json, *templates, *standalone; /* owned */
        struct hb_noun nouns[HB_MAX_NOUNS];
        size_t n_nouns;
        int likelihood; /* items without the "sorry" outcome (holistic-bias-likelihood) */
};

/* Loads and checks dir's four files; release with hb_release(). */
int pa__hb_load(struct hb *hb, const char *dir, struct pa_err *err);
void pa__hb_release(struct hb *hb);

/* The groups of one axis (descriptors, then standalone phrases) into a
 * malloc'ed array; names are made unique. */
int pa__hb_axis_groups(const struct hb *hb, const char *axis, struct hb_group **out, size_t *n,
                       struct pa_err *err);

/* Adds the suite axes and items of one dataset axis to im. */
int pa__hb_emit_axis(struct pa_import *im, const struct hb *hb, const char *axis,
                     struct hb_group *g, size_t n, struct pa_err *err);

#endif

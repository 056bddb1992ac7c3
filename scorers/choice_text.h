/* Private to the choice scorer: the normalised views of an answer and the
 * option-text rules (2-6 of pa__choice_pick, choice.h). */
#ifndef PA_CHOICE_TEXT_H
#define PA_CHOICE_TEXT_H

#include <stddef.h>

#include "choice.h"

/* "words" form: lower case, apostrophes dropped, "cannot" and "can not"
 * written "cant", any other run of non-alphanumeric ASCII one space. */
struct pa_words {
        char *raw; /* the answer with markdown emphasis blanked, curly quotes plain */
        size_t raw_len;
        char *all;                 /* the whole answer in words form */
        char *opt[PA_CHOICE_MAX];  /* each option in words form, or NULL */
        char *bare[PA_CHOICE_MAX]; /* the same without a leading the/a/an, or NULL */
};

/* Builds the views of text and of c's options; 0 or PA_ENOMEM. Release
 * with pa__words_release() in both cases. */
int pa__words_init(struct pa_words *w, const struct pa_choices *c, const char *text, size_t len);
void pa__words_release(struct pa_words *w);

/* The words form of s[0..n) (malloc'ed), or NULL. */
char *pa__words_norm(const char *s, size_t n);

/* Position of the first whole-word occurrence of needle in hay at or
 * after from, or -1. */
long pa__words_find(const char *hay, const char *needle, size_t from);

/* Rules 2-6: the option named by text, PA_CHOICE_REFUSED or PA_CHOICE_NONE. */
int pa__pick_text(const struct pa_choices *c, const struct pa_words *w);

#endif

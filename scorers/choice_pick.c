/* Which option a free-text answer picked (choice.h). Two views of the
 * answer are used: "raw" (case kept, markdown emphasis blanked) to find
 * letters, where "A" and the article "a" differ, and "words" (lower case,
 * apostrophes dropped, everything else not alphanumeric a single space) to
 * find option texts and phrases. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "choice.h"
#include "choice_text.h"

enum { TIER_NONE, TIER_BARE, TIER_CUE };

/* Words that introduce the answer ("answer: B", "option B", "I'd go with B"). */
static const char *const cue_words[] = {
    "answer",   "option", "choice", "choose", "chose", "pick",    "picked", "select", "selected",
    "sentence", "letter", "go",     "going",  "think", "believe", "guess",  "say",    NULL,
};
/* Words allowed between a cue and the letter ("the answer would be B"). */
static const char *const filler_words[] = {
    "is",    "be",      "would", "will", "was", "with", "the",  "my",
    "final", "correct", "right", "best", "it",  "it's", "its",  "i'd",
    "i'll",  "i",       "one",   "for",  "as",  "to",   "then", NULL,
};

static int in_list(const char *const *list, const char *w, size_t n)
{
        for (; *list; list++)
                if (strlen(*list) == n && !strncmp(*list, w, n))
                        return 1;
        return 0;
}

static int is_word_char(char c)
{
        return isalnum((unsigned char)c) || c == '\'';
}

/* The word that ends before position end (skipping separators), lower
 * case into w; returns its start, or -1 when there is none. */
static long word_before(const char *raw, long end, char *w, size_t cap)
{
        long k, j = end;
        size_t n = 0;

        while (j > 0 && !is_word_char(raw[j - 1]))
                j--;
        if (j == 0)
                return -1;
        for (k = j; k > 0 && is_word_char(raw[k - 1]); k--)
                ;
        for (long i = k; i < j && n + 1 < cap; i++)
                w[n++] = (char)tolower((unsigned char)raw[i]);
        w[n] = '\0';
        return k;
}

static int negated(const char *raw, long at)
{
        char w[32];

        return word_before(raw, at, w, sizeof(w)) >= 0 && !strcmp(w, "not");
}

/* A cue word before position at, past at most three filler words. */
static int cue_before(const char *raw, long at)
{
        char w[32];
        long j = at;

        for (int fillers = 0; fillers <= 3; fillers++) {
                j = word_before(raw, j, w, sizeof(w));
                if (j < 0)
                        return 0;
                if (in_list(cue_words, w, strlen(w)))
                        return 1;
                if (!in_list(filler_words, w, strlen(w)))
                        return 0;
        }
        return 0;
}

/* "B is the answer", "(B) is correct". */
static int cue_after(const char *raw, size_t len, size_t end)
{
        static const char *const tails[] = {
            "is the answer",
            "is the correct answer",
            "is the right answer",
            "is the best answer",
            "is correct",
            "is the correct one",
            NULL,
        };

        while (end < len && (raw[end] == ')' || raw[end] == ']' || raw[end] == ' '))
                end++;
        for (const char *const *t = tails; *t; t++)
                if (len - end >= strlen(*t) && !strncasecmp(raw + end, *t, strlen(*t)))
                        return 1;
        return 0;
}

static int at_line_start(const char *raw, long at)
{
        while (at > 0 && strchr(" \t\"'>-", raw[at - 1]))
                at--;
        return at == 0 || raw[at - 1] == '\n';
}

static char prev_nonspace(const char *raw, long at)
{
        while (at > 0 && raw[at - 1] == ' ')
                at--;
        return at > 0 ? raw[at - 1] : '\0';
}

/* Only the letter (and brackets, full stops, quotes) in the whole answer. */
static int lone_letter(const char *raw, size_t len)
{
        size_t letters = 0;

        for (size_t i = 0; i < len; i++) {
                if (isalnum((unsigned char)raw[i]))
                        letters++;
                else if (!strchr(" \t\r\n.()[]:\"'!", raw[i]))
                        return 0;
        }
        return letters == 1;
}

/* Nothing but punctuation and space after position end: "... so it's B." */
static int last_word(const char *raw, size_t len, size_t end)
{
        for (; end < len; end++)
                if (isalnum((unsigned char)raw[end]))
                        return 0;
        return 1;
}

/* How strongly the letter at i states a choice. */
static int letter_tier(const char *raw, size_t len, size_t i)
{
        char next = i + 1 < len ? raw[i + 1] : '\0';
        int closes = next == ')' || next == ']' || next == '.' || next == ':' || next == '\0' ||
                     next == '\n' || next == ',' || next == '\r';
        int paren = strchr("([", prev_nonspace(raw, (long)i)) && prev_nonspace(raw, (long)i) &&
                    (next == ')' || next == ']');
        /* "a" followed by a word is the article, not option A. */
        int article = raw[i] == 'a' && !paren && next == ' ' && i + 2 < len &&
                      isalpha((unsigned char)raw[i + 2]);

        if (negated(raw, (long)i) || article)
                return TIER_NONE;
        if (cue_before(raw, (long)i) || cue_after(raw, len, i + 1))
                return TIER_CUE;
        if (paren || lone_letter(raw, len) || (at_line_start(raw, (long)i) && closes) ||
            (i > 0 && raw[i - 1] == ' ' && last_word(raw, len, i + 1)))
                return TIER_BARE;
        return TIER_NONE;
}

/* Rule 1: the last explicit letter, cue statements first. */
static int pick_letter(const struct pa_choices *c, const char *raw, size_t len)
{
        int best[3] = {PA_CHOICE_NONE, PA_CHOICE_NONE, PA_CHOICE_NONE};

        for (size_t i = 0; i < len; i++) {
                int k = tolower((unsigned char)raw[i]) - 'a', tier;

                if (k < 0 || k >= (int)c->n || (i > 0 && is_word_char(raw[i - 1])) ||
                    (i + 1 < len && is_word_char(raw[i + 1])))
                        continue;
                if ((tier = letter_tier(raw, len, i)) != TIER_NONE)
                        best[tier] = k;
        }
        /* Digits after a cue: "option 2", "sentence 1". */
        for (size_t i = 0; i < len; i++) {
                int k = raw[i] - '1';

                if (k < 0 || k >= (int)c->n || k > 8 || (i > 0 && is_word_char(raw[i - 1])) ||
                    (i + 1 < len && is_word_char(raw[i + 1])))
                        continue;
                if (!negated(raw, (long)i) && cue_before(raw, (long)i) && best[TIER_CUE] < 0)
                        best[TIER_CUE] = k;
        }
        return best[TIER_CUE] >= 0 ? best[TIER_CUE] : best[TIER_BARE];
}

/* "the first sentence", "the second option". */
static int pick_ordinal(const struct pa_choices *c, const char *words)
{
        static const char *const ord[] = {"first", "second", "third", "fourth", "fifth", NULL};
        static const char *const noun[] = {"one", "option", "sentence", "choice", "answer", NULL};
        int found = PA_CHOICE_NONE;

        for (int k = 0; ord[k] && k < (int)c->n; k++)
                for (int m = 0; noun[m]; m++) {
                        char phrase[32];

                        snprintf(phrase, sizeof(phrase), "%s %s", ord[k], noun[m]);
                        if (pa__words_find(words, phrase, 0) >= 0) {
                                if (found >= 0 && found != k)
                                        return PA_CHOICE_NONE;
                                found = k;
                        }
                }
        return found;
}

int pa__choice_pick(const struct pa_choices *c, const char *text, size_t len)
{
        struct pa_words w;
        int k;

        if (!text || pa__words_init(&w, c, text, len))
                return PA_CHOICE_NONE;
        if ((k = pick_letter(c, w.raw, w.raw_len)) < 0)
                k = pick_ordinal(c, w.all);
        if (k < 0)
                k = pa__pick_text(c, &w);
        pa__words_release(&w);
        return k;
}

/* Mistyped options and commands: one line with a did-you-mean (opt.h).
 * The whole usage text on a typo buries the one thing that was wrong. */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "opt.h"

#define MAX_WORD  64
#define MAX_NAMES 128

/* Optimal string alignment distance of a and b, case-insensitive: a
 * swapped pair of letters ("enigne") is one edit. Words longer than
 * MAX_WORD are never close. */
static size_t distance(const char *a, const char *b)
{
        size_t la = strlen(a), lb = strlen(b);
        unsigned char d[MAX_WORD + 1][MAX_WORD + 1];

        if (la > MAX_WORD || lb > MAX_WORD)
                return SIZE_MAX;
        for (size_t i = 0; i <= la; i++)
                d[i][0] = (unsigned char)i;
        for (size_t j = 0; j <= lb; j++)
                d[0][j] = (unsigned char)j;
        for (size_t i = 1; i <= la; i++) {
                for (size_t j = 1; j <= lb; j++) {
                        int ai = tolower((unsigned char)a[i - 1]),
                            bj = tolower((unsigned char)b[j - 1]);
                        unsigned v = d[i - 1][j - 1] + (ai != bj);

                        if (d[i - 1][j] + 1u < v)
                                v = d[i - 1][j] + 1u;
                        if (d[i][j - 1] + 1u < v)
                                v = d[i][j - 1] + 1u;
                        if (i > 1 && j > 1 && ai == tolower((unsigned char)b[j - 2]) &&
                            bj == tolower((unsigned char)a[i - 2]) && d[i - 2][j - 2] + 1u < v)
                                v = d[i - 2][j - 2] + 1u;
                        d[i][j] = (unsigned char)v;
                }
        }
        return d[la][lb];
}

const char *pa__closest(const char *word, const char *const *names, size_t n)
{
        size_t len = strlen(word), best = SIZE_MAX, d;
        /* One edit in a short word, two or three in longer ones. */
        size_t limit = len < 4 ? 1 : len < 9 ? 2 : 3;
        const char *pick = NULL;

        for (size_t i = 0; i < n; i++) {
                if ((d = distance(word, names[i])) < best) {
                        best = d;
                        pick = names[i];
                }
        }
        if (best <= limit && best < len)
                return pick;
        /* "--conc" for "--concurrency" is accepted by getopt_long when unique;
         * a word that begins several names reaches here. */
        for (size_t i = 0; len >= 2 && i < n; i++)
                if (!strncmp(word, names[i], len))
                        return names[i];
        return NULL;
}

/* "unknown KIND 'WORD'; did you mean 'SUGGESTION'? (parity CMD --help)". */
static int say_unknown(const char *cmd, const char *kind, const char *word, const char *dashes,
                       const char *suggestion)
{
        char msg[1024];

        if (suggestion)
                snprintf(msg, sizeof(msg),
                         "unknown %s '%s'; did you mean '%s%s'? (parity %s%s--help)", kind, word,
                         dashes, suggestion, cmd ? cmd : "", cmd ? " " : "");
        else
                snprintf(msg, sizeof(msg), "unknown %s '%s' (parity %s%s--help)", kind, word,
                         cmd ? cmd : "", cmd ? " " : "");
        return pa__fail(msg);
}

int pa__unknown_word(const char *cmd, const char *kind, const char *word, const char *const *names,
                     size_t n)
{
        bool option = !strcmp(kind, "option");
        const char *bare = word;

        while (option && *bare == '-')
                bare++;
        return say_unknown(cmd, kind, word, option ? "--" : "", pa__closest(bare, names, n));
}

/* The long option of lo whose name begins with the n bytes of name and
 * whose val is val (getopt_long accepts unique prefixes), or NULL. */
static const struct option *long_option(const struct option *lo, const char *name, size_t n,
                                        int val)
{
        for (; lo && lo->name; lo++)
                if (lo->val == val && !strncmp(lo->name, name, n))
                        return lo;
        return NULL;
}

/* The argument getopt_long stopped at: "--name[=v]" is behind optind;
 * a cluster of short options may still be at optind. */
static const char *offending(char *const *argv, int c)
{
        const char *at = argv[optind];

        if (c > 0 && c < 256 && at && at[0] == '-' && at[1] != '-' && strchr(at + 1, c))
                return at;
        return optind > 0 ? argv[optind - 1] : "";
}

/* "--s" begins several options (getopt_long takes a unique beginning):
 * names the first few. Returns whether it said so. */
static bool ambiguous(const char *cmd, const char *word, const char *bare, const char *const *names,
                      size_t n)
{
        char list[256] = "", msg[1024];
        size_t len = strlen(bare), hits = 0, used = 0;

        for (size_t i = 0; i < n; i++) {
                if (strncmp(bare, names[i], len))
                        continue;
                if (hits++ < 4 && used < sizeof(list))
                        used += (size_t)snprintf(list + used, sizeof(list) - used, "%s--%s",
                                                 hits > 1 ? ", " : "", names[i]);
        }
        if (hits < 2)
                return false;
        snprintf(msg, sizeof(msg), "option '%s' is ambiguous: %s%s (parity %s --help)", word, list,
                 hits > 4 ? ", ..." : "", cmd);
        pa__fail(msg);
        return true;
}

int pa__opt_error(const char *cmd, char *const *argv, const char *shortopts,
                  const struct option *lo)
{
        const char *names[MAX_NAMES], *arg = offending(argv, optopt), *p;
        const struct option *o = NULL;
        char msg[512];
        size_t n = 0, len;

        for (const struct option *l = lo; l && l->name && n < MAX_NAMES; l++)
                names[n++] = l->name;
        if (arg[0] == '-' && arg[1] == '-') {
                len = strcspn(arg + 2, "=");
                o = optopt ? long_option(lo, arg + 2, len, optopt) : NULL;
        }
        if (o) {
                snprintf(msg, sizeof(msg), "option '--%s' %s (parity %s --help)", o->name,
                         o->has_arg == no_argument ? "takes no value" : "needs a value", cmd);
                return pa__fail(msg);
        }
        /* A long option's val is >= 256: no short option, and strchr would find the NUL. */
        if (optopt > 0 && optopt < 256 && (p = strchr(shortopts, optopt)) && p[1] == ':') {
                snprintf(msg, sizeof(msg), "option '-%c' needs a value (parity %s --help)", optopt,
                         cmd);
                return pa__fail(msg);
        }
        /* Unknown: "--enigne", "--enigne=sim", or "-enigne" read as short options. */
        len = strcspn(arg, "=");
        snprintf(msg, sizeof(msg), "%.*s", (int)(len < 200 ? len : 200), arg);
        p = msg;
        while (*p == '-')
                p++;
        if (arg[0] == '-' && arg[1] == '-' && *p)
                if (ambiguous(cmd, msg, p, names, n))
                        return 2;
        return say_unknown(cmd, "option", msg, "--", pa__closest(p, names, n));
}

/* Private: one-line errors for mistyped options and commands, with the
 * closest name as a did-you-mean, instead of the whole usage text. */
#ifndef PA_CLI_OPT_H
#define PA_CLI_OPT_H

#include <getopt.h>
#include <stddef.h>

/* The name among names[0..n) closest to word (edit distance with
 * transpositions, case-insensitive), or NULL when none is close enough to
 * be what was meant. */
const char *pa__closest(const char *word, const char *const *names, size_t n);

/* After getopt_long returned '?' for argv (opterr is 0, main.c): prints
 * "parity: unknown option '--enigne'; did you mean '--engine'? (parity CMD
 * --help)", or that an option needs or takes no value, and returns 2. cmd
 * is "run" or "suite lint"; shortopts and lo are what getopt_long got. */
int pa__opt_error(const char *cmd, char *const *argv, const char *shortopts,
                  const struct option *lo);

/* For the parsers without getopt: word is not one of names[0..n), the
 * options or subcommands of cmd. Prints one line like pa__opt_error's (kind
 * is "option" or "command") and returns 2. */
int pa__unknown_word(const char *cmd, const char *kind, const char *word, const char *const *names,
                     size_t n);

#endif

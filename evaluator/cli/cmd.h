/* evaluator/cli/: the subcommands, grouped a file per job; main.c holds their table. */
/* Private: the subcommands of the parity binary, one function each.
 * Each returns the process exit code: 0 ok, 1 a gate failed, 2 usage or
 * input error. */
#ifndef PA_CMD_H
#define PA_CMD_H

int pa__cmd_run(int argc, char **argv);
int pa__cmd_demo(int argc, char **argv);
int pa__cmd_suite(int argc, char **argv);
/* parity suite new (cmd_suite_new.c), called by pa__cmd_suite. */
int pa__cmd_suite_new(int argc, char **argv);
int pa__cmd_import(int argc, char **argv);
int pa__cmd_score(int argc, char **argv);
int pa__cmd_summary(int argc, char **argv);
int pa__cmd_analyze(int argc, char **argv);
int pa__cmd_engines(int argc, char **argv);
int pa__cmd_merge(int argc, char **argv);
int pa__cmd_verify(int argc, char **argv);
int pa__cmd_sign(int argc, char **argv);
int pa__cmd_attest(int argc, char **argv);
int pa__cmd_audit(int argc, char **argv);
int pa__cmd_diff(int argc, char **argv);
int pa__cmd_report(int argc, char **argv);
int pa__cmd_history(int argc, char **argv);
int pa__cmd_baseline(int argc, char **argv);
int pa__cmd_trend(int argc, char **argv);
int pa__cmd_export(int argc, char **argv);
/* Indexes the run folders dirs in the history db under track, prints
 * their alerts; the exit code (cmd_history.c). */
int pa__history_add_dirs(const char *db, const char *track, unsigned fail_on, char **dirs, int n);
/* The folder of the baseline of suite and track in db (*dir malloc'ed);
 * 0, or the exit code after saying why (cmd_baseline.c). */
int pa__history_baseline_dir(const char *db, const char *suite, const char *track, char **dir);

/* parity run's defaults, which parity demo starts from (cmd_run.c). */
struct pa_run_conf;
void pa__run_conf_init(struct pa_run_conf *c);

/* Prints "parity: MSG" on stderr and returns 2. */
int pa__fail(const char *msg);

#endif

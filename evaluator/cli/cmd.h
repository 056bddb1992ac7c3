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

/* Prints "parity: MSG" on stderr and returns 2. */
int pa__fail(const char *msg);

#endif

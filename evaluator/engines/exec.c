/* exec: a local command answers each case (docs/engines.md, "exec").
 *
 * --exec-command is split into words like a POSIX shell would, without
 * running one: white space separates words, '...' and "..." quote (\" \\
 * \$ \` inside double quotes), a backslash escapes the next character;
 * nothing is expanded. `sh -c '...'` gives a shell to whoever needs one.
 * The prompt (system text, blank line, user text, as openai-completions
 * sends it) goes to the command's stdin, or with --exec-prompt arg as its
 * last argument; the answer is its stdout (at most 8 MiB, trailing
 * newlines dropped like the shell's $(...)). The command runs in its own
 * process group, killed whole when conf.timeout_s passes. A non-zero exit
 * fails the case with "exit status N: <first line of stderr>"; the exit
 * status, signal and stderr (first 2 KiB) are kept in the record's
 * "attempts". Up to --concurrency cases run at once, each on its own
 * thread (ops->reentrant, sched_local.c): exec_answer only reads e.
 *
 * This file holds the engine: parsing --exec-command, the answer and its
 * record; exec_proc.c runs the child process. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "parity/engine.h"
#include "exec.h"
#include "evaluator/util/util.h"

#define MAX_STDOUT    (8u << 20)
#define MAX_STDERR    (64u << 10)
#define RECORD_STDERR 2048

static int push_word(struct exec *x, const char *w, size_t n)
{
        char **v = realloc(x->argv, (x->argc + 3) * sizeof(*v));

        if (!v)
                return PA_ENOMEM;
        x->argv = v;
        if (!(v[x->argc] = strndup(w, n)))
                return PA_ENOMEM;
        v[++x->argc] = NULL;
        return 0;
}

/* Shell-like word splitting without expansion (see the top). */
static int split(struct exec *x, const char *s, struct pa_err *err)
{
        size_t len = strlen(s), n = 0;
        char *w = malloc(len + 1), quote = 0;
        bool in_word = false;
        int rc = w ? 0 : PA_ENOMEM;

        for (size_t i = 0; rc == 0 && i < len; i++) {
                char c = s[i];

                if (quote == '\'') {
                        if (c == '\'')
                                quote = 0;
                        else
                                w[n++] = c;
                } else if (quote == '"') {
                        if (c == '"')
                                quote = 0;
                        else if (c == '\\' && i + 1 < len && strchr("\"\\$`", s[i + 1]))
                                w[n++] = s[++i];
                        else
                                w[n++] = c;
                } else if (c == ' ' || c == '\t' || c == '\n') {
                        if (in_word)
                                rc = push_word(x, w, n);
                        n = 0;
                        in_word = false;
                } else {
                        in_word = true;
                        if (c == '\'' || c == '"')
                                quote = c;
                        else if (c == '\\' && i + 1 < len)
                                w[n++] = s[++i];
                        else
                                w[n++] = c;
                }
        }
        if (rc == 0 && quote)
                rc =
                    pa_errf(err, PA_EINVAL, "--exec-command '%s': unterminated %c quote", s, quote);
        if (rc == 0 && in_word)
                rc = push_word(x, w, n);
        if (rc == 0 && x->argc == 0)
                rc = pa_errf(err, PA_EINVAL, "--exec-command: empty command");
        free(w);
        return rc;
}

static bool runnable(const char *path)
{
        struct stat st;

        return access(path, X_OK) == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Finds the program now, so a typo fails the run before any case. */
static int check_program(const char *prog, struct pa_err *err)
{
        const char *path = getenv("PATH");
        char buf[4096];

        if (strchr(prog, '/'))
                return runnable(prog)
                           ? 0
                           : pa_errf(err, PA_EINVAL,
                                     "--exec-command: '%s' is not an executable file", prog);
        for (const char *p = path && *path ? path : "/usr/bin:/bin"; p;) {
                const char *colon = strchr(p, ':');
                int dl = colon ? (int)(colon - p) : (int)strlen(p);

                if (snprintf(buf, sizeof(buf), "%.*s/%s", dl, dl ? p : ".", prog) <
                        (int)sizeof(buf) &&
                    runnable(buf))
                        return 0;
                p = colon ? colon + 1 : NULL;
        }
        return pa_errf(err, PA_EINVAL, "--exec-command: '%s': command not found in PATH", prog);
}

static int exec_open(struct pa_engine *e, struct pa_err *err)
{
        struct exec *x = calloc(1, sizeof(*x));
        struct sigaction ign = {.sa_handler = SIG_IGN};
        int rc;

        if (!x)
                return PA_ENOMEM;
        e->priv = x;
        if (!e->conf.exec_command)
                return pa_errf(err, PA_EINVAL, "engine 'exec' needs --exec-command 'CMD ARGS...'");
        if ((rc = split(x, e->conf.exec_command, err)) || (rc = check_program(x->argv[0], err)))
                return rc;
        /* A command that exits without reading all of its stdin must not take
         * parity down with SIGPIPE; children get the default back. */
        sigemptyset(&ign.sa_mask);
        x->pipe_saved = sigaction(SIGPIPE, &ign, &x->old_pipe) == 0;
        return 0;
}

static void exec_close(struct pa_engine *e)
{
        struct exec *x = e->priv;

        if (!x)
                return;
        if (x->pipe_saved)
                sigaction(SIGPIPE, &x->old_pipe, NULL);
        for (size_t i = 0; i < x->argc; i++)
                free(x->argv[i]);
        free(x->argv);
        free(x);
        e->priv = NULL;
}

/* "exit status N: first line of stderr". */
static void exit_error(struct pa_err *err, int code, const struct pa_buf *se)
{
        size_t n = 0;

        while (se->p && n < se->len && n < 200 && se->p[n] != '\n' && se->p[n] != '\r')
                n++;
        if (n)
                pa_errf(err, PA_EIO, "exit status %d: %.*s", code, (int)n, se->p);
        else
                pa_errf(err, PA_EIO, "exit status %d", code);
}

/* The attempts text of the record (engine.h); owned by the caller. */
static char *attempt(int status, bool exited, const char *error, double ms, const struct pa_buf *se)
{
        json_t *stderr_text = NULL, *a;
        char *text;

        if (se->len) {
                stderr_text =
                    json_stringn(se->p, se->len < RECORD_STDERR ? se->len : RECORD_STDERR);
                if (!stderr_text) /* not UTF-8, or cut inside a character */
                        stderr_text = json_string("(stderr is not UTF-8)");
        }
        a = json_pack("[{s:o, s:o, s:o, s:f, s:o}]", "exit_status",
                      exited && WIFEXITED(status) ? json_integer(WEXITSTATUS(status)) : json_null(),
                      "signal",
                      exited && WIFSIGNALED(status) ? json_integer(WTERMSIG(status)) : json_null(),
                      "error", error ? json_string(error) : json_null(), "ms",
                      round(ms * 1000) / 1000, "stderr", stderr_text ? stderr_text : json_null());
        text = a ? json_dumps(a, JSON_COMPACT | JSON_REAL_PRECISION(10)) : NULL;
        json_decref(a);
        return text;
}

static int exec_answer(const struct pa_engine *e, const struct pa_job *job, struct pa_reply *r,
                       struct pa_err *err)
{
        struct io io = {.in = -1, .out = -1, .err = -1};
        double t0 = pa__mono_ms(), timeout = e->conf.timeout_s > 0 ? e->conf.timeout_s : 120;
        double deadline = t0 + 1000 * timeout;
        bool late = false;
        int status = -1, rc;
        pid_t pid;

        r->ttft_ms = -1;
        r->prompt_tokens = r->completion_tokens = -1;
        pa__buf_init(&io.stdout_buf, MAX_STDOUT);
        pa__buf_init(&io.stderr_buf, MAX_STDERR);
        io.input = e->conf.exec_prompt_arg ? "" : job->prompt;
        io.in_len = strlen(io.input);
        if ((rc = pa__exec_spawn(e, job, &io, &pid, err)))
                goto out;
        pa__exec_pump(&io, deadline);
        pa__exec_close_fd(&io.in);
        pa__exec_close_fd(&io.out);
        pa__exec_close_fd(&io.err);
        status = pa__exec_reap(pid, deadline, io.timed_out || io.too_big, &late);
        rc = PA_EIO;
        if (io.too_big)
                pa_errf(err, rc, "output over %u bytes", MAX_STDOUT);
        else if (io.timed_out || late)
                pa_errf(err, rc, "timed out after %g s", timeout);
        else if (status == -1)
                pa_errf(err, rc, "cannot wait for '%s': %s", job->c.id, strerror(errno));
        else if (WIFSIGNALED(status))
                pa_errf(err, rc, "killed by signal %d", WTERMSIG(status));
        else if (WEXITSTATUS(status))
                exit_error(err, WEXITSTATUS(status), &io.stderr_buf);
        else
                rc = 0;
        r->attempts =
            attempt(status, status != -1, rc ? err->msg : NULL, pa__mono_ms() - t0, &io.stderr_buf);
        if (rc == 0) {
                if (!io.stdout_buf.p && pa__buf_add(&io.stdout_buf, "", 0))
                        return pa_errf(err, PA_ENOMEM, "out of memory");
                while (io.stdout_buf.len && (io.stdout_buf.p[io.stdout_buf.len - 1] == '\n' ||
                                             io.stdout_buf.p[io.stdout_buf.len - 1] == '\r'))
                        io.stdout_buf.p[--io.stdout_buf.len] = '\0';
                r->text = io.stdout_buf.p;
                r->len = io.stdout_buf.len;
                io.stdout_buf.p = NULL;
                r->finish_reason = strdup("stop");
                r->model = strdup(e->conf.model ? e->conf.model
                                                : pa__basename(((struct exec *)e->priv)->argv[0]));
        }
out:
        pa__buf_release(&io.stdout_buf);
        pa__buf_release(&io.stderr_buf);
        return rc;
}

const struct pa_engine_ops pa_engine_exec = {
    .name = "exec",
    .summary = "a local command per case: prompt on stdin (or as an argument), answer on stdout",
    .flat_prompt = true,
    .reentrant = true,
    .open = exec_open,
    .close = exec_close,
    .answer = exec_answer,
};

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
 * "attempts". Local engines run one case at a time in the scheduler loop. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "parity/engine.h"
#include "util.h"

extern char **environ;

#define MAX_STDOUT    (8u << 20)
#define MAX_STDERR    (64u << 10)
#define RECORD_STDERR 2048
#define N_ENV         6

struct exec {
        char **argv; /* the words, then a slot for the prompt, then NULL */
        size_t argc;
        struct sigaction old_pipe;
        bool pipe_saved;
};

/* One child's pipes and what came out of them. */
struct io {
        int in, out, err; /* parent ends, -1 once closed */
        const char *input;
        size_t in_len, in_off;
        struct pa_buf stdout_buf, stderr_buf;
        bool too_big, timed_out;
};

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

/* PARITY_* variables first, then parity's own environment. */
static char **child_env(const struct pa_engine *e, const struct pa_job *job, char *vars[N_ENV])
{
        size_t n = 0, k = 0;
        char **env;

        while (environ && environ[n])
                n++;
        if (!(env = calloc(n + N_ENV + 1, sizeof(*env))))
                return NULL;
        vars[0] = malloc(64);
        vars[1] = malloc(64);
        vars[2] = malloc(64);
        if (vars[0])
                snprintf(vars[0], 64, "PARITY_CASE_ID=%s", job->c.id);
        if (vars[1])
                snprintf(vars[1], 64, "PARITY_SAMPLE=%u", job->sample);
        if (vars[2])
                snprintf(vars[2], 64, "PARITY_SEED=%llu", (unsigned long long)job->seed);
        if (e->conf.has_temperature && (vars[3] = malloc(64)))
                snprintf(vars[3], 64, "PARITY_TEMPERATURE=%g", e->conf.temperature);
        if (e->conf.max_tokens > 0 && (vars[4] = malloc(64)))
                snprintf(vars[4], 64, "PARITY_MAX_TOKENS=%ld", e->conf.max_tokens);
        if (e->conf.model && (vars[5] = malloc(strlen(e->conf.model) + 14)))
                snprintf(vars[5], strlen(e->conf.model) + 14, "PARITY_MODEL=%s", e->conf.model);
        for (size_t i = 0; i < N_ENV; i++)
                if (vars[i])
                        env[k++] = vars[i];
        for (size_t i = 0; i < n; i++)
                env[k++] = environ[i];
        return env;
}

static int nonblock(int fd)
{
        int fl = fcntl(fd, F_GETFL);

        return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Starts the command with its pipes; *pid and io's fds on success. */
static int spawn(const struct pa_engine *e, const struct pa_job *job, struct io *io, pid_t *pid,
                 struct pa_err *err)
{
        struct exec *x = e->priv;
        int in[2] = {-1, -1}, out[2] = {-1, -1}, errp[2] = {-1, -1}, rc = PA_EIO, sp;
        bool arg = e->conf.exec_prompt_arg;
        char *vars[N_ENV] = {0}, **env = child_env(e, job, vars);
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t at;
        sigset_t def, none;

        posix_spawn_file_actions_init(&fa);
        posix_spawnattr_init(&at);
        if (!env) {
                rc = pa_errf(err, PA_ENOMEM, "out of memory");
                goto fail;
        }
        if ((!arg && pipe2(in, O_CLOEXEC)) || pipe2(out, O_CLOEXEC) || pipe2(errp, O_CLOEXEC)) {
                rc = pa_errf(err, PA_EIO, "cannot make pipes: %s", strerror(errno));
                goto fail;
        }
        if (arg)
                posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        else
                posix_spawn_file_actions_adddup2(&fa, in[0], 0);
        posix_spawn_file_actions_adddup2(&fa, out[1], 1);
        posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
        /* Nothing of parity's (results file, sockets) leaks into the command. */
        posix_spawn_file_actions_addclosefrom_np(&fa, 3);
#endif
        sigemptyset(&def);
        sigaddset(&def, SIGPIPE);
        sigaddset(&def, SIGINT);
        sigaddset(&def, SIGTERM);
        sigaddset(&def, SIGHUP);
        sigemptyset(&none);
        posix_spawnattr_setsigdefault(&at, &def);
        posix_spawnattr_setsigmask(&at, &none);
        posix_spawnattr_setpgroup(&at, 0);
        posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
                                          POSIX_SPAWN_SETSIGMASK);
        x->argv[x->argc] = arg ? job->prompt : NULL;
        x->argv[x->argc + 1] = NULL;
        sp = posix_spawnp(pid, x->argv[0], &fa, &at, x->argv, env);
        x->argv[x->argc] = NULL;
        if (sp) {
                rc = pa_errf(err, PA_EIO, "cannot run '%s': %s", x->argv[0], strerror(sp));
                goto fail;
        }
        io->in = in[1];
        io->out = out[0];
        io->err = errp[0];
        in[1] = out[0] = errp[0] = -1;
        if ((io->in >= 0 && nonblock(io->in)) || nonblock(io->out) || nonblock(io->err))
                rc = pa_errf(err, PA_EIO, "cannot set up pipes: %s", strerror(errno));
        else
                rc = 0;
fail:
        for (int i = 0; i < 2; i++) {
                if (in[i] >= 0)
                        close(in[i]);
                if (out[i] >= 0)
                        close(out[i]);
                if (errp[i] >= 0)
                        close(errp[i]);
        }
        for (size_t i = 0; i < N_ENV; i++)
                free(vars[i]);
        free(env);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&at);
        return rc;
}

static void close_fd(int *fd)
{
        if (*fd >= 0)
                close(*fd);
        *fd = -1;
}

/* Reads what is there from *fd into b (dropping what passes the cap when
 * keep_going); closes *fd at end of file. Returns false when stdout
 * passed its cap. */
static bool drain(int *fd, struct pa_buf *b, bool keep_going)
{
        char chunk[65536];
        ssize_t n = read(*fd, chunk, sizeof(chunk));

        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
                close_fd(fd);
        if (n > 0 && pa__buf_add(b, chunk, (size_t)n)) {
                if (!keep_going)
                        return false;
                if (b->len < b->max) /* keep the head of stderr */
                        pa__buf_add(b, chunk, b->max - b->len);
        }
        return true;
}

/* Feeds stdin and collects stdout and stderr until both close, the
 * deadline passes or stdout is too big. */
static void pump(struct io *io, double deadline)
{
        while (io->out >= 0 || io->err >= 0) {
                struct pollfd p[3];
                nfds_t n = 0;
                int in_i = -1, out_i = -1, err_i = -1;
                double left = deadline - pa__mono_ms();

                if (left <= 0) {
                        io->timed_out = true;
                        return;
                }
                if (io->in >= 0) {
                        in_i = (int)n;
                        p[n++] = (struct pollfd){.fd = io->in, .events = POLLOUT};
                }
                if (io->out >= 0) {
                        out_i = (int)n;
                        p[n++] = (struct pollfd){.fd = io->out, .events = POLLIN};
                }
                if (io->err >= 0) {
                        err_i = (int)n;
                        p[n++] = (struct pollfd){.fd = io->err, .events = POLLIN};
                }
                if (poll(p, n, left > 1000 ? 1000 : (int)ceil(left)) < 0) {
                        if (errno == EINTR)
                                continue;
                        io->timed_out = true; /* cannot wait: treat as a failure */
                        return;
                }
                if (in_i >= 0 && p[in_i].revents) {
                        size_t want = io->in_len - io->in_off;
                        ssize_t w = want ? write(io->in, io->input + io->in_off,
                                                 want > 65536 ? 65536 : want)
                                         : 0;

                        if (w > 0)
                                io->in_off += (size_t)w;
                        /* Done, or the command closed its stdin (EPIPE): either way. */
                        if (io->in_off == io->in_len ||
                            (w < 0 && errno != EAGAIN && errno != EINTR))
                                close_fd(&io->in);
                }
                if (out_i >= 0 && p[out_i].revents && !drain(&io->out, &io->stdout_buf, false)) {
                        io->too_big = true;
                        return;
                }
                if (err_i >= 0 && p[err_i].revents)
                        drain(&io->err, &io->stderr_buf, true);
        }
}

/* Waits for the command until the deadline; kills its process group when
 * it is late or must stop. Returns the wait status, or -1. */
static int reap(pid_t pid, double deadline, bool kill_now, bool *timed_out)
{
        int status = 0;

        while (!kill_now) {
                pid_t got = waitpid(pid, &status, WNOHANG);

                if (got == pid)
                        return status;
                if (got < 0 && errno != EINTR)
                        return -1;
                if (pa__mono_ms() >= deadline) {
                        *timed_out = true;
                        break;
                }
                nanosleep(&(struct timespec){.tv_nsec = 2000000}, NULL);
        }
        kill(-pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -1;
        return status;
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
        if ((rc = spawn(e, job, &io, &pid, err)))
                goto out;
        pump(&io, deadline);
        close_fd(&io.in);
        close_fd(&io.out);
        close_fd(&io.err);
        status = reap(pid, deadline, io.timed_out || io.too_big, &late);
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
    .open = exec_open,
    .close = exec_close,
    .answer = exec_answer,
};

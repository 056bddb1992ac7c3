/* The exec engine's child process (exec.h): its environment, spawning it
 * in its own process group with its three pipes, the poll loop that feeds
 * stdin and collects stdout and stderr within their caps, and reaping it
 * (killing the whole group when it is late). exec.c describes the engine. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exec.h"

extern char **environ;

#define N_ENV 6

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
int pa__exec_spawn(const struct pa_engine *e, const struct pa_job *job, struct io *io, pid_t *pid,
                   struct pa_err *err)
{
        struct exec *x = e->priv;
        int in[2] = {-1, -1}, out[2] = {-1, -1}, errp[2] = {-1, -1}, rc = PA_EIO, sp;
        bool arg = e->conf.exec_prompt_arg;
        char *vars[N_ENV] = {0}, **env = child_env(e, job, vars);
        /* The engine's words are shared by the cases running at once
         * (ops->reentrant): each call has its own argv. */
        char **argv = calloc(x->argc + 2, sizeof(*argv));
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t at;
        sigset_t def, none;

        posix_spawn_file_actions_init(&fa);
        posix_spawnattr_init(&at);
        if (!env || !argv) {
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
        memcpy(argv, x->argv, x->argc * sizeof(*argv));
        argv[x->argc] = arg ? job->prompt : NULL;
        sp = posix_spawnp(pid, argv[0], &fa, &at, argv, env);
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
        free(argv);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&at);
        return rc;
}

void pa__exec_close_fd(int *fd)
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
                pa__exec_close_fd(fd);
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
void pa__exec_pump(struct io *io, double deadline)
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
                                pa__exec_close_fd(&io->in);
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
int pa__exec_reap(pid_t pid, double deadline, bool kill_now, bool *timed_out)
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

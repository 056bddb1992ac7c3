/* Private to evaluator/engines/exec*.c: the engine's state, and the child
 * process plumbing of exec_proc.c that exec.c's answer drives. */
#ifndef PA_ENGINES_EXEC_H
#define PA_ENGINES_EXEC_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "parity/engine.h"
#include "evaluator/util/util.h"

struct exec {
        char **argv; /* the words, then NULL (and room for the prompt) */
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

/* Starts the command with its pipes; *pid and io's fds on success. */
int pa__exec_spawn(const struct pa_engine *e, const struct pa_job *job, struct io *io, pid_t *pid,
                   struct pa_err *err);
/* Closes *fd unless it is closed already, and marks it closed (-1). */
void pa__exec_close_fd(int *fd);
/* Feeds stdin and collects stdout and stderr until both close, the
 * deadline passes or stdout is too big. */
void pa__exec_pump(struct io *io, double deadline);
/* Waits for the command until the deadline; kills its process group when
 * it is late or must stop. Returns the wait status, or -1. */
int pa__exec_reap(pid_t pid, double deadline, bool kill_now, bool *timed_out);

#endif

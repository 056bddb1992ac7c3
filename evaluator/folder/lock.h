/* Private: one owner per run folder. A run, resume, score, summary or
 * merge holds flock(LOCK_EX) on the folder's .parity.lock for its whole
 * life; a second one is refused at once, naming the holder's pid. The
 * owner removes the file when it is done (under the lock, and a taker
 * checks it locked the file still in place, so two never both hold it);
 * one left by a kill -9 holds no lock and is not sealed (evidence.c). */
#ifndef PA_LOCK_H
#define PA_LOCK_H

#include <stdbool.h>

#include "parity/common.h"

#define PA_LOCK_FILE ".parity.lock"

struct pa__lock {
        int fd;     /* -1: not held */
        char *path; /* owned */
};

#define PA__LOCK_INIT                                                                              \
        {                                                                                          \
                -1, NULL                                                                           \
        }

/* Takes dir's lock; PA_EEXIST when another process holds it. Release with
 * pa__dir_unlock (also after a failure). */
int pa__dir_lock(const char *dir, struct pa__lock *l, struct pa_err *err);
void pa__dir_unlock(struct pa__lock *l);
/* The lock of an existing run folder: refused (PA_EINVAL, nothing
 * written) when dir has no manifest.json, a regular file. */
int pa__run_dir_lock(const char *dir, struct pa__lock *l, struct pa_err *err);
/* Whether dir holds nothing but its lock file. */
bool pa__dir_is_only_lock(const char *dir);

#endif

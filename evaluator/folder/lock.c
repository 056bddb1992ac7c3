/* One owner per run folder (lock.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evaluator/util/util.h"
#include "lock.h"

/* The pid the holder wrote, or 0 when it cannot be read. */
static long holder_pid(int fd)
{
        char buf[32];
        ssize_t got = pread(fd, buf, sizeof(buf) - 1, 0);
        long pid = 0;

        if (got <= 0)
                return 0;
        buf[got] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
        return pa__parse_long(buf, 1, 1L << 30, &pid) ? 0 : pid;
}

static int refused(const char *dir, int fd, int e, struct pa_err *err)
{
        long holder = e == EWOULDBLOCK ? holder_pid(fd) : 0;

        if (e != EWOULDBLOCK)
                return pa_errf(err, PA_EIO, "run folder '%s': cannot lock: %s", dir, strerror(e));
        if (holder)
                return pa_errf(err, PA_EEXIST,
                               "run folder '%s' is in use by parity pid %ld (one process at a "
                               "time)",
                               dir, holder);
        return pa_errf(err, PA_EEXIST, "run folder '%s' is in use by another parity process", dir);
}

/* Whether fd is still the file at path (its owner may have removed it
 * between our open and our flock). */
static bool still_there(int fd, const char *path)
{
        struct stat a, b;

        return fstat(fd, &a) == 0 && lstat(path, &b) == 0 && a.st_dev == b.st_dev &&
               a.st_ino == b.st_ino;
}

/* One try: 1 when the file went away under us (try again). */
static int try_lock(const char *dir, struct pa__lock *l, struct pa_err *err)
{
        int f = open(l->path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0640), n;
        char pid[32];

        if (f < 0)
                return pa_errf(err, PA_EIO, "run folder '%s': cannot open %s: %s", dir,
                               PA_LOCK_FILE, strerror(errno));
        if (flock(f, LOCK_EX | LOCK_NB) != 0) {
                int rc = refused(dir, f, errno, err);

                close(f);
                return rc;
        }
        if (!still_there(f, l->path)) {
                close(f);
                return 1;
        }
        n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
        if (ftruncate(f, 0) != 0 || pwrite(f, pid, (size_t)n, 0) != n) {
                close(f);
                return pa_errf(err, PA_EIO, "run folder '%s': cannot write %s: %s", dir,
                               PA_LOCK_FILE, strerror(errno));
        }
        l->fd = f;
        return 0;
}

int pa__dir_lock(const char *dir, struct pa__lock *l, struct pa_err *err)
{
        int rc = 1;

        l->fd = -1;
        if (!(l->path = pa__path_join(dir, PA_LOCK_FILE)))
                return pa_errf(err, PA_ENOMEM, "out of memory");
        for (int i = 0; rc == 1 && i < 100; i++)
                rc = try_lock(dir, l, err);
        if (rc == 1)
                rc = pa_errf(err, PA_EEXIST, "run folder '%s': its lock keeps changing hands", dir);
        return rc;
}

void pa__dir_unlock(struct pa__lock *l)
{
        if (l->fd >= 0) {
                unlink(l->path); /* still locked: no one else holds this file */
                close(l->fd);
        }
        free(l->path);
        l->fd = -1;
        l->path = NULL;
}

int pa__run_dir_lock(const char *dir, struct pa__lock *l, struct pa_err *err)
{
        char *m = pa__path_join(dir, "manifest.json");
        struct stat st;
        bool run = m && lstat(m, &st) == 0 && S_ISREG(st.st_mode);

        l->fd = -1;
        l->path = NULL;
        free(m);
        if (!run)
                return pa_errf(err, PA_EINVAL,
                               "run folder '%s': no manifest.json (not a parity run folder)", dir);
        return pa__dir_lock(dir, l, err);
}

bool pa__dir_is_only_lock(const char *dir)
{
        DIR *d = opendir(dir);
        struct dirent *de;
        bool only = d != NULL;

        while (only && (de = readdir(d)))
                only = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
                       !strcmp(de->d_name, PA_LOCK_FILE);
        if (d)
                closedir(d);
        return only;
}

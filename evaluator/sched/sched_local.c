/* The scheduler's loop for local engines (sched.h): one case at a time,
 * or, for an engine whose answer() may run on several threads at once
 * (ops->reentrant: exec, whose cases are child processes that mostly
 * wait), up to `concurrency` cases on their own threads. Jobs are made and
 * finished (next, done, flush) on the calling thread only, so the run's
 * state needs no lock; a worker thread touches only its own slot. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sched_int.h"

/* A case in flight on its own thread. */
struct lslot {
        pthread_t thread;
        const struct pa_engine *e;
        struct pa_job job;
        struct pa_reply reply;
        double ms;
        bool busy;
        struct lpool *pool;
};

/* Finished slots, handed from the workers to the calling thread. */
struct lpool {
        pthread_mutex_t mu;
        pthread_cond_t cond;
        struct lslot **ready;
        size_t n_ready;
};

static void answer(const struct pa_engine *e, struct pa_job *job, struct pa_reply *r, double *ms)
{
        struct pa_err aerr; /* not zeroed: 8 KiB a request; the message is set or empty */
        double t0 = pa__mono_ms();

        aerr.msg[0] = '\0';
        if (e->ops->answer(e, job, r, &aerr) < 0)
                r->error = pa__sched_one_line(strdup(aerr.msg));
        *ms = pa__mono_ms() - t0;
}

/* Counts, records and releases a finished job; flushes at most every
 * 10 ms. */
static int finish(const struct pa_sched_conf *conf, pa_sched_done_fn done, void *ud,
                  struct pa_job *job, struct pa_reply *reply, double ms, double *flushed,
                  struct pa_err *err)
{
        int rc;

        if (conf->stats) {
                conf->stats->started++;
                conf->stats->errors += reply->error != NULL;
        }
        rc = done(ud, job, reply, ms, err);
        pa_job_release(job);
        pa_reply_release(reply);
        if (rc == 0 && conf->flush && pa__mono_ms() - *flushed >= 10) {
                rc = conf->flush(ud, err);
                *flushed = pa__mono_ms();
        }
        return rc;
}

static int run_serial(struct pa_engine *e, const struct pa_sched_conf *conf, pa_sched_next_fn next,
                      pa_sched_done_fn done, void *ud, struct pa_err *err)
{
        double flushed = pa__mono_ms(), ms;
        int rc;

        while (!pa__sched_stopping(conf)) {
                struct pa_job job = {0};
                struct pa_reply reply = {.ttft_ms = -1};

                if ((rc = next(ud, &job, err)) <= 0) {
                        pa_job_release(&job);
                        return rc;
                }
                answer(e, &job, &reply, &ms);
                if ((rc = finish(conf, done, ud, &job, &reply, ms, &flushed, err)) < 0)
                        return rc;
        }
        return 0;
}

static void *worker(void *arg)
{
        struct lslot *s = arg;
        struct lpool *p = s->pool;

        answer(s->e, &s->job, &s->reply, &s->ms);
        pthread_mutex_lock(&p->mu);
        p->ready[p->n_ready++] = s;
        pthread_cond_signal(&p->cond);
        pthread_mutex_unlock(&p->mu);
        return NULL;
}

/* Starts the next job on a free slot: 1 when one started, 0 when there
 * are no more jobs, negative on error. */
static int start(struct lslot *s, pa_sched_next_fn next, void *ud, struct pa_err *err)
{
        pthread_attr_t at;
        int rc;

        memset(&s->job, 0, sizeof(s->job));
        memset(&s->reply, 0, sizeof(s->reply));
        s->reply.ttft_ms = -1;
        if ((rc = next(ud, &s->job, err)) <= 0) {
                pa_job_release(&s->job);
                return rc;
        }
        /* A worker only waits on pipes: a small stack lets --concurrency
         * reach thousands without reserving 8 MiB each. */
        if ((rc = pthread_attr_init(&at)) == 0) {
                rc = pthread_attr_setstacksize(&at, 256 * 1024) ||
                     pthread_create(&s->thread, &at, worker, s);
                pthread_attr_destroy(&at);
        }
        if (rc) {
                pa_job_release(&s->job);
                return pa_errf(err, PA_ENOMEM, "cannot start a thread");
        }
        s->busy = true;
        return 1;
}

/* The next finished slot, waiting up to a second (so a stop is seen);
 * NULL when none finished meanwhile. */
static struct lslot *take(struct lpool *p)
{
        struct lslot *s = NULL;
        struct timespec until;

        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        pthread_mutex_lock(&p->mu);
        if (!p->n_ready)
                pthread_cond_timedwait(&p->cond, &p->mu, &until);
        if (p->n_ready)
                s = p->ready[--p->n_ready];
        pthread_mutex_unlock(&p->mu);
        if (s) {
                pthread_join(s->thread, NULL);
                s->busy = false;
        }
        return s;
}

/* Keeps up to n cases on threads. On a stop or an error no new case
 * starts, and those in flight are waited for (exec's timeout bounds
 * them): a worker must not outlive its slot. After an error their
 * answers are dropped, like in-flight requests at a kill. */
static int run_threads(struct pa_engine *e, const struct pa_sched_conf *conf, unsigned n,
                       pa_sched_next_fn next, pa_sched_done_fn done, void *ud, struct pa_err *err)
{
        struct lpool p = {.mu = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};
        struct lslot *slots = calloc(n, sizeof(*slots)), *s;
        double flushed = pa__mono_ms();
        unsigned busy = 0;
        bool more = true;
        int rc = 0, r;

        if (!slots || !(p.ready = calloc(n, sizeof(*p.ready)))) {
                free(slots);
                return pa_errf(err, PA_ENOMEM, "out of memory");
        }
        for (;;) {
                for (unsigned i = 0; i < n && more && rc == 0 && !pa__sched_stopping(conf); i++) {
                        if (slots[i].busy)
                                continue;
                        slots[i].e = e;
                        slots[i].pool = &p;
                        if ((r = start(&slots[i], next, ud, err)) <= 0) {
                                more = false;
                                rc = r;
                        } else {
                                busy++;
                        }
                }
                if (!busy)
                        break;
                if (!(s = take(&p)))
                        continue;
                busy--;
                if (rc < 0) {
                        pa_job_release(&s->job);
                        pa_reply_release(&s->reply);
                } else if ((r = finish(conf, done, ud, &s->job, &s->reply, s->ms, &flushed, err)) <
                           0) {
                        rc = r;
                }
        }
        free(p.ready);
        free(slots);
        return rc;
}

int pa__sched_local(struct pa_engine *e, const struct pa_sched_conf *conf, pa_sched_next_fn next,
                    pa_sched_done_fn done, void *ud, struct pa_err *err)
{
        if (e->ops->reentrant && conf->concurrency > 1)
                return run_threads(e, conf, conf->concurrency, next, done, ud, err);
        return run_serial(e, conf, next, done, ud, err);
}

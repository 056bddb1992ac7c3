/* The scheduler (sched.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "parity/sched.h"
#include "util.h"

struct slot {
	CURL *h;
	struct pa_job job;
	struct pa_buf body;
	char *request;
	double t0, first_byte;
	bool too_big;
};

struct http {
	struct pa_engine *e;
	const struct pa_sched_conf *conf;
	CURLM *multi;
	struct curl_slist *headers;
	struct slot *slots;
	struct slot **free_slots;
	size_t n_free;
	unsigned active;
};

/* One line, whatever the server sent: messages go into JSONL and logs. */
static char *one_line(char *s)
{
	for (char *p = s; p && *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	return s;
}

static char *errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *errorf(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return one_line(strdup(buf));
}

static size_t on_data(char *data, size_t size, size_t n, void *ud)
{
	struct slot *s = ud;

	if (s->first_byte < 0 && size != 0 && n != 0)
		s->first_byte = pa__mono_ms();
	if (pa__buf_add(&s->body, data, size * n)) {
		s->too_big = true;
		return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
	}
	return size * n;
}

static int local_run(struct pa_engine *e, pa_sched_next_fn next, pa_sched_done_fn done, void *ud,
		     struct pa_err *err)
{
	int rc;

	for (;;) {
		struct pa_job job = {0};
		struct pa_reply reply = {0};
		struct pa_err aerr = {{0}};
		double t0 = pa__mono_ms();

		if ((rc = next(ud, &job, err)) <= 0) {
			pa_job_release(&job);
			return rc;
		}
		if (e->ops->answer(e, &job, &reply, &aerr) < 0)
			reply.error = one_line(strdup(aerr.msg));
		rc = done(ud, &job, &reply, pa__mono_ms() - t0, err);
		pa_job_release(&job);
		pa_reply_release(&reply);
		if (rc < 0)
			return rc;
	}
}

static int http_setup(struct http *x, struct pa_err *err)
{
	unsigned n = x->conf->concurrency;
	char auth[4096];

	x->multi = curl_multi_init();
	x->slots = calloc(n, sizeof(*x->slots));
	x->free_slots = calloc(n, sizeof(*x->free_slots));
	x->headers = curl_slist_append(NULL, "Content-Type: application/json");
	/* No "Expect: 100-continue" round trip before each body. */
	x->headers = curl_slist_append(x->headers, "Expect:");
	if (!x->multi || !x->slots || !x->free_slots || !x->headers)
		return pa_errf(err, PA_ENOMEM, "out of memory");
	if (x->e->api_key) {
		if (snprintf(auth, sizeof(auth), "Authorization: Bearer %s", x->e->api_key) >=
		    (int)sizeof(auth))
			return pa_errf(err, PA_EINVAL, "API key too long");
		x->headers = curl_slist_append(x->headers, auth);
		memset(auth, 0, sizeof(auth));
	}
	curl_multi_setopt(x->multi, CURLMOPT_MAXCONNECTS, (long)n);
	for (unsigned i = 0; i < n; i++) {
		struct slot *s = &x->slots[i];

		if (!(s->h = curl_easy_init()))
			return pa_errf(err, PA_ENOMEM, "out of memory");
		pa__buf_init(&s->body, x->conf->max_body);
		curl_easy_setopt(s->h, CURLOPT_URL, x->e->url);
		curl_easy_setopt(s->h, CURLOPT_HTTPHEADER, x->headers);
		curl_easy_setopt(s->h, CURLOPT_WRITEFUNCTION, on_data);
		curl_easy_setopt(s->h, CURLOPT_WRITEDATA, s);
		curl_easy_setopt(s->h, CURLOPT_PRIVATE, s);
		curl_easy_setopt(s->h, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(s->h, CURLOPT_TIMEOUT_MS, (long)(x->conf->timeout_s * 1000));
		curl_easy_setopt(s->h, CURLOPT_TCP_KEEPALIVE, 1L);
		curl_easy_setopt(s->h, CURLOPT_ACCEPT_ENCODING, "");
		x->free_slots[x->n_free++] = s;
	}
	return 0;
}

static void http_teardown(struct http *x)
{
	for (unsigned i = 0; x->slots && i < x->conf->concurrency; i++) {
		struct slot *s = &x->slots[i];

		if (s->h) {
			curl_multi_remove_handle(x->multi, s->h);
			curl_easy_cleanup(s->h);
		}
		pa_job_release(&s->job);
		pa__buf_release(&s->body);
		free(s->request);
	}
	free(x->slots);
	free(x->free_slots);
	curl_multi_cleanup(x->multi);
	curl_slist_free_all(x->headers);
}

/* Takes the next job into a free slot and starts its transfer. Returns 1
 * when one started, 0 when no job is left, negative on error. A job whose
 * request cannot be built finishes at once with that error. */
static int http_start(struct http *x, pa_sched_next_fn next, pa_sched_done_fn done, void *ud,
		      struct pa_err *err)
{
	struct slot *s = x->free_slots[x->n_free - 1];
	struct pa_err berr = {{0}};
	int rc = next(ud, &s->job, err);

	if (rc <= 0) {
		pa_job_release(&s->job);
		return rc;
	}
	if (x->e->ops->build(x->e, &s->job, &s->request, &berr) < 0) {
		struct pa_reply reply = {.error = one_line(strdup(berr.msg))};

		rc = done(ud, &s->job, &reply, 0, err);
		pa_reply_release(&reply);
		pa_job_release(&s->job);
		return rc < 0 ? rc : 1;
	}
	pa__buf_reset(&s->body);
	s->too_big = false;
	curl_easy_setopt(s->h, CURLOPT_POSTFIELDS, s->request);
	curl_easy_setopt(s->h, CURLOPT_POSTFIELDSIZE, (long)strlen(s->request));
	s->t0 = pa__mono_ms();
	s->first_byte = -1;
	if (curl_multi_add_handle(x->multi, s->h) != CURLM_OK)
		return pa_errf(err, PA_ENET, "cannot start a transfer");
	x->n_free--;
	x->active++;
	return 1;
}

static void http_reply(struct http *x, struct slot *s, CURLcode res, struct pa_reply *r)
{
	struct pa_err perr = {{0}};
	char *msg;

	curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &r->http_status);
	r->ttft_ms = -1;
	if (s->too_big) {
		r->error = errorf("response over %zu bytes", x->conf->max_body);
	} else if (res != CURLE_OK) {
		r->error = errorf("curl: %s", curl_easy_strerror(res));
	} else if (r->http_status < 200 || r->http_status > 299) {
		msg = s->body.p ? pa_error_message(s->body.p, s->body.len) : NULL;
		r->error = errorf("http %ld: %s", r->http_status, msg ? msg : "(no error message)");
		free(msg);
	} else if (x->e->ops->parse(x->e, s->body.p ? s->body.p : "", s->body.len, r, &perr) < 0) {
		pa_reply_release(r);
		curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &r->http_status);
		r->error = one_line(strdup(perr.msg));
	} else if (x->e->conf.stream && s->first_byte >= 0) {
		r->ttft_ms = s->first_byte - s->t0;
	}
}

static int http_finish(struct http *x, CURLMsg *m, pa_sched_done_fn done, void *ud,
		       struct pa_err *err)
{
	struct slot *s;
	struct pa_reply reply = {0};
	int rc;

	curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
	http_reply(x, s, m->data.result, &reply);
	curl_multi_remove_handle(x->multi, s->h);
	rc = done(ud, &s->job, &reply, pa__mono_ms() - s->t0, err);
	pa_reply_release(&reply);
	pa_job_release(&s->job);
	free(s->request);
	s->request = NULL;
	x->free_slots[x->n_free++] = s;
	x->active--;
	return rc;
}

static int http_run(struct http *x, pa_sched_next_fn next, pa_sched_done_fn done, void *ud,
		    struct pa_err *err)
{
	bool more = true;
	int rc, running, left;
	CURLMsg *m;

	while (more || x->active) {
		while (more && x->n_free) {
			if ((rc = http_start(x, next, done, ud, err)) < 0)
				return rc;
			more = rc > 0;
		}
		if (curl_multi_perform(x->multi, &running) != CURLM_OK)
			return pa_errf(err, PA_ENET, "curl multi failed");
		while ((m = curl_multi_info_read(x->multi, &left)))
			if (m->msg == CURLMSG_DONE && (rc = http_finish(x, m, done, ud, err)) < 0)
				return rc;
		/* Wait for sockets only when no new transfer could start now. */
		if (x->active && (!more || x->n_free == 0))
			curl_multi_poll(x->multi, NULL, 0, 1000, NULL);
	}
	return 0;
}

int pa_sched_run(struct pa_engine *e, const struct pa_sched_conf *conf, pa_sched_next_fn next,
		 pa_sched_done_fn done, void *ud, struct pa_err *err)
{
	struct http x = {.e = e, .conf = conf};
	int rc;

	if (!e->ops->http)
		return local_run(e, next, done, ud, err);
	rc = http_setup(&x, err);
	if (rc == 0)
		rc = http_run(&x, next, done, ud, err);
	http_teardown(&x);
	return rc;
}

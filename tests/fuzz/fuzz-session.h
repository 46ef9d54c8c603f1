/*
 * Shared by the harnesses that fuzz a peer's whole session against a
 * real store (fuzz-sync.c, fuzz-fetch.c): the store, opened once per
 * process in a temporary directory and removed at exit; the queue that
 * stands for the pool (io.work queues a job, session_run_jobs() runs
 * them in order, as the pool and then the loop would); and the session
 * input, a list of [ctl][len lo][len hi] then len bytes per message.
 */
#ifndef WEFT_FUZZ_SESSION_H
#define WEFT_FUZZ_SESSION_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weft/buf.h"

#include "fuzz.h"
#include "store.h"

#define SESSION_JOBS_MAX	64
#define SESSION_MSGS_MAX	32

struct session_job {
	int	(*fn)(void *job);
	void	(*done)(void *job, int status);
	void	*job;
};

static struct weft_store	*session_store;
static char			 session_dir[64];
static struct session_job	 session_jobs[SESSION_JOBS_MAX];
static size_t			 session_njobs;

static inline void
session_store_remove(void)
{
	char	p[128];

	weft_store_close(session_store);
	snprintf(p, sizeof(p), "%s/data.mdb", session_dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/lock.mdb", session_dir);
	unlink(p);
	rmdir(session_dir);
}

/* Opens an empty store under /tmp, named after the harness. */
static inline void
session_store_open(const char *name)
{
	snprintf(session_dir, sizeof(session_dir), "/tmp/weft-fuzz-%s-XXXXXX",
	    name);
	if (mkdtemp(session_dir) == NULL ||
	    weft_store_open(&session_store, session_dir, NULL) != 0)
		abort();
	atexit(session_store_remove);
}

/* io.work of sync and fetch alike. */
static inline int
session_work(void *arg, int (*fn)(void *), void (*done)(void *, int),
    void *job)
{
	(void)arg;
	if (session_njobs == SESSION_JOBS_MAX)
		return -ENOMEM;
	session_jobs[session_njobs].fn = fn;
	session_jobs[session_njobs].done = done;
	session_jobs[session_njobs].job = job;
	session_njobs++;
	return 0;
}

static inline void
session_run_jobs(void)
{
	struct session_job	j;

	while (session_njobs > 0) {
		j = session_jobs[0];
		memmove(session_jobs, session_jobs + 1,
		    (session_njobs - 1) * sizeof(session_jobs[0]));
		session_njobs--;
		j.done(j.job, j.fn(j.job));
	}
}

/* The next message of the input: 0, or 1 at its end. */
static inline int
session_next(struct fuzz_in *in, uint8_t *ctl, const uint8_t **m,
    size_t *len)
{
	size_t	want;

	if (in->n == 0)
		return 1;
	*ctl = fuzz_byte(in);
	want = fuzz_byte(in);
	want |= (size_t)fuzz_byte(in) << 8;
	*m = fuzz_take(in, want, len);
	return 0;
}

/* Appends one message of a session input to seed. */
static inline void
session_seed_msg(struct weft_buf *seed, uint8_t ctl, const struct weft_buf *m)
{
	uint8_t	hdr[3];

	hdr[0] = ctl;
	hdr[1] = (uint8_t)m->len;
	hdr[2] = (uint8_t)(m->len >> 8);
	if (m->len > 0xffff || weft_buf_add(seed, hdr, 3) != 0 ||
	    weft_buf_add(seed, m->data, m->len) != 0)
		abort();
}

#endif

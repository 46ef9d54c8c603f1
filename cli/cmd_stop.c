/*
 * weft stop: ask the daemon to shut down cleanly (control op "stop", the
 * same path as SIGTERM) and wait until it has: first its control socket
 * is gone, then its lock on HOME/weftd.lock is released, which happens
 * only when the process exits after closing the store. So when this
 * returns 0 a new weftd can start on the home at once.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "weft/buf.h"
#include "weft/ctl.h"
#include "weft/err.h"
#include "weft/pack.h"

#include "cli.h"
#include "ctl_client.h"
#include "output.h"

#define STOP_WAIT_S	30
#define STOP_POLL_NS	(20 * 1000000L)	/* 20 ms */

static const char usage[] = "weft stop [--timeout SEC]";

static uint64_t
mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Whether the daemon of home is gone: no socket, and its lock is free. */
static bool
daemon_gone(const char *sock, const char *home)
{
	struct stat	st;
	char		path[WEFT_HOME_MAX + 16];
	int		fd;
	bool		gone;

	if (lstat(sock, &st) == 0)
		return false;
	snprintf(path, sizeof(path), "%s/weftd.lock", home);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1)
		return true;	/* no lock file: no daemon ever ran */
	gone = flock(fd, LOCK_SH | LOCK_NB) == 0;
	close(fd);
	return gone;
}

int
cmd_stop(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	 opts[] = {
		WEFT_CLI_COMMON_OPTS,
		{ "timeout",	required_argument,	NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	struct weft_ctl_client		 c;
	struct timespec			 ts = { 0, STOP_POLL_NS };
	const struct weft_obj		*r;
	unsigned long			 wait_s = STOP_WAIT_S;
	uint64_t			 deadline, pid = 0;
	char				 sock[sizeof(c.sock)];
	int				 ch, rc, err;

	while ((ch = getopt_long(argc, argv, ":hqt:", opts, NULL)) != -1) {
		if (ch == 't') {
			rc = weft__opt_seconds(optarg, 0, &wait_s);
			if (rc)
				return rc;
			continue;
		}
		rc = weft__opt(cli, ch, argv, usage);
		if (rc != WEFT_OPT_CONTINUE)
			return rc;
	}
	if (optind != argc)
		return weft__usage(usage);
	rc = weft__connect(cli, &c);
	if (rc)
		return rc;
	snprintf(sock, sizeof(sock), "%s", c.sock);
	err = weft_ctl_client_op(&c, &r, WEFT_CTL_OP_STOP,
	    (const char *)NULL);
	/* A daemon that closed before its reply was read is stopping too. */
	if (err == 0)
		(void)weft_obj_uint(weft_obj_get(r, "pid"), &pid);
	else if (err != -ECONNRESET && err != -EPIPE) {
		rc = weft__fail(err, c.error, "cannot stop weftd");
		weft_ctl_client_close(&c);
		return rc;
	}
	weft_ctl_client_close(&c);

	deadline = mono_ms() + (uint64_t)wait_s * 1000;
	while (!daemon_gone(sock, cli->home)) {
		if (mono_ms() >= deadline)
			return weft__fail(-ETIMEDOUT, NULL, "weftd is still "
			    "running after %lu s", wait_s);
		nanosleep(&ts, NULL);
	}
	if (cli->json) {
		json_t	*o = json_object();

		json_object_set_new(o, "stopped", json_true());
		json_object_set_new(o, "pid", json_integer((json_int_t)pid));
		rc = out_json_print(o) == 0 ? WEFT_EXIT_OK : WEFT_EXIT_FAIL;
	} else if (!cli->quiet)
		printf("weftd stopped\n");
	return rc;
}

/*
 * The daemon's log. Each line is "weftd: <level>: <message>" on stderr,
 * written with one fprintf so that lines from the thread pool do not mix.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft/err.h"
#include "weft/text.h"

#include "log.h"

static const char	*log_prog = "weftd";
static bool		 log_verbose;

/*
 * The only mutable file-scope state in the daemon: where logs go is a
 * property of the process, not of one daemon instance.
 */
void
log_init(const char *progname, bool verbose)
{
	log_prog = progname;
	log_verbose = verbose;
}

static void
vlog(const char *level, const char *suffix, const char *fmt, va_list ap)
{
	char	msg[1024], esc[4 * sizeof(msg)];
	int	n;

	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(msg))
		n = (int)sizeof(msg) - 1;
	/*
	 * Messages quote peer- and client-supplied strings (paths, titles,
	 * addresses): escaped, a line is one line and drives no terminal.
	 */
	weft_text_escape(esc, sizeof(esc), msg, (size_t)n);
	if (suffix != NULL)
		fprintf(stderr, "%s: %s%s: %s\n", log_prog, level, esc, suffix);
	else
		fprintf(stderr, "%s: %s%s\n", log_prog, level, esc);
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	vlog("", strerror(saved), fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog("", NULL, fmt, ap);
	va_end(ap);
}

void
log_warnc(int err, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog("", weft_strerror(err), fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog("", NULL, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	vlog("debug: ", NULL, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	vlog("fatal: ", strerror(saved), fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog("fatal: ", NULL, fmt, ap);
	va_end(ap);
	exit(1);
}

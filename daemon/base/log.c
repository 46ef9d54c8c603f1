/*
 * The daemon's log. Each line is "weftd: <level>: <message>" on stderr,
 * written with one fprintf so that lines from the thread pool do not mix.
 *
 * On a terminal or into a file a line starts with the UTC time
 * ("2026-12-07T01:25:57.123Z "). When stderr is journald's stream
 * ($JOURNAL_STREAM names its device and inode, as systemd sets it for
 * StandardError=journal) the journal adds its own time, so the line
 * instead starts with the sd-daemon(3) priority prefix ("<4>" warning,
 * "<6>" info, "<7>" debug, "<3>" fatal) that journald turns into the
 * entry's priority.
 */
#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "weft/err.h"
#include "weft/text.h"

#include "log.h"

/* syslog(3) priorities, as sd-daemon(3) prefixes use them. */
#define PRI_ERR		3
#define PRI_WARNING	4
#define PRI_INFO	6
#define PRI_DEBUG	7

static const char	*log_prog = "weftd";
static bool		 log_verbose;
static bool		 log_journal;

bool
log_is_journal(const char *journal_stream, int fd)
{
	struct stat		st;
	unsigned long long	dev, ino;
	char			end;

	if (journal_stream == NULL ||
	    sscanf(journal_stream, "%llu:%llu%c", &dev, &ino, &end) != 2)
		return false;
	if (fstat(fd, &st) != 0)
		return false;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

/*
 * The only mutable file-scope state in the daemon: where logs go is a
 * property of the process, not of one daemon instance.
 */
void
log_init(const char *progname, bool verbose)
{
	log_prog = progname;
	log_verbose = verbose;
	log_journal = log_is_journal(getenv("JOURNAL_STREAM"), 2);
}

static void
vlog(int pri, const char *level, const char *suffix, const char *fmt,
    va_list ap)
{
	struct timespec	ts;
	struct tm	tm;
	char		msg[1024], esc[4 * sizeof(msg)], pre[64];
	int		n;

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
	if (log_journal) {
		snprintf(pre, sizeof(pre), "<%d>", pri);
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		snprintf(pre, sizeof(pre),
		    "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ ",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, (long)(ts.tv_nsec / 1000000) % 1000);
	}
	if (suffix != NULL)
		fprintf(stderr, "%s%s: %s%s: %s\n", pre, log_prog, level, esc,
		    suffix);
	else
		fprintf(stderr, "%s%s: %s%s\n", pre, log_prog, level, esc);
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	vlog(PRI_WARNING, "", strerror(saved), fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(PRI_WARNING, "", NULL, fmt, ap);
	va_end(ap);
}

void
log_warnc(int err, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(PRI_WARNING, "", weft_strerror(err), fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(PRI_INFO, "", NULL, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	vlog(PRI_DEBUG, "debug: ", NULL, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	vlog(PRI_ERR, "fatal: ", strerror(saved), fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(PRI_ERR, "fatal: ", NULL, fmt, ap);
	va_end(ap);
	exit(1);
}

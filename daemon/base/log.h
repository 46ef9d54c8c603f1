/*
 * Logging, OpenBSD-shaped: log_warn() appends strerror(errno), log_warnc()
 * appends weft_strerror(err), log_warnx() appends nothing. Messages follow
 * git's rules: lowercase, no trailing period, what failed first, subject in
 * quotes, cause last. weftd logs to stderr (it runs in the foreground, under
 * a terminal or a service manager; lines carry a time, or under journald a
 * priority). Never log key bytes: use key ids.
 */
#ifndef WEFT_LOG_H
#define WEFT_LOG_H

#include <stdbool.h>

#define WEFT_PRINTF(a, b) __attribute__((format(printf, a, b)))

/*
 * verbose: also print log_debug() lines. Reads $JOURNAL_STREAM: see
 * log.c for the two line formats.
 */
void	log_init(const char *progname, bool verbose);
/* Whether fd is the journald stream that journal_stream ("DEV:INO") names. */
bool	log_is_journal(const char *journal_stream, int fd);
void	log_warn(const char *fmt, ...) WEFT_PRINTF(1, 2);
void	log_warnx(const char *fmt, ...) WEFT_PRINTF(1, 2);
void	log_warnc(int err, const char *fmt, ...) WEFT_PRINTF(2, 3);
void	log_info(const char *fmt, ...) WEFT_PRINTF(1, 2);
void	log_debug(const char *fmt, ...) WEFT_PRINTF(1, 2);
/* For startup and broken local invariants only: log and exit(1). */
void	fatal(const char *fmt, ...) WEFT_PRINTF(1, 2) __attribute__((noreturn));
void	fatalx(const char *fmt, ...) WEFT_PRINTF(1, 2) __attribute__((noreturn));

#endif

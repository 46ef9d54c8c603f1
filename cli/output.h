/*
 * Output helpers for the CLI: error lines and exit codes, ids in hex,
 * dates, terminal-safe strings, JSON values (jansson) and the progress bar.
 *
 * Strings that come from records are untrusted: human output passes them
 * through out_text(), which replaces control characters so a title cannot
 * drive the terminal; JSON output escapes them and replaces bytes that
 * are not UTF-8 with U+FFFD. JSON is UTF-8, compact, one document.
 */
#ifndef WEFT_CLI_OUTPUT_H
#define WEFT_CLI_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>

struct weft_buf;
struct weft_cli;
struct weft_ctl_client;
struct weft_obj;

#define OUT_DATE_MAX	32	/* "YYYY-MM-DD HH:MM" and ISO-8601 */

/* 64 lowercase hex characters and a NUL for a 32-byte id. */
void	out_hex(char out[65], const uint8_t id[32]);
/* "YYYY-MM-DD HH:MM" in UTC for ms since the epoch. */
void	out_date(char out[OUT_DATE_MAX], uint64_t ms);
/* "YYYY-MM-DDTHH:MM:SS.mmmZ" for ms since the epoch. */
void	out_iso(char out[OUT_DATE_MAX], uint64_t ms);

/*
 * Writes s[0..n) to f with C0 controls, DEL and C1 controls replaced by
 * '?' (and, when oneline, newlines and tabs by spaces).
 */
void	out_text(FILE *f, const char *s, size_t n, bool oneline);

/* A JSON string of s[0..n); invalid UTF-8 bytes become U+FFFD. */
/*
 * Writes a byte count for people: "578 bytes", "12.3 kB", "209.7 MB",
 * "1.2 GB" (SI units, as the progress lines use). Returns buf.
 */
#define OUT_SIZE_MAX	16
const char *out_size(char buf[OUT_SIZE_MAX], uint64_t bytes);
json_t	*out_json_str(const char *s, size_t n);
/* A JSON string of 64 hex characters. */
json_t	*out_json_id(const uint8_t id[32]);
/* Sets key to a JSON string of the ISO date of ms. */
void	out_json_date(json_t *obj, const char *key, uint64_t ms);
/*
 * Writes j compactly (ASCII only) to f in one fwrite: jansson's own
 * json_dumpf() writes token by token, which costs more than the encoding.
 * Returns 0, -ENOMEM or -EIO.
 */
int	out_json_write(json_t *j, FILE *f);
/* Prints doc and a newline on stdout and drops the reference. */
int	out_json_print(json_t *doc);

/*
 * Appends a design summary (docs/proto/control.md "Summaries") to b as
 * one compact JSON object: ids in hex, "created"/"updated" in ms and as
 * ISO-8601 ("created_at"/"updated_at"). Written directly rather than
 * through jansson, because `weft ls --json` prints 100,000 of them and
 * building a json_t for each costs five times as much. Returns 0 or
 * WEFT_EPROTO (o is malformed); b's cap is checked by the caller.
 */
int	out_summary_buf(struct weft_buf *b, const struct weft_obj *o);
/*
 * The reply of an op that signed a record ({id}): its id as JSON, alone
 * with -q, else "<before><id><after>". Returns an exit code (a reply
 * without an id is a bad reply to op).
 */
struct weft_cli;
int	out_made(const struct weft_cli *cli, const struct weft_obj *r,
	    const char *op, const char *before, const char *after);
/* Whether a summary says its head breaks the license table. */
bool	out_summary_conflict(const struct weft_obj *o);
/* The same summary as a jansson value, or NULL when o is malformed. */
json_t	*out_summary_json(const struct weft_obj *o);
/*
 * Prints a summary as one human line: id, updated date, revisions, title,
 * and what out_name_counts() prints. Returns 0 or WEFT_EBADFIELD.
 */
int	out_summary_line(FILE *f, const struct weft_obj *o);
/*
 * Prints "  by NAME" (the author's profile name, escaped, cut to 20
 * characters) and the counts above 0 ("  3L 1C 2M 1R": likes, comments,
 * makes, remixes) that o holds; nothing for what it does not hold.
 */
void	out_name_counts(FILE *f, const struct weft_obj *o);

/*
 * Prints the summaries of a list reply (cmd_ls.c): r is the first frame,
 * already received; later frames are read from c while "more" is true.
 * Human lines, ids only with -q, or one JSON array streamed item by item.
 * what names the operation in errors. Returns an exit code.
 */
int	weft__print_summaries(struct weft_cli *cli, struct weft_ctl_client *c,
	    const struct weft_obj *r, const char *what);

/*
 * A progress bar on stderr: "label  42% 12.0 MB / 28.5 MB  31.2 MB/s",
 * redrawn at most ten times a second. Disabled (every call a no-op)
 * unless enabled at init.
 */
struct weft_progress {
	bool		 on;
	const char	*label;
	uint64_t	 total;
	uint64_t	 done;
	struct timespec	 start;
	struct timespec	 last;
};

void	out_progress_init(struct weft_progress *p, const char *label,
	    uint64_t total, bool enabled);
void	out_progress_add(struct weft_progress *p, uint64_t n);
/*
 * Starts the bar again from 0 and now, after another phase (get's "from
 * peers" line) used the terminal line, so its rate counts only its own
 * time.
 */
void	out_progress_restart(struct weft_progress *p);
/* Erases the bar (on success or failure). */
void	out_progress_end(struct weft_progress *p);

#endif

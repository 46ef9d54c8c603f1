/*
 * Output for the CLI: the error line and exit-code mapping, hex ids, UTC
 * dates, terminal-safe text, JSON values and the progress bar.
 *
 * Everything printed for humans that came from the network goes through
 * out_text(): a record's title is attacker-chosen and must not be able to
 * move the cursor or retitle the terminal.
 */
#include <errno.h>
#include <inttypes.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "weft/buf.h"
#include "weft/ctl.h"
#include "weft/err.h"
#include "weft/pack.h"
#include "weft/record.h"
#include "weft/text.h"

#include "cli.h"
#include "output.h"

int
weft__exit_code(int err)
{
	switch (err) {
	case 0:
		return WEFT_EXIT_OK;
	case WEFT_EUSAGE:
	case WEFT_EAMBIGUOUS:
	case WEFT_EBADLICENSE:
	case WEFT_EBADFIELD:
	case WEFT_EBADPATH:
		return WEFT_EXIT_USAGE;
	case WEFT_ENOTFOUND:
	case WEFT_ERETRACTED:
		return WEFT_EXIT_NOTFOUND;
	case WEFT_EBADSIG:
	case WEFT_EBADHASH:
		return WEFT_EXIT_VERIFY;
	default:
		return WEFT_EXIT_FAIL;
	}
}

/*
 * Writes "weft: " and msg as one escaped line on stderr: whatever part of
 * it came from a file name, a record or the daemon, no control character
 * or invalid UTF-8 reaches the terminal, and the line stays one line.
 */
static void
err_line(const char *msg, size_t n)
{
	char	esc[4 * WEFT_ERR_LINE_MAX + 1];

	fflush(stdout);
	weft_text_escape(esc, sizeof(esc), msg, n);
	fprintf(stderr, "weft: %s\n", esc);
}

/*
 * With --json, a failure also prints {"error": {"message", "exit"}} on
 * stdout, so a script that parses stdout sees why instead of nothing.
 */
static bool	json_errors;

void
weft__json_errors(bool on)
{
	json_errors = on;
}

static void
json_error(const char *msg, size_t n, int code)
{
	json_t	*doc;

	doc = json_pack("{s:{s:o,s:i}}", "error", "message",
	    out_json_str(msg, n), "exit", code);
	if (doc == NULL)
		return;
	(void)out_json_print(doc);
}

/* Formats the error line into msg; returns its length. */
static size_t
err_format(char *msg, size_t cap, const char *detail, const char *why,
    const char *fmt, va_list ap)
{
	int	n;

	n = vsnprintf(msg, cap, fmt, ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= cap)
		n = (int)cap - 1;
	/*
	 * The daemon's line often starts with what we were doing too
	 * ("cannot publish: ..."): say it once.
	 */
	if (detail != NULL && n > 0 && strncmp(detail, msg, (size_t)n) == 0 &&
	    strncmp(detail + n, ": ", 2) == 0)
		detail += n + 2;
	if (detail != NULL && detail[0] != '\0')
		n += snprintf(msg + n, cap - (size_t)n, ": %s", detail);
	else if (why != NULL)
		n += snprintf(msg + n, cap - (size_t)n, ": %s", why);
	if ((size_t)n >= cap)
		n = (int)cap - 1;
	return (size_t)n;
}

void
weft__errv(const char *detail, const char *why, const char *fmt,
    va_list ap)
{
	char	msg[WEFT_ERR_LINE_MAX];
	size_t	n;

	n = err_format(msg, sizeof(msg), detail, why, fmt, ap);
	err_line(msg, n);
}

void
weft__warn(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	weft__errv(NULL, NULL, fmt, ap);
	va_end(ap);
}

int
weft__fail(int err, const char *detail, const char *fmt, ...)
{
	va_list	ap;
	char	msg[WEFT_ERR_LINE_MAX];
	size_t	n;
	int	code;

	code = weft__exit_code(err);
	if (code == WEFT_EXIT_OK)
		code = WEFT_EXIT_FAIL;
	va_start(ap, fmt);
	n = err_format(msg, sizeof(msg), detail,
	    err != 0 ? weft_strerror(err) : NULL, fmt, ap);
	va_end(ap);
	if (json_errors)
		json_error(msg, n, code);
	err_line(msg, n);
	return code;
}

int
weft__failx(int code, const char *fmt, ...)
{
	va_list	ap;
	char	msg[WEFT_ERR_LINE_MAX];
	size_t	n;

	va_start(ap, fmt);
	n = err_format(msg, sizeof(msg), NULL, NULL, fmt, ap);
	va_end(ap);
	if (json_errors)
		json_error(msg, n, code);
	err_line(msg, n);
	return code;
}

int
weft__bad_reply(int err, const char *op)
{
	return weft__fail(err, NULL, "weftd sent a bad reply to '%s'", op);
}

int
out_made(const struct weft_cli *cli, const struct weft_obj *r,
    const char *op, const char *before, const char *after)
{
	uint8_t	 id[32];
	char	 hex[65];
	json_t	*j;

	if (weft_obj_binn(weft_obj_get(r, "id"), id, 32) != 0)
		return weft__bad_reply(WEFT_EPROTO, op);
	if (cli->json) {
		j = json_object();
		json_object_set_new(j, "id", out_json_id(id));
		out_json_print(j);
		return WEFT_EXIT_OK;
	}
	out_hex(hex, id);
	if (cli->quiet)
		printf("%s\n", hex);
	else
		printf("%s%s%s\n", before, hex, after);
	return WEFT_EXIT_OK;
}

int
weft__usage_error(const char *fmt, ...)
{
	va_list	ap;
	char	msg[WEFT_ERR_LINE_MAX];
	size_t	n;

	va_start(ap, fmt);
	n = err_format(msg, sizeof(msg), NULL, NULL, fmt, ap);
	va_end(ap);
	if (json_errors)
		json_error(msg, n, WEFT_EXIT_USAGE);
	err_line(msg, n);
	return WEFT_EXIT_USAGE;
}

int
weft__usage(const char *usage)
{
	fprintf(stderr, "usage: %s\n", usage);
	return WEFT_EXIT_USAGE;
}

void
out_hex(char out[65], const uint8_t id[32])
{
	weft_hex_encode(out, id, 32);
}

struct civil {
	unsigned	y, mo, d, h, mi, s, ms;
};

/*
 * Splits ms since the epoch into a UTC date (Howard Hinnant's
 * civil_from_days), without gmtime_r()'s locking and time-zone work:
 * `ls --json` formats two dates per design. Years past 9999 are clamped.
 */
static void
split_time(uint64_t ms, struct civil *c)
{
	uint64_t	secs, days, era, doe, yoe, doy, mp, y;

	if (ms > UINT64_C(253402300799999))	/* 9999-12-31 23:59:59.999 */
		ms = UINT64_C(253402300799999);
	c->ms = (unsigned)(ms % 1000);
	secs = ms / 1000;
	c->s = (unsigned)(secs % 60);
	c->mi = (unsigned)(secs / 60 % 60);
	c->h = (unsigned)(secs / 3600 % 24);
	days = secs / 86400 + 719468;	/* days since 0000-03-01 */
	era = days / 146097;
	doe = days - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	c->d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	c->mo = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	c->y = (unsigned)(y + (c->mo <= 2));
}

/* Writes v as exactly n decimal digits. */
static char *
put_dec(char *p, unsigned v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + n;
}

void
out_date(char out[OUT_DATE_MAX], uint64_t ms)
{
	struct civil	 c;
	char		*p = out;

	split_time(ms, &c);
	p = put_dec(p, c.y, 4);
	*p++ = '-';
	p = put_dec(p, c.mo, 2);
	*p++ = '-';
	p = put_dec(p, c.d, 2);
	*p++ = ' ';
	p = put_dec(p, c.h, 2);
	*p++ = ':';
	p = put_dec(p, c.mi, 2);
	*p = '\0';
}

void
out_iso(char out[OUT_DATE_MAX], uint64_t ms)
{
	struct civil	 c;
	char		*p = out;

	split_time(ms, &c);
	p = put_dec(p, c.y, 4);
	*p++ = '-';
	p = put_dec(p, c.mo, 2);
	*p++ = '-';
	p = put_dec(p, c.d, 2);
	*p++ = 'T';
	p = put_dec(p, c.h, 2);
	*p++ = ':';
	p = put_dec(p, c.mi, 2);
	*p++ = ':';
	p = put_dec(p, c.s, 2);
	*p++ = '.';
	p = put_dec(p, c.ms, 3);
	*p++ = 'Z';
	*p = '\0';
}

void
out_text(FILE *f, const char *s, size_t n, bool oneline)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 run = 0;

	/*
	 * Bytes that go out unchanged are written a run at a time: a
	 * listing prints a title a line, and putc() per byte was most of
	 * its formatting.
	 */
	for (size_t i = 0; i < n; i++) {
		unsigned char	c = p[i];

		if (c >= 0x20 && c != 0x7f && c != 0xc2)
			continue;
		if (c == 0xc2 && !(i + 1 < n && p[i + 1] >= 0x80 &&
		    p[i + 1] <= 0x9f))
			continue;
		if (i > run)
			fwrite(p + run, 1, i - run, f);
		if ((c == '\n' || c == '\t') && oneline)
			c = ' ';
		else if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
			c = '?';
		else if (c == 0xc2) {
			/* A C1 control such as CSI, encoded in UTF-8. */
			i++;
			c = '?';
		}
		putc(c, f);
		run = i + 1;
	}
	if (n > run)
		fwrite(p + run, 1, n - run, f);
}

const char *
out_size(char buf[OUT_SIZE_MAX], uint64_t bytes)
{
	static const char	*unit[] = { "kB", "MB", "GB", "TB", "PB", "EB" };
	double			 v = (double)bytes;
	size_t			 u = 0;

	if (bytes < 1000) {
		snprintf(buf, OUT_SIZE_MAX, "%u byte%s", (unsigned)bytes,
		    bytes == 1 ? "" : "s");
		return buf;
	}
	v /= 1000;
	while (v >= 999.95 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
		v /= 1000;
		u++;
	}
	snprintf(buf, OUT_SIZE_MAX, "%.1f %s", v, unit[u]);
	return buf;
}

json_t *
out_json_str(const char *s, size_t n)
{
	const unsigned char	*p = (const unsigned char *)s;
	struct weft_buf		 b;
	json_t			*j;

	j = json_stringn(s, n);
	if (j != NULL)
		return j;
	/* Not UTF-8 (or holds NUL): replace each bad byte with U+FFFD. */
	weft_buf_init(&b, 3 * n + 1);
	for (size_t i = 0; i < n;) {
		size_t	k = weft_utf8_seq(p + i, n - i);

		if (k == 0) {
			weft_buf_add(&b, "\xef\xbf\xbd", 3);
			i++;
		} else {
			weft_buf_add(&b, p + i, k);
			i += k;
		}
	}
	j = json_stringn(b.len ? (const char *)b.data : "", b.len);
	weft_buf_release(&b);
	return j;
}

json_t *
out_json_id(const uint8_t id[32])
{
	char	hex[65];

	out_hex(hex, id);
	return json_stringn_nocheck(hex, 64);
}

void
out_json_date(json_t *obj, const char *key, uint64_t ms)
{
	char	iso[OUT_DATE_MAX];

	out_iso(iso, ms);
	json_object_set_new_nocheck(obj, key, json_string_nocheck(iso));
}

#define JSON_FLAGS	(JSON_COMPACT | JSON_ENCODE_ANY)

int
out_json_write(json_t *j, FILE *f)
{
	char	 small[8192], *big;
	size_t	 n;
	int	 err = 0;

	n = json_dumpb(j, small, sizeof(small), JSON_FLAGS);
	if (n == 0)
		return -ENOMEM;
	if (n <= sizeof(small))
		return fwrite(small, 1, n, f) == n ? 0 : -EIO;
	big = json_dumps(j, JSON_FLAGS);
	if (big == NULL)
		return -ENOMEM;
	if (fputs(big, f) == EOF)
		err = -EIO;
	free(big);
	return err;
}

int
out_json_print(json_t *doc)
{
	int	err;

	if (doc == NULL)
		return -ENOMEM;
	err = out_json_write(doc, stdout);
	json_decref(doc);
	if (err == 0)
		putchar('\n');
	return err;
}

/* Appends s[0..n) to b as a JSON string: UTF-8 kept, bad bytes U+FFFD. */
static void
buf_json_str(struct weft_buf *b, const char *s, size_t n)
{
	static const char	 hexd[] = "0123456789abcdef";
	const unsigned char	*p = (const unsigned char *)s;
	char			 esc[6] = { '\\', 'u', '0', '0', 0, 0 };
	size_t			 k, run = 0;

	weft_buf_add(b, "\"", 1);
	for (size_t i = 0; i < n; i += k) {
		k = 1;
		if (p[i] >= 0x20 && p[i] < 0x80 && p[i] != '"' && p[i] != '\\') {
			run++;
			continue;
		}
		/* Flush the plain run before this byte. */
		weft_buf_add(b, p + i - run, run);
		run = 0;
		if (p[i] == '"' || p[i] == '\\') {
			esc[1] = (char)p[i];
			weft_buf_add(b, esc, 2);
			esc[1] = 'u';
		} else if (p[i] < 0x20) {
			esc[4] = hexd[p[i] >> 4];
			esc[5] = hexd[p[i] & 15];
			weft_buf_add(b, esc, 6);
		} else {
			k = weft_utf8_seq(p + i, n - i);
			if (k == 0) {
				weft_buf_add(b, "\xef\xbf\xbd", 3);
				k = 1;
			} else
				weft_buf_add(b, p + i, k);
		}
	}
	weft_buf_add(b, p + n - run, run);
	weft_buf_add(b, "\"", 1);
}

/* Appends "key": (printf is the bottleneck of `ls --json`). */
static void
buf_json_key(struct weft_buf *b, const char *key)
{
	weft_buf_add(b, "\"", 1);
	weft_buf_add(b, key, strlen(key));
	weft_buf_add(b, "\":", 2);
}

static void
buf_json_uint(struct weft_buf *b, uint64_t v)
{
	char	s[24], *p = s + sizeof(s);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	weft_buf_add(b, p, (size_t)(s + sizeof(s) - p));
}

static int
buf_json_id(struct weft_buf *b, const char *key, const struct weft_obj *o)
{
	uint8_t	id[32];
	char	hex[65];

	if (weft_obj_binn(o, id, sizeof(id)) != 0)
		return WEFT_EPROTO;
	out_hex(hex, id);
	buf_json_key(b, key);
	weft_buf_add(b, "\"", 1);
	weft_buf_add(b, hex, 64);
	weft_buf_add(b, "\",", 2);
	return 0;
}

static int
buf_json_text(struct weft_buf *b, const char *key, const struct weft_obj *o)
{
	const char	*s;
	size_t		 n;

	if (weft_obj_str(o, &s, &n) != 0)
		return WEFT_EPROTO;
	buf_json_key(b, key);
	buf_json_str(b, s, n);
	weft_buf_add(b, ",", 1);
	return 0;
}

static int
buf_json_ts(struct weft_buf *b, const char *key, const struct weft_obj *o)
{
	uint64_t	ms;
	char		iso[OUT_DATE_MAX];

	if (weft_obj_uint(o, &ms) != 0)
		return WEFT_EPROTO;
	out_iso(iso, ms);
	buf_json_key(b, key);
	buf_json_uint(b, ms);
	weft_buf_add(b, ",\"", 2);
	weft_buf_add(b, key, strlen(key));
	weft_buf_add(b, "_at\":\"", 6);
	weft_buf_add(b, iso, strlen(iso));
	weft_buf_add(b, "\",", 2);
	return 0;
}

/* A summary's values, each found once (control.md, "Summaries"). */
enum {
	SK_DESIGN, SK_HEAD, SK_AUTHOR, SK_TITLE, SK_LICENSE, SK_TAGS,
	SK_CREATED, SK_UPDATED, SK_REVS, SK_HEADS, SK_CONFLICT, SK_SHORT,
	SK_LIKES, SK_COMMENTS, SK_MAKES, SK_REMIXES, SK_AUTHOR_NAME, SK_N
};

static const struct weft_obj_key sk_names[SK_N] = {
#define SK(i, s)	[i] = { s, sizeof(s) - 1 }
	SK(SK_DESIGN, "design"), SK(SK_HEAD, "head"),
	SK(SK_AUTHOR, "author"), SK(SK_TITLE, "title"),
	SK(SK_LICENSE, "license"), SK(SK_TAGS, "tags"),
	SK(SK_CREATED, "created"), SK(SK_UPDATED, "updated"),
	SK(SK_REVS, "revs"), SK(SK_HEADS, "heads"),
	SK(SK_CONFLICT, "conflict"), SK(SK_SHORT, "short"),
	SK(SK_LIKES, "likes"), SK(SK_COMMENTS, "comments"),
	SK(SK_MAKES, "makes"), SK(SK_REMIXES, "remixes"),
	SK(SK_AUTHOR_NAME, "author_name"),
#undef SK
};

/*
 * Fills v[SK_*] with the value of each key, or NULL, in one pass over
 * the map instead of a weft_obj_get() per key, which was most of the
 * CPU of printing a long listing. The enum is in the order weftd sends
 * the keys (store_dsum.h), which the scan tries first.
 */
static void
sum_scan(const struct weft_obj *o, const struct weft_obj *v[SK_N])
{
	weft_obj_get_keys(o, sk_names, SK_N, v);
}

static bool
sum_conflict(const struct weft_obj *c)
{
	bool	v = false;

	if (weft_obj_bool(c, &v) != 0)
		return false;
	return v;
}

bool
out_summary_conflict(const struct weft_obj *o)
{
	return sum_conflict(weft_obj_get(o, "conflict"));
}

int
out_summary_buf(struct weft_buf *b, const struct weft_obj *o)
{
	static const int	 counts[] = {
		SK_LIKES, SK_COMMENTS, SK_MAKES, SK_REMIXES,
	};
	const struct weft_obj	*v[SK_N], *tags;
	const char		*s;
	size_t			 n;
	uint64_t		 revs, heads;
	int			 err;

	sum_scan(o, v);
	tags = v[SK_TAGS];
	if (weft_obj_type(tags) != WEFT_OBJ_ARRAY ||
	    weft_obj_uint(v[SK_REVS], &revs) != 0 ||
	    weft_obj_uint(v[SK_HEADS], &heads) != 0)
		return WEFT_EPROTO;
	weft_buf_add(b, "{", 1);
	err = buf_json_id(b, "design", v[SK_DESIGN]);
	if (err == 0)
		err = buf_json_id(b, "head", v[SK_HEAD]);
	if (err == 0)
		err = buf_json_id(b, "author", v[SK_AUTHOR]);
	if (err == 0)
		err = buf_json_text(b, "title", v[SK_TITLE]);
	if (err == 0)
		err = buf_json_text(b, "license", v[SK_LICENSE]);
	if (err)
		return err;
	weft_buf_add(b, "\"tags\":[", 8);
	for (uint32_t i = 0; i < weft_obj_len(tags); i++) {
		if (weft_obj_str(weft_obj_at(tags, i), &s, &n) != 0)
			return WEFT_EPROTO;
		if (i > 0)
			weft_buf_add(b, ",", 1);
		buf_json_str(b, s, n);
	}
	weft_buf_add(b, "],", 2);
	err = buf_json_ts(b, "created", v[SK_CREATED]);
	if (err == 0)
		err = buf_json_ts(b, "updated", v[SK_UPDATED]);
	if (err)
		return err;
	buf_json_key(b, "revs");
	buf_json_uint(b, revs);
	weft_buf_add(b, ",", 1);
	buf_json_key(b, "heads");
	buf_json_uint(b, heads);
	/* Present (true) only when the head breaks the license table. */
	weft_buf_add(b, ",", 1);
	buf_json_key(b, "license_conflict");
	if (sum_conflict(v[SK_CONFLICT]))
		weft_buf_add(b, "true", 4);
	else
		weft_buf_add(b, "false", 5);
	/* Counts and the author's name, when the daemon sent them. */
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		uint64_t	c;

		if (v[counts[i]] == NULL)
			continue;
		if (weft_obj_uint(v[counts[i]], &c) != 0)
			return WEFT_EPROTO;
		weft_buf_add(b, ",", 1);
		buf_json_key(b, sk_names[counts[i]].name);
		buf_json_uint(b, c);
	}
	if (v[SK_AUTHOR_NAME] != NULL) {
		weft_buf_add(b, ",", 1);
		err = buf_json_text(b, "author_name", v[SK_AUTHOR_NAME]);
		if (err)
			return err;
		/* buf_json_text() ends with a comma. */
		b->len--;
	}
	weft_buf_add(b, "}", 1);
	return 0;
}

json_t *
out_summary_json(const struct weft_obj *o)
{
	struct weft_buf	 b;
	json_t		*j = NULL;

	weft_buf_init(&b, 8 * WEFT_CTL_FRAME_MAX);	/* see cmd_ls.c */
	if (out_summary_buf(&b, o) == 0 && b.len > 0)
		j = json_loadb((const char *)b.data, b.len, 0, NULL);
	weft_buf_release(&b);
	return j;
}

/* Code points in s[0..n), and the byte length of the first max of them. */
static size_t
cp_cut(const char *s, size_t n, size_t max, size_t *cols)
{
	size_t	c = 0, i;

	for (i = 0; i < n; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80 && ++c > max)
			break;
	}
	*cols = c > max ? max : c;
	return i;
}

#define NAME_COLS	20	/* of an author's name on a summary line */

void
out_name_counts(FILE *f, const struct weft_obj *o)
{
	static const struct {
		const char	*key;
		char		 tag;
	} cnt[] = {
		{ "likes", 'L' }, { "comments", 'C' }, { "makes", 'M' },
		{ "remixes", 'R' },
	};
	const char	*name;
	size_t		 nlen, cols;
	uint64_t	 v;
	bool		 first = true;

	if (weft_obj_str(weft_obj_get(o, "author_name"), &name, &nlen) == 0 &&
	    nlen > 0) {
		fputs("  by ", f);
		out_text(f, name, cp_cut(name, nlen, NAME_COLS, &cols), true);
	}
	for (size_t i = 0; i < sizeof(cnt) / sizeof(cnt[0]); i++) {
		if (weft_obj_uint(weft_obj_get(o, cnt[i].key), &v) != 0 ||
		    v == 0)
			continue;
		fprintf(f, "%s%llu%c", first ? "  " : " ",
		    (unsigned long long)v, cnt[i].tag);
		first = false;
	}
}

/* Appends v as decimal digits. */
static char *
put_u64(char *p, uint64_t v)
{
	char	d[20];
	int	n = 0;

	do {
		d[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	while (n > 0)
		*p++ = d[--n];
	return p;
}

int
out_summary_line(FILE *f, const struct weft_obj *o)
{
	static const struct {
		int		key;
		char		tag;
	} cnt[] = {
		{ SK_LIKES, 'L' }, { SK_COMMENTS, 'C' }, { SK_MAKES, 'M' },
		{ SK_REMIXES, 'R' },
	};
	const struct weft_obj	*k[SK_N];
	const uint8_t	*id;
	char		 head[128], date[OUT_DATE_MAX], counts[96], *p;
	const char	*title, *name = NULL;
	size_t		 tlen, nlen = 0, cols = 0, ncols = 0, cut, room, len;
	size_t		 idlen, dlen, suffix = 0;
	uint64_t	 updated, revs, sh = 64, v;
	int		 err;

	sum_scan(o, k);
	err = weft_obj_bin(k[SK_DESIGN], &id, &idlen);
	if (err == 0 && idlen != 32)
		err = WEFT_EBADFIELD;
	if (err == 0)
		err = weft_obj_str(k[SK_TITLE], &title, &tlen);
	if (err == 0)
		err = weft_obj_uint(k[SK_UPDATED], &updated);
	if (err == 0)
		err = weft_obj_uint(k[SK_REVS], &revs);
	/* "short": the digits that tell this id from every other one. */
	if (err == 0 && k[SK_SHORT] != NULL &&
	    (weft_obj_uint(k[SK_SHORT], &sh) != 0 || sh < 8 || sh > 64))
		err = WEFT_EPROTO;
	if (err)
		return err;
	/* The author's name and the counts above 0, when the daemon sent them. */
	if (k[SK_AUTHOR_NAME] != NULL &&
	    weft_obj_str(k[SK_AUTHOR_NAME], &name, &nlen) != 0)
		return WEFT_EPROTO;
	counts[0] = '\0';
	len = 0;
	for (size_t i = 0; i < sizeof(cnt) / sizeof(cnt[0]); i++) {
		if (k[cnt[i].key] == NULL)
			continue;
		if (weft_obj_uint(k[cnt[i].key], &v) != 0)
			return WEFT_EPROTO;
		if (v > 0 && len < sizeof(counts) - 24) {
			p = counts + len;
			if (len > 0)
				*p++ = ' ';
			else {
				*p++ = ' ';
				*p++ = ' ';
			}
			p = put_u64(p, v);
			*p++ = cnt[i].tag;
			*p = '\0';
			len = (size_t)(p - counts);
		}
	}
	if (name != NULL && nlen > 0) {
		nlen = cp_cut(name, nlen, NAME_COLS, &ncols);
		suffix += 5 + ncols;		/* "  by " */
	}
	suffix += len;
	/* "%s  %s  %4llu  ": the id's first sh digits, the date, revs. */
	weft_hex_encode(head, id, (size_t)(sh + 1) / 2);
	p = head + sh;
	*p++ = ' ';
	*p++ = ' ';
	out_date(date, updated);
	dlen = strlen(date);
	memcpy(p, date, dlen);
	p += dlen;
	*p++ = ' ';
	*p++ = ' ';
	for (uint64_t w = revs < 10 ? 3 : revs < 100 ? 2 : revs < 1000 ?
	    1 : 0; w > 0; w--)
		*p++ = ' ';
	p = put_u64(p, revs);
	*p++ = ' ';
	*p++ = ' ';
	fwrite(head, 1, (size_t)(p - head), f);
	cut = tlen;
	if (sh < 64) {
		/* Short ids: the line fits 80 columns (a character a column). */
		room = 80 - (sh + 2 + dlen + 2 + 4 + 2);
		room = room > suffix + 12 ? room - suffix : 12;
		cut = cp_cut(title, tlen, room, &cols);
		if (cut < tlen)
			cut = cp_cut(title, tlen, room - 3, &cols);
	}
	out_text(f, title, cut, true);
	if (cut < tlen)
		fwrite("...", 1, 3, f);
	if (name != NULL && nlen > 0) {
		fwrite("  by ", 1, 5, f);
		out_text(f, name, nlen, true);
	}
	fwrite(counts, 1, len, f);
	if (sum_conflict(k[SK_CONFLICT]))
		fwrite("  [license conflict]", 1, 20, f);
	putc('\n', f);
	return 0;
}

static double
elapsed(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void
progress_draw(struct weft_progress *p, const struct timespec *now)
{
	double	secs = elapsed(&p->start, now);
	double	rate = secs > 0 ? (double)p->done / secs : 0;
	int	pct = p->total ? (int)(p->done * 100 / p->total) : 100;

	fprintf(stderr, "\r%s %3d%% %.1f MB / %.1f MB  %.1f MB/s\033[K",
	    p->label, pct, (double)p->done / 1e6, (double)p->total / 1e6,
	    rate / 1e6);
	fflush(stderr);
	p->last = *now;
}

void
out_progress_init(struct weft_progress *p, const char *label,
    uint64_t total, bool enabled)
{
	memset(p, 0, sizeof(*p));
	p->on = enabled;
	p->label = label;
	p->total = total;
	if (!p->on)
		return;
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	progress_draw(p, &p->start);
}

void
out_progress_add(struct weft_progress *p, uint64_t n)
{
	struct timespec	now;

	if (!p->on)
		return;
	p->done += n;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (elapsed(&p->last, &now) >= 0.1 || p->done == p->total)
		progress_draw(p, &now);
}

void
out_progress_restart(struct weft_progress *p)
{
	if (!p->on)
		return;
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	p->last = p->start;
	p->done = 0;
	progress_draw(p, &p->start);
}

void
out_progress_end(struct weft_progress *p)
{
	if (!p->on)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	p->on = false;
}

/* The length of the command words at the start of usage ("weft ls"). */
static int
usage_cmd_len(const char *usage)
{
	size_t	n = 0, end = 0;

	for (;;) {
		while (usage[n] >= 'a' && usage[n] <= 'z')
			n++;
		end = n;
		if (usage[n] != ' ' || !(usage[n + 1] >= 'a' &&
		    usage[n + 1] <= 'z'))
			break;
		n++;
	}
	return (int)end;
}

int
weft__opt_seconds(const char *arg, unsigned long min, unsigned long *out)
{
	char		*end;
	unsigned long	 v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno != 0 || *end != '\0' || end == arg || arg[0] == '-' ||
	    v < min || v > 86400)
		return weft__usage_error("--timeout takes seconds (%lu to "
		    "86400)", min);
	*out = v;
	return 0;
}

int
weft__opt(struct weft_cli *cli, int ch, char **argv, const char *usage)
{
	int	cn = usage_cmd_len(usage);

	switch (ch) {
	case 'q':
		cli->quiet = true;
		return WEFT_OPT_CONTINUE;
	case WEFT_OPT_JSON:
		cli->json = true;
		weft__json_errors(true);
		return WEFT_OPT_CONTINUE;
	case WEFT_OPT_HOME:
		cli->home_opt = optarg;
		return WEFT_OPT_CONTINUE;
	case 'h':
		printf("usage: %s\n", usage);
		return WEFT_EXIT_OK;
	case ':':
		return weft__usage_error("option '%s' needs an argument; see "
		    "'%.*s -h'", argv[optind - 1], cn, usage);
	default:
		/* optopt is 0 for an unknown long option. */
		if (optopt > 0 && optopt < 0x100)
			return weft__usage_error("unknown option '-%c'; see "
			    "'%.*s -h'", optopt, cn, usage);
		return weft__usage_error("unknown option '%s'; see '%.*s -h'",
		    argv[optind - 1], cn, usage);
	}
}

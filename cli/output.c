/*
 * Output for the CLI: the error line and exit-code mapping, hex ids, UTC
 * dates, terminal-safe text, JSON values and the progress bar.
 *
 * Everything printed for humans that came from the network goes through
 * out_text(): a record's title is attacker-chosen and must not be able to
 * move the cursor or retitle the terminal.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/pack.h"
#include "weft/record.h"

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
		return WEFT_EXIT_NOTFOUND;
	case WEFT_EBADSIG:
	case WEFT_EBADHASH:
		return WEFT_EXIT_VERIFY;
	default:
		return WEFT_EXIT_FAIL;
	}
}

int
weft__fail(int err, const char *detail, const char *fmt, ...)
{
	va_list	ap;
	int	code;

	fflush(stdout);
	fputs("weft: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (detail != NULL && detail[0] != '\0') {
		fputs(": ", stderr);
		out_text(stderr, detail, strlen(detail), true);
	} else if (err != 0)
		fprintf(stderr, ": %s", weft_strerror(err));
	fputc('\n', stderr);
	code = weft__exit_code(err);
	return code == WEFT_EXIT_OK ? WEFT_EXIT_FAIL : code;
}

int
weft__usage_error(const char *fmt, ...)
{
	va_list	ap;

	fflush(stdout);
	fputs("weft: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
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

static void
split_time(uint64_t ms, struct tm *tm)
{
	time_t	t;

	/* Far-future timestamps are clamped rather than overflowing time_t. */
	if (ms / 1000 > (uint64_t)253402300799)	/* 9999-12-31 23:59:59 */
		ms = (uint64_t)253402300799 * 1000;
	t = (time_t)(ms / 1000);
	if (gmtime_r(&t, tm) == NULL)
		memset(tm, 0, sizeof(*tm));
}

void
out_date(char out[OUT_DATE_MAX], uint64_t ms)
{
	struct tm	tm;

	split_time(ms, &tm);
	if (strftime(out, OUT_DATE_MAX, "%Y-%m-%d %H:%M", &tm) == 0)
		out[0] = '\0';
}

void
out_iso(char out[OUT_DATE_MAX], uint64_t ms)
{
	struct tm	tm;
	char		s[24];

	split_time(ms, &tm);
	if (strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		s[0] = '\0';
	snprintf(out, OUT_DATE_MAX, "%s.%03uZ", s, (unsigned)(ms % 1000));
}

void
out_text(FILE *f, const char *s, size_t n, bool oneline)
{
	const unsigned char	*p = (const unsigned char *)s;

	for (size_t i = 0; i < n; i++) {
		unsigned char	c = p[i];

		if ((c == '\n' || c == '\t') && oneline)
			c = ' ';
		else if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
			c = '?';
		else if (c == 0xc2 && i + 1 < n && p[i + 1] >= 0x80 &&
		    p[i + 1] <= 0x9f) {
			/* A C1 control such as CSI, encoded in UTF-8. */
			i++;
			c = '?';
		}
		putc(c, f);
	}
}

/* The length of the well-formed UTF-8 sequence at p, or 0. */
static size_t
utf8_seq(const unsigned char *p, size_t n)
{
	size_t		len;
	uint32_t	cp;

	if (p[0] < 0x80)
		return p[0] == 0 ? 0 : 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		cp = p[0] & 0x07;
	} else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
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
		size_t	k = utf8_seq(p + i, n - i);

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

int
out_json_print(json_t *doc)
{
	int	rc;

	if (doc == NULL)
		return -ENOMEM;
	rc = json_dumpf(doc, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(doc);
	if (rc != 0)
		return -EIO;
	putchar('\n');
	return 0;
}

static json_t *
obj_json_str(const struct weft_obj *o)
{
	const char	*s;
	size_t		 n;

	if (weft_obj_str(o, &s, &n) != 0)
		return NULL;
	return out_json_str(s, n);
}

static json_t *
obj_json_id(const struct weft_obj *o)
{
	uint8_t	id[32];

	if (weft_obj_binn(o, id, sizeof(id)) != 0)
		return NULL;
	return out_json_id(id);
}

json_t *
out_summary_json(const struct weft_obj *o)
{
	static const char *const	 ids[] = { "design", "head", "author" };
	static const char *const	 strs[] = { "title", "license" };
	static const char *const	 nums[] = { "revs", "heads" };
	const struct weft_obj		*tags;
	json_t				*j, *v, *a;
	uint64_t			 u;

	j = json_object();
	if (j == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		v = obj_json_id(weft_obj_get(o, ids[i]));
		if (v == NULL)
			goto bad;
		json_object_set_new_nocheck(j, ids[i], v);
	}
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		v = obj_json_str(weft_obj_get(o, strs[i]));
		if (v == NULL)
			goto bad;
		json_object_set_new_nocheck(j, strs[i], v);
	}
	tags = weft_obj_get(o, "tags");
	a = json_array();
	if (a == NULL || weft_obj_type(tags) != WEFT_OBJ_ARRAY) {
		json_decref(a);
		goto bad;
	}
	json_object_set_new_nocheck(j, "tags", a);
	for (uint32_t i = 0; i < weft_obj_len(tags); i++) {
		v = obj_json_str(weft_obj_at(tags, i));
		if (v == NULL)
			goto bad;
		json_array_append_new(a, v);
	}
	if (weft_obj_uint(weft_obj_get(o, "created"), &u) != 0)
		goto bad;
	json_object_set_new_nocheck(j, "created", json_integer((json_int_t)u));
	out_json_date(j, "created_at", u);
	if (weft_obj_uint(weft_obj_get(o, "updated"), &u) != 0)
		goto bad;
	json_object_set_new_nocheck(j, "updated", json_integer((json_int_t)u));
	out_json_date(j, "updated_at", u);
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		if (weft_obj_uint(weft_obj_get(o, nums[i]), &u) != 0)
			goto bad;
		json_object_set_new_nocheck(j, nums[i],
		    json_integer((json_int_t)u));
	}
	return j;
bad:
	json_decref(j);
	return NULL;
}

int
out_summary_line(FILE *f, const struct weft_obj *o)
{
	uint8_t		 id[32];
	char		 hex[65], date[OUT_DATE_MAX];
	const char	*title;
	size_t		 tlen;
	uint64_t	 updated, revs;
	int		 err;

	err = weft_obj_binn(weft_obj_get(o, "design"), id, sizeof(id));
	if (err == 0)
		err = weft_obj_str(weft_obj_get(o, "title"), &title, &tlen);
	if (err == 0)
		err = weft_obj_uint(weft_obj_get(o, "updated"), &updated);
	if (err == 0)
		err = weft_obj_uint(weft_obj_get(o, "revs"), &revs);
	if (err)
		return err;
	out_hex(hex, id);
	out_date(date, updated);
	fprintf(f, "%s  %s  %4llu  ", hex, date, (unsigned long long)revs);
	out_text(f, title, tlen, true);
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
out_progress_end(struct weft_progress *p)
{
	if (!p->on)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	p->on = false;
}

int
weft__opt(struct weft_cli *cli, int ch, char **argv, const char *usage)
{
	switch (ch) {
	case 'q':
		cli->quiet = true;
		return WEFT_OPT_CONTINUE;
	case WEFT_OPT_JSON:
		cli->json = true;
		return WEFT_OPT_CONTINUE;
	case WEFT_OPT_HOME:
		cli->home_opt = optarg;
		return WEFT_OPT_CONTINUE;
	case 'h':
		printf("usage: %s\n", usage);
		return WEFT_EXIT_OK;
	case ':':
		weft__usage_error("option '%s' needs an argument",
		    argv[optind - 1]);
		return weft__usage(usage);
	default:
		/* optopt is 0 for an unknown long option. */
		if (optopt > 0 && optopt < 0x100)
			weft__usage_error("unknown option '-%c'", optopt);
		else
			weft__usage_error("unknown option '%s'",
			    argv[optind - 1]);
		return weft__usage(usage);
	}
}

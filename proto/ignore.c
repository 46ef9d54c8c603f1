/*
 * gitignore rules (include/weft/ignore.h). The line parsing follows git's
 * dir.c (add_patterns_from_buffer, trim_trailing_spaces,
 * parse_path_pattern) and the matching its wildmatch.c (from rsync, by
 * Rich Salz and Wayne Davison), rewritten here rule for rule so that
 * "weft publish" skips exactly what "git status" would not show. Tests
 * compare both on generated trees (tests/integration/t-publish-ignore.sh).
 *
 * wildmatch backtracks; a pattern with many "**" against a long path
 * could take long, so one match has a step budget (MATCH_STEPS) after
 * which it counts as no match. No real rule comes near it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "weft/err.h"
#include "weft/ignore.h"

#define MATCH_STEPS	200000

enum {
	WM_MATCH,
	WM_NOMATCH,
	WM_ABORT_ALL,
	WM_ABORT_TO_STARSTAR
};

struct wm {
	const unsigned char	*pattern;
	bool			 pathname;
	unsigned long		 steps;
};

/* ASCII classes as git's sane_ctype has them (isspace: " \t\n\r"). */
static bool
cc_match(const unsigned char *s, size_t n, unsigned char c, bool *known)
{
	bool	alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
	bool	digit = c >= '0' && c <= '9';

	*known = true;
#define CC(name) (n == sizeof(name) - 1 && memcmp(s, name, n) == 0)
	if (CC("alnum"))
		return alpha || digit;
	if (CC("alpha"))
		return alpha;
	if (CC("blank"))
		return c == ' ' || c == '\t';
	if (CC("cntrl"))
		return c < 0x20 || c == 0x7f;
	if (CC("digit"))
		return digit;
	if (CC("graph"))
		return c > 0x20 && c < 0x7f;
	if (CC("lower"))
		return c >= 'a' && c <= 'z';
	if (CC("print"))
		return c >= 0x20 && c < 0x7f;
	if (CC("punct"))
		return c > 0x20 && c < 0x7f && !alpha && !digit;
	if (CC("space"))
		return c == ' ' || c == '\t' || c == '\n' || c == '\r';
	if (CC("upper"))
		return c >= 'A' && c <= 'Z';
	if (CC("xdigit"))
		return digit || (c >= 'a' && c <= 'f') ||
		    (c >= 'A' && c <= 'F');
#undef CC
	*known = false;
	return false;
}

static bool
glob_special(unsigned char c)
{
	return c == '*' || c == '?' || c == '[' || c == '\\';
}

/* A bracket expression at p (just after '['); t_ch is the text byte. */
static int
bracket(const unsigned char **pp, unsigned char t_ch, const struct wm *w)
{
	const unsigned char	*p = *pp, *s;
	unsigned char		 p_ch, prev_ch;
	bool			 negated, matched = false, known;
	size_t			 i;

	p_ch = *p;
	if (p_ch == '^')
		p_ch = '!';
	negated = p_ch == '!';
	if (negated)
		p_ch = *++p;
	prev_ch = 0;
	do {
		if (p_ch == '\0')
			return WM_ABORT_ALL;
		if (p_ch == '\\') {
			p_ch = *++p;
			if (p_ch == '\0')
				return WM_ABORT_ALL;
			if (t_ch == p_ch)
				matched = true;
		} else if (p_ch == '-' && prev_ch && p[1] && p[1] != ']') {
			p_ch = *++p;
			if (p_ch == '\\') {
				p_ch = *++p;
				if (p_ch == '\0')
					return WM_ABORT_ALL;
			}
			if (t_ch <= p_ch && t_ch >= prev_ch)
				matched = true;
			p_ch = 0;	/* prev_ch becomes 0 */
		} else if (p_ch == '[' && p[1] == ':') {
			for (s = p += 2; (p_ch = *p) != '\0' && p_ch != ']';
			    p++)
				;
			if (p_ch == '\0')
				return WM_ABORT_ALL;
			if (p - s < 1 || p[-1] != ':') {
				/* No ":]": a plain '[' in the set. */
				p = s - 2;
				p_ch = '[';
				if (t_ch == p_ch)
					matched = true;
				continue;
			}
			i = (size_t)(p - s - 1);
			if (cc_match(s, i, t_ch, &known))
				matched = true;
			if (!known)
				return WM_ABORT_ALL;
			p_ch = 0;
		} else if (t_ch == p_ch) {
			matched = true;
		}
	} while (prev_ch = p_ch, (p_ch = *++p) != ']');
	*pp = p;
	if (matched == negated || (w->pathname && t_ch == '/'))
		return WM_NOMATCH;
	return WM_MATCH;
}

static int
dowild(struct wm *w, const unsigned char *p, const unsigned char *text)
{
	unsigned char	 p_ch, t_ch;
	const unsigned char	*prev_p, *slash;
	bool		 match_slash;
	int		 matched;

	if (++w->steps > MATCH_STEPS)
		return WM_ABORT_ALL;
	for (; (p_ch = *p) != '\0'; text++, p++) {
		t_ch = *text;
		if (t_ch == '\0' && p_ch != '*')
			return WM_ABORT_ALL;
		switch (p_ch) {
		case '\\':
			p_ch = *++p;
			/* FALLTHROUGH */
		default:
			if (t_ch != p_ch)
				return WM_NOMATCH;
			continue;
		case '?':
			if (w->pathname && t_ch == '/')
				return WM_NOMATCH;
			continue;
		case '*':
			if (*++p == '*') {
				prev_p = p - 2;
				while (*++p == '*')
					;
				if (!w->pathname) {
					match_slash = true;
				} else if ((prev_p < w->pattern ||
				    *prev_p == '/') && (*p == '\0' ||
				    *p == '/' || (p[0] == '\\' &&
				    p[1] == '/'))) {
					/* "**" as a whole path part */
					if (p[0] == '/' &&
					    dowild(w, p + 1, text) == WM_MATCH)
						return WM_MATCH;
					match_slash = true;
				} else {
					match_slash = false;
				}
			} else {
				match_slash = !w->pathname;
			}
			if (*p == '\0') {
				/* A trailing "*" stops at '/', "**" does not. */
				if (!match_slash &&
				    strchr((const char *)text, '/') != NULL)
					return WM_NOMATCH;
				return WM_MATCH;
			} else if (!match_slash && *p == '/') {
				/* "*" then "/": the rest of this part. */
				slash = (const unsigned char *)strchr(
				    (const char *)text, '/');
				if (slash == NULL)
					return WM_NOMATCH;
				text = slash;
				break;	/* the loop consumes the '/' */
			}
			for (;;) {
				if (t_ch == '\0')
					break;
				if (!glob_special(*p)) {
					/* Skip to the next p_ch quickly. */
					p_ch = *p;
					while ((t_ch = *text) != '\0' &&
					    (match_slash || t_ch != '/')) {
						if (t_ch == p_ch)
							break;
						text++;
					}
					if (t_ch != p_ch)
						return WM_NOMATCH;
				}
				matched = dowild(w, p, text);
				if (matched != WM_NOMATCH) {
					if (!match_slash ||
					    matched != WM_ABORT_TO_STARSTAR)
						return matched;
				} else if (!match_slash && t_ch == '/') {
					return WM_ABORT_TO_STARSTAR;
				}
				t_ch = *++text;
			}
			return WM_ABORT_ALL;
		case '[':
			p++;
			matched = bracket(&p, t_ch, w);
			if (matched != WM_MATCH)
				return matched;
			continue;
		}
	}
	return *text != '\0' ? WM_NOMATCH : WM_MATCH;
}

bool
weft_wildmatch(const char *pattern, const char *text, bool pathname)
{
	struct wm	w;

	w.pattern = (const unsigned char *)pattern;
	w.pathname = pathname;
	w.steps = 0;
	return dowild(&w, w.pattern, (const unsigned char *)text) ==
	    WM_MATCH;
}

void
weft_ignore_init(struct weft_ignore *ig)
{
	memset(ig, 0, sizeof(*ig));
}

void
weft_ignore_release(struct weft_ignore *ig)
{
	for (size_t i = 0; i < ig->n; i++)
		free(ig->v[i].pat);
	free(ig->v);
	memset(ig, 0, sizeof(*ig));
}

/* git's trim_trailing_spaces(): drops unescaped trailing ' '. */
static size_t
trim_trailing_spaces(const char *s, size_t n)
{
	size_t	last_space = SIZE_MAX;

	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case ' ':
			if (last_space == SIZE_MAX)
				last_space = i;
			break;
		case '\\':
			if (++i == n)
				return n;
			/* FALLTHROUGH */
		default:
			last_space = SIZE_MAX;
		}
	}
	return last_space == SIZE_MAX ? n : last_space;
}

int
weft_ignore_add_line(struct weft_ignore *ig, const char *line, size_t len)
{
	struct weft_ignore_rule	*v;
	const char		*p = line;
	unsigned		 flags = 0;
	size_t			 n, cap;
	char			*pat;

	n = strnlen(line, len);		/* a NUL ends the line */
	if (n > 0 && p[n - 1] == '\r')
		n--;
	if (n > WEFT_IGNORE_LINE_MAX)
		return WEFT_ETOOBIG;
	if (n == 0 || p[0] == '#')
		return 0;
	n = trim_trailing_spaces(p, n);
	if (n > 0 && p[0] == '!') {
		flags |= WEFT_IGNORE_F_NEGATE;
		p++;
		n--;
	}
	if (n > 0 && p[n - 1] == '/') {
		flags |= WEFT_IGNORE_F_DIRONLY;
		n--;
	}
	if (memchr(p, '/', n) == NULL)
		flags |= WEFT_IGNORE_F_BASENAME;
	else if (p[0] == '/') {
		p++;		/* anchored either way */
		n--;
	}
	if (n == 0)
		return 0;	/* "", "!", "/": matches nothing */
	if (ig->n >= WEFT_IGNORE_RULES_MAX)
		return WEFT_ETOOBIG;
	if (ig->n == ig->cap) {
		cap = ig->cap ? 2 * ig->cap : 16;
		v = realloc(ig->v, cap * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		ig->v = v;
		ig->cap = cap;
	}
	pat = strndup(p, n);
	if (pat == NULL)
		return -ENOMEM;
	ig->v[ig->n].pat = pat;
	ig->v[ig->n].flags = flags;
	ig->n++;
	return 0;
}

int
weft_ignore_add_text(struct weft_ignore *ig, const char *text, size_t len,
    size_t *lineno)
{
	size_t		 n0 = ig->n, line = 1, i, start;
	int		 err = 0;

	if (lineno != NULL)
		*lineno = 0;
	if (len > WEFT_IGNORE_FILE_MAX)
		return WEFT_ETOOBIG;
	start = len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	for (i = start; i <= len && err == 0; i++) {
		if (i < len && text[i] != '\n')
			continue;
		if (i > start)
			err = weft_ignore_add_line(ig, text + start,
			    i - start);
		if (err == 0) {
			line++;
			start = i + 1;
		}
	}
	if (err) {
		if (lineno != NULL)
			*lineno = line;
		while (ig->n > n0)
			free(ig->v[--ig->n].pat);
	}
	return err;
}

bool
weft_ignore_match(const struct weft_ignore *ig, const char *path,
    bool is_dir)
{
	const char	*base = strrchr(path, '/');

	base = base != NULL ? base + 1 : path;
	for (size_t i = ig->n; i-- > 0;) {
		const struct weft_ignore_rule	*r = &ig->v[i];
		bool				 m;

		if ((r->flags & WEFT_IGNORE_F_DIRONLY) && !is_dir)
			continue;
		if (r->flags & WEFT_IGNORE_F_BASENAME)
			m = weft_wildmatch(r->pat, base, false);
		else
			m = weft_wildmatch(r->pat, path, true);
		if (m)
			return !(r->flags & WEFT_IGNORE_F_NEGATE);
	}
	return false;
}

/*
 * Ignore rules with gitignore's syntax and semantics (gitignore(5)), for
 * choosing what "weft publish" and "weft update" take from a folder.
 *
 * A list holds rules in the order they were added; the last rule that
 * matches a path decides (a "!" rule re-includes). Lines follow
 * gitignore: "#" starts a comment, trailing spaces are dropped unless
 * escaped, "!" negates, a trailing "/" matches directories only, a "/"
 * at the start or in the middle anchors the rule to the folder (else it
 * matches a name at any depth), "*", "?", "[...]" (ranges, "!"/"^"
 * negation, [:alpha:] classes) never match "/", "**" matches across
 * directories where gitignore allows it, and "\" escapes any character.
 * Matching is the wildmatch of git (WM_PATHNAME, case-sensitive).
 *
 * As in git, a file below an excluded directory cannot be re-included:
 * the caller stops walking at a directory this list excludes.
 *
 * Pure code, no I/O; every input is bounded (WEFT_IGNORE_*_MAX).
 */
#ifndef WEFT_IGNORE_H
#define WEFT_IGNORE_H

#include <stdbool.h>
#include <stddef.h>

#define WEFT_IGNORE_RULES_MAX	4096		/* rules in one list */
#define WEFT_IGNORE_LINE_MAX	1024		/* bytes in one rule */
#define WEFT_IGNORE_FILE_MAX	(256 * 1024)	/* bytes of one file */

struct weft_ignore_rule {
	char		*pat;		/* the pattern, NUL-terminated */
	unsigned	 flags;		/* WEFT_IGNORE_F_* */
};

#define WEFT_IGNORE_F_NEGATE	0x1	/* "!pattern" */
#define WEFT_IGNORE_F_DIRONLY	0x2	/* "pattern/" */
#define WEFT_IGNORE_F_BASENAME	0x4	/* no "/": matches a name anywhere */

struct weft_ignore {
	struct weft_ignore_rule	*v;
	size_t			 n;
	size_t			 cap;
};

void	weft_ignore_init(struct weft_ignore *ig);
void	weft_ignore_release(struct weft_ignore *ig);

/*
 * Adds one line of an ignore file (without its newline; a trailing "\r"
 * is dropped, a NUL ends the line). Blank lines and comments add nothing.
 * Returns 0, WEFT_ETOOBIG (a line over WEFT_IGNORE_LINE_MAX or more than
 * WEFT_IGNORE_RULES_MAX rules) or -ENOMEM.
 */
int	weft_ignore_add_line(struct weft_ignore *ig, const char *line,
	    size_t len);

/*
 * Adds every line of an ignore file's text (a UTF-8 byte order mark at
 * the start is skipped). Returns 0, WEFT_ETOOBIG (text over
 * WEFT_IGNORE_FILE_MAX, or a line or rule count over its cap: then no
 * rule of text is kept) or -ENOMEM. *lineno, if not NULL, gets the
 * 1-based number of the line at fault.
 */
int	weft_ignore_add_text(struct weft_ignore *ig, const char *text,
	    size_t len, size_t *lineno);

/*
 * Decides path ('/'-separated, relative to the folder the rules belong
 * to, no leading or trailing '/'): true when the last matching rule
 * excludes it, false when none matches or the last one is a "!" rule.
 */
bool	weft_ignore_match(const struct weft_ignore *ig, const char *path,
	    bool is_dir);

/*
 * git's wildmatch with WM_PATHNAME when pathname is true (else "*" also
 * matches "/"): true when text matches pattern.
 */
bool	weft_wildmatch(const char *pattern, const char *text, bool pathname);

#endif

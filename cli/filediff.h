/*
 * What changed between two revisions' file lists, for `weft log` and
 * `weft diff`: files added, deleted, modified (same path, other
 * content) and renamed (a deleted path whose exact content reappears
 * under an added one). Paths come from records, so printers escape them.
 */
#ifndef WEFT_CLI_FILEDIFF_H
#define WEFT_CLI_FILEDIFF_H

#include <stddef.h>

#include <jansson.h>

struct weft_file_ref;
struct weft_record;

struct weft_fchange {
	char				 st;	/* 'A', 'D', 'M' or 'R' */
	const struct weft_file_ref	*from;	/* NULL for 'A' */
	const struct weft_file_ref	*to;	/* NULL for 'D' */
};

/*
 * Sets *out to the changes from a to b (a NULL: every file of b is
 * added), sorted by path, and *n to their number; the array points into
 * a and b and is freed with free(). Returns 0 or -ENOMEM.
 */
int	weft__fdiff(const struct weft_record *a, const struct weft_record *b,
	    struct weft_fchange **out, size_t *n);

/*
 * Prints up to max changes (0: all) as "<indent>A  path (size)" lines,
 * then "<indent>... and N more" when some were left out.
 */
void	weft__fdiff_print(const struct weft_fchange *v, size_t n, size_t max,
	    const char *indent);

/* [{"status": "added"|..., "path", "old_path"?, "size"}...] */
json_t	*weft__fdiff_json(const struct weft_fchange *v, size_t n);

#endif

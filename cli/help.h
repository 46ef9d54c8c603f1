/*
 * Help that explains: one table (help.c) with, for every command, its
 * synopsis, a one-line summary, a paragraph and a sentence for each
 * option. main.c prints it for "weft help CMD", "weft CMD --help" and
 * "weft CMD -h", so no cmd_*.c repeats it. Also "did you mean" for
 * misspelt command names and license ids.
 */
#ifndef WEFT_CLI_HELP_H
#define WEFT_CLI_HELP_H

#include <stddef.h>
#include <stdio.h>

#define WEFT_HELP_OPTS_MAX	24

struct weft_help_opt {
	const char	*flags;		/* "-o, --output DIR" */
	const char	*text;		/* one sentence */
};

/*
 * synopsis: lines "weft NAME ...", separated by \n; summary: a line for
 * the command list; text: what the command does, a paragraph.
 */
struct weft_help {
	const char		*name;
	const char		*synopsis;
	const char		*summary;
	const char		*text;
	struct weft_help_opt	 opts[WEFT_HELP_OPTS_MAX];
};

/* The entry for a command name, or NULL. */
const struct weft_help	*weft_help_find(const char *name);
/* The i-th entry of the table, or NULL past its end. */
const struct weft_help	*weft_help_at(size_t i);
/* Prints an entry: usage, paragraph, options, the global options. */
void	weft_help_print(FILE *f, const struct weft_help *h);
/* Prints "text" wrapped at width columns, each line indented by indent. */
void	weft_help_wrap(FILE *f, const char *text, int indent, int width);

/*
 * Edit distance (Damerau-Levenshtein, adjacent transpositions count as
 * one), ASCII case-insensitive, capped: returns cap when it is cap or
 * more, or when a string is longer than 64 bytes.
 */
size_t	weft_help_distance(const char *a, const char *b, size_t cap);
/*
 * The candidate closest to word: within an edit distance of about a third
 * of its length (at least 1, at most 3), or of which word is a prefix
 * (3 characters at least). NULL when nothing is close.
 */
const char *weft_help_suggest(const char *word, const char *const *cands,
	    size_t n);
/*
 * Fills out[] with up to max license ids close to the unknown id and
 * returns how many: the shortest ids it is a prefix of (newest version
 * first), else the closest misspellings as above.
 */
size_t	weft_help_license_suggest(const char *id, const char **out,
	    size_t max);

#endif

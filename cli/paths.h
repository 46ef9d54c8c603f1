/*
 * Local file handling for the CLI that needs no daemon: collecting the
 * files to publish (struct weft_src_list), turning a title into a
 * directory name (weft__slug) and checking id arguments.
 *
 * A PATH argument that is a directory contributes every regular file
 * below it, named relative to it; a file contributes its basename. Inside
 * directories, symlinks and special files are skipped (with a warning),
 * never followed; a PATH given on the command line is followed, as
 * "cp -H" does.
 *
 * Inside a directory argument, ignore rules (include/weft/ignore.h)
 * decide, the last matching rule winning: first the defaults
 * (weft__src_defaults: dotfiles, editor backups, Thumbs.db), then the
 * directory's own .weftignore, then the --exclude patterns. A "!" rule
 * can bring back a default-skipped name, but version control
 * directories (.git, .hg, .svn, .bzr) are always left out. A PATH named
 * on the command line is taken whatever its name.
 */
#ifndef WEFT_CLI_PATHS_H
#define WEFT_CLI_PATHS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct weft_src_file {
	char		*path;		/* name in the design */
	char		*src;		/* where to read it */
	uint64_t	 size;		/* size when collected */
	bool		 nofollow;	/* open src with O_NOFOLLOW */
};

/* Why weft__src_add() returned WEFT_ETOOBIG. */
enum weft_src_why {
	WEFT_SRC_OK,
	WEFT_SRC_TOO_MANY,	/* more than WEFT_FILES_MAX files */
	WEFT_SRC_TOO_LARGE,	/* a file over WEFT_FILE_SIZE_MAX */
	WEFT_SRC_TOO_DEEP,	/* directories nested too deep */
	WEFT_SRC_BAD_IGNORE	/* a .weftignore too large (line in ign_line) */
};

#define WEFT_SRC_SKIPPED_MAX	10000	/* skipped names kept for --dry-run */

struct weft_src_list {
	struct weft_src_file	*v;
	size_t			 n;
	size_t			 cap;
	uint64_t		 total;	/* sum of sizes */
	char			*bad;	/* the entry a walk failed on */
	enum weft_src_why	 why;	/* after WEFT_ETOOBIG */
	size_t			 ign_line;	/* WEFT_SRC_BAD_IGNORE */
	/* Set before weft__src_add(): the --exclude patterns. */
	char * const		*exclude;
	size_t			 nexclude;
	/* What the ignore rules left out: names, dirs with a '/' after. */
	char			**skipped;
	size_t			 nskipped;	/* names kept */
	size_t			 nskipped_all;	/* all, kept or not */
};

void	weft__src_init(struct weft_src_list *l);
void	weft__src_release(struct weft_src_list *l);

/*
 * Adds the files of one PATH argument. Skipped entries are reported on
 * stderr unless quiet. Returns 0, -errno (-ENOENT when arg does not
 * exist), WEFT_ETOOBIG (more than WEFT_FILES_MAX files, a file over
 * WEFT_FILE_SIZE_MAX or directories nested too deep) or -ENOMEM. On
 * failure *bad (if not NULL) points to the offending name (valid until
 * the list is released, or arg itself).
 */
int	weft__src_add(struct weft_src_list *l, const char *arg, bool quiet,
	    const char **bad);

/* The default rules, one gitignore line each, NULL-terminated. */
extern const char *const weft__src_defaults[];

/* True when a file's name looks like a secret (a private key, .env...). */
bool	weft__src_secret(const char *path);

/*
 * Sorts the files (and the skipped names) bytewise by path and checks
 * the files: at least one, every path valid (weft_path_check), no path
 * twice. Returns 0,
 * WEFT_EUSAGE (empty), WEFT_EBADPATH or WEFT_EEXISTS (a duplicate), with
 * *bad naming the path at fault.
 */
int	weft__src_finish(struct weft_src_list *l, const char **bad);

/*
 * Says which limit weft__src_add() hit when it returned WEFT_ETOOBIG
 * ("more than 1024 files"), or NULL.
 */
const char	*weft__src_why(const struct weft_src_list *l);

/*
 * Says why weft_path_check() refused path, for an error line: "it is not
 * valid UTF-8", "it contains a control character", "it is too long" or
 * the rule for parts.
 */
const char	*weft__path_why(const char *path);

/*
 * Writes a directory name for a title into out: its letters and digits
 * of any script, composed (NFC) and case-folded ("Zahnrad-Halter fuer
 * Wand" keeps its u-umlaut), every other run of characters becoming one
 * '-', no leading or trailing '-', at most outsz - 1 (and at most 64)
 * bytes, never a partial UTF-8 sequence. A title that is not UTF-8
 * keeps only its ASCII letters and digits. out is empty when the title
 * has no letter or digit.
 */
void	weft__slug(const char *title, size_t len, char *out, size_t outsz);

/*
 * The default title for a PATH: its last component, without the
 * extension when it is a file ("models/bracket.scad" -> "bracket").
 * Writes into out (truncating) and returns out.
 */
char	*weft__default_title(const char *arg, bool is_dir, char *out,
	    size_t outsz);

/* True when s is 8 to 64 hex digits: an id or id prefix. */
bool	weft__id_ok(const char *s);

#endif

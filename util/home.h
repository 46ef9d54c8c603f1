/*
 * The node's home directory ($WEFT_HOME): where the keys, the config, the
 * store and the control socket live. It must belong to the user running
 * weft and be closed to everyone else, since it holds secret keys and the
 * socket that controls the daemon.
 */
#ifndef WEFT_HOME_H
#define WEFT_HOME_H

#include <stddef.h>

struct stat;

/* Longest home path, NUL included. */
#define WEFT_HOME_MAX		4096

/*
 * Resolves the home directory as DESIGN.md says: opt (--home) if not NULL,
 * else $WEFT_HOME, else $XDG_DATA_HOME/weft, else $HOME/.local/share/weft
 * (the home directory comes from the password database if $HOME is
 * unset). Empty variables count as unset; a relative $XDG_DATA_HOME is
 * ignored, as the XDG spec asks. A relative result is made absolute
 * against the current directory, and trailing slashes are removed.
 * Writes a NUL-terminated path to out. Returns 0, WEFT_EUSAGE (opt is
 * empty), -ENOENT (no home directory at all), -ENAMETOOLONG (the path does
 * not fit in outsz or WEFT_HOME_MAX) or another -errno from getcwd().
 */
int	weft_home_resolve(const char *opt, char *out, size_t outsz);

/*
 * Creates dir, and any missing parents, with mode 0700, then checks it with
 * weft_home_check(). An existing dir is not changed, only checked. Returns
 * 0, what weft_home_check() returns, or -errno from mkdir().
 */
int	weft_home_create(const char *dir);

/*
 * Checks that dir is a directory (symlinks followed) owned by the
 * effective uid with no group or other permission bits. Returns 0,
 * -ENOTDIR, WEFT_EHOMEMODE (someone else's, or group/world accessible),
 * or -errno from stat() (-ENOENT when it does not exist).
 */
int	weft_home_check(const char *dir);

/*
 * weft_home_check(), which also leaves what stat() found in *st, so that
 * a caller can say what is wrong with weft_home_why().
 */
int	weft_home_check_st(const char *dir, struct stat *st);

/*
 * After weft_home_check_st() returned WEFT_EHOMEMODE: writes why into
 * out, "'DIR' is owned by uid N, not by you (uid M)" or "'DIR' is open
 * to others (mode 0755); run 'chmod 700 DIR'". Returns what snprintf()
 * returns.
 */
int	weft_home_why(const char *dir, const struct stat *st, char *out,
	    size_t outsz);

#endif

/*
 * Home directory resolution, creation and checks. The resolution order is
 * the CLI contract in DESIGN.md; weftd and weft both call it, so they
 * always agree on where the socket and keys are.
 */
#include <sys/stat.h>

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weft/err.h"
#include "home.h"

/* getenv(), with the empty string counted as unset. */
static const char *
env(const char *name)
{
	const char	*v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* The user's home: $HOME, else the password database. */
static const char *
user_home(void)
{
	const struct passwd	*pw;
	const char		*h;

	h = env("HOME");
	if (h != NULL)
		return h;
	pw = getpwuid(getuid());
	if (pw == NULL || pw->pw_dir == NULL || pw->pw_dir[0] == '\0')
		return NULL;
	return pw->pw_dir;
}

int
weft_home_resolve(const char *opt, char *out, size_t outsz)
{
	char		 cwd[WEFT_HOME_MAX];
	const char	*base, *xdg, *suffix = "";
	size_t		 len, blen;
	int		 n;

	if (outsz > WEFT_HOME_MAX)
		outsz = WEFT_HOME_MAX;
	if (opt != NULL && opt[0] == '\0')
		return WEFT_EUSAGE;
	base = opt != NULL ? opt : env("WEFT_HOME");
	if (base == NULL) {
		xdg = env("XDG_DATA_HOME");
		if (xdg != NULL && xdg[0] == '/') {
			base = xdg;
			suffix = "/weft";
		}
	}
	if (base == NULL) {
		base = user_home();
		if (base == NULL)
			return -ENOENT;
		suffix = "/.local/share/weft";
	}

	/* Drop the base's trailing slashes, so "/home/u/" gives no "//". */
	blen = strlen(base);
	if (blen >= WEFT_HOME_MAX)
		return -ENAMETOOLONG;
	while (blen > 1 && base[blen - 1] == '/')
		blen--;
	if (blen == 1 && base[0] == '/' && suffix[0] != '\0')
		blen = 0;
	if (base[0] == '/') {
		n = snprintf(out, outsz, "%.*s%s", (int)blen, base, suffix);
	} else {
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			return errno == ERANGE ? -ENAMETOOLONG : -errno;
		n = snprintf(out, outsz, "%s/%.*s%s", strcmp(cwd, "/") == 0 ?
		    "" : cwd, (int)blen, base, suffix);
	}
	if (n < 0 || (size_t)n >= outsz)
		return -ENAMETOOLONG;

	len = (size_t)n;
	while (len > 1 && out[len - 1] == '/')
		out[--len] = '\0';
	return 0;
}

/* mkdir -p with mode 0700 for every directory it creates. */
static int
mkdir_parents(char *path)
{
	char	*slash;
	int	 err;

	if (mkdir(path, 0700) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return -errno;
	slash = strrchr(path, '/');
	if (slash == NULL || slash == path)
		return -ENOENT;
	*slash = '\0';
	err = mkdir_parents(path);
	*slash = '/';
	if (err)
		return err;
	if (mkdir(path, 0700) == 0 || errno == EEXIST)
		return 0;
	return -errno;
}

int
weft_home_create(const char *dir)
{
	char	path[WEFT_HOME_MAX];
	size_t	len;
	int	err;

	len = strlen(dir);
	if (len == 0)
		return WEFT_EUSAGE;
	if (len >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, dir, len + 1);
	while (len > 1 && path[len - 1] == '/')
		path[--len] = '\0';
	err = mkdir_parents(path);
	if (err)
		return err;
	return weft_home_check(path);
}

int
weft_home_check(const char *dir)
{
	struct stat	st;

	return weft_home_check_st(dir, &st);
}

int
weft_home_check_st(const char *dir, struct stat *st)
{
	if (stat(dir, st) == -1)
		return -errno;
	if (!S_ISDIR(st->st_mode))
		return -ENOTDIR;
	if (st->st_uid != geteuid() || (st->st_mode & 077) != 0)
		return WEFT_EHOMEMODE;
	return 0;
}

int
weft_home_why(const char *dir, const struct stat *st, char *out,
    size_t outsz)
{
	if (st->st_uid != geteuid())
		return snprintf(out, outsz, "'%s' is owned by uid %lu, not by "
		    "you (uid %lu)", dir, (unsigned long)st->st_uid,
		    (unsigned long)geteuid());
	return snprintf(out, outsz, "'%s' is open to others (mode %04o); "
	    "run 'chmod 700 %s'", dir, (unsigned)(st->st_mode & 07777), dir);
}

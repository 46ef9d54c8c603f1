/*
 * The weft command-line tool: global options, exit codes and the commands.
 *
 * main.c parses the global options into a struct weft_cli and hands it to
 * one command function (cli/cmd_*.c). There is no global mutable state: a
 * command gets everything it needs through that struct. Each command
 * returns an exit code from the table below (DESIGN.md, "The CLI
 * contract") and prints at most one error line, "weft: <what>: <why>".
 */
#ifndef WEFT_CLI_H
#define WEFT_CLI_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "home.h"	/* util/: WEFT_HOME_MAX */

/* Exit codes; scripts and tests rely on them. */
#define WEFT_EXIT_OK		0
#define WEFT_EXIT_FAIL		1
#define WEFT_EXIT_USAGE		2
#define WEFT_EXIT_NOTFOUND	3
#define WEFT_EXIT_DAEMON	4
#define WEFT_EXIT_VERIFY	5

/*
 * Long options every command accepts after its name as well as before it
 * ("weft ls --json"), and the getopt_long values of the long-only ones.
 */
#define WEFT_OPT_HOME		0x1000
#define WEFT_OPT_JSON		0x1001
#define WEFT_CLI_COMMON_OPTS						\
	{ "home",	required_argument,	NULL, WEFT_OPT_HOME },	\
	{ "json",	no_argument,		NULL, WEFT_OPT_JSON },	\
	{ "quiet",	no_argument,		NULL, 'q' },		\
	{ "help",	no_argument,		NULL, 'h' }
#define WEFT_OPT_CONTINUE	(-1)

struct weft_cli {
	const char	*home_opt;		/* --home, or NULL */
	char		 home[WEFT_HOME_MAX];	/* resolved, absolute */
	bool		 json;			/* --json */
	bool		 quiet;			/* -q */
};

/* The exit code for a weft error code (0 for 0). */
int	weft__exit_code(int err);

/*
 * Prints "weft: <fmt...>: <why>" on stderr, where why is detail when it
 * is not NULL or empty and weft_strerror(err) otherwise, and returns
 * weft__exit_code(err) (WEFT_EXIT_FAIL when err is 0).
 */
int	weft__fail(int err, const char *detail, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* Longest error line before escaping; longer ones are cut. */
#define WEFT_ERR_LINE_MAX	1024

/*
 * Prints "weft: <fmt...>[: <detail or why>]" on stderr as one line, with
 * control characters and invalid UTF-8 escaped as \xNN (weft/text.h):
 * every error and warning line goes through it, since most quote a file
 * name, a title or a daemon's message. detail wins over why; either may
 * be NULL.
 */
void	weft__errv(const char *detail, const char *why, const char *fmt,
	    va_list ap) __attribute__((format(printf, 3, 0)));
/* Prints "weft: <fmt...>" as weft__errv() does; for warnings. */
/* Reports a failure that exits with code (an WEFT_EXIT_*); returns it. */
int	weft__failx(int code, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* With on, failures also print a JSON error document on stdout. */
void	weft__json_errors(bool on);
void	weft__warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Prints "weft: weftd sent a bad reply to '<op>': <why>" and returns the
 * exit code for err.
 */
int	weft__bad_reply(int err, const char *op);

/* Prints "weft: <fmt...>" on stderr and returns WEFT_EXIT_USAGE. */
int	weft__usage_error(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

/* Prints "usage: <usage>" on stderr and returns WEFT_EXIT_USAGE. */
int	weft__usage(const char *usage);

/*
 * Handles what a command's getopt_long() returned for the common options
 * ('q', 'h', WEFT_OPT_HOME, WEFT_OPT_JSON) and for errors (':' and '?',
 * with an optstring that starts with ':'). Returns WEFT_OPT_CONTINUE
 * to go on parsing, or the exit code to return: 0 after printing the
 * usage for -h, WEFT_EXIT_USAGE after one error line, which points to
 * the command words of usage ("see 'weft library create -h'").
 */
int	weft__opt(struct weft_cli *cli, int ch, char **argv,
	    const char *usage);
/*
 * The value of --timeout: whole seconds from min to 86400 into *out.
 * Returns 0, or the usage exit code after an error line.
 */
int	weft__opt_seconds(const char *arg, unsigned long min,
	    unsigned long *out);

/*
 * Resolves cli->home from --home, $WEFT_HOME, $XDG_DATA_HOME or $HOME.
 * Prints the error itself and returns an exit code, or 0.
 */
int	weft__home(struct weft_cli *cli);

/*
 * weft__home, then a connection to that home's weftd in c. Prints the
 * error itself and returns an exit code, or 0 (close c after).
 */
struct weft_ctl_client;
int	weft__connect(struct weft_cli *cli, struct weft_ctl_client *c);

/* cmd_config.c: one edit of HOME/config (enum weft_config_edit_op). */
struct weft_config_key;
struct weft__config_op {
	int				 op;
	const struct weft_config_key	*key;
	const char			*value;
};

/*
 * Applies ops in order to HOME/config (cli->home resolved), checks the
 * result with weftd's parser and, when it changed, replaces the file
 * atomically; *changed says whether it did. Prints its error and
 * returns an exit code, or 0.
 */
int	weft__config_update(struct weft_cli *cli,
	    const struct weft__config_op *ops, size_t nops, bool *changed);

/*
 * Each command gets argv[0] = its own name and returns an exit code.
 * "-h"/"--help" prints its usage on stdout and returns 0.
 */
int	cmd_init(struct weft_cli *cli, int argc, char **argv);
int	cmd_invite(struct weft_cli *cli, int argc, char **argv);
int	cmd_config(struct weft_cli *cli, int argc, char **argv);
int	cmd_web_password(struct weft_cli *cli, int argc, char **argv);
int	cmd_id(struct weft_cli *cli, int argc, char **argv);
int	cmd_status(struct weft_cli *cli, int argc, char **argv);
int	cmd_publish(struct weft_cli *cli, int argc, char **argv);
int	cmd_update(struct weft_cli *cli, int argc, char **argv);
int	cmd_fork(struct weft_cli *cli, int argc, char **argv);
/*
 * cmd_retract.c: weft retract, and weft__retract() for it and for
 * weft comment --delete (reason NULL: none).
 */
int	cmd_retract(struct weft_cli *cli, int argc, char **argv);
int	weft__retract(struct weft_cli *cli, const char *id,
	    const char *reason);
/* cmd_grant.c */
int	cmd_grant(struct weft_cli *cli, int argc, char **argv);
int	cmd_grants(struct weft_cli *cli, int argc, char **argv);
int	cmd_seeds(struct weft_cli *cli, int argc, char **argv);
int	cmd_credits(struct weft_cli *cli, int argc, char **argv);
/* cmd_moderation.c */
int	cmd_block(struct weft_cli *cli, int argc, char **argv);
int	cmd_unblock(struct weft_cli *cli, int argc, char **argv);
int	cmd_blocks(struct weft_cli *cli, int argc, char **argv);
int	cmd_moderators(struct weft_cli *cli, int argc, char **argv);
int	cmd_label(struct weft_cli *cli, int argc, char **argv);
int	cmd_report(struct weft_cli *cli, int argc, char **argv);
int	cmd_reports(struct weft_cli *cli, int argc, char **argv);
int	cmd_show(struct weft_cli *cli, int argc, char **argv);
int	cmd_log(struct weft_cli *cli, int argc, char **argv);
int	cmd_diff(struct weft_cli *cli, int argc, char **argv);
int	cmd_tree(struct weft_cli *cli, int argc, char **argv);
int	cmd_ls(struct weft_cli *cli, int argc, char **argv);
int	cmd_search(struct weft_cli *cli, int argc, char **argv);
int	cmd_get(struct weft_cli *cli, int argc, char **argv);
int	cmd_library(struct weft_cli *cli, int argc, char **argv);
int	cmd_verify(struct weft_cli *cli, int argc, char **argv);
/* cmd_gc.c */
int	cmd_gc(struct weft_cli *cli, int argc, char **argv);
int	cmd_rm(struct weft_cli *cli, int argc, char **argv);
int	cmd_unwant(struct weft_cli *cli, int argc, char **argv);
int	cmd_du(struct weft_cli *cli, int argc, char **argv);
int	cmd_peers(struct weft_cli *cli, int argc, char **argv);
/*
 * For commands that show authors and designs (cmd_social.c): an author's
 * display name ("" when none) and a design's counts, through the daemon.
 */
struct weft_social {
	uint64_t	likes;
	uint64_t	comments;
	uint64_t	makes;
	uint64_t	remixes;	/* 0 from an older daemon */
	bool		liked;		/* by this node's author */
};
struct weft_ctl_client;
int	weft__author_name(struct weft_ctl_client *c, const uint8_t author[32],
	    char *out, size_t cap);
int	weft__social_counts(struct weft_ctl_client *c, const uint8_t design[32],
	    struct weft_social *sc);
/* After a follow: warns if another followed author has the same name. */
void	weft__warn_same_name(struct weft_ctl_client *c, const char *author);
int	cmd_profile(struct weft_cli *cli, int argc, char **argv);
int	cmd_comment(struct weft_cli *cli, int argc, char **argv);
int	cmd_comments(struct weft_cli *cli, int argc, char **argv);
int	cmd_like(struct weft_cli *cli, int argc, char **argv);
int	cmd_make(struct weft_cli *cli, int argc, char **argv);
int	cmd_makes(struct weft_cli *cli, int argc, char **argv);
int	cmd_unlike(struct weft_cli *cli, int argc, char **argv);
int	cmd_connect(struct weft_cli *cli, int argc, char **argv);
int	cmd_stop(struct weft_cli *cli, int argc, char **argv);
int	cmd_forget(struct weft_cli *cli, int argc, char **argv);
int	cmd_disconnect(struct weft_cli *cli, int argc, char **argv);
int	cmd_geom(struct weft_cli *cli, int argc, char **argv);
int	cmd_similar(struct weft_cli *cli, int argc, char **argv);
/* cmd_policy.c: the four share their parsing and request. */
int	cmd_follow(struct weft_cli *cli, int argc, char **argv);
int	cmd_unfollow(struct weft_cli *cli, int argc, char **argv);
int	cmd_mirror(struct weft_cli *cli, int argc, char **argv);
int	cmd_unmirror(struct weft_cli *cli, int argc, char **argv);
int	cmd_pins(struct weft_cli *cli, int argc, char **argv);

#endif

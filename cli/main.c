/*
 * weft: the command-line client of weftd. main() parses the global options
 * (up to the first non-option), looks the command up in the table and runs
 * it with a struct weft_cli; the command parses its own options and
 * returns the exit code. Help ("weft help CMD", "weft CMD --help" and -h)
 * is printed here from the table in help.c, before the command runs.
 * Commands that need the daemon talk to it over the control socket
 * (ctl_client.c); init and id work on the home directly.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "weft/err.h"
#include "weft/version.h"

#include "cli.h"
#include "ctl_client.h"
#include "help.h"
#include "home.h"

struct command {
	const char	*name;
	int		(*fn)(struct weft_cli *, int, char **);
};

/* Summaries, usage and options are in the help table (help.c). */
static const struct command commands[] = {
	{ "init",	cmd_init },
	{ "invite",	cmd_invite },
	{ "config",	cmd_config },
	{ "id",		cmd_id },
	{ "status",	cmd_status },
	{ "publish",	cmd_publish },
	{ "update",	cmd_update },
	{ "fork",	cmd_fork },
	{ "grant",	cmd_grant },
	{ "grants",	cmd_grants },
	{ "retract",	cmd_retract },
	{ "credits",	cmd_credits },
	{ "seeds",	cmd_seeds },
	{ "show",	cmd_show },
	{ "log",	cmd_log },
	{ "diff",	cmd_diff },
	{ "tree",	cmd_tree },
	{ "ls",		cmd_ls },
	{ "search",	cmd_search },
	{ "get",	cmd_get },
	{ "library",	cmd_library },
	{ "verify",	cmd_verify },
	{ "gc",		cmd_gc },
	{ "rm",		cmd_rm },
	{ "unwant",	cmd_unwant },
	{ "du",		cmd_du },
	{ "geom",	cmd_geom },
	{ "similar",	cmd_similar },
	{ "peers",	cmd_peers },
	{ "connect",	cmd_connect },
	{ "disconnect",	cmd_disconnect },
	{ "forget",	cmd_forget },
	{ "follow",	cmd_follow },
	{ "unfollow",	cmd_unfollow },
	{ "mirror",	cmd_mirror },
	{ "unmirror",	cmd_unmirror },
	{ "profile",	cmd_profile },
	{ "comment",	cmd_comment },
	{ "comments",	cmd_comments },
	{ "like",	cmd_like },
	{ "make",	cmd_make },
	{ "makes",	cmd_makes },
	{ "unlike",	cmd_unlike },
	{ "pins",	cmd_pins },
	{ "web-password",	cmd_web_password },
	{ "block",	cmd_block },
	{ "unblock",	cmd_unblock },
	{ "blocks",	cmd_blocks },
	{ "moderators",	cmd_moderators },
	{ "label",	cmd_label },
	{ "report",	cmd_report },
	{ "reports",	cmd_reports },
	{ "stop",	cmd_stop },
};

#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))

static const char usage_line[] =
    "weft [--home DIR] [--json] [-q] COMMAND [ARGS...]";

static void
print_commands(FILE *f)
{
	const struct weft_help	*h;

	fprintf(f, "usage: %s\n       weft help [COMMAND]\n"
	    "       weft --version\n\ncommands:\n", usage_line);
	for (size_t i = 0; i < NCOMMANDS; i++) {
		h = weft_help_find(commands[i].name);
		fprintf(f, "   %-10s %s\n", commands[i].name,
		    h != NULL ? h->summary : "");
	}
	fprintf(f, "\nglobal options:\n"
	    "   --home DIR  the node's home (default: $WEFT_HOME, else "
	    "$XDG_DATA_HOME/weft,\n"
	    "               else ~/.local/share/weft)\n"
	    "   --json      print one JSON document on stdout\n"
	    "   -q          print only what a script needs (ids, paths)\n"
	    "\n'weft help COMMAND' or 'weft COMMAND --help' explains a "
	    "command and its options;\n'man weft' tells more.\n");
}

/* "'publsh' is not a weft command", with a suggestion if one is close. */
static int
unknown_command(const char *name)
{
	const char	*names[NCOMMANDS + 1];
	const char	*s;

	for (size_t i = 0; i < NCOMMANDS; i++)
		names[i] = commands[i].name;
	names[NCOMMANDS] = "help";
	s = weft_help_suggest(name, names, NCOMMANDS + 1);
	if (s != NULL)
		return weft__usage_error("'%s' is not a weft command; did you "
		    "mean '%s'? (see 'weft help')", name, s);
	return weft__usage_error("'%s' is not a weft command; see "
	    "'weft help'", name);
}

/*
 * "weft CMD ... -h" or "--help" anywhere before "--": the command's help
 * from the table.
 */
static bool
wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0)
			return true;
	}
	return false;
}

static const struct command *
find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

int
weft__home(struct weft_cli *cli)
{
	int	err;

	err = weft_home_resolve(cli->home_opt, cli->home, sizeof(cli->home));
	if (err)
		return weft__fail(err, NULL, "cannot find the weft home "
		    "(set --home or WEFT_HOME)");
	return 0;
}

int
weft__connect(struct weft_cli *cli, struct weft_ctl_client *c)
{
	int	rc;

	rc = weft__home(cli);
	if (rc)
		return rc;
	return weft_ctl_client_connect(c, cli);
}

static int
run(struct weft_cli *cli, int argc, char **argv)
{
	const struct command	*cmd;
	const struct weft_help	*h;

	if (argc == 0) {
		/* A usage error like any other, so one line on stderr too. */
		print_commands(stdout);
		return weft__usage_error("no command given");
	}
	if (strcmp(argv[0], "help") == 0) {
		if (argc < 2) {
			print_commands(stdout);
			return WEFT_EXIT_OK;
		}
		if (strcmp(argv[1], "help") != 0 &&
		    find_command(argv[1]) == NULL)
			return unknown_command(argv[1]);
		h = weft_help_find(argv[1]);
		if (h == NULL)
			return weft__fail(0, NULL, "no help for '%s'", argv[1]);
		weft_help_print(stdout, h);
		return WEFT_EXIT_OK;
	}
	cmd = find_command(argv[0]);
	if (cmd == NULL)
		return unknown_command(argv[0]);
	h = weft_help_find(argv[0]);
	if (h != NULL && wants_help(argc, argv)) {
		weft_help_print(stdout, h);
		return WEFT_EXIT_OK;
	}
	/* Reinitialise getopt: commands permute their arguments. */
	optind = 0;
	return cmd->fn(cli, argc, argv);
}

int
main(int argc, char **argv)
{
	static const struct option	opts[] = {
		{ "home",	required_argument,	NULL, 'H' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "quiet",	no_argument,		NULL, 'q' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL,		0,			NULL, 0 }
	};
	struct weft_cli	cli;
	int		ch, rc;

	/* Writes to a daemon that hung up must fail with EPIPE. */
	signal(SIGPIPE, SIG_IGN);
	if (sodium_init() < 0) {
		fputs("weft: cannot initialise libsodium\n", stderr);
		return WEFT_EXIT_FAIL;
	}
	memset(&cli, 0, sizeof(cli));
	weft__json_errors(false);	/* main may run more than once (fuzz) */
	opterr = 0;
	/* '+': stop at the command name; its options are its own. */
	while ((ch = getopt_long(argc, argv, "+:hqV", opts, NULL)) != -1) {
		switch (ch) {
		case 'H':
			cli.home_opt = optarg;
			break;
		case 'j':
			cli.json = true;
			weft__json_errors(true);
			break;
		case 'q':
			cli.quiet = true;
			break;
		case 'h':
			print_commands(stdout);
			return WEFT_EXIT_OK;
		case 'V':
			printf("weft %s\n", WEFT_VERSION_STRING);
			return WEFT_EXIT_OK;
		case ':':
			return weft__usage_error("option '%s' needs an "
			    "argument; see 'weft help'", argv[optind - 1]);
		default:
			return weft__usage_error("unknown option '%s'; see "
			    "'weft help'", argv[optind - 1]);
		}
	}
	rc = run(&cli, argc - optind, argv + optind);
	if (fflush(stdout) != 0 && rc == WEFT_EXIT_OK) {
		fputs("weft: cannot write to standard output\n", stderr);
		rc = WEFT_EXIT_FAIL;
	}
	return rc;
}

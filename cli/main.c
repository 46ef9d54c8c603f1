/*
 * weft: the command-line client of weftd. main() parses the global options
 * (up to the first non-option), looks the command up in the table and runs
 * it with a struct weft_cli; the command parses its own options and
 * returns the exit code. Commands that need the daemon talk to it over the
 * control socket (ctl_client.c); init and id work on the home directly.
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
#include "home.h"

struct command {
	const char	*name;
	int		(*fn)(struct weft_cli *, int, char **);
	const char	*help;
};

static const struct command commands[] = {
	{ "init",	cmd_init,	"create the home, keys and config" },
	{ "id",		cmd_id,		"print the author and node ids" },
	{ "status",	cmd_status,	"show daemon status" },
	{ "publish",	cmd_publish,	"publish files as a new design" },
	{ "update",	cmd_update,	"publish a new revision of a design" },
	{ "fork",	cmd_fork,	"remix a design into a new one" },
	{ "show",	cmd_show,	"show and verify a record" },
	{ "log",	cmd_log,	"list the revisions of a design" },
	{ "tree",	cmd_tree,	"show a design's remix family" },
	{ "ls",		cmd_ls,		"list designs" },
	{ "search",	cmd_search,	"search designs by words" },
	{ "get",	cmd_get,	"fetch a design's files" },
	{ "library",	cmd_library,	"create, add to, remove from, list "
					"a library" },
	{ "verify",	cmd_verify,	"re-check stored records and chunks" },
	{ "peers",	cmd_peers,	"list peer connections" },
	{ "connect",	cmd_connect,	"connect to a peer NODEID@HOST:PORT" },
	{ "disconnect",	cmd_disconnect,	"close a peer's connection for now" },
	{ "forget",	cmd_forget,	"remove a node from the address book" },
	{ "follow",	cmd_follow,	"keep an author's files" },
	{ "unfollow",	cmd_unfollow,	"stop keeping an author's files" },
	{ "mirror",	cmd_mirror,	"keep a library's files (or --all)" },
	{ "unmirror",	cmd_unmirror,	"stop mirroring" },
};

#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))

static const char usage_line[] =
    "weft [--home DIR] [--json] [-q] COMMAND [ARGS...]";

static void
print_commands(FILE *f)
{
	fprintf(f, "usage: %s\n\ncommands:\n", usage_line);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "   %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n'weft COMMAND -h' shows the usage of a command.\n");
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

static int
run(struct weft_cli *cli, int argc, char **argv)
{
	const struct command	*cmd;
	char			*help_argv[3];

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
		cmd = find_command(argv[1]);
		if (cmd == NULL)
			return weft__usage_error("'%s' is not a weft command; "
			    "see 'weft help'", argv[1]);
		help_argv[0] = argv[1];
		help_argv[1] = (char *)"-h";
		help_argv[2] = NULL;
		optind = 0;
		return cmd->fn(cli, 2, help_argv);
	}
	cmd = find_command(argv[0]);
	if (cmd == NULL)
		return weft__usage_error("'%s' is not a weft command; "
		    "see 'weft help'", argv[0]);
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
	opterr = 0;
	/* '+': stop at the command name; its options are its own. */
	while ((ch = getopt_long(argc, argv, "+:hq", opts, NULL)) != -1) {
		switch (ch) {
		case 'H':
			cli.home_opt = optarg;
			break;
		case 'j':
			cli.json = true;
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

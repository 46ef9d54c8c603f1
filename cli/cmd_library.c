/*
 * weft library: libraries are community collections of designs kept by
 * maintainers. "create" makes a lib record by the local author, "add" and
 * "remove" make entry records, "ls" lists the designs a library holds
 * (control ops library_create, library_add, library_remove, library_ls);
 * "maintainers" lists who keeps it, and "maintainers LIB add|rm KEY"
 * signs a maint record (library_maintainers, library_maint).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "weft/ctl.h"
#include "weft/err.h"
#include "weft/pack.h"
#include "weft/record.h"

#include "cli.h"
#include "ctl_client.h"
#include "output.h"
#include "paths.h"

static const char usage[] =
    "weft library create NAME [--description D]\n"
    "       weft library add LIB DESIGN\n"
    "       weft library remove LIB DESIGN\n"
    "       weft library ls [LIB] [--search TEXT]\n"
    "       weft library maintainers LIB [add|rm AUTHOR]";
static const char create_usage[] = "weft library create NAME "
    "[--description D]";
static const char add_usage[] = "weft library add LIB DESIGN";
static const char remove_usage[] = "weft library remove LIB DESIGN";
static const char ls_usage[] = "weft library ls [LIB] [--search TEXT]";
static const char maint_usage[] = "weft library maintainers LIB "
    "[add|rm AUTHOR]";

/* library ls --search TEXT */
static const char	*lib_search;

/*
 * Parses a subcommand's options: --description for create, --search for
 * ls (then nargs may also be 0).
 */
static int
parse(struct weft_cli *cli, int argc, char **argv, const char *sub_usage,
    const char **description, int nargs)
{
	static const struct option	 opts[] = {
		{ "description", required_argument, NULL, 'd' },
		{ "search", required_argument, NULL, 's' },
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	bool				 ls = sub_usage == ls_usage;
	int				 ch, rc;

	optind = 0;
	while ((ch = getopt_long(argc, argv, ":hqd:s:", opts, NULL)) != -1) {
		if (ch == 'd' && description != NULL) {
			*description = optarg;
			continue;
		}
		if (ch == 's' && ls) {
			lib_search = optarg;
			continue;
		}
		rc = weft__opt(cli, (ch == 'd' || ch == 's') ? '?' : ch, argv,
		    sub_usage);
		if (rc != WEFT_OPT_CONTINUE)
			return rc;
	}
	if (ls && argc - optind == 0)
		return WEFT_OPT_CONTINUE;
	if (ls && lib_search != NULL)
		return weft__usage_error("--search lists libraries: give no "
		    "LIB with it");
	if (argc - optind != nargs)
		return weft__usage(sub_usage);
	for (int i = optind; i < argc && description == NULL; i++)
		if (!weft__id_ok(argv[i]))
			return weft__usage_error("malformed id '%s': give 8 "
			    "to 64 hex digits", argv[i]);
	return WEFT_OPT_CONTINUE;
}

static int
lib_create(struct weft_cli *cli, struct weft_ctl_client *c, int argc,
    char **argv)
{
	const struct weft_obj	*r;
	const char		*name, *desc = NULL;
	int			 rc, err;

	rc = parse(cli, argc, argv, create_usage, &desc, 1);
	if (rc != WEFT_OPT_CONTINUE)
		return rc;
	name = argv[optind];
	if (name[0] == '\0' || strlen(name) > WEFT_NAME_MAX ||
	    !weft_utf8_valid(name, strlen(name)))
		return weft__usage_error("the library name must be 1 to %d "
		    "bytes of UTF-8 text", WEFT_NAME_MAX);
	if (desc != NULL && (strlen(desc) > WEFT_DESC_MAX ||
	    !weft_utf8_valid(desc, strlen(desc))))
		return weft__usage_error("the description must be at most %d "
		    "bytes of UTF-8 text", WEFT_DESC_MAX);
	rc = weft__home(cli);
	if (rc == 0)
		rc = weft_ctl_client_connect(c, cli);
	if (rc)
		return rc;
	err = weft_ctl_client_op(c, &r, WEFT_CTL_OP_LIBRARY_CREATE, "name",
	    name, "description", desc, (const char *)NULL);
	if (err)
		return weft__fail(err, c->error, "cannot create the library");
	return out_made(cli, r, WEFT_CTL_OP_LIBRARY_CREATE, "created library ", "");
}

static int
lib_entry(struct weft_cli *cli, struct weft_ctl_client *c, int argc,
    char **argv, bool add)
{
	const struct weft_obj	*r;
	const char		*op = add ? WEFT_CTL_OP_LIBRARY_ADD :
	    WEFT_CTL_OP_LIBRARY_REMOVE;
	const char		*lib, *design;
	int			 rc, err;

	rc = parse(cli, argc, argv, add ? add_usage : remove_usage, NULL, 2);
	if (rc != WEFT_OPT_CONTINUE)
		return rc;
	lib = argv[optind];
	design = argv[optind + 1];
	rc = weft__home(cli);
	if (rc == 0)
		rc = weft_ctl_client_connect(c, cli);
	if (rc)
		return rc;
	err = weft_ctl_client_op(c, &r, op, WEFT_CTL_ARG_LIB, lib,
	    WEFT_CTL_ARG_DESIGN, design, (const char *)NULL);
	if (err)
		return weft__fail(err, c->error, "cannot %s the library",
		    add ? "add to" : "remove from");
	return out_made(cli, r, op, add ? "added with entry " :
	    "removed with entry ", "");
}

/* library ls without LIB: the libraries this node knows of. */
static int
libs_ls(struct weft_cli *cli, struct weft_ctl_client *c)
{
	const struct weft_obj	*r, *items, *it;
	const char		*name;
	size_t			 n;
	uint8_t			 id[32];
	uint64_t		 designs, nm;
	char			 hex[65];
	json_t			*arr = NULL, *o;
	uint32_t		 shown = 0;
	int			 rc, err;

	rc = weft__home(cli);
	if (rc == 0)
		rc = weft_ctl_client_connect(c, cli);
	if (rc)
		return rc;
	err = weft_ctl_client_op(c, &r, WEFT_CTL_OP_LIBRARIES, "search",
	    lib_search, (const char *)NULL);
	if (cli->json)
		arr = json_array();
	for (;;) {
		if (err) {
			json_decref(arr);
			return weft__fail(err, c->error, "cannot list "
			    "libraries");
		}
		items = weft_obj_get(r, "items");
		if (weft_obj_type(items) != WEFT_OBJ_ARRAY) {
			json_decref(arr);
			return weft__bad_reply(WEFT_EPROTO, "libraries");
		}
		for (uint32_t i = 0; i < weft_obj_len(items); i++) {
			it = weft_obj_at(items, i);
			if (weft_obj_binn(weft_obj_get(it, "lib"), id, 32) != 0 ||
			    weft_obj_str(weft_obj_get(it, "name"), &name,
			    &n) != 0 ||
			    weft_obj_uint(weft_obj_get(it, "designs"),
			    &designs) != 0 ||
			    weft_obj_uint(weft_obj_get(it, "maintainers"),
			    &nm) != 0) {
				json_decref(arr);
				return weft__bad_reply(WEFT_EPROTO,
				    "libraries");
			}
			out_hex(hex, id);
			shown++;
			if (arr != NULL) {
				const char	*d;
				size_t		 dn;

				o = json_object();
				json_object_set_new(o, "lib", out_json_id(id));
				json_object_set_new(o, "name",
				    out_json_str(name, n));
				if (weft_obj_str(weft_obj_get(it,
				    "description"), &d, &dn) == 0)
					json_object_set_new(o, "description",
					    out_json_str(d, dn));
				json_object_set_new(o, "designs",
				    json_integer((json_int_t)designs));
				json_object_set_new(o, "maintainers",
				    json_integer((json_int_t)nm));
				json_array_append_new(arr, o);
			} else if (cli->quiet)
				printf("%s\n", hex);
			else {
				printf("%.12s  %6" PRIu64 " design%s  ", hex,
				    designs, designs == 1 ? " " : "s");
				out_text(stdout, name, n, true);
				putchar('\n');
			}
		}
		if (!weft_ctl_more(r))
			break;
		err = weft_ctl_client_recv(c, &r);
	}
	if (arr != NULL)
		out_json_print(arr);
	else if (shown == 0 && !cli->quiet && isatty(STDOUT_FILENO))
		printf(lib_search != NULL ? "no library matches\n" :
		    "no libraries known yet\n");
	return WEFT_EXIT_OK;
}

static int
lib_ls(struct weft_cli *cli, struct weft_ctl_client *c, int argc,
    char **argv)
{
	const struct weft_obj	*r, *m;
	const char		*lib, *name;
	size_t			 n;
	uint8_t			 id[32];
	char			 hex[65];
	json_t			*a;
	int			 rc, err;

	lib_search = NULL;
	rc = parse(cli, argc, argv, ls_usage, NULL, 1);
	if (rc != WEFT_OPT_CONTINUE)
		return rc;
	if (optind == argc)
		return libs_ls(cli, c);
	lib = argv[optind];
	rc = weft__home(cli);
	if (rc == 0)
		rc = weft_ctl_client_connect(c, cli);
	if (rc)
		return rc;
	err = weft_ctl_client_op(c, &r, WEFT_CTL_OP_LIBRARY_LS,
	    WEFT_CTL_ARG_LIB, lib, (const char *)NULL);
	if (err)
		return weft__fail(err, c->error, "cannot list the library");
	m = weft_obj_get(r, "maintainers");
	if (weft_obj_binn(weft_obj_get(r, "lib"), id, 32) != 0 ||
	    weft_obj_str(weft_obj_get(r, "name"), &name, &n) != 0 ||
	    weft_obj_type(m) != WEFT_OBJ_ARRAY)
		return weft__bad_reply(WEFT_EPROTO, "library_ls");
	for (uint32_t i = 0; i < weft_obj_len(m); i++)
		if (weft_obj_binn(weft_obj_at(m, i), id, 32) != 0)
			return weft__bad_reply(WEFT_EPROTO, "library_ls");
	weft_obj_binn(weft_obj_get(r, "lib"), id, 32);
	if (cli->json) {
		/* {"lib", "name", "maintainers", "designs": [...]} */
		printf("{\"lib\":\"");
		out_hex(hex, id);
		printf("%s\",\"name\":", hex);
		a = out_json_str(name, n);
		out_json_write(a, stdout);
		json_decref(a);
		printf(",\"maintainers\":[");
		for (uint32_t i = 0; i < weft_obj_len(m); i++) {
			weft_obj_binn(weft_obj_at(m, i), id, 32);
			out_hex(hex, id);
			printf("%s\"%s\"", i ? "," : "", hex);
		}
		printf("],\"designs\":");
	} else if (!cli->quiet) {
		out_hex(hex, id);
		printf("library     %s\nname        ", hex);
		out_text(stdout, name, n, true);
		putchar('\n');
		for (uint32_t i = 0; i < weft_obj_len(m); i++) {
			weft_obj_binn(weft_obj_at(m, i), id, 32);
			out_hex(hex, id);
			printf("%-11s %s\n", i ? "" : "maintainers", hex);
		}
		putchar('\n');
	}
	rc = weft__print_summaries(cli, c, r, "library_ls");
	if (rc == WEFT_EXIT_OK && cli->json) {
		/* print_summaries ended the array with a newline. */
		printf("}\n");
	}
	return rc;
}

/* library maintainers LIB: who keeps it, with profile names. */
static int
maint_ls(struct weft_cli *cli, struct weft_ctl_client *c, const char *lib)
{
	const struct weft_obj	*r, *m, *it;
	const char		*name;
	size_t			 n;
	uint8_t			 key[32];
	char			 hex[65];
	json_t			*j, *a, *o;
	int			 err;

	err = weft_ctl_client_op(c, &r, WEFT_CTL_OP_LIBRARY_MAINTAINERS,
	    WEFT_CTL_ARG_LIB, lib, (const char *)NULL);
	if (err)
		return weft__fail(err, c->error, "cannot list the maintainers");
	m = weft_obj_get(r, "maintainers");
	if (weft_obj_binn(weft_obj_get(r, "lib"), key, 32) != 0 ||
	    weft_obj_type(m) != WEFT_OBJ_ARRAY)
		return weft__bad_reply(WEFT_EPROTO, "library_maintainers");
	for (uint32_t i = 0; i < weft_obj_len(m); i++) {
		it = weft_obj_at(m, i);
		if (weft_obj_binn(weft_obj_get(it, "key"), key, 32) != 0 ||
		    weft_obj_str(weft_obj_get(it, "name"), &name, &n) != 0)
			return weft__bad_reply(WEFT_EPROTO,
			    "library_maintainers");
	}
	if (cli->json) {
		j = json_object();
		weft_obj_binn(weft_obj_get(r, "lib"), key, 32);
		json_object_set_new(j, "lib", out_json_id(key));
		a = json_array();
		for (uint32_t i = 0; i < weft_obj_len(m); i++) {
			it = weft_obj_at(m, i);
			weft_obj_binn(weft_obj_get(it, "key"), key, 32);
			weft_obj_str(weft_obj_get(it, "name"), &name, &n);
			o = json_object();
			json_object_set_new(o, "key", out_json_id(key));
			json_object_set_new(o, "name", out_json_str(name, n));
			json_array_append_new(a, o);
		}
		json_object_set_new(j, "maintainers", a);
		return out_json_print(j) == 0 ? WEFT_EXIT_OK : WEFT_EXIT_FAIL;
	}
	for (uint32_t i = 0; i < weft_obj_len(m); i++) {
		it = weft_obj_at(m, i);
		weft_obj_binn(weft_obj_get(it, "key"), key, 32);
		weft_obj_str(weft_obj_get(it, "name"), &name, &n);
		out_hex(hex, key);
		if (cli->quiet) {
			printf("%s\n", hex);
			continue;
		}
		/* A name is anyone's to choose: the key says who. */
		printf("%.8s  ", hex);
		if (n > 0)
			out_text(stdout, name, n, true);
		else
			printf("(no profile)");
		putchar('\n');
	}
	return WEFT_EXIT_OK;
}

static int
lib_maint(struct weft_cli *cli, struct weft_ctl_client *c, int argc,
    char **argv)
{
	const struct weft_obj	*r;
	const char		*lib, *verb = NULL, *key = NULL;
	int			 rc, err;

	static const struct option	 opts[] = {
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	int				 ch;

	optind = 0;
	while ((ch = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		rc = weft__opt(cli, ch, argv, maint_usage);
		if (rc != WEFT_OPT_CONTINUE)
			return rc;
	}
	if (argc - optind != 1 && argc - optind != 3)
		return weft__usage(maint_usage);
	lib = argv[optind];
	if (!weft__id_ok(lib))
		return weft__usage_error("malformed id '%s': give 8 to 64 hex "
		    "digits", lib);
	if (argc - optind == 3) {
		verb = argv[optind + 1];
		key = argv[optind + 2];
		if (strcmp(verb, "add") != 0 && strcmp(verb, "rm") != 0)
			return weft__usage_error("'%s': give add or rm",
			    verb);
	}
	rc = weft__home(cli);
	if (rc == 0)
		rc = weft_ctl_client_connect(c, cli);
	if (rc)
		return rc;
	if (verb == NULL)
		return maint_ls(cli, c, lib);
	err = weft_ctl_client_op(c, &r, WEFT_CTL_OP_LIBRARY_MAINT,
	    WEFT_CTL_ARG_LIB, lib, "action", strcmp(verb, "add") == 0 ?
	    "add" : "remove", "author", key, (const char *)NULL);
	if (err)
		return weft__fail(err, c->error, "cannot %s the maintainer",
		    strcmp(verb, "add") == 0 ? "add" : "remove");
	return out_made(cli, r, WEFT_CTL_OP_LIBRARY_MAINT,
	    strcmp(verb, "add") == 0 ? "added maintainer with record " :
	    "removed maintainer with record ", "");
}

int
cmd_library(struct weft_cli *cli, int argc, char **argv)
{
	struct weft_ctl_client	c;
	const char		*sub;
	int			rc;

	if (argc < 2)
		return weft__usage("weft library "
		    "create|add|remove|ls|maintainers ...");
	sub = argv[1];
	if (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0) {
		printf("usage: %s\n", usage);
		return WEFT_EXIT_OK;
	}
	memset(&c, 0, sizeof(c));
	c.fd = -1;
	if (strcmp(sub, "create") == 0)
		rc = lib_create(cli, &c, argc - 1, argv + 1);
	else if (strcmp(sub, "add") == 0)
		rc = lib_entry(cli, &c, argc - 1, argv + 1, true);
	else if (strcmp(sub, "remove") == 0)
		rc = lib_entry(cli, &c, argc - 1, argv + 1, false);
	else if (strcmp(sub, "ls") == 0)
		rc = lib_ls(cli, &c, argc - 1, argv + 1);
	else if (strcmp(sub, "maintainers") == 0)
		rc = lib_maint(cli, &c, argc - 1, argv + 1);
	else
		return weft__usage_error("'%s' is not a library command "
		    "(create, add, remove, ls, maintainers)", sub);
	weft_ctl_client_close(&c);
	return rc;
}

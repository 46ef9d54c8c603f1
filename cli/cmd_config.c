/*
 * weft config get KEY | set KEY VALUE | add KEY VALUE | unset KEY [VALUE]
 * | list [--all]: reads and edits HOME/config directly (no daemon; the CLI
 * never opens LMDB). An edit keeps every other line (comments, blank
 * lines, order), checks the value with the checker weftd uses and then
 * the whole new file with weftd's parser, and replaces the file
 * atomically (util/config.c). weftd reads the file when it starts, so a
 * change applies at its next start; the output says so.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "weft/buf.h"
#include "weft/err.h"

#include "cli.h"
#include "config.h"
#include "home.h"
#include "output.h"

static const char usage[] =
    "weft config get KEY | set KEY VALUE | add KEY VALUE | "
    "unset KEY [VALUE] | list [--all]";

static const char restart_note[] =
    "weftd reads this file when it starts: restart it to apply.";

static void
config_path(const struct weft_cli *cli, char *path, size_t sz)
{
	snprintf(path, sz, "%s/" WEFT_CONFIG_FILE, cli->home);
}

/* Loads HOME/config (none: the defaults); prints the error itself. */
static int
load(const struct weft_cli *cli, struct weft_config *cfg)
{
	struct weft_config_error	e;
	char				path[WEFT_HOME_MAX + 16];
	int				err;

	config_path(cli, path, sizeof(path));
	err = weft_config_load(cfg, path, &e);
	if (err == -ENOENT)
		return 0;
	/* A broken file is a failure (1), not a usage error. */
	if (err && e.msg != NULL) {
		weft__fail(err, e.msg, "%s:%d", path, e.line);
		return WEFT_EXIT_FAIL;
	}
	if (err)
		return weft__fail(err, NULL, "cannot read '%s'", path);
	return 0;
}

int
weft__config_update(struct weft_cli *cli, const struct weft__config_op *ops,
    size_t nops, bool *changed)
{
	struct weft_config_error	 e;
	struct weft_buf			 a, b, tmp;
	char				 path[WEFT_HOME_MAX + 16];
	char				*old = NULL;
	size_t				 oldlen = 0;
	bool				 ch, have;
	int				 rc = WEFT_EXIT_OK, err;
	static struct weft_config	 cfg;

	*changed = false;
	weft_buf_init(&a, WEFT_CONFIG_MAX + 1024);
	weft_buf_init(&b, WEFT_CONFIG_MAX + 1024);
	config_path(cli, path, sizeof(path));
	err = weft_config_read(path, &old, &oldlen);
	if (err && err != -ENOENT) {
		rc = weft__fail(err, NULL, "cannot read '%s'", path);
		goto out;
	}
	have = err == 0;
	for (size_t i = 0; i < nops; i++) {
		weft_buf_reset(&b);
		err = i == 0 ? weft_config_edit(have ? old : NULL, oldlen,
		    ops[i].op, ops[i].key, ops[i].value, &b, &ch) :
		    weft_config_edit((const char *)a.data, a.len, ops[i].op,
		    ops[i].key, ops[i].value, &b, &ch);
		if (err) {
			rc = weft__fail(err, NULL, "cannot edit '%s'", path);
			goto out;
		}
		*changed = *changed || ch;
		tmp = a;
		a = b;
		b = tmp;
	}
	if (!*changed)
		goto out;
	weft_config_init(&cfg);
	err = weft_config_parse(&cfg, (const char *)a.data, a.len, &e);
	if (err) {
		weft__fail(err, e.msg, "not changing '%s': line %d would "
		    "be wrong (fix the file first)", path, e.line);
		rc = WEFT_EXIT_FAIL;
		goto out;
	}
	err = weft_config_write(cli->home, a.data, a.len);
	if (err)
		rc = weft__fail(err, NULL, "cannot write '%s'", path);
out:
	free(old);
	weft_buf_release(&a);
	weft_buf_release(&b);
	return rc;
}

static const struct weft_config_key *
find_key(const char *name)
{
	const struct weft_config_key	*k;

	k = weft_config_key_find(name);
	if (k == NULL)
		weft__usage_error("'%s' is not a config key; 'weft config "
		    "list --all' lists them (see weft-config(5))", name);
	return k;
}

/* The values of k weftd would use from this file (defaults included). */
static int
do_get(struct weft_cli *cli, const struct weft_config_key *k)
{
	static struct weft_config	 cfg;
	char				 v[WEFT_CONFIG_PEER_MAX];
	size_t				 n;
	json_t				*j, *a;
	int				 rc;

	rc = load(cli, &cfg);
	if (rc)
		return rc;
	n = weft_config_count(&cfg, k);
	if (n == 0)
		return weft__fail(WEFT_ENOTFOUND, "not set in the config "
		    "file, and it has no default", "%s", k->name);
	if (cli->json) {
		j = json_object();
		a = json_array();
		for (size_t i = 0; i < n; i++)
			if (weft_config_format(&cfg, k, i, v, sizeof(v)) == 0)
				json_array_append_new(a, json_string(v));
		json_object_set_new(j, "key", json_string(k->name));
		json_object_set_new(j, "values", a);
		json_object_set_new(j, "default",
		    json_boolean(!cfg.set[k - weft_config_keys]));
		return out_json_print(j) == 0 ? WEFT_EXIT_OK : WEFT_EXIT_FAIL;
	}
	for (size_t i = 0; i < n; i++)
		if (weft_config_format(&cfg, k, i, v, sizeof(v)) == 0)
			printf("%s\n", v);
	return WEFT_EXIT_OK;
}

static int
do_list(struct weft_cli *cli, bool all)
{
	static struct weft_config	 cfg;
	const struct weft_config_key	*k;
	char				 v[WEFT_CONFIG_PEER_MAX];
	size_t				 n;
	json_t				*j = NULL, *a;
	int				 rc;

	rc = load(cli, &cfg);
	if (rc)
		return rc;
	if (cli->json)
		j = json_object();
	for (size_t i = 0; i < WEFT_CFG_NKEYS; i++) {
		k = &weft_config_keys[i];
		if (!all && !cfg.set[i])
			continue;
		n = weft_config_count(&cfg, k);
		if (j != NULL) {
			a = json_array();
			for (size_t x = 0; x < n; x++)
				if (weft_config_format(&cfg, k, x, v,
				    sizeof(v)) == 0)
					json_array_append_new(a,
					    json_string(v));
			json_object_set_new(j, k->name, a);
			continue;
		}
		for (size_t x = 0; x < n; x++)
			if (weft_config_format(&cfg, k, x, v, sizeof(v)) == 0)
				printf("%s = %s%s\n", k->name, v,
				    all && !cfg.set[i] ? "\t(default)" : "");
		if (all && n == 0)
			printf("# %s: not set (%s)\n", k->name, k->help);
	}
	if (j != NULL)
		return out_json_print(j) == 0 ? WEFT_EXIT_OK : WEFT_EXIT_FAIL;
	return WEFT_EXIT_OK;
}

static int
do_edit(struct weft_cli *cli, int op, const struct weft_config_key *k,
    const char *value)
{
	static struct weft_config	 scratch;
	struct weft__config_op		 eop = { op, k, value };
	const char			*msg, *verb;
	char				 path[WEFT_HOME_MAX + 16];
	bool				 changed;
	int				 rc, err;

	if (op == WEFT_CONFIG_EDIT_SET && k->repeat > 1)
		return weft__usage_error("%s takes several values: use 'weft "
		    "config add %s VALUE' or 'weft config unset %s VALUE'",
		    k->name, k->name, k->name);
	if (op == WEFT_CONFIG_EDIT_ADD && k->repeat == 1)
		return weft__usage_error("%s takes one value: use 'weft "
		    "config set %s VALUE'", k->name, k->name);
	if (op == WEFT_CONFIG_EDIT_UNSET && value != NULL && k->repeat == 1)
		return weft__usage_error("%s takes one value: use 'weft "
		    "config unset %s'", k->name, k->name);
	if (value != NULL && op != WEFT_CONFIG_EDIT_UNSET) {
		weft_config_init(&scratch);
		if (weft_config_set(&scratch, k, value, &msg) != 0)
			return weft__usage_error("bad value '%s': %s", value,
			    msg);
	}
	rc = weft__home(cli);
	if (rc)
		return rc;
	/* Like init, an edit may be the first thing a home gets. */
	err = weft_home_create(cli->home);
	if (err == WEFT_EHOMEMODE)
		return weft__fail(err, NULL, "cannot use '%s' (run 'chmod 700 "
		    "%s')", cli->home, cli->home);
	if (err)
		return weft__fail(err, NULL, "cannot create '%s'", cli->home);
	rc = weft__config_update(cli, &eop, 1, &changed);
	if (rc)
		return rc;
	config_path(cli, path, sizeof(path));
	if (op == WEFT_CONFIG_EDIT_UNSET && !changed)
		return weft__fail(WEFT_ENOTFOUND, NULL, "%s%s%s is not set in "
		    "'%s'", k->name, value != NULL ? " = " : "",
		    value != NULL ? value : "", path);
	if (cli->json) {
		json_t	*j = json_object();

		json_object_set_new(j, "key", json_string(k->name));
		if (value != NULL)
			json_object_set_new(j, "value", json_string(value));
		json_object_set_new(j, "changed", json_boolean(changed));
		return out_json_print(j) == 0 ? WEFT_EXIT_OK : WEFT_EXIT_FAIL;
	}
	if (cli->quiet)
		return WEFT_EXIT_OK;
	if (!changed) {
		printf("%s = %s is already in '%s'\n", k->name, value, path);
		return WEFT_EXIT_OK;
	}
	verb = op == WEFT_CONFIG_EDIT_UNSET ? "removed" :
	    op == WEFT_CONFIG_EDIT_ADD ? "added" : "set";
	if (value != NULL)
		printf("%s %s = %s in '%s'\n", verb, k->name, value, path);
	else
		printf("%s %s in '%s'\n", verb, k->name, path);
	printf("%s\n", restart_note);
	return WEFT_EXIT_OK;
}

int
cmd_config(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "all", no_argument, NULL, 'a' },
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	const struct weft_config_key	*k = NULL;
	const char			*verb;
	bool				 all = false;
	int				 ch, rc, nargs;

	while ((ch = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			all = true;
			break;
		default:
			rc = weft__opt(cli, ch, argv, usage);
			if (rc != WEFT_OPT_CONTINUE)
				return rc;
		}
	}
	nargs = argc - optind;
	if (nargs < 1)
		return weft__usage(usage);
	verb = argv[optind];
	if (strcmp(verb, "list") == 0) {
		if (nargs != 1)
			return weft__usage(usage);
		rc = weft__home(cli);
		return rc ? rc : do_list(cli, all);
	}
	if (all || nargs < 2)
		return weft__usage(usage);
	k = find_key(argv[optind + 1]);
	if (k == NULL)
		return WEFT_EXIT_USAGE;
	if (strcmp(verb, "get") == 0 && nargs == 2) {
		rc = weft__home(cli);
		return rc ? rc : do_get(cli, k);
	}
	if (strcmp(verb, "set") == 0 && nargs == 3)
		return do_edit(cli, WEFT_CONFIG_EDIT_SET, k, argv[optind + 2]);
	if (strcmp(verb, "add") == 0 && nargs == 3)
		return do_edit(cli, WEFT_CONFIG_EDIT_ADD, k, argv[optind + 2]);
	if (strcmp(verb, "unset") == 0 && (nargs == 2 || nargs == 3))
		return do_edit(cli, WEFT_CONFIG_EDIT_UNSET, k,
		    nargs == 3 ? argv[optind + 2] : NULL);
	return weft__usage(usage);
}

/*
 * weft init: create the home (0700) with an author key, a node key (both
 * 0600) and a config file naming the network key. Existing keys are never
 * overwritten: an author key copied from another device is kept, and a
 * home that has both keys only gets its network key changed, when one of
 * --network-key and --new-network asks for it.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/key.h"

#include "cli.h"
#include "config.h"
#include "keyfile.h"
#include "output.h"

static const char usage[] = "weft init [--network-key HEX | --new-network]";

struct init_key {
	const char		*name;		/* file name in the home */
	const char		*comment;
	struct weft_keypair	 kp;
	bool			 created;
};

/* Loads the key file, or creates it when it does not exist. */
static int
init_key(const struct weft_cli *cli, struct init_key *k)
{
	char	path[WEFT_HOME_MAX + 16];
	int	err;

	snprintf(path, sizeof(path), "%s/%s", cli->home, k->name);
	err = weft_keyfile_load(path, &k->kp);
	if (err == -ENOENT) {
		err = weft_key_generate(&k->kp);
		if (err == 0)
			err = weft_keyfile_create(path, &k->kp, k->comment);
		if (err == 0)
			k->created = true;
	}
	if (err == WEFT_EKEYMODE)
		return weft__fail(err, NULL, "cannot use '%s' (run 'chmod 600 "
		    "%s')", path, path);
	if (err)
		return weft__fail(err, NULL, "cannot create '%s'", path);
	return 0;
}

static bool
exists(const struct weft_cli *cli, const char *name)
{
	char		path[WEFT_HOME_MAX + 16];
	struct stat	st;

	snprintf(path, sizeof(path), "%s/%s", cli->home, name);
	return lstat(path, &st) == 0;
}

static void
print_result(const struct weft_cli *cli, struct init_key keys[2],
    const uint8_t net[32], bool net_new, bool net_changed)
{
	char	hex[65];
	json_t	*j, *a;

	if (cli->json) {
		j = json_object();
		json_object_set_new(j, "home",
		    out_json_str(cli->home, strlen(cli->home)));
		json_object_set_new(j, "author", out_json_id(keys[0].kp.pk));
		json_object_set_new(j, "node", out_json_id(keys[1].kp.pk));
		json_object_set_new(j, "network_key", out_json_id(net));
		a = json_array();
		for (int i = 0; i < 2; i++)
			if (keys[i].created)
				json_array_append_new(a,
				    json_string(keys[i].name));
		json_object_set_new(j, "created", a);
		out_json_print(j);
		return;
	}
	out_hex(hex, net);
	if (cli->quiet) {
		if (net_new)
			printf("%s\n", hex);
		return;
	}
	printf("home     %s\n", cli->home);
	for (int i = 0; i < 2; i++) {
		char	id[65];

		out_hex(id, keys[i].kp.pk);
		printf("%-8s %s (%s)\n", keys[i].comment, id,
		    keys[i].created ? "new" : "kept");
	}
	printf("network  %s\n", hex);
	if (net_new)
		printf("\nThis is a new private network: share its key with "
		    "the nodes that may join\n(weft init --network-key %s).\n",
		    hex);
	if (net_changed && !keys[0].created && !keys[1].created)
		printf("Restart weftd to use the new network key.\n");
}

int
cmd_init(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "network-key", required_argument, NULL, 'k' },
		{ "new-network", no_argument, NULL, 'n' },
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct init_key			 keys[2] = {
		{ .name = "author.key", .comment = "author" },
		{ .name = "node.key", .comment = "node" },
	};
	struct weft_config		 cfg;
	struct weft_config_error	 cerr;
	const char			*hexkey = NULL;
	char				 path[WEFT_HOME_MAX + 16];
	char				 why[WEFT_HOME_MAX + 128];
	struct stat			 st;
	uint8_t				 net[32];
	bool				 net_new = false, set_net = false;
	int				 ch, rc, err;

	while ((ch = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		switch (ch) {
		case 'k':
			hexkey = optarg;
			break;
		case 'n':
			net_new = true;
			break;
		default:
			rc = weft__opt(cli, ch, argv, usage);
			if (rc != WEFT_OPT_CONTINUE)
				return rc;
		}
	}
	if (optind != argc || (hexkey != NULL && net_new))
		return weft__usage(usage);
	if (hexkey != NULL && weft_hex_decode(net, sizeof(net), hexkey,
	    strlen(hexkey)) != 0)
		return weft__usage_error("malformed network key '%s': give 64 "
		    "hex digits", hexkey);
	if (net_new)
		randombytes_buf(net, sizeof(net));
	set_net = hexkey != NULL || net_new;
	rc = weft__home(cli);
	if (rc)
		return rc;
	if (!set_net && exists(cli, keys[0].name) &&
	    exists(cli, keys[1].name))
		return weft__fail(WEFT_EEXISTS, "author.key and node.key exist "
		    "already; use --network-key or --new-network to change "
		    "only the network key", "cannot init '%s'", cli->home);
	err = weft_home_create(cli->home);
	if (err == WEFT_EHOMEMODE && weft_home_check_st(cli->home, &st) ==
	    WEFT_EHOMEMODE) {
		weft_home_why(cli->home, &st, why, sizeof(why));
		return weft__fail(err, why, "cannot init");
	}
	if (err)
		return weft__fail(err, NULL, "cannot create '%s'", cli->home);
	for (int i = 0; i < 2; i++) {
		rc = init_key(cli, &keys[i]);
		if (rc)
			goto out;
	}
	snprintf(path, sizeof(path), "%s/%s", cli->home, WEFT_CONFIG_FILE);
	err = weft_config_load(&cfg, path, &cerr);
	if (err && err != -ENOENT) {
		if (cerr.line > 0)
			rc = weft__fail(err, cerr.msg, "%s:%d", path,
			    cerr.line);
		else
			rc = weft__fail(err, NULL, "cannot read '%s'", path);
		goto out;
	}
	/* A fresh home gets the public network key written out. */
	if (!set_net && err == -ENOENT)
		set_net = true;
	if (!set_net)
		memcpy(net, cfg.network_key, sizeof(net));
	else if (hexkey == NULL && !net_new)
		memcpy(net, cfg.network_key, sizeof(net));	/* default */
	if (set_net) {
		err = weft_config_write_network_key(cli->home, net);
		if (err) {
			rc = weft__fail(err, NULL, "cannot write '%s'", path);
			goto out;
		}
	}
	rc = WEFT_EXIT_OK;
	print_result(cli, keys, net, net_new,
	    hexkey != NULL || net_new);
out:
	weft_key_release(&keys[0].kp);
	weft_key_release(&keys[1].kp);
	sodium_memzero(net, sizeof(net));
	return rc;
}

/*
 * weft init: create the home (0700) with an author key, a node key (both
 * 0600) and a config file naming the network key. Existing keys are never
 * overwritten: an author key copied from another device is kept, and a
 * home that has both keys only gets its network key changed, when one of
 * --network-key, --new-network and --join asks for it.
 *
 * --new-network also prints an invite (util/invite.h): the network key
 * and this node's addresses (--address, or the config's address lines),
 * which `weft init --join INVITE` turns into a network key and seed
 * lines. weft invite prints it again.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/key.h"

#include "cli.h"
#include "config.h"
#include "invite.h"
#include "keyfile.h"
#include "output.h"

static const char usage[] = "weft init [--network-key HEX | --new-network | "
    "--join INVITE] [--address HOST:PORT]...";
static const char invite_usage[] = "weft invite [--address HOST:PORT]...";

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

/*
 * The invite for this home: network key and addresses from cfg (address
 * lines, else a listen address that names one interface), node from its
 * key. out gets the text. Returns the number of addresses.
 */
static size_t
make_invite(const struct weft_config *cfg, const uint8_t node[32],
    char *out, size_t outsz)
{
	struct weft_invite	inv;
	char			host[WEFT_LISTEN_MAX];
	uint16_t		port;
	size_t			n;

	memset(&inv, 0, sizeof(inv));
	memcpy(inv.network_key, cfg->network_key, 32);
	memcpy(inv.node, node, 32);
	for (size_t i = 0; i < cfg->naddress; i++)
		snprintf(inv.addr[inv.naddr++], sizeof(inv.addr[0]), "%s",
		    cfg->address[i]);
	if (inv.naddr == 0 && cfg->listen[0] != '\0' &&
	    weft_config_hostport(cfg->listen, strlen(cfg->listen), host,
	    sizeof(host), &port) == 0 && port != 0 &&
	    strcmp(host, "0.0.0.0") != 0 && strcmp(host, "::") != 0)
		snprintf(inv.addr[inv.naddr++], sizeof(inv.addr[0]), "%s",
		    cfg->listen);
	n = inv.naddr;
	if (weft_invite_encode(&inv, out, outsz) != 0)
		out[0] = '\0';
	sodium_memzero(&inv, sizeof(inv));
	return n;
}

static void
print_invite_hint(const char *invite, size_t naddr)
{
	printf("\nInvite others to this network with this line (it holds "
	    "the network key,\nthis node's id and its addresses):\n\n%s\n\n"
	    "They join with: weft init --join INVITE\n", invite);
	if (naddr == 0)
		printf("It names no address of this node, so only LAN "
		    "discovery finds it: add one\nwith 'weft config add "
		    "address HOST:PORT' and print it again with "
		    "'weft invite'.\n");
}

static void
print_result(const struct weft_cli *cli, struct init_key keys[2],
    const uint8_t net[32], bool net_new, bool net_changed,
    const char *invite, size_t naddr, size_t nseeds)
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
		if (invite != NULL)
			json_object_set_new(j, "invite", json_string(invite));
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
	if (nseeds > 0)
		printf("seeds    %zu (from the invite)\n", nseeds);
	if (invite != NULL)
		print_invite_hint(invite, naddr);
	if (net_changed && !keys[0].created && !keys[1].created)
		printf("Restart weftd to use the new network key.\n");
}

/* Checks --address values; returns 0 or an exit code. */
static int
check_addrs(char *const *addrs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (weft_config_addr_check(addrs[i], strlen(addrs[i])) != 0)
			return weft__usage_error("bad --address '%s': expected "
			    "HOST:PORT (a host name or IP, port 1-65535)",
			    addrs[i]);
	return 0;
}

int
cmd_init(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "network-key", required_argument, NULL, 'k' },
		{ "new-network", no_argument, NULL, 'n' },
		{ "join", required_argument, NULL, 'J' },
		{ "address", required_argument, NULL, 'A' },
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct init_key			 keys[2] = {
		{ .name = "author.key", .comment = "author" },
		{ .name = "node.key", .comment = "node" },
	};
	static struct weft_config	 cfg;
	static struct weft_invite	 inv;
	struct weft_config_error	 cerr;
	struct weft__config_op		 ops[1 + 2 * WEFT_CONFIG_ADDRS_MAX];
	char				 seeds[WEFT_INVITE_ADDRS_MAX]
					    [WEFT_CONFIG_PEER_MAX];
	char				*addrs[WEFT_CONFIG_ADDRS_MAX];
	const char			*hexkey = NULL, *join = NULL, *msg;
	char				 path[WEFT_HOME_MAX + 16];
	char				 nethex[65], node[65];
	char				 invite[WEFT_INVITE_MAX + 1];
	char				 why[WEFT_HOME_MAX + 128];
	struct stat			 st;
	uint8_t				 net[32];
	size_t				 naddrs = 0, nops = 0, ninv = 0;
	bool				 net_new = false, set_net = false;
	bool				 changed;
	int				 ch, rc, err;

	while ((ch = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		switch (ch) {
		case 'k':
			hexkey = optarg;
			break;
		case 'n':
			net_new = true;
			break;
		case 'J':
			join = optarg;
			break;
		case 'A':
			if (naddrs == WEFT_CONFIG_ADDRS_MAX)
				return weft__usage_error("at most %d "
				    "--address options",
				    WEFT_CONFIG_ADDRS_MAX);
			addrs[naddrs++] = optarg;
			break;
		default:
			rc = weft__opt(cli, ch, argv, usage);
			if (rc != WEFT_OPT_CONTINUE)
				return rc;
		}
	}
	if (optind != argc || (hexkey != NULL) + net_new + (join != NULL) > 1)
		return weft__usage(usage);
	rc = check_addrs(addrs, naddrs);
	if (rc)
		return rc;
	if (hexkey != NULL && weft_hex_decode(net, sizeof(net), hexkey,
	    strlen(hexkey)) != 0)
		return weft__usage_error("malformed network key '%s': give 64 "
		    "hex digits", hexkey);
	if (join != NULL) {
		err = weft_invite_decode(&inv, join, strlen(join), &msg);
		if (err)
			return weft__usage_error("cannot use the invite: %s",
			    msg);
		memcpy(net, inv.network_key, sizeof(net));
	}
	if (net_new)
		randombytes_buf(net, sizeof(net));
	set_net = hexkey != NULL || net_new || join != NULL;
	rc = weft__home(cli);
	if (rc)
		return rc;
	if (!set_net && naddrs == 0 && exists(cli, keys[0].name) &&
	    exists(cli, keys[1].name))
		return weft__fail(WEFT_EEXISTS, "author.key and node.key exist "
		    "already; use --network-key, --new-network or --join to "
		    "change only the network key", "cannot init '%s'",
		    cli->home);
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
	if (join != NULL && sodium_memcmp(inv.node, keys[1].kp.pk, 32) == 0) {
		rc = weft__fail(WEFT_EUSAGE, "it names this very node",
		    "cannot join");
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
	if (!set_net || (hexkey == NULL && !net_new && join == NULL))
		memcpy(net, cfg.network_key, sizeof(net));
	weft_hex_encode(nethex, net, sizeof(net));
	if (set_net)
		ops[nops++] = (struct weft__config_op){ WEFT_CONFIG_EDIT_SET,
		    &weft_config_keys[WEFT_CFG_NETWORK_KEY], nethex };
	for (size_t i = 0; i < naddrs; i++)
		ops[nops++] = (struct weft__config_op){ WEFT_CONFIG_EDIT_ADD,
		    &weft_config_keys[WEFT_CFG_ADDRESS], addrs[i] };
	weft_hex_encode(node, inv.node, 32);
	for (size_t i = 0; join != NULL && i < inv.naddr; i++) {
		snprintf(seeds[i], sizeof(seeds[i]), "%s@%s", node,
		    inv.addr[i]);
		ops[nops++] = (struct weft__config_op){ WEFT_CONFIG_EDIT_ADD,
		    &weft_config_keys[WEFT_CFG_SEED], seeds[i] };
	}
	rc = weft__config_update(cli, ops, nops, &changed);
	if (rc)
		goto out;
	if (net_new || naddrs > 0) {
		/* The file as written: its address lines go in the invite. */
		err = weft_config_load(&cfg, path, &cerr);
		if (err == 0)
			ninv = make_invite(&cfg, keys[1].kp.pk, invite,
			    sizeof(invite));
		else
			invite[0] = '\0';
	}
	rc = WEFT_EXIT_OK;
	print_result(cli, keys, net, net_new, set_net && (hexkey != NULL ||
	    net_new || join != NULL), (net_new || naddrs > 0) &&
	    invite[0] != '\0' ? invite : NULL, ninv,
	    join != NULL ? inv.naddr : 0);
out:
	weft_key_release(&keys[0].kp);
	weft_key_release(&keys[1].kp);
	sodium_memzero(net, sizeof(net));
	sodium_memzero(&inv, sizeof(inv));
	return rc;
}

/*
 * weft invite: prints the invite to this node's network again, from the
 * config file and node.key (no daemon needed). --address names addresses
 * instead of the config's.
 */
int
cmd_invite(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "address", required_argument, NULL, 'A' },
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	static struct weft_config	 cfg;
	struct weft_config_error	 cerr;
	struct weft_keypair		 kp;
	char				*addrs[WEFT_CONFIG_ADDRS_MAX];
	char				 path[WEFT_HOME_MAX + 16];
	char				 invite[WEFT_INVITE_MAX + 1];
	size_t				 naddrs = 0, n;
	json_t				*j;
	int				 ch, rc, err;

	while ((ch = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		switch (ch) {
		case 'A':
			if (naddrs == WEFT_CONFIG_ADDRS_MAX)
				return weft__usage_error("at most %d "
				    "--address options",
				    WEFT_CONFIG_ADDRS_MAX);
			addrs[naddrs++] = optarg;
			break;
		default:
			rc = weft__opt(cli, ch, argv, invite_usage);
			if (rc != WEFT_OPT_CONTINUE)
				return rc;
		}
	}
	if (optind != argc)
		return weft__usage(invite_usage);
	rc = check_addrs(addrs, naddrs);
	if (rc)
		return rc;
	rc = weft__home(cli);
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "%s/%s", cli->home, WEFT_CONFIG_FILE);
	err = weft_config_load(&cfg, path, &cerr);
	if (err == -ENOENT)
		return weft__fail(err, NULL, "cannot read '%s' (run 'weft "
		    "init' first)", path);
	if (err && cerr.line > 0)
		return weft__fail(err, cerr.msg, "%s:%d", path, cerr.line);
	if (err)
		return weft__fail(err, NULL, "cannot read '%s'", path);
	if (naddrs > 0) {
		cfg.naddress = naddrs;
		for (size_t i = 0; i < naddrs; i++)
			snprintf(cfg.address[i], sizeof(cfg.address[i]), "%s",
			    addrs[i]);
	}
	snprintf(path, sizeof(path), "%s/node.key", cli->home);
	err = weft_keyfile_load(path, &kp);
	if (err == WEFT_EKEYMODE)
		return weft__fail(err, NULL, "cannot use '%s' (run 'chmod 600 "
		    "%s')", path, path);
	if (err)
		return weft__fail(err, NULL, "cannot read '%s'%s", path,
		    err == -ENOENT ? " (run 'weft init' first)" : "");
	n = make_invite(&cfg, kp.pk, invite, sizeof(invite));
	weft_key_release(&kp);
	if (invite[0] == '\0')
		return weft__fail(WEFT_EUSAGE, NULL, "cannot make an invite");
	if (cli->json) {
		j = json_object();
		json_object_set_new(j, "invite", json_string(invite));
		json_object_set_new(j, "addresses",
		    json_integer((json_int_t)n));
		return out_json_print(j) == 0 ? WEFT_EXIT_OK : WEFT_EXIT_FAIL;
	}
	if (cli->quiet || !isatty(STDOUT_FILENO)) {
		printf("%s\n", invite);
		return WEFT_EXIT_OK;
	}
	print_invite_hint(invite, n);
	return WEFT_EXIT_OK;
}

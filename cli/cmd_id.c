/*
 * weft id: the author id (and node id) of this home, read from the key
 * files; no daemon needed. Ids are the Ed25519 public keys in hex.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include <jansson.h>

#include "weft/err.h"
#include "weft/key.h"

#include "cli.h"
#include "keyfile.h"
#include "output.h"

static const char usage[] = "weft id";

static int
load(const struct weft_cli *cli, const char *name, struct weft_keypair *kp)
{
	char	path[WEFT_HOME_MAX + 16];
	int	err;

	snprintf(path, sizeof(path), "%s/%s", cli->home, name);
	err = weft_keyfile_load(path, kp);
	if (err == -ENOENT)
		weft__fail(err, NULL, "cannot read '%s' (run 'weft init' "
		    "first)", path);
	else if (err == WEFT_EKEYMODE)
		weft__fail(err, NULL, "cannot use '%s' (run 'chmod 600 %s')",
		    path, path);
	else if (err)
		weft__fail(err, NULL, "cannot read '%s'", path);
	return err;
}

int
cmd_id(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	opts[] = {
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct weft_keypair		author = { 0 }, node = { 0 };
	char				hex[65];
	json_t				*j;
	int				ch, rc;

	while ((ch = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		rc = weft__opt(cli, ch, argv, usage);
		if (rc != WEFT_OPT_CONTINUE)
			return rc;
	}
	if (optind != argc)
		return weft__usage(usage);
	rc = weft__home(cli);
	if (rc)
		return rc;
	if (load(cli, "author.key", &author) != 0 ||
	    load(cli, "node.key", &node) != 0) {
		rc = WEFT_EXIT_FAIL;
		goto out;
	}
	rc = WEFT_EXIT_OK;
	if (cli->json) {
		j = json_object();
		json_object_set_new(j, "author", out_json_id(author.pk));
		json_object_set_new(j, "node", out_json_id(node.pk));
		out_json_print(j);
	} else if (cli->quiet) {
		out_hex(hex, author.pk);
		printf("%s\n", hex);
	} else {
		out_hex(hex, author.pk);
		printf("author  %s\n", hex);
		out_hex(hex, node.pk);
		printf("node    %s\n", hex);
	}
out:
	weft_key_release(&author);
	weft_key_release(&node);
	return rc;
}

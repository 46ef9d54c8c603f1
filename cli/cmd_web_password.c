/*
 * weft web-password [--off]: sets the password of a web UI on a
 * non-loopback address. The password is read from the terminal (twice,
 * not echoed) or, when stdin is not one, as its first line; only its
 * Argon2id hash (libsodium's crypto_pwhash_str) goes into HOME/config as
 * web-password, like any other edit (cmd_config.c). --off removes it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "weft/err.h"

#include "cli.h"
#include "config.h"
#include "home.h"
#include "output.h"

#define PW_MAX	256	/* as the login form */

/* One line of at most PW_MAX bytes, without its newline; 0 or -1. */
static int
read_line(const char *prompt, bool tty, char *out, size_t outsz)
{
	struct termios	 old, raw;
	size_t		 n;
	char		*r;

	if (tty) {
		fputs(prompt, stderr);
		fflush(stderr);
		if (tcgetattr(STDIN_FILENO, &old) != 0)
			return -1;
		raw = old;
		raw.c_lflag &= ~(tcflag_t)ECHO;
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw);
	}
	r = fgets(out, (int)outsz, stdin);
	if (tty) {
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (r == NULL)
		return -1;
	n = strlen(out);
	if (n > 0 && out[n - 1] == '\n')
		out[--n] = '\0';
	else if (n == outsz - 1)
		return -1;	/* over PW_MAX */
	if (n > 0 && out[n - 1] == '\r')
		out[--n] = '\0';
	return 0;
}

int
cmd_web_password(struct weft_cli *cli, int argc, char **argv)
{
	const struct weft_config_key	*k =
	    &weft_config_keys[WEFT_CFG_WEB_PASSWORD];
	struct weft__config_op		 op;
	char				 pw[PW_MAX + 2], again[PW_MAX + 2];
	char				 hash[crypto_pwhash_STRBYTES];
	bool				 tty, off = false, changed;
	int				 rc;

	if (argc == 2 && strcmp(argv[1], "--off") == 0)
		off = true;
	else if (argc != 1)
		return weft__usage_error("usage: weft web-password [--off]");
	rc = weft__home(cli);
	if (rc)
		return rc;
	if (off) {
		op.op = WEFT_CONFIG_EDIT_UNSET;
		op.key = k;
		op.value = NULL;
		rc = weft__config_update(cli, &op, 1, &changed);
		if (rc)
			return rc;
		if (!cli->quiet && !cli->json)
			printf("%s\n", changed ? "web-password removed: a "
			    "non-loopback web UI is read-only (restart weftd)"
			    : "no web-password was set");
		return WEFT_EXIT_OK;
	}
	tty = isatty(STDIN_FILENO) != 0;
	if (read_line("web password: ", tty, pw, sizeof(pw)) != 0)
		return weft__usage_error("no password read (at most %d bytes, "
		    "one line)", PW_MAX);
	if (tty && (read_line("again: ", tty, again, sizeof(again)) != 0 ||
	    strcmp(pw, again) != 0)) {
		sodium_memzero(pw, sizeof(pw));
		sodium_memzero(again, sizeof(again));
		return weft__fail(WEFT_EUSAGE, NULL, "the two passwords "
		    "differ");
	}
	sodium_memzero(again, sizeof(again));
	if (strlen(pw) < 8) {
		sodium_memzero(pw, sizeof(pw));
		return weft__usage_error("a web password needs at least 8 "
		    "bytes");
	}
	rc = crypto_pwhash_str(hash, pw, strlen(pw),
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE);
	sodium_memzero(pw, sizeof(pw));
	if (rc != 0)
		return weft__fail(-ENOMEM, NULL, "cannot hash the "
		    "password (out of memory)");
	if (weft_home_create(cli->home) != 0)
		return weft__fail(-EIO, NULL, "cannot use '%s'",
		    cli->home);
	op.op = WEFT_CONFIG_EDIT_SET;
	op.key = k;
	op.value = hash;
	rc = weft__config_update(cli, &op, 1, &changed);
	if (rc)
		return rc;
	if (cli->json) {
		json_t	*j = json_object();

		json_object_set_new(j, "key", json_string(k->name));
		json_object_set_new(j, "changed", json_boolean(changed));
		return out_json_print(j) == 0 ? WEFT_EXIT_OK : WEFT_EXIT_FAIL;
	}
	if (!cli->quiet)
		printf("web-password set (only its hash is stored); restart "
		    "weftd to apply\n");
	return WEFT_EXIT_OK;
}

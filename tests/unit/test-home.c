/*
 * util/: home resolution and checks, key files and the config file. Every
 * test works in its own mkdtemp() directory under /tmp and removes it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "weft/buf.h"
#include "weft/chunk.h"
#include "weft/err.h"
#include "weft/key.h"
#include "config.h"
#include "home.h"
#include "keyfile.h"

#define P(...)	path_of(tmp, sizeof(tmp), __VA_ARGS__)

static char	root[64];
static char	tmp[WEFT_HOME_MAX];

static const char *
path_of(char *out, size_t outsz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static const char *
path_of(char *out, size_t outsz, const char *fmt, ...)
{
	char	rel[1024];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	snprintf(out, outsz, "%s/%s", root, rel);
	return out;
}

static void
rm_rf(const char *path)
{
	struct stat	 st;
	struct dirent	*de;
	DIR		*d;
	char		 sub[WEFT_HOME_MAX];

	if (lstat(path, &st) == -1)
		return;
	if (S_ISDIR(st.st_mode)) {
		chmod(path, 0700);
		d = opendir(path);
		assert_non_null(d);
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
			rm_rf(sub);
		}
		closedir(d);
		assert_int_equal(rmdir(path), 0);
	} else {
		assert_int_equal(unlink(path), 0);
	}
}

static int
setup(void **state)
{
	(void)state;
	umask(022);
	memcpy(root, "/tmp/weft-test-home.XXXXXX", 27);
	return mkdtemp(root) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	rm_rf(root);
	return 0;
}

static void
write_file(const char *path, mode_t mode, const void *p, size_t n)
{
	int	fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void
clear_env(void)
{
	unsetenv("WEFT_HOME");
	unsetenv("XDG_DATA_HOME");
	unsetenv("HOME");
}

static void
test_resolve(void **state)
{
	char	out[WEFT_HOME_MAX], cwd[WEFT_HOME_MAX], want[WEFT_HOME_MAX + 16];
	char	*longp;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	clear_env();
	setenv("HOME", "/home/u", 1);
	assert_int_equal(weft_home_resolve(NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "/home/u/.local/share/weft");
	setenv("HOME", "/home/u/", 1);
	assert_int_equal(weft_home_resolve(NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "/home/u/.local/share/weft");

	/* A relative XDG_DATA_HOME is invalid and ignored; empty is unset. */
	setenv("XDG_DATA_HOME", "rel/data", 1);
	assert_int_equal(weft_home_resolve(NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "/home/u/.local/share/weft");
	setenv("XDG_DATA_HOME", "", 1);
	assert_int_equal(weft_home_resolve(NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "/home/u/.local/share/weft");
	setenv("XDG_DATA_HOME", "/data/", 1);
	assert_int_equal(weft_home_resolve(NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "/data/weft");

	setenv("WEFT_HOME", "", 1);
	assert_int_equal(weft_home_resolve(NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "/data/weft");
	setenv("WEFT_HOME", "/srv/weft//", 1);
	assert_int_equal(weft_home_resolve(NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "/srv/weft");
	setenv("WEFT_HOME", "node1", 1);
	assert_int_equal(weft_home_resolve(NULL, out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "%s/node1", cwd);
	assert_string_equal(out, want);

	/* --home beats everything; relative becomes absolute. */
	assert_int_equal(weft_home_resolve("/opt/h", out, sizeof(out)), 0);
	assert_string_equal(out, "/opt/h");
	assert_int_equal(weft_home_resolve("h2/", out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "%s/h2", cwd);
	assert_string_equal(out, want);
	assert_int_equal(weft_home_resolve("/", out, sizeof(out)), 0);
	assert_string_equal(out, "/");
	assert_int_equal(weft_home_resolve("", out, sizeof(out)), WEFT_EUSAGE);

	/* Too long for the caller, or for anyone. */
	assert_int_equal(weft_home_resolve("/opt/h", out, 6), -ENAMETOOLONG);
	assert_int_equal(weft_home_resolve("/opt/h", out, 7), 0);
	longp = malloc(WEFT_HOME_MAX + 10);
	assert_non_null(longp);
	memset(longp, 'a', WEFT_HOME_MAX + 9);
	longp[0] = '/';
	longp[WEFT_HOME_MAX + 9] = '\0';
	assert_int_equal(weft_home_resolve(longp, out, sizeof(out)),
	    -ENAMETOOLONG);
	free(longp);
	clear_env();
}

static void
test_create_and_check(void **state)
{
	struct stat	st;
	char		home[WEFT_HOME_MAX];

	(void)state;
	path_of(home, sizeof(home), "a/b/home");
	assert_int_equal(weft_home_check(home), -ENOENT);
	assert_int_equal(weft_home_create(home), 0);
	assert_int_equal(stat(home, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(stat(P("a"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(stat(P("a/b"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	/* Idempotent, trailing slash or not. */
	assert_int_equal(weft_home_create(home), 0);
	assert_int_equal(weft_home_create(P("a/b/home/")), 0);
	assert_int_equal(weft_home_check(home), 0);

	/* An open directory is refused, not fixed behind the user's back. */
	assert_int_equal(chmod(home, 0755), 0);
	assert_int_equal(weft_home_check(home), WEFT_EHOMEMODE);
	assert_int_equal(weft_home_create(home), WEFT_EHOMEMODE);
	assert_int_equal(stat(home, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(chmod(home, 0710), 0);
	assert_int_equal(weft_home_check(home), WEFT_EHOMEMODE);
	assert_int_equal(chmod(home, 0700), 0);

	write_file(P("file"), 0600, "x", 1);
	assert_int_equal(weft_home_check(P("file")), -ENOTDIR);
	assert_int_equal(weft_home_create(P("file")), -ENOTDIR);
	assert_int_equal(weft_home_create(P("file/sub")), -ENOTDIR);
	assert_int_equal(weft_home_create(""), WEFT_EUSAGE);
}

static void
test_keyfile(void **state)
{
	struct weft_keypair	kp, kp2;
	struct stat		st;
	char			key[WEFT_HOME_MAX];
	uint8_t			junk[WEFT_KEY_TEXT_MAX + 1];

	(void)state;
	path_of(key, sizeof(key), "author.key");
	assert_int_equal(weft_keyfile_load(key, &kp2), -ENOENT);
	assert_null(kp2.sk);
	assert_int_equal(weft_key_generate(&kp), 0);
	assert_int_equal(weft_keyfile_create(key, &kp, "weft author key"), 0);
	assert_int_equal(stat(key, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(weft_keyfile_load(key, &kp2), 0);
	assert_memory_equal(kp2.pk, kp.pk, WEFT_KEY_PK_BYTES);
	assert_memory_equal(kp2.sk, kp.sk, WEFT_KEY_SK_BYTES);
	weft_key_release(&kp2);

	/* O_EXCL: an existing key is never replaced. */
	weft_key_release(&kp);
	assert_int_equal(weft_key_generate(&kp), 0);
	assert_int_equal(weft_keyfile_create(key, &kp, "other"),
	    WEFT_EEXISTS);
	assert_int_equal(weft_keyfile_load(key, &kp2), 0);
	assert_memory_not_equal(kp2.pk, kp.pk, WEFT_KEY_PK_BYTES);
	weft_key_release(&kp2);

	/* Group or world bits: refused. */
	assert_int_equal(chmod(key, 0644), 0);
	assert_int_equal(weft_keyfile_load(key, &kp2), WEFT_EKEYMODE);
	assert_null(kp2.sk);
	assert_int_equal(chmod(key, 0640), 0);
	assert_int_equal(weft_keyfile_load(key, &kp2), WEFT_EKEYMODE);
	assert_int_equal(chmod(key, 0604), 0);
	assert_int_equal(weft_keyfile_load(key, &kp2), WEFT_EKEYMODE);
	assert_int_equal(chmod(key, 0400), 0);
	assert_int_equal(weft_keyfile_load(key, &kp2), 0);
	weft_key_release(&kp2);

	/* A symlink to a good key is followed; a dangling one not created. */
	assert_int_equal(symlink(key, P("link.key")), 0);
	assert_int_equal(weft_keyfile_load(tmp, &kp2), 0);
	weft_key_release(&kp2);
	assert_int_equal(symlink(P("nowhere"), P("dangling.key")), 0);
	assert_int_equal(weft_keyfile_create(tmp, &kp, "x"), WEFT_EEXISTS);
	assert_int_equal(access(P("nowhere"), F_OK), -1);

	/* Not a regular file, too long, not a key: WEFT_EBADKEY. */
	assert_int_equal(mkdir(P("dir.key"), 0700), 0);
	assert_int_equal(weft_keyfile_load(tmp, &kp2), WEFT_EBADKEY);
	assert_int_equal(mkfifo(P("fifo.key"), 0600), 0);
	assert_int_equal(weft_keyfile_load(tmp, &kp2), WEFT_EBADKEY);
	memset(junk, 'A', sizeof(junk));
	write_file(P("long.key"), 0600, junk, sizeof(junk));
	assert_int_equal(weft_keyfile_load(tmp, &kp2), WEFT_EBADKEY);
	write_file(P("junk.key"), 0600, "untrusted comment: x\nAAAA\n", 26);
	assert_int_equal(weft_keyfile_load(tmp, &kp2), WEFT_EBADKEY);
	write_file(P("empty.key"), 0600, "", 0);
	assert_int_equal(weft_keyfile_load(tmp, &kp2), WEFT_EBADKEY);
	assert_null(kp2.sk);

	/* No file is left behind when creation fails. */
	assert_int_equal(weft_keyfile_create(P("bad.key"), &kp, "a\nb"),
	    WEFT_EUSAGE);
	assert_int_equal(access(tmp, F_OK), -1);
	assert_int_equal(weft_keyfile_create(P("nodir/x.key"), &kp, "x"),
	    -ENOENT);
	weft_key_release(&kp);
}

static void
test_keyfile_ensure(void **state)
{
	struct weft_keypair	kp, kp2;
	bool			created = false;
	char			key[WEFT_HOME_MAX];

	(void)state;
	path_of(key, sizeof(key), "node.key");
	assert_int_equal(weft_keyfile_ensure(key, &kp, "weft node key",
	    &created), 0);
	assert_true(created);
	assert_int_equal(weft_keyfile_ensure(key, &kp2, "weft node key",
	    &created), 0);
	assert_false(created);
	assert_memory_equal(kp.pk, kp2.pk, WEFT_KEY_PK_BYTES);
	weft_key_release(&kp2);
	/* A bad file is reported, never silently replaced. */
	assert_int_equal(chmod(key, 0644), 0);
	assert_int_equal(weft_keyfile_ensure(key, &kp2, "x", &created),
	    WEFT_EKEYMODE);
	assert_false(created);
	weft_key_release(&kp);
}

static int
parse(const char *text, struct weft_config *cfg, struct weft_config_error *e)
{
	weft_config_init(cfg);
	return weft_config_parse(cfg, text, strlen(text), e);
}

static void
test_config_parse(void **state)
{
	struct weft_config		cfg;
	struct weft_config_error	e;
	uint8_t				want[WEFT_NETWORK_KEY_BYTES];
	char				big[WEFT_CONFIG_MAX + 2];
	char				host[WEFT_LISTEN_MAX];
	uint16_t			port;

	(void)state;
	/* The default key is what keys.md says it is. */
	weft_hash((const uint8_t *)"weft/network/public/v1", 22, want);
	weft_config_init(&cfg);
	assert_memory_equal(cfg.network_key, want, sizeof(want));
	assert_false(cfg.has_network_key);
	assert_string_equal(cfg.listen, "");

	assert_int_equal(parse("# weft\n\n   \n\tnetwork_key = "
	    "00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff"
	    "\r\nlisten=127.0.0.1:4000\n# end", &cfg, &e), 0);
	assert_true(cfg.has_network_key);
	assert_int_equal(cfg.network_key[0], 0x00);
	assert_int_equal(cfg.network_key[10], 0xaa);
	assert_int_equal(cfg.network_key[31], 0xff);
	assert_string_equal(cfg.listen, "127.0.0.1:4000");
	assert_int_equal(parse("listen = [::1]:0", &cfg, &e), 0);
	assert_string_equal(cfg.listen, "[::1]:0");
	assert_int_equal(parse("", &cfg, &e), 0);

#define BAD(text, lineno, message) do {					\
	assert_int_equal(parse((text), &cfg, &e), WEFT_EUSAGE);		\
	assert_int_equal(e.line, (lineno));				\
	assert_string_equal(e.msg, (message));				\
} while (0)
	BAD("# ok\n\nport = 1\n", 3, "unknown key");
	BAD("network_key = 0011\n", 1,
	    "network-key must be 64 hex characters");
	BAD("\n\nnetwork_key = "
	    "zz112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
	    3, "network-key must be 64 hex characters");
	BAD("listen 127.0.0.1:1\n", 1, "expected 'key = value'");
	BAD("\n = 1\n", 2, "missing key before '='");
	BAD("listen =\n", 1, "missing value after '='");
	BAD("listen = 1.2.3.4:1\nlisten = 1.2.3.4:2\n", 2,
	    "key is set twice (it takes one value)");
	BAD("listen = localhost:4000", 1,
	    "listen must be IP:PORT or [IPv6]:PORT");
	BAD("listen = 1.2.3.4:65536", 1,
	    "listen must be IP:PORT or [IPv6]:PORT");
	BAD("listen = 1.2.3.4:", 1, "listen must be IP:PORT or [IPv6]:PORT");
	BAD("listen = ::1:4000", 1, "listen must be IP:PORT or [IPv6]:PORT");
	BAD("listen = [1.2.3.4]:4000", 1,
	    "listen must be IP:PORT or [IPv6]:PORT");
	BAD("Network_Key = 1", 1, "unknown key");
#undef BAD
	assert_int_equal(weft_config_parse(&cfg, "#a\n\0b = 1\n", 9, &e),
	    WEFT_EUSAGE);
	assert_int_equal(e.line, 2);
	assert_string_equal(e.msg, "NUL byte in line");
	memset(big, '#', WEFT_CONFIG_LINE_MAX + 1);
	assert_int_equal(weft_config_parse(&cfg, big, WEFT_CONFIG_LINE_MAX + 1,
	    &e), WEFT_EUSAGE);
	assert_int_equal(e.line, 1);
	assert_string_equal(e.msg, "line is too long");
	memset(big, '\n', sizeof(big));
	assert_int_equal(weft_config_parse(&cfg, big, WEFT_CONFIG_MAX, &e), 0);
	assert_int_equal(weft_config_parse(&cfg, big, WEFT_CONFIG_MAX + 1, &e),
	    WEFT_ETOOBIG);
	assert_int_equal(e.line, 0);

	assert_int_equal(weft_config_hostport("[fe80::1]:9", 11, host,
	    sizeof(host), &port), 0);
	assert_string_equal(host, "fe80::1");
	assert_int_equal(port, 9);
	/* A link-local address with its interface (LAN discovery). */
	assert_int_equal(weft_config_hostport("[fe80::1%eth0]:9", 16, host,
	    sizeof(host), &port), 0);
	assert_string_equal(host, "fe80::1%eth0");
	assert_int_equal(weft_config_hostport("[fe80::1%]:9", 12, host,
	    sizeof(host), &port), WEFT_EUSAGE);
	assert_int_equal(weft_config_hostport("[fe80::1%a b]:9", 15, host,
	    sizeof(host), &port), WEFT_EUSAGE);
	assert_int_equal(weft_config_hostport("[fe80::1%abcdefghijklmnop]:9",
	    28, host, sizeof(host), &port), WEFT_EUSAGE);
	assert_int_equal(weft_config_hostport("1.2.3.4%eth0:9", 14, host,
	    sizeof(host), &port), WEFT_EUSAGE);
	assert_int_equal(weft_config_hostport("1.2.3.4:0009", 12, host,
	    sizeof(host), &port), 0);
	assert_int_equal(port, 9);
	assert_int_equal(weft_config_hostport("1.2.3.4:123456", 14, host,
	    sizeof(host), &port), WEFT_EUSAGE);
	assert_int_equal(weft_config_hostport("1.2.3.4:80", 10, host, 7,
	    &port), WEFT_EUSAGE);
	assert_int_equal(weft_config_hostport("1.2.3.4:-1", 10, host,
	    sizeof(host), &port), WEFT_EUSAGE);
}

static void
test_config_write(void **state)
{
	struct weft_config		cfg;
	struct weft_config_error	e;
	struct stat			st;
	uint8_t				k1[32], k2[32];
	char				home[WEFT_HOME_MAX], text[512];
	int				fd;
	ssize_t				n;

	(void)state;
	path_of(home, sizeof(home), "cfghome");
	assert_int_equal(weft_home_create(home), 0);
	assert_int_equal(weft_config_load(&cfg, P("cfghome/config"), &e),
	    -ENOENT);
	assert_false(cfg.has_network_key);

	randombytes_buf(k1, sizeof(k1));
	randombytes_buf(k2, sizeof(k2));
	assert_int_equal(weft_config_write_network_key(home, k1), 0);
	assert_int_equal(stat(P("cfghome/config"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(weft_config_load(&cfg, tmp, &e), 0);
	assert_true(cfg.has_network_key);
	assert_memory_equal(cfg.network_key, k1, 32);

	/* Other lines survive a rewrite; the key line is replaced in place. */
	snprintf(text, sizeof(text), "# mine\nlisten = 10.0.0.1:7\n"
	    "network_key = %064d\n# tail", 0);
	write_file(P("cfghome/config"), 0600, text, strlen(text));
	assert_int_equal(weft_config_write_network_key(home, k2), 0);
	assert_int_equal(weft_config_load(&cfg, P("cfghome/config"), &e), 0);
	assert_memory_equal(cfg.network_key, k2, 32);
	assert_string_equal(cfg.listen, "10.0.0.1:7");
	fd = open(tmp, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	assert_true(n > 0);
	text[n] = '\0';
	/* The old spelling is replaced by the new one, in place. */
	assert_non_null(strstr(text, "# mine\nlisten = 10.0.0.1:7\n"
	    "network-key = "));
	assert_non_null(strstr(text, "\n# tail\n"));
	assert_int_equal(access(P("cfghome/config.tmp"), F_OK), -1);

	/* A bad file is reported with its line by load. */
	write_file(P("cfghome/config"), 0600, "\nlisten = nope\n", 15);
	assert_int_equal(weft_config_load(&cfg, tmp, &e), WEFT_EUSAGE);
	assert_int_equal(e.line, 2);
	assert_int_equal(weft_config_write_network_key(P("missing"), k1),
	    -ENOENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_create_and_check),
		cmocka_unit_test(test_keyfile),
		cmocka_unit_test(test_keyfile_ensure),
		cmocka_unit_test(test_config_parse),
		cmocka_unit_test(test_config_write),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * Key files on disk. Secret bytes pass through one stack buffer or one
 * capped weft_buf, both wiped before returning. Writes are made durable
 * (file and directory fsync) before a new key is reported as created,
 * since losing a node or author key after publishing under it loses the
 * identity.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/key.h"
#include "fileio.h"
#include "keyfile.h"

/* fsync()s the directory holding path, so a new entry survives a crash. */
static int
sync_parent(const char *path)
{
	char		 dir[PATH_MAX];
	const char	*slash;
	size_t		 len;
	int		 fd, err = 0;

	slash = strrchr(path, '/');
	if (slash == NULL) {
		memcpy(dir, ".", 2);
	} else {
		len = slash == path ? 1 : (size_t)(slash - path);
		if (len >= sizeof(dir))
			return -ENAMETOOLONG;
		memcpy(dir, path, len);
		dir[len] = '\0';
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return -errno;
	if (fsync(fd) == -1)
		err = -errno;
	close(fd);
	return err;
}

int
weft_keyfile_create(const char *path, const struct weft_keypair *kp,
    const char *comment)
{
	struct weft_buf	b;
	int		fd = -1, err;

	weft_buf_init(&b, WEFT_KEY_TEXT_MAX);
	err = weft_key_encode(kp, comment, &b);
	if (err)
		goto out;

	/* O_EXCL also refuses to follow a symlink planted at path. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd == -1) {
		err = errno == EEXIST ? WEFT_EEXISTS : -errno;
		goto out;
	}
	err = weft_write_all(fd, b.data, b.len);
	if (err == 0 && fsync(fd) == -1)
		err = -errno;
	if (close(fd) == -1 && err == 0)
		err = -errno;
	if (err == 0)
		err = sync_parent(path);
	if (err)
		unlink(path);
out:
	if (b.data != NULL)
		sodium_memzero(b.data, b.cap);
	weft_buf_release(&b);
	return err;
}

int
weft_keyfile_load(const char *path, struct weft_keypair *kp)
{
	char		text[WEFT_KEY_TEXT_MAX + 1];
	struct stat	st;
	size_t		len = 0;
	ssize_t		r;
	int		fd, err;

	kp->sk = NULL;
	/* O_NONBLOCK: a FIFO planted at path must not hang us in open(). */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1)
		return -errno;
	if (fstat(fd, &st) == -1) {
		err = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err = WEFT_EBADKEY;
		goto out;
	}
	if (st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
		err = WEFT_EKEYMODE;
		goto out;
	}
	/* Read one byte past the limit to tell a full file from a long one. */
	while (len < sizeof(text)) {
		r = read(fd, text + len, sizeof(text) - len);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len > WEFT_KEY_TEXT_MAX) {
		err = WEFT_EBADKEY;
		goto out;
	}
	err = weft_key_decode(text, len, kp);
out:
	sodium_memzero(text, sizeof(text));
	close(fd);
	return err;
}

int
weft_keyfile_ensure(const char *path, struct weft_keypair *kp,
    const char *comment, bool *created)
{
	int	err;

	if (created != NULL)
		*created = false;
	err = weft_keyfile_load(path, kp);
	if (err != -ENOENT)
		return err;
	err = weft_key_generate(kp);
	if (err)
		return err;
	err = weft_keyfile_create(path, kp, comment);
	if (err == 0) {
		if (created != NULL)
			*created = true;
		return 0;
	}
	weft_key_release(kp);
	/* Another process created it between our load and create. */
	if (err == WEFT_EEXISTS)
		return weft_keyfile_load(path, kp);
	return err;
}

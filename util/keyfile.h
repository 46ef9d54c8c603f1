/*
 * Secret key files (author.key, node.key): the text form of include/weft/
 * key.h in a file of mode 0600. Files are created with O_EXCL, so an
 * existing key is never overwritten, and a key file that someone else
 * owns or that group or others may access is refused, as minisign and
 * ssh do.
 */
#ifndef WEFT_KEYFILE_H
#define WEFT_KEYFILE_H

#include <stdbool.h>

struct weft_keypair;

/*
 * Writes kp's secret key with the given comment to a new file at path
 * (mode 0600, O_EXCL, fsync()ed with its directory). On failure no file
 * is left behind. Returns 0, WEFT_EEXISTS (path exists), what
 * weft_key_encode() returns, or -errno.
 */
int	weft_keyfile_create(const char *path, const struct weft_keypair *kp,
	    const char *comment);

/*
 * Reads the key file at path into kp (release it with weft_key_release()).
 * The file must be a regular file owned by the effective uid with no
 * group or other permission bits. Returns 0, -ENOENT, WEFT_EKEYMODE (owner
 * or mode wrong), WEFT_EBADKEY (not a regular file, too long, or not a
 * key), -ENOMEM or another -errno.
 */
int	weft_keyfile_load(const char *path, struct weft_keypair *kp);

/*
 * Loads the key file at path, or creates it with a fresh key when it does
 * not exist; *created (if not NULL) says which happened. Returns what
 * weft_keyfile_load() and weft_keyfile_create() return.
 */
int	weft_keyfile_ensure(const char *path, struct weft_keypair *kp,
	    const char *comment, bool *created);

#endif

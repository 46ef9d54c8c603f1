/*
 * Error codes. Every weft function returns 0 on success and a negative code
 * on failure. OS failures are -errno (matching libuv on Unix, so uv codes
 * pass through unchanged); weft's own codes live in the range below, clear
 * of libuv's (-4095 and up) and LMDB's (-30799 and down).
 */
#ifndef WEFT_ERR_H
#define WEFT_ERR_H

#define WEFT_ERR_MAP(XX)						\
	XX(BADSIG,	-32001, "signature verification failed")	\
	XX(PROTO,	-32002, "malformed message")			\
	XX(NOTFOUND,	-32003, "not found")				\
	XX(TOOBIG,	-32004, "size limit exceeded")			\
	XX(STOREFULL,	-32005, "store is full")			\
	XX(BADPATH,	-32006, "bad file path")			\
	XX(BADFIELD,	-32007, "missing or malformed field")		\
	XX(AMBIGUOUS,	-32008, "ambiguous id prefix")			\
	XX(BADLICENSE,	-32009, "unknown SPDX license id")		\
	XX(EXISTS,	-32010, "already exists")			\
	XX(DENIED,	-32011, "not allowed")				\
	XX(BADHASH,	-32012, "content does not match its hash")	\
	XX(KEYMODE,	-32013, "key file is readable by others")	\
	XX(BADKEY,	-32014, "malformed key")			\
	XX(CORRUPT,	-32015, "store is corrupt")			\
	XX(BUSY,	-32016, "resource busy")			\
	XX(VERSION,	-32017, "unsupported version")			\
	XX(MISSING,	-32018, "dependency missing")			\
	XX(USAGE,	-32019, "invalid argument")			\
	XX(DECRYPT,	-32020, "decryption failed")			\
	XX(HANDSHAKE,	-32021, "handshake failed")			\
	XX(HOMEMODE,	-32022, "home directory is accessible by others") \
	XX(NETKEY,	-32030, "network key mismatch (or not a weft node)") \
	XX(BLOCKED,	-32040, "blocked on this node")		\
	XX(RETRACTED,	-32041, "retracted by its author")		\
	XX(LIMIT,	-32042, "over a flood limit")			\

enum {
#define XX(name, code, msg) WEFT_E##name = (code),
	WEFT_ERR_MAP(XX)
#undef XX
};

/* A static, human-readable description of err (weft, errno or libuv). */
const char	*weft_strerror(int err);
/* The symbolic name of err ("WEFT_EBADSIG", "ENOENT"), static. */
const char	*weft_err_name(int err);

#endif

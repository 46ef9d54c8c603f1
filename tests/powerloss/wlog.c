/*
 * wlog: an LD_PRELOAD shim that records what a process writes to the
 * store's files (LMDB's "data.mdb" and the chunk packs "pack-NNNNNNNNNN")
 * and when it syncs them, for the power-loss replay of
 * tests/powerloss/replay.py (issue 16, must-have 10; issue 11 part 6).
 *
 * A process killed with kill -9 loses nothing the kernel already holds;
 * a power cut loses every write not yet synced to the disk. The shim
 * logs, in the order they happen, each write to a tracked file (pwrite,
 * pwrite64, write, writev, pwritev: offset and bytes), each sync
 * (fsync, fdatasync, msync, sync_file_range, and every write on a
 * descriptor opened with O_DSYNC or O_SYNC, which LMDB uses for its meta
 * pages) and each ftruncate, to the file named by $WEFT_WLOG (opened
 * O_APPEND, so a test can append its own markers between entries). A
 * tracked file is named once, when first opened; one that already has
 * bytes then is logged as one write at offset 0 and a sync: the state
 * the recording starts from. An open with O_TRUNC logs a truncation.
 *
 * Entries, one after another (integers little-endian):
 *   'W' u8 file u64 offset u32 length, then length bytes
 *   'S' u8 file                      a sync of the file completed
 *   'T' u8 file u64 size             the file was truncated or extended
 *   'F' u8 file u16 length, then the file's base name (first open)
 *   'A' 64 hex chars '\n'            (the test) a record id acknowledged
 *   'N' 20 decimal digits '\n'       (the test) this many records stored
 * file is the index of the file's path in the order first opened. A
 * file's removal (unlink) is not logged: the replay knows only files
 * that the recording wrote. The real call and its entry happen
 * under one mutex, so the log's order is the order the kernel saw.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FDS_MAX		4096
#define FILES_MAX	64

static pthread_mutex_t	 mu = PTHREAD_MUTEX_INITIALIZER;
static int		 logfd = -2;	/* -2: not opened yet, -1: off */
static signed char	 fd_file[FDS_MAX];	/* file index + 1, or 0 */
static unsigned char	 fd_dsync[FDS_MAX];
static char		 files[FILES_MAX][4096];
static int		 nfiles;

static int	(*real_open)(const char *, int, ...);
static int	(*real_open64)(const char *, int, ...);
static int	(*real_openat)(int, const char *, int, ...);
static int	(*real_close)(int);
static ssize_t	(*real_write)(int, const void *, size_t);
static ssize_t	(*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t	(*real_pwrite64)(int, const void *, size_t, off_t);
static ssize_t	(*real_writev)(int, const struct iovec *, int);
static ssize_t	(*real_pwritev)(int, const struct iovec *, int, off_t);
static int	(*real_fsync)(int);
static int	(*real_fdatasync)(int);
static int	(*real_msync)(void *, size_t, int);
static int	(*real_ftruncate)(int, off_t);
static int	(*real_sync_file_range)(int, off64_t, off64_t, unsigned int);

static void
init_syms(void)
{
	if (real_write != NULL)
		return;
	real_open = dlsym(RTLD_NEXT, "open");
	real_open64 = dlsym(RTLD_NEXT, "open64");
	real_openat = dlsym(RTLD_NEXT, "openat");
	real_close = dlsym(RTLD_NEXT, "close");
	real_pwrite = dlsym(RTLD_NEXT, "pwrite");
	real_pwrite64 = dlsym(RTLD_NEXT, "pwrite64");
	real_writev = dlsym(RTLD_NEXT, "writev");
	real_pwritev = dlsym(RTLD_NEXT, "pwritev");
	real_fsync = dlsym(RTLD_NEXT, "fsync");
	real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
	real_msync = dlsym(RTLD_NEXT, "msync");
	real_ftruncate = dlsym(RTLD_NEXT, "ftruncate");
	real_sync_file_range = dlsym(RTLD_NEXT, "sync_file_range");
	real_write = dlsym(RTLD_NEXT, "write");
}

/* Writes all of buf to the log (under mu); gives up on errors. */
static void
log_raw(const void *buf, size_t len)
{
	const char	*p = buf;
	ssize_t		 n;

	while (len > 0 && logfd >= 0) {
		n = real_write(logfd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			abort();	/* a broken log must not pass as a test */
		p += n;
		len -= (size_t)n;
	}
}

static void
log_open(void)
{
	const char	*path;

	if (logfd != -2)
		return;
	path = getenv("WEFT_WLOG");
	logfd = -1;
	if (path != NULL && *path != '\0')
		logfd = real_open(path, O_WRONLY | O_CREAT | O_APPEND |
		    O_CLOEXEC, 0600);
}

static void
put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* One entry for a write of iov at off to file f, in one log write. */
static void
log_write(int f, uint64_t off, const struct iovec *iov, int iovcnt,
    size_t total)
{
	uint8_t	*buf, *p;

	buf = malloc(14 + total);
	if (buf == NULL)
		abort();
	buf[0] = 'W';
	buf[1] = (uint8_t)f;
	put_le(buf + 2, off, 8);
	put_le(buf + 10, total, 4);
	p = buf + 14;
	for (int i = 0; i < iovcnt && total > 0; i++) {
		size_t k = iov[i].iov_len < total ? iov[i].iov_len : total;

		memcpy(p, iov[i].iov_base, k);
		p += k;
		total -= k;
	}
	log_raw(buf, (size_t)(p - buf));
	free(buf);
}

static void
log_sync(int f)
{
	uint8_t	e[2] = { 'S', (uint8_t)f };

	log_raw(e, 2);
}

static void
log_trunc(int f, uint64_t size)
{
	uint8_t	e[10] = { 'T', (uint8_t)f };

	put_le(e + 2, size, 8);
	log_raw(e, 10);
}

static int
tracked(int fd)
{
	if (fd < 0 || fd >= FDS_MAX)
		return -1;
	return __atomic_load_n(&fd_file[fd], __ATOMIC_ACQUIRE) - 1;
}

/* The base name of a store file the shim logs, or NULL. */
static const char *
tracked_name(const char *path)
{
	const char	*b = strrchr(path, '/');

	b = b != NULL ? b + 1 : path;
	if (strcmp(b, "data.mdb") == 0)
		return b;
	if (strncmp(b, "pack-", 5) == 0 && strlen(b) == 15 &&
	    strspn(b + 5, "0123456789") == 10)
		return b;
	return NULL;
}

static void
log_name(int f, const char *name)
{
	uint8_t	e[4 + 64];
	size_t	n = strlen(name);

	if (n > 64)
		abort();
	e[0] = 'F';
	e[1] = (uint8_t)f;
	put_le(e + 2, n, 2);
	memcpy(e + 4, name, n);
	log_raw(e, 4 + n);
}

/* After a successful open of path as fd: track it (under mu). */
static void
note_open(const char *path, int fd, int flags)
{
	struct stat	 st;
	struct iovec	 iov;
	char		*buf;
	int		 f = -1;

	if (fd < 0 || fd >= FDS_MAX || tracked_name(path) == NULL)
		return;
	log_open();
	if (logfd < 0)
		return;
	for (int i = 0; i < nfiles; i++)
		if (strcmp(files[i], path) == 0)
			f = i;
	if (f < 0) {
		if (nfiles == FILES_MAX || strlen(path) >= sizeof(files[0]))
			return;
		f = nfiles++;
		strcpy(files[f], path);
		log_name(f, tracked_name(path));
		/* Bytes from before the recording: the starting state. */
		if (fstat(fd, &st) == 0 && st.st_size > 0) {
			buf = malloc((size_t)st.st_size);
			if (buf == NULL ||
			    pread(fd, buf, (size_t)st.st_size, 0) !=
			    st.st_size)
				abort();
			iov.iov_base = buf;
			iov.iov_len = (size_t)st.st_size;
			log_write(f, 0, &iov, 1, iov.iov_len);
			log_sync(f);
			free(buf);
		}
	} else if (flags & O_TRUNC)
		log_trunc(f, 0);
	__atomic_store_n(&fd_file[fd], (signed char)(f + 1), __ATOMIC_RELEASE);
	fd_dsync[fd] = (flags & (O_DSYNC | O_SYNC)) != 0;
}

static int
do_open(int (*fn)(const char *, int, ...), const char *path, int flags,
    mode_t mode)
{
	int	fd;

	pthread_mutex_lock(&mu);
	fd = fn(path, flags, mode);
	if (fd >= 0)
		note_open(path, fd, flags);
	pthread_mutex_unlock(&mu);
	return fd;
}

int
open(const char *path, int flags, ...)
{
	mode_t	mode = 0;
	va_list	ap;

	init_syms();
	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return do_open(real_open, path, flags, mode);
}

int
open64(const char *path, int flags, ...)
{
	mode_t	mode = 0;
	va_list	ap;

	init_syms();
	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return do_open(real_open64 ? real_open64 : real_open, path, flags,
	    mode);
}

int
openat(int dirfd, const char *path, int flags, ...)
{
	mode_t	mode = 0;
	va_list	ap;
	int	fd;

	init_syms();
	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	pthread_mutex_lock(&mu);
	fd = real_openat(dirfd, path, flags, mode);
	/* A relative path (a pack, opened at the store) has its base name. */
	if (fd >= 0)
		note_open(path, fd, flags);
	pthread_mutex_unlock(&mu);
	return fd;
}

int
close(int fd)
{
	int	rc;

	init_syms();
	pthread_mutex_lock(&mu);
	if (fd >= 0 && fd < FDS_MAX)
		__atomic_store_n(&fd_file[fd], 0, __ATOMIC_RELEASE);
	rc = real_close(fd);
	pthread_mutex_unlock(&mu);
	return rc;
}


/*
 * Calls on files not tracked never take mu: libuv's signal handler
 * writes to its signal pipe, and a handler that interrupted a write
 * holding mu would wait on it for ever (weftd hung at SIGTERM).
 */
#define WRAP_WRITE(callexpr, offexpr, iovp, iovn)			\
	do {								\
		int	f;						\
		off_t	o;						\
		ssize_t	n;						\
									\
		init_syms();						\
		if (tracked(fd) < 0)					\
			return (callexpr);				\
		pthread_mutex_lock(&mu);				\
		f = tracked(fd);					\
		o = f >= 0 ? (offexpr) : 0;				\
		n = (callexpr);						\
		if (f >= 0 && n > 0) {					\
			log_write(f, (uint64_t)o, (iovp), (iovn),	\
			    (size_t)n);					\
			if (fd_dsync[fd])				\
				log_sync(f);				\
		}							\
		pthread_mutex_unlock(&mu);				\
		return n;						\
	} while (0)

ssize_t
write(int fd, const void *buf, size_t len)
{
	struct iovec	iov = { (void *)buf, len };

	WRAP_WRITE(real_write(fd, buf, len), lseek(fd, 0, SEEK_CUR), &iov, 1);
}

ssize_t
pwrite(int fd, const void *buf, size_t len, off_t off)
{
	struct iovec	iov = { (void *)buf, len };

	WRAP_WRITE(real_pwrite(fd, buf, len, off), off, &iov, 1);
}

ssize_t
pwrite64(int fd, const void *buf, size_t len, off_t off)
{
	struct iovec	iov = { (void *)buf, len };

	WRAP_WRITE((real_pwrite64 ? real_pwrite64 : real_pwrite)(fd, buf, len,
	    off), off, &iov, 1);
}

ssize_t
writev(int fd, const struct iovec *iov, int iovcnt)
{
	WRAP_WRITE(real_writev(fd, iov, iovcnt), lseek(fd, 0, SEEK_CUR), iov,
	    iovcnt);
}

ssize_t
pwritev(int fd, const struct iovec *iov, int iovcnt, off_t off)
{
	WRAP_WRITE(real_pwritev(fd, iov, iovcnt, off), off, iov, iovcnt);
}

#define WRAP_SYNC(callexpr)						\
	do {								\
		int	f, rc;						\
									\
		init_syms();						\
		if (tracked(fd) < 0)					\
			return (callexpr);				\
		pthread_mutex_lock(&mu);				\
		f = tracked(fd);					\
		rc = (callexpr);					\
		if (f >= 0 && rc == 0)					\
			log_sync(f);					\
		pthread_mutex_unlock(&mu);				\
		return rc;						\
	} while (0)

int
fsync(int fd)
{
	WRAP_SYNC(real_fsync(fd));
}

int
fdatasync(int fd)
{
	WRAP_SYNC(real_fdatasync(fd));
}

int
sync_file_range(int fd, off64_t off, off64_t n, unsigned int flags)
{
	WRAP_SYNC(real_sync_file_range(fd, off, n, flags));
}

int
ftruncate(int fd, off_t size)
{
	int	f, rc;

	init_syms();
	pthread_mutex_lock(&mu);
	f = tracked(fd);
	rc = real_ftruncate(fd, size);
	if (f >= 0 && rc == 0)
		log_trunc(f, (uint64_t)size);
	pthread_mutex_unlock(&mu);
	return rc;
}

/* With MDB_WRITEMAP only (weft does not use it): a sync of every file. */
int
msync(void *addr, size_t len, int flags)
{
	int	rc;

	init_syms();
	pthread_mutex_lock(&mu);
	rc = real_msync(addr, len, flags);
	if (rc == 0 && (flags & MS_SYNC))
		for (int f = 0; f < nfiles; f++)
			log_sync(f);
	pthread_mutex_unlock(&mu);
	return rc;
}

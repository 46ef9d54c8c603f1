/*
 * Small file helpers shared by weftd's and weft's writers of the home's
 * files (key files, the config file).
 */
#ifndef WEFT_FILEIO_H
#define WEFT_FILEIO_H

#include <stddef.h>

/*
 * Writes all n bytes of p to fd, going on after short writes and EINTR.
 * Returns 0 or -errno.
 */
int	weft_write_all(int fd, const void *p, size_t n);

#endif

/* getrandom() on Windows, for the Windows build only (compat/win32.c). */
#ifndef KS_COMPAT_SYS_RANDOM_H
#define KS_COMPAT_SYS_RANDOM_H

#include <stddef.h>
#include <sys/types.h>

ssize_t getrandom(void *buf, size_t n, unsigned flags);

#endif

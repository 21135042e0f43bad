/*
 * inotify's names on Windows, for the Windows build only: there is no
 * inotify, so inotify_init1() fails and the server's reading index
 * (web/watch.c) compares every record file's stat data at each page, as
 * it does wherever folders cannot be watched.
 */
#ifndef KS_COMPAT_SYS_INOTIFY_H
#define KS_COMPAT_SYS_INOTIFY_H

#include <errno.h>
#include <stdint.h>

struct inotify_event {
	int wd;
	uint32_t mask, cookie, len;
	char name[];
};

#define IN_ACCESS 0x001
#define IN_MODIFY 0x002
#define IN_ATTRIB 0x004
#define IN_CLOSE_WRITE 0x008
#define IN_MOVED_FROM 0x040
#define IN_MOVED_TO 0x080
#define IN_CREATE 0x100
#define IN_DELETE 0x200
#define IN_DELETE_SELF 0x400
#define IN_MOVE_SELF 0x800
#define IN_Q_OVERFLOW 0x4000
#define IN_IGNORED 0x8000
#define IN_ONLYDIR 0x01000000
#define IN_DONT_FOLLOW 0x02000000
#define IN_ISDIR 0x40000000
#define IN_NONBLOCK 0x800
#define IN_CLOEXEC 0x80000

static inline int inotify_init1(int flags)
{
	(void)flags;
	errno = ENOSYS;
	return -1;
}

static inline int inotify_add_watch(int fd, const char *path, uint32_t mask)
{
	(void)fd;
	(void)path;
	(void)mask;
	errno = ENOSYS;
	return -1;
}

#endif

/*
 * Stat data a folder at a time.  See statcursor.h.
 */
#include "statcursor.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

void ks_stat_cursor_init(struct ks_stat_cursor *c, int top)
{
	c->top = top;
	c->fd = -1;
	c->failed = 0;
	c->len = (size_t)-1;
	c->dir[0] = '\0';
}

void ks_stat_cursor_release(struct ks_stat_cursor *c)
{
	if (c->fd >= 0)
		close(c->fd);
	ks_stat_cursor_init(c, c->top);
}

int ks_stat_at(struct ks_stat_cursor *c, const char *path, struct stat *st)
{
	const char *slash = strrchr(path, '/');
	size_t len = slash ? (size_t)(slash - path) : 0;

	if (!slash || !len || len >= sizeof(c->dir))
		return fstatat(c->top, path, st, AT_SYMLINK_NOFOLLOW);
	if (len != c->len || memcmp(c->dir, path, len)) {
		if (c->fd >= 0)
			close(c->fd);
		memcpy(c->dir, path, len);
		c->dir[len] = '\0';
		c->len = len;
		/* the same folders followed as a lookup of the whole path */
		c->fd = openat(c->top, c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		c->failed = c->fd < 0;
	}
	/* a folder gone or unreadable: the whole path says how (errno) */
	if (c->failed)
		return fstatat(c->top, path, st, AT_SYMLINK_NOFOLLOW);
	return fstatat(c->fd, slash + 1, st, AT_SYMLINK_NOFOLLOW);
}

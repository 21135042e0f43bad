/*
 * The server's reading index and the watch that keeps it fresh.  See
 * watch.h.
 *
 * Every folder under records/ is watched.  A file's event marks its path;
 * the next page reads the marked paths again.  A folder made, moved or
 * removed, or an overflowing event queue (a sync that changed thousands
 * of files), sets the watch up anew and compares every file instead.
 */
#include "watch.h"
#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "paths.h"
#include "repo.h"
#include "rindex.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILE_EVENTS (IN_CLOSE_WRITE | IN_MODIFY | IN_ATTRIB | IN_MOVED_TO | \
		     IN_MOVED_FROM | IN_DELETE | IN_CREATE)
#define DIR_EVENTS (FILE_EVENTS | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | \
		    IN_DONT_FOLLOW)

struct folder {
	int wd;
	char *rel;		/* "records/workshop/md01/000" */
};

struct ks_web_index {
	struct ks_repo *r;
	struct ks_rindex *x;
	int fd;			/* inotify, or -1: compare every file */
	struct folder *v;
	size_t n, alloc;
	int full;		/* compare every file on the next page */
	struct ks_paths dirty;	/* files to read again */
};

static void unwatch(struct ks_web_index *w)
{
	size_t i;

	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	for (i = 0; i < w->n; i++)
		ks_free(w->v[i].rel);
	w->n = 0;
}

static int watch_dir(struct ks_web_index *w, struct ks_buf *rel, int depth)
{
	char *abs = ks_repo_path(w->r, rel->ptr);
	size_t len = rel->len;
	DIR *dh;
	struct dirent *e;
	int wd, err = 0;

	if (!abs)
		return -1;
	wd = inotify_add_watch(w->fd, abs, DIR_EVENTS);
	if (wd < 0) {
		ks_free(abs);
		return 1;	/* no watch: compare every file instead */
	}
	if (ks_grow(&w->v, w->n, &w->alloc, sizeof(*w->v), 16) < 0 ||
	    !(w->v[w->n].rel = ks_strdup(rel->ptr))) {
		ks_free(abs);
		return -1;
	}
	w->v[w->n++].wd = wd;
	dh = opendir(abs);
	ks_free(abs);
	while (!err && dh && (e = readdir(dh))) {
		struct stat st;

		if (e->d_name[0] == '.' || depth >= 8 ||
		    fstatat(dirfd(dh), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		rel->len = len;
		rel->ptr[len] = '\0';
		if (ks_buf_addf(rel, "/%s", e->d_name) < 0)
			err = -1;
		else
			err = watch_dir(w, rel, depth + 1);
	}
	if (dh)
		closedir(dh);
	rel->len = len;
	rel->ptr[len] = '\0';
	return err;
}

/* Watches records/ and every folder in it; 1 when it cannot. */
static int watch(struct ks_web_index *w)
{
	struct ks_buf rel = KS_BUF_INIT;
	int err;

	unwatch(w);
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0)
		return 1;
	err = ks_buf_puts(&rel, KS_RECORDS_DIR) < 0 ? -1 : watch_dir(w, &rel, 0);
	ks_buf_release(&rel);
	if (err)
		unwatch(w);
	return err;
}

int ks_web_index_open(struct ks_web_index **out, struct ks_repo *r,
		      struct ks_diags *d)
{
	struct ks_web_index *w = ks_calloc(1, sizeof(*w));
	int err;

	*out = NULL;
	if (!w)
		return -1;
	w->r = r;
	w->fd = -1;
	/* watched before the first comparison, so no change falls between */
	if ((err = ks_rindex_open(&w->x, r, d)) || (err = watch(w)) == -1 ||
	    (err = ks_rindex_refresh(w->x, NULL, d))) {
		ks_web_index_close(w);
		return err;
	}
	*out = w;
	return 0;
}

void ks_web_index_close(struct ks_web_index *w)
{
	if (!w)
		return;
	unwatch(w);
	ks_free(w->v);
	ks_paths_release(&w->dirty);
	ks_rindex_close(w->x);
	ks_free(w);
}

static const char *folder_of(const struct ks_web_index *w, int wd)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		if (w->v[i].wd == wd)
			return w->v[i].rel;
	return NULL;
}

/* Reads the events waiting: paths into w->dirty, or w->full. */
static int drain(struct ks_web_index *w)
{
	char ev[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct ks_buf path = KS_BUF_INIT;
	ssize_t got;
	int err = 0;

	while (!err && !w->full && (got = read(w->fd, ev, sizeof(ev))) > 0) {
		char *p = ev;

		while (!err && p < ev + got) {
			const struct inotify_event *e = (const void *)p;
			const char *dir = folder_of(w, e->wd);

			p += sizeof(*e) + e->len;
			if ((e->mask & (IN_Q_OVERFLOW | IN_DELETE_SELF |
					IN_MOVE_SELF | IN_IGNORED)) ||
			    ((e->mask & IN_ISDIR) && (e->mask & (IN_CREATE |
				IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE))) ||
			    !dir) {
				w->full = 1;
				break;
			}
			if (!e->len || (e->mask & IN_ISDIR))
				continue;
			ks_buf_reset(&path);
			if (ks_buf_addf(&path, "%s/%s", dir, e->name) < 0 ||
			    ks_paths_add(&w->dirty, path.ptr) < 0)
				err = -1;
		}
	}
	ks_buf_release(&path);
	return err;
}

struct ks_rindex *ks_web_index_fresh(struct ks_web_index *w,
				     struct ks_diags *d)
{
	int err = 0;

	if (w->fd >= 0 && drain(w) < 0)
		return NULL;
	if (w->fd < 0 || w->full) {
		/* set up again; changes from then on are seen */
		if (watch(w) == -1)
			return NULL;
		w->full = 0;
		ks_paths_release(&w->dirty);
		err = ks_rindex_refresh(w->x, NULL, d);
	} else if (w->dirty.n) {
		ks_paths_sort(&w->dirty);
		err = ks_rindex_refresh_paths(w->x,
					      (const char *const *)w->dirty.v,
					      w->dirty.n, d);
		if (!err)
			ks_paths_release(&w->dirty);
	}
	return err ? NULL : w->x;
}

/*
 * Which folders held only the index's files when last read.  See
 * foldercache.h.
 */
#include "foldercache.h"
#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "file.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifndef _WIN32
#include <linux/magic.h>
#include <sys/vfs.h>
#endif

#define MAGIC "khaosat-folders 1\n"
#define CACHE_FILE "khaosat/folders"
#define RACY_SECONDS 2

struct folder {
	char *path;
	long long mtime_s, mtime_ns, ctime_s, ctime_ns;
	unsigned long long ino;
	uint64_t names;
};

struct ks_foldercache {
	char *file;
	unsigned long long dev;	/* the work tree's file system */
	long long fs_type;
	struct folder *old;	/* as read, in the order of their paths */
	size_t nold;
	struct folder *now;	/* what is kept: the same, or noted */
	size_t nnow, now_alloc;
	size_t same;		/* of `old`, found the same */
	int changed;
	time_t before;		/* folders changed since are not noted */
};

static void folder_of(struct folder *f, const struct stat *st, uint64_t names)
{
	f->mtime_s = (long long)st->st_mtim.tv_sec;
	f->mtime_ns = st->st_mtim.tv_nsec;
	f->ctime_s = (long long)st->st_ctim.tv_sec;
	f->ctime_ns = st->st_ctim.tv_nsec;
	f->ino = (unsigned long long)st->st_ino;
	f->names = names;
}

static int folder_eq(const struct folder *a, const struct folder *b)
{
	return a->mtime_s == b->mtime_s && a->mtime_ns == b->mtime_ns &&
	       a->ctime_s == b->ctime_s && a->ctime_ns == b->ctime_ns &&
	       a->ino == b->ino && a->names == b->names;
}

static int folder_cmp(const void *a, const void *b)
{
	return strcmp(((const struct folder *)a)->path,
		      ((const struct folder *)b)->path);
}

static void folders_free(struct folder *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		ks_free(v[i].path);
	ks_free(v);
}

/* ---- the file ---- */

static int fs_line(struct ks_buf *b, const struct ks_foldercache *c, int ok)
{
	return ks_buf_addf(b, "fs %llu %lld %d\n", c->dev, c->fs_type, ok);
}

static void write_file(const struct ks_foldercache *c, int ok)
{
	struct ks_diags ignore = KS_DIAGS_INIT;
	struct ks_buf b = KS_BUF_INIT;
	size_t i;

	ks_buf_puts(&b, MAGIC);
	fs_line(&b, c, ok);
	for (i = 0; i < c->nnow; i++) {
		const struct folder *f = &c->now[i];

		ks_buf_addf(&b, "%lld %lld %lld %lld %llu %016" PRIx64 " %s\n",
			    f->mtime_s, f->mtime_ns, f->ctime_s, f->ctime_ns,
			    f->ino, f->names, f->path);
	}
	/* only a cache: not flushed, and a failure costs a reading */
	ks_file_put_text(c->file, &b, 0, &ignore);
	ks_diags_release(&ignore);
	ks_buf_release(&b);
}

#ifdef _WIN32

/*
 * Not on Windows: the test of the file system is made of POSIX's calls,
 * and a folder's change time there is only what the file system may
 * give (compat/win32.c).
 */
struct ks_foldercache *ks_foldercache_open(const char *gitdir, int top)
{
	(void)gitdir;
	(void)top;
	return NULL;
}

#else

/* ---- whether the file system moves a folder's times ---- */

#define ZFS_SUPER_MAGIC 0x2fc12fc1	/* not in linux/magic.h */

/*
 * 1 for Linux's own file systems, which keep a change time of their own
 * on the disk.  FAT's and exFAT's have none (Linux gives the creation
 * time for it), and a network folder's times are the server's, cached:
 * a folder's times set back there could pass the test below, and hide a
 * new file.
 */
static int keeps_change_times(unsigned long type)
{
	static const unsigned long own[] = {
		EXT4_SUPER_MAGIC, XFS_SUPER_MAGIC, BTRFS_SUPER_MAGIC,
		F2FS_SUPER_MAGIC, TMPFS_MAGIC, OVERLAYFS_SUPER_MAGIC,
		ZFS_SUPER_MAGIC,
	};
	size_t i;

	for (i = 0; i < sizeof(own) / sizeof(*own); i++)
		if (type == own[i])
			return 1;
	return 0;
}

enum probe { MAKE, RENAME, REMOVE, MAKE_FOLDER, REMOVE_FOLDER };

/*
 * The folder `name` in `parent` (open as `t`) set a hundred seconds
 * back, then changed by `op`: 1 when its modification time moved.
 */
static int moves(int parent, const char *name, int t, enum probe op)
{
	struct timespec back[2];
	struct stat a, b;
	int fd, done;

	if (clock_gettime(CLOCK_REALTIME, &back[0]) < 0)
		return 0;
	back[0].tv_sec -= 100;
	back[1] = back[0];
	if (utimensat(parent, name, back, 0) < 0 || fstat(t, &a) < 0 ||
	    a.st_mtim.tv_sec != back[0].tv_sec)
		return 0;
	switch (op) {
	case MAKE:
		fd = openat(t, "a", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		done = fd >= 0 && close(fd) == 0;
		break;
	case RENAME:
		done = renameat(t, "a", t, "b") == 0;
		break;
	case REMOVE:
		done = unlinkat(t, "b", 0) == 0;
		break;
	case MAKE_FOLDER:
		done = mkdirat(t, "c", 0700) == 0;
		break;
	default:
		done = unlinkat(t, "c", AT_REMOVEDIR) == 0;
		break;
	}
	return done && fstat(t, &b) == 0 &&
	       (a.st_mtim.tv_sec != b.st_mtim.tv_sec ||
		a.st_mtim.tv_nsec != b.st_mtim.tv_nsec);
}

/*
 * 1 when a folder made in the folder `dir` (open as `parent`, on the
 * file system `dev`) has its modification time moved by each change of
 * the names in it; 0 when not; -1 when it cannot be tested now (no
 * folder can be made there).
 */
static int fs_moves_times(const char *dir, int parent, unsigned long long dev)
{
	struct ks_buf test = KS_BUF_INIT;
	const char *name;
	struct stat st;
	int t, ok;

	if (ks_buf_addf(&test, "%s/folders-test.%ld", dir, (long)getpid()) < 0)
		return -1;
	name = test.ptr + strlen(dir) + 1;
	ks_remove_tree(test.ptr);	/* left by a killed process of this id */
	if (mkdirat(parent, name, 0700) < 0) {
		ks_buf_release(&test);
		return -1;
	}
	t = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ok = t >= 0 && fstat(t, &st) == 0 && (unsigned long long)st.st_dev == dev &&
	     moves(parent, name, t, MAKE) && moves(parent, name, t, RENAME) &&
	     moves(parent, name, t, REMOVE) && moves(parent, name, t, MAKE_FOLDER) &&
	     moves(parent, name, t, REMOVE_FOLDER);
	if (t >= 0)
		close(t);
	else
		ok = -1;
	ks_remove_tree(test.ptr);
	ks_buf_release(&test);
	return ok;
}

/* ---- reading the file ---- */

/* One line of a folder; 0, or -1 when it is not one. */
static int parse_folder(struct folder *f, char *line)
{
	long long *times[] = { &f->mtime_s, &f->mtime_ns, &f->ctime_s, &f->ctime_ns };
	char *p = line, *end;
	size_t i;

	for (i = 0; i < sizeof(times) / sizeof(*times); i++, p = end + 1) {
		*times[i] = strtoll(p, &end, 10);
		if (end == p || *end != ' ')
			return -1;
	}
	f->ino = strtoull(p, &end, 10);
	if (end == p || *end != ' ')
		return -1;
	f->names = strtoull(p = end + 1, &end, 16);
	if (end == p || *end != ' ' || !end[1])
		return -1;
	return (f->path = ks_strdup(end + 1)) ? 0 : -1;
}

/*
 * The folders of `text` (the file's, its first lines read already),
 * when they are in order; else none: the cache is made anew.
 */
static void parse_folders(struct ks_foldercache *c, char *text)
{
	char *line, *eol;
	size_t alloc = 0;

	for (line = text; *line; line = eol + 1) {
		struct folder f;

		if (!(eol = strchr(line, '\n')))
			break;	/* cut short: what came before is whole */
		*eol = '\0';
		if (ks_grow(&c->old, c->nold, &alloc, sizeof(*c->old), 256) < 0)
			goto bad;
		if (parse_folder(&f, line) < 0)
			goto bad;
		if (c->nold && strcmp(c->old[c->nold - 1].path, f.path) >= 0) {
			ks_free(f.path);
			goto bad;
		}
		c->old[c->nold++] = f;
	}
	return;
bad:
	folders_free(c->old, c->nold);
	c->old = NULL;
	c->nold = 0;
}

struct ks_foldercache *ks_foldercache_open(const char *gitdir, int top)
{
	struct ks_foldercache *c = ks_calloc(1, sizeof(*c));
	struct ks_buf path = KS_BUF_INIT, text = KS_BUF_INIT, want = KS_BUF_INIT,
		      wanting = KS_BUF_INIT;
	struct statfs sfs;
	struct stat st;
	int kdir = -1, known = 0, ok = 0;

	if (!c || fstat(top, &st) < 0 || fstatfs(top, &sfs) < 0 ||
	    !keeps_change_times((unsigned long)sfs.f_type))
		goto fail;
	c->dev = (unsigned long long)st.st_dev;
	c->fs_type = (long long)sfs.f_type;
	c->before = time(NULL) - RACY_SECONDS;
	if (ks_buf_addf(&path, "%s" CACHE_FILE, gitdir) < 0 ||
	    !(c->file = ks_buf_detach(&path, NULL)))
		goto fail;
	/* what the second line says when the file system is this one */
	fs_line(&want, c, 1);
	fs_line(&wanting, c, 0);
	if (ks_buf_failed(&want) || ks_buf_failed(&wanting))
		goto fail;
	if (ks_buf_read_file(&text, c->file, (size_t)64 << 20) == 0 &&
	    text.len > strlen(MAGIC) && !memcmp(text.ptr, MAGIC, strlen(MAGIC))) {
		char *second = text.ptr + strlen(MAGIC);

		if (!strncmp(second, want.ptr, want.len)) {
			known = ok = 1;
			parse_folders(c, second + want.len);
		} else if (!strncmp(second, wanting.ptr, wanting.len)) {
			known = 1;	/* tested, and found wanting */
		}
	}
	if (!known) {
		ks_buf_reset(&path);
		ks_buf_addf(&path, "%skhaosat", gitdir);
		ok = -1;
		/* test folders that processes killed during a test left */
		if (!ks_buf_failed(&path))
			ks_sweep_stale(path.ptr, "folders-test.", KS_STALE_SECONDS);
		if (!ks_buf_failed(&path) &&
		    (kdir = open(path.ptr, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
			ok = fs_moves_times(path.ptr, kdir, c->dev);
			close(kdir);
		}
		if (ok < 0)
			goto fail;	/* no place to test: tested another time */
		if (!ok)
			write_file(c, 0);	/* not to be tested each time */
		c->changed = 1;
	}
	if (!ok)
		goto fail;
	ks_buf_release(&path);
	ks_buf_release(&text);
	ks_buf_release(&want);
	ks_buf_release(&wanting);
	return c;
fail:
	ks_buf_release(&path);
	ks_buf_release(&text);
	ks_buf_release(&want);
	ks_buf_release(&wanting);
	if (c) {
		ks_free(c->file);
		folders_free(c->old, c->nold);
		ks_free(c);
	}
	return NULL;
}

#endif

int ks_foldercache_same(struct ks_foldercache *c, const char *rel,
			const struct stat *st, uint64_t names)
{
	struct folder key = { .path = (char *)rel }, *f;

	if (!c || !c->nold || (unsigned long long)st->st_dev != c->dev)
		return 0;
	f = bsearch(&key, c->old, c->nold, sizeof(*c->old), folder_cmp);
	if (!f)
		return 0;
	folder_of(&key, st, names);
	if (!folder_eq(&key, f) ||
	    ks_grow(&c->now, c->nnow, &c->now_alloc, sizeof(*c->now), 256) < 0 ||
	    !(key.path = ks_strdup(rel)))
		return 0;
	c->now[c->nnow++] = key;
	c->same++;
	return 1;
}

void ks_foldercache_note(struct ks_foldercache *c, const char *rel,
			 const struct stat *st, uint64_t names)
{
	struct folder *f;

	/* a folder that may change again within the tick: read next time */
	if (!c || (unsigned long long)st->st_dev != c->dev ||
	    st->st_mtim.tv_sec >= c->before || st->st_ctim.tv_sec >= c->before ||
	    strchr(rel, '\n') ||
	    ks_grow(&c->now, c->nnow, &c->now_alloc, sizeof(*c->now), 256) < 0)
		return;
	f = &c->now[c->nnow];
	if (!(f->path = ks_strdup(rel)))
		return;
	folder_of(f, st, names);
	c->nnow++;
	c->changed = 1;
}

void ks_foldercache_close(struct ks_foldercache *c, int write)
{
	if (!c)
		return;
	/* a folder noted before and not kept now is dropped */
	if (write && (c->changed || c->same != c->nold)) {
		if (c->nnow)
			qsort(c->now, c->nnow, sizeof(*c->now), folder_cmp);
		write_file(c, 1);
	}
	folders_free(c->now, c->nnow);
	folders_free(c->old, c->nold);
	ks_free(c->file);
	ks_free(c);
}

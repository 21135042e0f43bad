/*
 * The survey's files compared with git's index, without libgit2's
 * status.  See wtlist.h.
 */
#include "wtlist.h"
#include "alloc.h"
#include "buf.h"
#include "fnv.h"
#include "foldercache.h"
#include "gitindex.h"
#include "pool.h"
#include "repo.h"
#include "statcursor.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FALLBACK 1
#define MODE_EXEC 0100755
#define MODE_FILE 0100644

/* A file whose stat data is refreshed in the index. */
struct refresh {
	size_t at;
	struct stat st;
};

struct walk {
	struct ks_repo *r;
	git_repository *git;
	const struct ks_gitindex *ix;
	const struct ks_wtlist_ask *ask;
	struct ks_buf abs;	/* the work tree, then the path looked at */
	size_t root;		/* length of the work tree's part */
	int top;		/* the work tree, open: paths are looked up
				   from it, not from the file system's root */
	int trust_ctime;
	struct refresh *fresh;
	size_t nfresh, fresh_alloc;
	int filters;		/* -1 not known yet, 0 none can apply, 1 may */
	const unsigned char *verdicts;	/* each entry's, while new files
					   are looked for */
	int rules;		/* -1 not known yet, 0 no ignore rules but
				   git's own, 1 some may apply (ignores) */
	int rule_files;		/* .gitignore files in the folders walked
				   into, up to the one being read */
	struct ks_buf plain_dir;	/* a folder with no attributes up to it */
	struct ks_buf scratch;
	struct ks_foldercache *folders;	/* the folders not to read, or NULL */
	struct ks_buf key;	/* a folder's path and '0' (past_folder) */
};

/* Settings under which git compares files otherwise: libgit2's job. */
static int plain_settings(git_repository *git, int *trust_ctime)
{
	git_config *cfg = NULL;
	int filemode = 1, symlinks = 1, ignorecase = 0;

	*trust_ctime = 1;
	if (git_repository_config_snapshot(&cfg, git) < 0) {
		git_error_clear();
		return 0;
	}
	if (git_config_get_bool(&filemode, cfg, "core.filemode") < 0)
		filemode = 1;
	if (git_config_get_bool(&symlinks, cfg, "core.symlinks") < 0)
		symlinks = 1;
	if (git_config_get_bool(&ignorecase, cfg, "core.ignorecase") < 0)
		ignorecase = 0;
	if (git_config_get_bool(trust_ctime, cfg, "core.trustctime") < 0)
		*trust_ctime = 1;
	git_error_clear();
	git_config_free(cfg);
	return filemode && symlinks && !ignorecase;
}

static int set_rel(struct walk *w, const char *rel, size_t len)
{
	ks_buf_setlen(&w->abs, w->root);
	return ks_buf_add(&w->abs, rel, len);
}

static const char *rel_of(const struct walk *w)
{
	return w->abs.ptr + w->root;
}

static int time_eq(uint32_t s, uint32_t ns, const struct timespec *t)
{
	return s == (uint32_t)t->tv_sec && ns == (uint32_t)t->tv_nsec;
}

/* libgit2's git_index_entry_newer_than_index(): the racy case. */
static int newer_than_index(const struct walk *w, const struct stat *st)
{
	int32_t is = (int32_t)w->ix->st.st_mtim.tv_sec;
	int32_t fs = (int32_t)st->st_mtim.tv_sec;

	if (is < fs)
		return 1;
	if (is > fs)
		return 0;
	return (uint32_t)w->ix->st.st_mtim.tv_nsec <= (uint32_t)st->st_mtim.tv_nsec;
}

static int found(const struct walk *w, enum ks_wt_change what, const char *path)
{
	return w->ask->found(w->ask->payload, what, path);
}

/* What the stat data alone says of an entry's file. */
enum verdict {
	NOT_SURVEY,	/* not a survey file: not looked at */
	SAME,
	GONE,
	CHANGED,
	UNSURE,		/* to be read and hashed */
	OTHER,		/* libgit2's rules */
};

/*
 * One entry against its file's stat data, read through `c` (NULL: from
 * the work tree); *st the file's.  Touches nothing shared and allocates
 * nothing: the entries are looked at by several threads.
 */
static enum verdict classify(const struct walk *w, size_t at,
			     struct ks_stat_cursor *c, struct stat *st)
{
	const struct ks_gitindex_entry *e = &w->ix->v[at];
	const struct ks_gitindex_stat *s = &w->ix->stat[at];
	const char *path = ks_gitindex_path(w->ix, e);
	unsigned mode;

	if (!w->ask->wanted(path))
		return NOT_SURVEY;
	if (KS_GITINDEX_STAGE(e->flags) || (e->flags & KS_GITINDEX_VALID) ||
	    e->flags2 || (e->mode != MODE_FILE && e->mode != MODE_EXEC))
		return OTHER;
	/* from the open work tree, or from the file's folder, open */
	if ((c ? ks_stat_at(c, path, st)
	       : fstatat(w->top, path, st, AT_SYMLINK_NOFOLLOW)) < 0)
		return errno == ENOENT || errno == ENOTDIR ? GONE : OTHER;
	if (!S_ISREG(st->st_mode))
		return OTHER;
	mode = (st->st_mode & 0100) ? MODE_EXEC : MODE_FILE;
	if (mode != e->mode)
		return OTHER;
	if (s->size != (uint32_t)st->st_size)
		return s->size ? CHANGED : UNSURE;
	if (!time_eq(s->mtime_s, s->mtime_ns, &st->st_mtim) ||
	    (w->trust_ctime && !time_eq(s->ctime_s, s->ctime_ns, &st->st_ctim)) ||
	    s->ino != (uint32_t)st->st_ino || s->uid != (uint32_t)st->st_uid ||
	    s->gid != (uint32_t)st->st_gid || newer_than_index(w, st))
		return UNSURE;
	return SAME;
}

/*
 * Whether git's filters (line endings, ident) may change a file on its
 * way into git.  libgit2 decides from the attributes, and to find them
 * loads the whole index with its own reader: 0.55 G instructions at
 * 100,000 records, for the first file hashed.  No filter applies when
 * core.autocrlf is off and there is no attributes file: not the
 * system's, nor the user's, nor the repository's info/attributes, nor a
 * .gitattributes in the index or (attributes_on_path) in a folder of the
 * file's path.  A file's id is then its plain blob id.
 */
static int absent(const char *path)
{
	struct stat st;

	/* what cannot be looked at may be there */
	return lstat(path, &st) < 0 && (errno == ENOENT || errno == ENOTDIR);
}

/* 1 when `name` is in a folder of libgit2's search path at `level`. */
static int in_search_path(int level, const char *name, struct ks_buf *b)
{
	git_buf dirs = GIT_BUF_INIT;
	const char *d, *end;
	int there = 0;

	if (git_libgit2_opts(GIT_OPT_GET_SEARCH_PATH, level, &dirs) < 0) {
		git_error_clear();
		return 1;
	}
	for (d = dirs.ptr ? dirs.ptr : ""; *d && !there; d = *end ? end + 1 : end) {
		end = strchr(d, GIT_PATH_LIST_SEPARATOR);
		if (!end)
			end = d + strlen(d);
		ks_buf_reset(b);
		ks_buf_add(b, d, (size_t)(end - d));
		ks_buf_putc(b, '/');
		ks_buf_puts(b, name);
		there = ks_buf_failed(b) || !absent(b->ptr);
	}
	git_buf_dispose(&dirs);
	return there;
}

/*
 * 1 when a file of rules of the user's may exist: the one `key` names in
 * the configuration, or `name` in the user's own git folder (libgit2
 * reads that one where `key` is unset); also when it cannot be told.
 */
static int user_file(struct walk *w, git_config *cfg, const char *key,
		     const char *name)
{
	git_buf path = GIT_BUF_INIT;
	int rc = git_config_get_path(&path, cfg, key);
	int there = (rc < 0 && rc != GIT_ENOTFOUND) ||
		    (rc == 0 && !absent(path.ptr)) ||
		    in_search_path(GIT_CONFIG_LEVEL_XDG, name, &w->scratch);

	git_buf_dispose(&path);
	return there;
}

/* The path of the repository's info/`name`, in w->scratch; or NULL. */
static const char *info_file(struct walk *w, const char *name)
{
	git_buf path = GIT_BUF_INIT;
	const char *p = NULL;

	if (git_repository_item_path(&path, w->git, GIT_REPOSITORY_ITEM_INFO) == 0) {
		ks_buf_reset(&w->scratch);
		ks_buf_puts(&w->scratch, path.ptr);
		ks_buf_puts(&w->scratch, name);
		p = ks_buf_failed(&w->scratch) ? NULL : w->scratch.ptr;
	}
	git_buf_dispose(&path);
	return p;
}

static int filters_may_apply(struct walk *w)
{
	git_config *cfg = NULL;
	const char *info;
	size_t i;
	int crlf = 0, rc, may = 1;

	if (git_repository_config_snapshot(&cfg, w->git) < 0)
		goto out;
	/* "input" is no boolean: it converts, as "true" does */
	rc = git_config_get_bool(&crlf, cfg, "core.autocrlf");
	if ((rc < 0 && rc != GIT_ENOTFOUND) || (rc == 0 && crlf))
		goto out;
	if (user_file(w, cfg, "core.attributesFile", "attributes") ||
	    in_search_path(GIT_CONFIG_LEVEL_SYSTEM, "gitattributes", &w->scratch) ||
	    !(info = info_file(w, "attributes")) || !absent(info))
		goto out;
	for (i = 0; i < w->ix->n; i++) {
		const struct ks_gitindex_entry *e = &w->ix->v[i];
		const char *p = ks_gitindex_path(w->ix, e);
		const size_t len = sizeof(".gitattributes") - 1;

		if (e->path_len >= len && !strcmp(p + e->path_len - len, ".gitattributes") &&
		    (e->path_len == len || p[e->path_len - len - 1] == '/'))
			goto out;
	}
	may = 0;
out:
	git_error_clear();
	git_config_free(cfg);
	return may;
}

/* 1 when a folder of `path`, or the work tree's top, has a .gitattributes. */
static int attributes_on_path(struct walk *w, const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t dir = slash ? (size_t)(slash - path) + 1 : 0, at;

	/* files come in the index's order: mostly the folder just looked at */
	if (w->plain_dir.ptr && w->plain_dir.len == dir &&
	    !memcmp(w->plain_dir.ptr, path, dir))
		return 0;
	for (at = 0;; at++) {
		if (at == 0 || path[at - 1] == '/') {
			ks_buf_reset(&w->scratch);
			ks_buf_add(&w->scratch, w->abs.ptr, w->root);
			ks_buf_add(&w->scratch, path, at);
			ks_buf_puts(&w->scratch, ".gitattributes");
			if (ks_buf_failed(&w->scratch) || !absent(w->scratch.ptr))
				return 1;
		}
		if (at == dir)
			break;
	}
	ks_buf_reset(&w->plain_dir);
	ks_buf_add(&w->plain_dir, path, dir);
	return ks_buf_failed(&w->plain_dir);
}

/* The id git would store for the file at `abs`, work-tree path `path`. */
static int hash_file(struct walk *w, git_oid *id, const char *abs,
		     const char *path)
{
	if (w->filters < 0)
		w->filters = filters_may_apply(w);
	if (!w->filters && !attributes_on_path(w, path))
		return git_odb_hashfile(id, abs, GIT_OBJECT_BLOB);
	/* read as git would store it, its filters applied */
	return git_repository_hashfile(id, w->git, abs, GIT_OBJECT_BLOB, path);
}

/* An entry whose file may have changed, read: 0, FALLBACK or -1. */
static int compare_content(struct walk *w, size_t at)
{
	const struct ks_gitindex_entry *e = &w->ix->v[at];
	const char *path = ks_gitindex_path(w->ix, e);
	struct stat st;
	git_oid now;

	/* looked at again: the stat data kept must be of the file hashed */
	if (set_rel(w, path, e->path_len) < 0)
		return -1;
	switch (classify(w, at, NULL, &st)) {
	case SAME:
		return 0;
	case GONE:
		return found(w, KS_WT_DELETED, path);
	case CHANGED:
		return found(w, KS_WT_MODIFIED, path);
	case UNSURE:
		break;
	default:
		return FALLBACK;
	}
	if (hash_file(w, &now, w->abs.ptr, path) < 0) {
		git_error_clear();
		return FALLBACK;
	}
	if (memcmp(now.id, e->id, 20))
		return found(w, KS_WT_MODIFIED, path);
	if (ks_grow(&w->fresh, w->nfresh, &w->fresh_alloc, sizeof(*w->fresh), 16) < 0)
		return -1;
	w->fresh[w->nfresh].at = at;
	w->fresh[w->nfresh++].st = st;
	return 0;
}

void ks_wtstamp_of(struct ks_wtstamp *k, const struct stat *st)
{
	k->size = st->st_size;
	k->mtime = (long long)st->st_mtim.tv_sec * 1000000000 +
		   st->st_mtim.tv_nsec;
	k->ctime = (long long)st->st_ctim.tv_sec * 1000000000 +
		   st->st_ctim.tv_nsec;
	k->ino = (long long)st->st_ino;
}

/*
 * Every entry's file looked at, as git's preloading of the index does:
 * the lstat() calls of 100,000 files shared between threads (pool.h).
 */
struct look {
	const struct walk *w;
	unsigned char *verdicts;
};

static void look_at_share(void *ctx, size_t from, size_t to)
{
	struct look *l = ctx;
	struct ks_wtstamp *k = l->w->ask->stamps;
	struct ks_stat_cursor c;
	struct stat st;
	size_t i;

	ks_stat_cursor_init(&c, l->w->top);
	for (i = from; i < to; i++) {
		enum verdict v = classify(l->w, i, &c, &st);

		l->verdicts[i] = (unsigned char)v;
		if (!k)
			continue;
		/* a regular file, looked at (the others are left to libgit2) */
		k[i].plain = v == SAME || v == CHANGED || v == UNSURE;
		if (k[i].plain)
			ks_wtstamp_of(&k[i], &st);
	}
	ks_stat_cursor_release(&c);
}

/* 1 when the file at `path` holds a pattern (or cannot be read whole). */
static int has_rule(const char *path)
{
	struct ks_buf text = KS_BUF_INIT;
	const char *p, *end;
	int any = 0;

	if (ks_buf_read_file(&text, path, 1 << 20) < 0) {
		ks_buf_release(&text);
		return !absent(path);
	}
	for (p = text.ptr, end = p + text.len; p < end && !any; p++) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));

		if (!eol)
			eol = end;
		/* a comment starts with '#'; a line of blanks says nothing */
		if (*p != '#')
			for (; p < eol && !any; p++)
				any = *p != ' ' && *p != '\t' && *p != '\r';
		p = eol;
	}
	ks_buf_release(&text);
	return any;
}

/*
 * Whether a rule may make git ignore a file beyond its own (".", "..",
 * ".git": names the walk never asks about): a file core.excludesFile
 * names, the user's ignore file, a pattern in info/exclude.  libgit2
 * looks for them again for every file it is asked about, at 100,000 new
 * files half a million look-ups; .gitignore files the walk sees itself,
 * folder by folder (rule_files).
 */
static int ignore_rules(struct walk *w)
{
	git_config *cfg = NULL;
	const char *info;
	int may;

	if (git_repository_config_snapshot(&cfg, w->git) < 0) {
		git_error_clear();
		return 1;
	}
	may = user_file(w, cfg, "core.excludesFile", "ignore") ||
	      !(info = info_file(w, "exclude")) || has_rule(info);
	git_error_clear();
	git_config_free(cfg);
	return may;
}

/* 1 when the folder open as `dh` has a .gitignore (or cannot say). */
static int rule_file_in(DIR *dh)
{
	struct stat st;

	return fstatat(dirfd(dh), ".gitignore", &st, AT_SYMLINK_NOFOLLOW) == 0 ||
	       errno != ENOENT;
}

/* A file the index does not hold: new, unless git ignores it. */
static int untracked(struct walk *w)
{
	int ignored = 0;

	if (w->rules < 0)
		w->rules = ignore_rules(w);
	if (!w->rules && !w->rule_files)
		return found(w, KS_WT_NEW, rel_of(w));
	if (git_ignore_path_is_ignored(&ignored, w->git, rel_of(w)) < 0) {
		git_error_clear();
		return FALLBACK;
	}
	return ignored ? 0 : found(w, KS_WT_NEW, rel_of(w));
}

/* Whether the path now in w->abs is in the index's entries [lo, hi). */
static int held(const struct walk *w, size_t lo, size_t hi)
{
	const char *p = rel_of(w);
	size_t len = w->abs.len - w->root;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct ks_gitindex_entry *e = &w->ix->v[mid];
		size_t n = e->path_len < len ? e->path_len : len;
		int c = memcmp(ks_gitindex_path(w->ix, e), p, n);

		if (!c)
			c = e->path_len < len ? -1 : e->path_len > len;
		if (!c)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/*
 * A folder entry's type where readdir() did not give it (some file
 * systems do not): a folder, a file, or anything else as a link.  0, or
 * FALLBACK when it cannot be looked at.
 */
static int type_of(const char *abs, unsigned char *type)
{
	struct stat st;

	if (lstat(abs, &st) < 0)
		return FALLBACK;
	*type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_LNK;
	return 0;
}

/* The folder at `rel` in the open work tree, or NULL. */
static DIR *open_folder(int top, const char *rel)
{
	int fd = openat(top, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dh;

	if (fd < 0)
		return NULL;
	if (!(dh = fdopendir(fd)))
		close(fd);
	return dh;
}

/*
 * Whether the regular files the folder at w->abs (its `files` of them)
 * are exactly the index's entries in it, entries [lo, hi) being the
 * index's under it: when every entry directly in it was found a regular
 * file by the look at all entries, they are that many of its files, and
 * if there are no more, none is new.
 */
static int just_the_entries(const struct walk *w, size_t lo, size_t hi,
			    size_t files)
{
	size_t prefix = w->abs.len - w->root + 1, direct = 0, i;

	for (i = lo; i < hi; i++) {
		const struct ks_gitindex_entry *e = &w->ix->v[i];
		const char *rest = ks_gitindex_path(w->ix, e) + prefix;

		if (memchr(rest, '/', e->path_len - prefix))
			continue;	/* in a folder inside: its own walk's */
		if (w->verdicts[i] != SAME && w->verdicts[i] != CHANGED &&
		    w->verdicts[i] != UNSURE)
			return 0;
		direct++;
	}
	return direct == files;
}

/*
 * The first entry past those under the folder `path` (`len` bytes, no
 * '/' at its end): the first from "path0" on, '0' coming after '/'.
 * (size_t)-1 when out of memory.
 */
static size_t past_folder(struct walk *w, const char *path, size_t len)
{
	ks_buf_reset(&w->key);
	if (ks_buf_add(&w->key, path, len) < 0 || ks_buf_putc(&w->key, '0') < 0)
		return (size_t)-1;
	return ks_gitindex_lower(w->ix, w->key.ptr, w->key.len);
}

/*
 * The digest of the names directly in the folder whose entries are
 * [lo, hi), `prefix` bytes of each path being the folder's ("dir/"):
 * each file's, and each folder's once, its entries passed over.  0, or
 * -1 out of memory.
 */
static int names_in(uint64_t *out, struct walk *w, size_t lo, size_t hi,
		    size_t prefix)
{
	uint64_t h = KS_FNV_INIT;
	size_t i = lo;

	while (i < hi) {
		const struct ks_gitindex_entry *e = &w->ix->v[i];
		const char *path = ks_gitindex_path(w->ix, e);
		size_t n = e->path_len - prefix;
		const char *slash = memchr(path + prefix, '/', n);

		if (!slash) {
			h = ks_fnv(ks_fnv(h, path + prefix, n), "f", 1);
			i++;
			continue;
		}
		n = (size_t)(slash - (path + prefix));
		h = ks_fnv(ks_fnv(h, path + prefix, n), "d", 1);
		if ((i = past_folder(w, path, prefix + n)) == (size_t)-1)
			return -1;
	}
	*out = h;
	return 0;
}

/* Whether the index has files under the folder now in w->abs. */
static int index_has_folder(struct walk *w, size_t lo, size_t hi)
{
	size_t len = w->abs.len, prefix, at;
	int yes;

	if (ks_buf_putc(&w->abs, '/') < 0)
		return 0;
	prefix = w->abs.len - w->root;
	at = ks_gitindex_lower(w->ix, rel_of(w), prefix);
	yes = at >= lo && at < hi && w->ix->v[at].path_len > prefix &&
	      !memcmp(ks_gitindex_path(w->ix, &w->ix->v[at]), rel_of(w), prefix);
	ks_buf_setlen(&w->abs, len);
	return yes;
}

static int walk_folder(struct walk *w, int listed);

/*
 * The folders inside the folder now in w->abs, as the index names them
 * (its entries [lo, hi)), each walked: the folder itself is as it was
 * when it held only the index's files and folders (foldercache.h).
 */
static int walk_known(struct walk *w, size_t lo, size_t hi)
{
	size_t len = w->abs.len, prefix = len - w->root + 1, i = lo;
	int err = 0;

	while (!err && i < hi) {
		const struct ks_gitindex_entry *e = &w->ix->v[i];
		const char *rest = ks_gitindex_path(w->ix, e) + prefix;
		const char *slash = memchr(rest, '/', e->path_len - prefix);

		if (!slash) {
			i++;
			continue;
		}
		ks_buf_setlen(&w->abs, len);
		if (ks_buf_putc(&w->abs, '/') < 0 ||
		    ks_buf_add(&w->abs, rest, (size_t)(slash - rest)) < 0) {
			err = -1;
			break;
		}
		err = walk_folder(w, 0);
		if (!err &&
		    (i = past_folder(w, rel_of(w), w->abs.len - w->root)) == (size_t)-1)
			err = -1;
	}
	ks_buf_setlen(&w->abs, len);
	return err;
}

/*
 * The files under the folder now in w->abs that the index lacks.  The
 * usual folder holds only the index's files: its regular files are
 * counted first, and looked up in the index one by one (read again)
 * only when there are more of them than entries.  A folder that held
 * only the index's files and folders when last read, and is as it was,
 * is not read again (foldercache.h).  `listed`: the folder was found in
 * its parent; else the index names it, and it may be gone (its files
 * are deletions then, and nothing in it is new).
 */
static int walk_folder(struct walk *w, int listed)
{
	size_t len = w->abs.len, lo, hi, files = 0;
	int counting, again = 0, rules_here, clean = 0;
	DIR *dh;
	struct dirent *de;
	struct stat st;
	uint64_t names = 0;
	int err = 0;

	/* the index's entries under "folder/": up to "folder0" */
	if (ks_buf_putc(&w->abs, '/') < 0)
		return -1;
	lo = ks_gitindex_lower(w->ix, rel_of(w), w->abs.len - w->root);
	w->abs.ptr[w->abs.len - 1] = '0';
	hi = ks_gitindex_lower(w->ix, rel_of(w), w->abs.len - w->root);
	w->abs.ptr[w->abs.len - 1] = '/';
	/* a folder the index has nothing of: every file in it is new */
	counting = w->verdicts && hi > lo;
	w->abs.ptr[len] = '\0';
	if (counting && w->folders &&
	    fstatat(w->top, rel_of(w), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISDIR(st.st_mode) &&
	    names_in(&names, w, lo, hi, len + 1 - w->root) == 0) {
		if (ks_foldercache_same(w->folders, rel_of(w), &st, names)) {
			ks_buf_setlen(&w->abs, len);
			return walk_known(w, lo, hi);
		}
		clean = 1;	/* so far: noted if nothing says otherwise */
	}
	dh = open_folder(w->top, rel_of(w));
	w->abs.ptr[len] = '/';
	if (!dh) {
		err = !listed && errno == ENOENT ? 0 : FALLBACK;
		ks_buf_setlen(&w->abs, len);
		return err;
	}
	rules_here = rule_file_in(dh);
	w->rule_files += rules_here;
	/* the folders inside see its rules: a folder with some is read */
	clean = clean && !rules_here;
read:
	while (!err && (errno = 0, de = readdir(dh))) {
		const char *name = de->d_name;
		unsigned char type = de->d_type;

		if (name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2])))
			continue;
		if (!strcmp(name, ".git")) {
			err = FALLBACK;	/* a repository inside: libgit2's rules */
			break;
		}
		if (counting && type == DT_REG) {
			files++;
			continue;
		}
		ks_buf_setlen(&w->abs, len + 1);
		if (ks_buf_puts(&w->abs, name) < 0) {
			err = -1;
			break;
		}
		if (type == DT_UNKNOWN && (err = type_of(w->abs.ptr, &type)))
			break;
		if (type == DT_DIR) {
			/* a folder the index has nothing in is never skipped */
			clean = clean && index_has_folder(w, lo, hi);
			err = again ? 0 : walk_folder(w, 1);	/* once */
		} else if (counting && type == DT_REG) {
			files++;
		} else if (held(w, lo, hi)) {
			continue;	/* compared with its entry */
		} else if (type == DT_REG) {
			clean = 0;
			err = untracked(w);
		} else {
			err = FALLBACK;	/* a new link, a device: libgit2's */
		}
	}
	if (!err && errno)
		err = FALLBACK;
	ks_buf_setlen(&w->abs, len);
	if (!err && counting && files && !just_the_entries(w, lo, hi, files)) {
		/* a file the index lacks, or one gone: each looked up */
		counting = 0;
		again = 1;
		clean = 0;
		/* read again from its start (Windows' compat/ has no rewinddir) */
		closedir(dh);
		if ((dh = open_folder(w->top, rel_of(w)))) {
			ks_buf_putc(&w->abs, '/');
			goto read;
		}
		err = FALLBACK;
	}
	w->rule_files -= rules_here;
	if (dh)
		closedir(dh);
	ks_buf_setlen(&w->abs, len);
	if (!err && clean)
		ks_foldercache_note(w->folders, rel_of(w), &st, names);
	return err;
}

/* 1 when the caller wants `name` as a folder ("name/..."). */
static int wanted_folder(struct walk *w, size_t len)
{
	int yes;

	if (ks_buf_putc(&w->abs, '/') < 0)
		return -1;
	yes = w->ask->wanted(rel_of(w));
	ks_buf_setlen(&w->abs, len);
	return yes;
}

/*
 * New files: the work tree's top folder read, and in it the folders and
 * files the caller wants (so the one list of them is the caller's).
 */
static int walk_new(struct walk *w)
{
	DIR *dh;
	struct dirent *de;
	int err = 0;

	ks_buf_setlen(&w->abs, w->root);
	if (!(dh = opendir(w->abs.ptr)))
		return FALLBACK;
	w->rule_files = rule_file_in(dh);
	while (!err && (errno = 0, de = readdir(dh))) {
		const char *name = de->d_name;
		unsigned char type = de->d_type;
		size_t len;
		int folder;

		if (!strcmp(name, ".") || !strcmp(name, "..") || !strcmp(name, ".git"))
			continue;
		ks_buf_setlen(&w->abs, w->root);
		if (ks_buf_puts(&w->abs, name) < 0) {
			err = -1;
			break;
		}
		len = w->abs.len;
		if ((folder = wanted_folder(w, len)) < 0) {
			err = -1;
			break;
		}
		if (type == DT_UNKNOWN && (err = type_of(w->abs.ptr, &type)))
			break;
		if (type == DT_DIR)
			err = folder ? walk_folder(w, 1) : 0;
		else if (held(w, 0, w->ix->n))
			continue;	/* compared with its entry */
		else if (folder)
			err = FALLBACK;	/* a file or link where a folder goes */
		else if (w->ask->wanted(rel_of(w)))
			err = type == DT_REG ? untracked(w) : FALLBACK;
	}
	if (!err && errno)
		err = FALLBACK;
	closedir(dh);
	ks_buf_setlen(&w->abs, w->root);
	return err;
}

static int write_refreshed(struct walk *w, struct ks_gitindex *ix,
			   int *refreshed)
{
	size_t i;
	int err;

	for (i = 0; i < w->nfresh; i++)
		ks_gitindex_set_stat(ix, w->fresh[i].at, &w->fresh[i].st);
	ks_buf_setlen(&w->abs, 0);
	if (ks_buf_addf(&w->abs, "%sindex", git_repository_path(w->git)) < 0)
		return -1;
	/* only a cache: a plain git holding the index's lock wins */
	err = ks_gitindex_write(ix, w->abs.ptr, 1);
	*refreshed = err == 0;
	return 0;
}

int ks_wtlist_hash(git_oid *id, struct ks_repo *r, const struct ks_gitindex *ix,
		   const char *abs, const char *path)
{
	struct walk w;
	int err = -1;

	memset(&w, 0, sizeof(w));
	w.filters = -1;
	w.top = -1;
	w.r = r;
	w.git = ks_repo_git(r);
	w.ix = ix;
	if (ks_buf_puts(&w.abs, ks_repo_workdir(r)) == 0) {
		w.root = w.abs.len;
		err = hash_file(&w, id, abs, path);
	}
	ks_buf_release(&w.abs);
	ks_buf_release(&w.plain_dir);
	ks_buf_release(&w.scratch);
	ks_buf_release(&w.key);
	return err;
}

int ks_wtlist(struct ks_repo *r, struct ks_gitindex *ix,
	      const struct ks_wtlist_ask *ask, int refresh, int *refreshed)
{
	struct walk w;
	unsigned char *verdicts = NULL;
	size_t i;
	int err = 0;

	memset(&w, 0, sizeof(w));
	w.filters = -1;
	w.rules = -1;
	w.top = -1;
	*refreshed = 0;
	w.r = r;
	w.git = ks_repo_git(r);
	w.ix = ix;
	w.ask = ask;
	if (!plain_settings(w.git, &w.trust_ctime))
		return FALLBACK;
	if (ks_buf_puts(&w.abs, ks_repo_workdir(r)) < 0)
		err = -1;
	w.root = w.abs.len;
	if (!err && (w.top = open(w.abs.ptr, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		err = FALLBACK;
	if (!err && !(verdicts = ks_malloc(ix->n ? ix->n : 1)))
		err = -1;
	if (!err)
		ks_pool_split(ix->n, 4096, look_at_share,
			      &(struct look){ &w, verdicts });
	w.verdicts = verdicts;
	for (i = 0; !err && i < ix->n; i++) {
		const char *path = ks_gitindex_path(ix, &ix->v[i]);

		switch (verdicts[i]) {
		case GONE:
			err = found(&w, KS_WT_DELETED, path);
			break;
		case CHANGED:
			err = found(&w, KS_WT_MODIFIED, path);
			break;
		case UNSURE:
			err = compare_content(&w, i);
			break;
		case OTHER:
			err = FALLBACK;
			break;
		}
	}
	/* the verdicts serve the walk for new files too (just_the_entries) */
	if (!err && w.trust_ctime)
		w.folders = ks_foldercache_open(git_repository_path(w.git), w.top);
	if (!err)
		err = walk_new(&w);
	/* kept only after a walk of every folder */
	ks_foldercache_close(w.folders, !err);
	ks_free(verdicts);
	if (!err && w.nfresh && refresh)
		err = write_refreshed(&w, ix, refreshed);
	if (w.top >= 0)
		close(w.top);
	ks_free(w.fresh);
	ks_buf_release(&w.abs);
	ks_buf_release(&w.plain_dir);
	ks_buf_release(&w.scratch);
	ks_buf_release(&w.key);
	return err;
}

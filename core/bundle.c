/*
 * Git bundle files, read and written from git's documented format
 * (gitformat-bundle), with our own pack writer (packwrite.h: thin packs,
 * which libgit2's packbuilder cannot write) and libgit2's indexer.
 *
 * Writing streams the pack behind a v2 header into a temporary file that
 * is flushed and renamed over the old bundle.  Reading
 * indexes the pack into a private folder under .git/objects, checks the
 * result through a throw-away repository that sees the local objects plus
 * the new pack, and moves the pack into .git/objects/pack only when every
 * check passed.
 */
#include "bundle.h"
#include "intl.h"
#include "alloc.h"
#include "attachpath.h"
#include "buf.h"
#include "check.h"
#include "commit.h"
#include "crash.h"
#include "diag.h"
#include "file.h"
#include "layout.h"
#include "members.h"
#include "oidmap.h"
#include "packwrite.h"
#include "record.h"
#include "repo.h"
#include "schema.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <utf8proc.h>

#define HEADER_LINE_MAX 4096
#define KS_BUNDLE_MAX_DEPTH 32

void ks_bundle_info_release(struct ks_bundle_info *info)
{
	size_t i;

	for (i = 0; i < info->nprereqs; i++)
		ks_free(info->prereqs[i].comment);
	for (i = 0; i < info->nrefs; i++)
		ks_free(info->refs[i].name);
	ks_free(info->prereqs);
	ks_free(info->refs);
	memset(info, 0, sizeof(*info));
}

const struct ks_bundle_ref *ks_bundle_main_ref(const struct ks_bundle_info *info)
{
	static const char *const names[] = { KS_MAIN_REF, "HEAD" };
	size_t i, j;

	for (j = 0; j < 2; j++)
		for (i = 0; i < info->nrefs; i++)
			if (!strcmp(info->refs[i].name, names[j]))
				return &info->refs[i];
	return info->nrefs == 1 ? &info->refs[0] : NULL;
}

/* ---- writing ---- */

static int hide_existing(git_revwalk *w, git_odb *odb, const git_oid *hidden,
			 size_t nhidden)
{
	size_t i, len;
	git_object_t type;

	for (i = 0; i < nhidden; i++) {
		if (git_odb_read_header(&len, &type, odb, &hidden[i]) < 0 ||
		    type != GIT_OBJECT_COMMIT)
			continue;
		if (git_revwalk_hide(w, &hidden[i]) < 0)
			return -1;
	}
	return 0;
}

static int make_walk(git_revwalk **out, git_repository *repo, git_odb *odb,
		     const git_oid *tip, const git_oid *hidden, size_t nhidden)
{
	git_revwalk *w = NULL;

	if (git_revwalk_new(&w, repo) < 0)
		return -1;
	if (git_revwalk_push(w, tip) < 0 ||
	    hide_existing(w, odb, hidden, nhidden) < 0) {
		git_revwalk_free(w);
		return -1;
	}
	*out = w;
	return 0;
}

/* "-<oid> <summary>\n", once per commit. */
static int add_prereq(struct ks_buf *head, struct ks_oidmap *seen,
		      git_repository *repo, const git_oid *id)
{
	git_commit *c = NULL;
	const char *s = NULL;
	char hex[GIT_OID_HEXSZ + 1];
	int r = ks_oidmap_put(seen, id, 0);
	size_t i, start;

	if (r <= 0)
		return r;
	git_oid_tostr(hex, sizeof(hex), id);
	r = ks_buf_addf(head, "-%s", hex);
	if (git_commit_lookup(&c, repo, id) == 0)
		s = git_commit_summary(c);
	if (s && *s) {
		start = head->len + 1;
		r |= ks_buf_addf(head, " %s", s);
		for (i = start; i < head->len; i++)
			if (head->ptr[i] == '\n' || head->ptr[i] == '\r')
				head->ptr[i] = ' ';
	}
	r |= ks_buf_putc(head, '\n');
	git_commit_free(c);
	return r ? -1 : 0;
}

struct pack_writer {
	struct ks_file f;
	uint64_t bytes;
	const struct ks_progress *pg;
	const char *what;
};

static int pack_write_cb(const void *buf, size_t size, void *payload)
{
	struct pack_writer *w = payload;

	if (ks_file_write(&w->f, buf, size) < 0)
		return 1;
	w->bytes += size;
	ks_crash_point("bundle-write: pack data written");
	if (w->pg && w->pg->fn)
		w->pg->fn(w->pg->payload, w->what, w->bytes, 0);
	return 0;
}

/*
 * The v2 header: a line for each commit just outside what the bundle
 * holds (a prerequisite), then the tip as main and HEAD.  *commits is
 * how many commits the bundle holds, *prereqs how many it needs.
 */
static int bundle_header(struct ks_buf *head, size_t *commits,
			 size_t *prereqs, git_repository *repo,
			 const git_oid *tip, const git_oid *hidden,
			 size_t nhidden, const char *path, struct ks_diags *d)
{
	git_odb *odb = NULL;
	git_revwalk *walk = NULL;
	struct ks_oidmap in = { 0 }, pre = { 0 };
	git_oid *list = NULL, id;
	size_t nlist = 0, alloc = 0, i, j;
	char hex[GIT_OID_HEXSZ + 1];
	int err = -1, e;

	if (git_repository_odb(&odb, repo) < 0 ||
	    make_walk(&walk, repo, odb, tip, hidden, nhidden) < 0)
		goto gitfail;
	/* What the bundle holds; the commits just outside are prerequisites. */
	while ((e = git_revwalk_next(&id, walk)) == 0) {
		if (ks_grow(&list, nlist, &alloc, sizeof(*list), 64) < 0)
			goto out;
		git_oid_cpy(&list[nlist++], &id);
		if (ks_oidmap_put(&in, &id, 0) < 0)
			goto out;
	}
	if (e != GIT_ITEROVER)
		goto gitfail;
	if (ks_buf_puts(head, "# v2 git bundle\n") < 0)
		goto out;
	/* A tip the reader already has: say so, or the bundle claims a root. */
	if (!ks_oidmap_get(&in, tip, NULL) && add_prereq(head, &pre, repo, tip) < 0)
		goto out;
	for (i = 0; i < nlist; i++) {
		git_commit *c;

		if (git_commit_lookup(&c, repo, &list[i]) < 0)
			goto gitfail;
		for (j = 0; j < git_commit_parentcount(c); j++) {
			const git_oid *p = git_commit_parent_id(c, j);

			if (!ks_oidmap_get(&in, p, NULL) &&
			    add_prereq(head, &pre, repo, p) < 0) {
				git_commit_free(c);
				goto out;
			}
		}
		git_commit_free(c);
	}
	git_oid_tostr(hex, sizeof(hex), tip);
	if (ks_buf_addf(head, "%s refs/heads/main\n%s HEAD\n\n", hex, hex) < 0)
		goto out;
	*commits = nlist;
	*prereqs = pre.n;
	err = 0;
	goto out;
gitfail:
	err = ks_error(d, KS_EIO, path, 0, 0, "cannot make the bundle: %s",
		       ks_git_error());
out:
	git_revwalk_free(walk);
	git_odb_free(odb);
	ks_oidmap_release(&in);
	ks_oidmap_release(&pre);
	ks_free(list);
	return err;
}

int ks_bundle_write(struct ks_repo *r, const char *path, const git_oid *tip,
		    const git_oid *hidden, size_t nhidden,
		    const struct ks_progress *pg, struct ks_bundle_stats *st,
		    struct ks_diags *d)
{
	git_repository *repo = ks_repo_git(r);
	struct ks_pack_stats pst;
	unsigned long failures;
	size_t commits = 0, prereqs = 0;
	struct ks_buf head = KS_BUF_INIT;
	struct pack_writer w = { KS_FILE_INIT, 0, pg, path };
	int err, e;

	if ((err = bundle_header(&head, &commits, &prereqs, repo, tip, hidden,
				 nhidden, path, d)))
		goto out;
	if ((err = ks_file_begin(&w.f, path, KS_FILE_DURABLE, d)))
		goto out;
	if (ks_file_write(&w.f, head.ptr, head.len) < 0)
		goto writefail;
	w.bytes = head.len;
	/* Thin: changed objects as deltas against what readers hold. */
	failures = ks_alloc_failures();
	e = ks_pack_write(repo, tip, hidden, nhidden, pack_write_cb, &w, &pst);
	if (e > 0)
		goto writefail;
	if (e < 0) {
		err = ks_alloc_failures() != failures ? -1
			: ks_error(d, KS_EIO, path, 0, 0,
				   "cannot make the bundle: %s", ks_git_error());
		goto out;
	}
	/* A failed step leaves the old bundle whole and no temporary file. */
	if ((err = ks_file_commit(&w.f, d)))
		goto out;
	if (st) {
		st->commits = commits;
		st->objects = pst.objects;
		st->prerequisites = prereqs;
		st->bytes = w.bytes;
	}
	err = 0;
	goto out;
writefail:
	err = ks_error(d, KS_EIO, path, 0, 0, "cannot write: %s",
		       strerror(w.f.err ? w.f.err : EIO));
out:
	ks_file_abort(&w.f);
	ks_buf_release(&head);
	return err;
}

/* ---- opening a file to read ---- */

const char *ks_bundle_file_kind(mode_t mode)
{
	if (S_ISREG(mode))
		return _("a regular file");
	if (S_ISDIR(mode))
		return _("a folder");
	if (S_ISFIFO(mode))
		return _("a named pipe (FIFO)");
	if (S_ISLNK(mode))
		return _("a symbolic link");
	if (S_ISSOCK(mode))
		return _("a socket");
	if (S_ISCHR(mode))
		return _("a character device");
	if (S_ISBLK(mode))
		return _("a block device");
	return _("not a regular file");
}

static int not_a_bundle_file(struct ks_diags *d, const char *path, mode_t mode)
{
	return ks_error(d, KS_EINVALID, path, 0, 0,
			"not a bundle file but %s; it was not read",
			ks_bundle_file_kind(mode));
}

static int open_failed(struct ks_diags *d, const char *path, int e)
{
	return ks_error(d, e == ENOENT ? KS_ENOTFOUND : KS_EIO, path, 0, 0,
			"cannot open the bundle: %s", strerror(e));
}

/* Size, time and the pack's checksum as the file's last 20 bytes say. */
static int read_stamp(struct ks_bundle_stamp *st, int fd, const struct stat *sb)
{
	ssize_t n = 0;

	memset(st, 0, sizeof(*st));
	st->size = (uint64_t)sb->st_size;
	st->mtime_sec = (int64_t)sb->st_mtim.tv_sec;
	st->mtime_nsec = sb->st_mtim.tv_nsec;
	if (sb->st_size < (off_t)sizeof(st->trailer))
		return 0;
	do
		n = pread(fd, st->trailer, sizeof(st->trailer),
			  sb->st_size - (off_t)sizeof(st->trailer));
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(st->trailer))
		return 0;
	memset(st->trailer, 0, sizeof(st->trailer));
	return n < 0 ? -1 : 0;
}

int ks_bundle_open(FILE **out, struct ks_bundle_stamp *st, const char *path,
		   unsigned flags, struct ks_diags *d)
{
	int nofollow = (flags & KS_BUNDLE_NOFOLLOW) != 0;
	struct stat sb;
	int fd, err = 0;

	*out = NULL;
	/* Look before opening: opening a device may already do something. */
	if ((nofollow ? lstat(path, &sb) : stat(path, &sb)) < 0)
		return open_failed(d, path, errno);
	if (!S_ISREG(sb.st_mode))
		return not_a_bundle_file(d, path, sb.st_mode);
	/* It may have been swapped meanwhile: O_NONBLOCK, then look again. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC |
		  (nofollow ? O_NOFOLLOW : 0));
	if (fd < 0) {
		if (nofollow && errno == ELOOP)
			return not_a_bundle_file(d, path, S_IFLNK);
		return open_failed(d, path, errno);
	}
	if (fstat(fd, &sb) < 0) {
		err = ks_error(d, KS_EIO, path, 0, 0, "cannot read the bundle: %s",
			       strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		err = not_a_bundle_file(d, path, sb.st_mode);
		goto out;
	}
	if (fcntl(fd, F_SETFL, 0) < 0 ||
	    (st && read_stamp(st, fd, &sb) < 0) ||
	    !(*out = fdopen(fd, "rb"))) {
		err = ks_error(d, KS_EIO, path, 0, 0, "cannot read the bundle: %s",
			       strerror(errno));
		goto out;
	}
	fd = -1;	/* the stream owns it now */
out:
	if (fd >= 0)
		close(fd);
	return err;
}

/* An error that says the file itself is damaged (KS_BUNDLE_DAMAGED). */
static int damaged(struct ks_diags *d, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int damaged(struct ks_diags *d, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ks_diags_vadd(d, KS_SEV_ERROR, path, 0, 0, NULL, KS_BUNDLE_DAMAGED,
		      fmt, ap);
	va_end(ap);
	return KS_EINVALID;
}

/* ---- reading the header ---- */

enum { LINE_OK = 1, LINE_EOF = 0, LINE_PARTIAL = -2, LINE_LONG = -3,
       LINE_NUL = -4, LINE_NOMEM = -5 };

/* One line without its newline; counts the bytes consumed in *pos. */
static int header_line(struct ks_buf *line, FILE *f, uint64_t *pos)
{
	int c;

	ks_buf_reset(line);
	while ((c = getc(f)) != EOF) {
		(*pos)++;
		if (c == '\n')
			return LINE_OK;
		if (c == '\0')
			return LINE_NUL;
		if (line->len >= HEADER_LINE_MAX)
			return LINE_LONG;
		if (ks_buf_putc(line, (char)c) < 0)
			return LINE_NOMEM;
	}
	return line->len ? LINE_PARTIAL : LINE_EOF;
}

/* Exactly 40 hex digits at `s`, followed by `end` (a space or NUL). */
static int parse_oid(git_oid *out, const char *s, const char **rest)
{
	size_t n = strspn(s, "0123456789abcdefABCDEF");

	if (n != GIT_OID_HEXSZ || (s[n] != ' ' && s[n] != '\0'))
		return -1;
	if (git_oid_fromstrn(out, s, GIT_OID_HEXSZ) < 0)
		return -1;
	*rest = s + n;
	return 0;
}

static int check_capability(const char *cap, const char *path, int lineno,
			    struct ks_diags *d)
{
	const char *eq = strchr(cap, '=');
	size_t klen = eq ? (size_t)(eq - cap) : strlen(cap);

	if (klen == strlen("@object-format") &&
	    !strncmp(cap, "@object-format", klen)) {
		if (eq && !strcmp(eq + 1, "sha1"))
			return 0;
		return ks_error(d, KS_EINVALID, path, lineno, 1,
				"object format \"%s\" is not supported (only sha1)",
				eq ? eq + 1 : "");
	}
	if (klen == strlen("@filter") && !strncmp(cap, "@filter", klen))
		return ks_error(d, KS_EINVALID, path, lineno, 1,
				"partial bundles are not supported (capability \"%s\")",
				cap);
	return ks_error(d, KS_EINVALID, path, lineno, 1,
			"unknown capability \"%s\"", cap);
}

static int valid_refname(const char *name)
{
	int valid = 0;

	if (!strcmp(name, "HEAD"))
		return 1;
	if (strncmp(name, "refs/", 5) ||
	    git_reference_name_is_valid(&valid, name) < 0)
		return 0;
	return valid;
}

/* The first line: "# v2 git bundle" or "# v3 git bundle". */
static int read_version(int *version, struct ks_buf *line, FILE *f,
			uint64_t *pos, const char *path, struct ks_diags *d)
{
	int rc = header_line(line, f, pos);

	if (rc == LINE_NOMEM)
		return -1;
	if (rc == LINE_OK && !strcmp(line->ptr, "# v2 git bundle"))
		*version = 2;
	else if (rc == LINE_OK && !strcmp(line->ptr, "# v3 git bundle"))
		*version = 3;
	else
		return ks_error(d, KS_EINVALID, path, 1, 1,
				"not a git bundle: the first line is not \"# v2 git bundle\" or \"# v3 git bundle\"");
	return 0;
}

/* Line `lineno` of the header, which must be a whole line of text. */
static int next_line(struct ks_buf *line, FILE *f, uint64_t *pos,
		     const char *path, int lineno, struct ks_diags *d)
{
	int rc = header_line(line, f, pos);

	if (rc == LINE_NOMEM)
		return -1;
	if (rc == LINE_EOF || rc == LINE_PARTIAL) {
		ks_diags_add(d, KS_SEV_ERROR, path, lineno, 1, NULL,
			     KS_BUNDLE_DAMAGED,
			     "the header ends before its empty line (truncated bundle?)");
		return KS_EINVALID;
	}
	if (rc == LINE_LONG || rc == LINE_NUL)
		return ks_error(d, KS_EINVALID, path, lineno, 1,
				rc == LINE_LONG ? "header line too long"
						: "NUL byte in the header");
	return 0;
}

/* "@key=value": v3 only, before the prerequisites and references. */
static int read_capability(const struct ks_bundle_info *info,
			   const char *line, const char *path, int lineno,
			   struct ks_diags *d)
{
	if (info->version < 3)
		return ks_error(d, KS_EINVALID, path, lineno, 1,
				"capability \"%s\" in a v2 bundle", line);
	if (info->nprereqs || info->nrefs)
		return ks_error(d, KS_EINVALID, path, lineno, 1,
				"capability \"%s\" after the references", line);
	return check_capability(line, path, lineno, d);
}

/* "-<object id> <comment>": a commit the reader must already have. */
static int read_prereq(struct ks_bundle_info *info, size_t *alloc,
		       const char *line, const char *path, int lineno,
		       struct ks_diags *d)
{
	struct ks_bundle_prereq *p;
	const char *rest;
	git_oid oid;

	if (parse_oid(&oid, line + 1, &rest) < 0)
		return ks_error(d, KS_EINVALID, path, lineno, 1,
				"malformed prerequisite line (wanted \"-<object id> <comment>\")");
	if (ks_grow(&info->prereqs, info->nprereqs, alloc,
		    sizeof(*info->prereqs), 8) < 0)
		return -1;
	p = &info->prereqs[info->nprereqs];
	git_oid_cpy(&p->oid, &oid);
	if (!(p->comment = ks_strdup(*rest ? rest + 1 : "")))
		return -1;
	info->nprereqs++;
	return 0;
}

/* "<object id> <refname>": a reference the bundle brings. */
static int read_ref(struct ks_bundle_info *info, size_t *alloc,
		    const char *line, const char *path, int lineno,
		    struct ks_diags *d)
{
	struct ks_bundle_ref *p;
	const char *rest;
	git_oid oid;

	if (parse_oid(&oid, line, &rest) < 0 || !*rest ||
	    !valid_refname(rest + 1))
		return ks_error(d, KS_EINVALID, path, lineno, 1,
				"malformed reference line (wanted \"<object id> <refname>\")");
	if (ks_grow(&info->refs, info->nrefs, alloc, sizeof(*info->refs), 8) < 0)
		return -1;
	p = &info->refs[info->nrefs];
	git_oid_cpy(&p->oid, &oid);
	if (!(p->name = ks_strdup(rest + 1)))
		return -1;
	info->nrefs++;
	return 0;
}

int ks_bundle_read_header(struct ks_bundle_info *out, FILE *f,
			  const char *path, struct ks_diags *d)
{
	struct ks_buf line = KS_BUF_INIT;
	struct ks_bundle_info info = KS_BUNDLE_INFO_INIT;
	uint64_t pos = 0;
	size_t alloc_p = 0, alloc_r = 0;
	int lineno = 1, err;

	memset(out, 0, sizeof(*out));
	if ((err = read_version(&info.version, &line, f, &pos, path, d)))
		goto out;
	for (;;) {
		lineno++;
		if ((err = next_line(&line, f, &pos, path, lineno, d)))
			goto out;
		if (!line.len)
			break;
		if (line.ptr[0] == '@')
			err = read_capability(&info, line.ptr, path, lineno, d);
		else if (line.ptr[0] == '-')
			err = read_prereq(&info, &alloc_p, line.ptr, path,
					  lineno, d);
		else
			err = read_ref(&info, &alloc_r, line.ptr, path, lineno,
				       d);
		if (err)
			goto out;
	}
	if (!info.nrefs) {
		err = ks_error(d, KS_EINVALID, path, lineno, 1,
			       "the bundle lists no references");
		goto out;
	}
	info.header_bytes = pos;
	*out = info;
	memset(&info, 0, sizeof(info));
out:
	ks_bundle_info_release(&info);
	ks_buf_release(&line);
	return err;
}

/* ---- tree safety ---- */

static int is_dotgit(const char *name)
{
	size_t n = strlen(name);

	if (!strcasecmp(name, "git~1"))
		return 1;
	if (n < 4 || strncasecmp(name, ".git", 4))
		return 0;
	/* Windows drops trailing dots and spaces; ':' starts an NTFS stream. */
	if (name[4] == ':')
		return 1;
	return strspn(name + 4, ". ") == n - 4;
}

const char *ks_bundle_name_problem(const char *name)
{
	const unsigned char *p;

	if (!*name)
		return _("an empty name is not allowed");
	if (name[0] == '/')
		return _("an absolute path is not allowed");
	if (strchr(name, '/') || strchr(name, '\\'))
		return _("a name with a slash is not allowed");
	if (!strcmp(name, "."))
		return _("the name \".\" is not allowed");
	if (!strcmp(name, ".."))
		return _("the name \"..\" is not allowed");
	if (is_dotgit(name))
		return _("the name \".git\" is not allowed, in any case");
	for (p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return _("a control character in a name is not allowed");
	return NULL;
}

/* A khaosat.yaml read once, by blob. */
struct survey_seen {
	git_oid blob;
	struct ks_survey sv;
};

struct tree_check {
	git_repository *repo;	/* sees local objects and the new pack */
	git_odb *odb;
	git_odb *local;		/* only the repository's own objects */
	struct ks_oidmap seen;	/* folders checked, by tree and path */
	struct ks_oidmap records;	/* record blobs read already */
	struct ks_oidmap schemas;	/* schema files compiled, by folder */
	struct survey_seen *surveys;
	size_t nsurveys, surveys_alloc;
	const struct ks_survey *survey;	/* the commit being checked's */
	git_tree *root;		/* and its tree */
	unsigned long long attached;	/* bytes of new attached files */
	const char *path;	/* the bundle, for messages */
	char commit[GIT_OID_HEXSZ + 1];
	struct ks_diags *d;
};

static int unsafe(struct tree_check *tc, const char *prefix,
		  const char *name, const char *why)
{
	return ks_error(tc->d, KS_EINVALID, tc->path, 0, 0,
			"unsafe tree in commit %.10s: %s%s: %s", tc->commit,
			prefix, name, why);
}

static int missing(struct tree_check *tc, const char *prefix,
		   const char *name)
{
	git_error_clear();
	return ks_error(tc->d, KS_EINVALID, tc->path, 0, 0,
			"incomplete bundle: commit %.10s names %s%s, which neither the bundle nor this survey holds",
			tc->commit, prefix, name);
}
struct folded {
	char *fold;
	const char *name;
};

static int cmp_folded(const void *a, const void *b)
{
	return strcmp(((const struct folded *)a)->fold,
		      ((const struct folded *)b)->fold);
}

/* Case folded and composed (NFC), as case-insensitive file systems see it. */
static char *fold_name(const char *name)
{
	utf8proc_uint8_t *u = NULL;
	char *s;

	if (utf8proc_map((const utf8proc_uint8_t *)name, 0, &u,
			 UTF8PROC_NULLTERM | UTF8PROC_STABLE |
			 UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD) >= 0) {
		s = ks_strdup((const char *)u);
		free(u);
		return s;
	}
	s = ks_strdup(name);
	if (s) {
		char *p;

		for (p = s; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
	}
	return s;
}

/* Every name safe, and no two alike on a case-insensitive file system. */
static int check_names(struct tree_check *tc, const git_tree *t,
		       const char *prefix)
{
	size_t n = git_tree_entrycount(t), i;
	struct folded *v;
	int err = 0;

	for (i = 0; i < n; i++) {
		const char *name = git_tree_entry_name(git_tree_entry_byindex(t, i));
		const char *why = ks_bundle_name_problem(name);

		if (why)
			return unsafe(tc, prefix, name, why);
	}
	if (n < 2)
		return 0;
	if (!(v = ks_calloc(n, sizeof(*v))))
		return -1;
	for (i = 0; i < n; i++) {
		v[i].name = git_tree_entry_name(git_tree_entry_byindex(t, i));
		if (!(v[i].fold = fold_name(v[i].name))) {
			err = -1;
			goto out;
		}
	}
	qsort(v, n, sizeof(*v), cmp_folded);
	for (i = 1; i < n; i++)
		if (!strcmp(v[i - 1].fold, v[i].fold)) {
			err = ks_error(tc->d, KS_EINVALID, tc->path, 0, 0,
				       "unsafe tree in commit %.10s: %s\"%s\" and \"%s\" collide on a case-insensitive file system",
				       tc->commit, prefix, v[i - 1].name, v[i].name);
			goto out;
		}
out:
	for (i = 0; i < n; i++)
		ks_free(v[i].fold);
	ks_free(v);
	return err;
}

static const char *mode_problem(git_filemode_t mode)
{
	switch (mode) {
	case GIT_FILEMODE_TREE:
	case GIT_FILEMODE_BLOB:
		return NULL;
	case GIT_FILEMODE_BLOB_EXECUTABLE:
		return _("an executable file is not allowed");
	case GIT_FILEMODE_LINK:
		return _("a symbolic link is not allowed");
	case GIT_FILEMODE_COMMIT:
		return _("a submodule is not allowed");
	default:
		return _("an unknown file mode is not allowed");
	}
}

/*
 * A record new to this survey must read as a YAML record: the reader's
 * limits refuse what would cost unbounded time or memory later (aliases,
 * anchors, deep nesting), and a merge needs the record parsed.
 */
static int check_record(struct tree_check *tc, const git_oid *id,
			const char *prefix, const char *name)
{
	struct ks_diags rd = KS_DIAGS_INIT;
	struct ks_doc *doc = NULL;
	git_blob *b = NULL;
	size_t i;
	int err, r = ks_oidmap_put(&tc->records, id, 0);

	if (r <= 0)
		return r;
	if (git_odb_exists_ext(tc->local, id, GIT_ODB_LOOKUP_NO_REFRESH))
		return 0;
	if (git_blob_lookup(&b, tc->repo, id) < 0)
		return missing(tc, prefix, name);
	err = ks_doc_parse(&doc, name, git_blob_rawcontent(b),
			   (size_t)git_blob_rawsize(b), KS_PARSE_RECORD, &rd);
	if (err == KS_EINVALID) {
		for (i = 0; i < rd.n && rd.v[i].severity != KS_SEV_ERROR; i++)
			;
		err = ks_error(tc->d, KS_EINVALID, tc->path, 0, 0,
			       "commit %.10s brings a record that does not read: %s%s:%d:%d: %s",
			       tc->commit, prefix, name,
			       i < rd.n ? rd.v[i].line : 0,
			       i < rd.n ? rd.v[i].col : 0,
			       i < rd.n ? rd.v[i].message : "not a YAML record");
	} else if (err) {
		err = -1;
	}
	ks_doc_free(doc);
	ks_diags_release(&rd);
	git_blob_free(b);
	return err;
}

/*
 * An attached file new to this survey: named by the hash of its content,
 * whole, of the type its name says; its record in the same commit; and the
 * new files of one bundle within KS_ATTACH_MAX_SYNC together.
 */
static int check_attachment(struct tree_check *tc, const git_oid *id,
			    const char *path)
{
	char why[KS_MEDIA_WHY_MAX], *rel = NULL;
	git_blob *b = NULL;
	const char *bad;
	int err = 0, r = ks_oidmap_put(&tc->records, id, 0);

	if (r <= 0)
		return r;
	if (git_odb_exists_ext(tc->local, id, GIT_ODB_LOOKUP_NO_REFRESH))
		return 0;
	if (git_blob_lookup(&b, tc->repo, id) < 0)
		return missing(tc, "", path);
	tc->attached += (unsigned long long)git_blob_rawsize(b);
	if (tc->attached > KS_ATTACH_MAX_SYNC)
		err = ks_error(tc->d, KS_EINVALID, tc->path, 0, 0,
			       "commit %.10s brings more attached files than one sync may: over %llu MB",
			       tc->commit, KS_ATTACH_MAX_SYNC / (1024 * 1024));
	else if ((bad = ks_attach_file_problem(path, git_blob_rawcontent(b),
					       (size_t)git_blob_rawsize(b),
					       why, sizeof(why))))
		err = ks_error(tc->d, KS_EINVALID, tc->path, 0, 0,
			       "commit %.10s brings a bad attached file: %s: %s",
			       tc->commit, path, bad);
	else if ((r = ks_attach_record_in(tc->root, path, &rel)) < 0)
		err = -1;
	else if (!r)
		err = ks_error(tc->d, KS_EINVALID, tc->path, 0, 0,
			       "commit %.10s brings an attached file of no record: %s (%s is not in it)",
			       tc->commit, path, rel);
	git_blob_free(b);
	ks_free(rel);
	return err;
}

/* The key of a folder at a path: the same tree elsewhere is another. */
static int folder_key(git_oid *out, const git_oid *tree, const char *path)
{
	struct ks_buf b = KS_BUF_INIT;
	int err;

	if (ks_buf_add(&b, tree->id, GIT_OID_RAWSZ) < 0 ||
	    ks_buf_puts(&b, path) < 0) {
		ks_buf_release(&b);
		return -1;
	}
	err = git_odb_hash(out, b.ptr, b.len, GIT_OBJECT_BLOB) < 0 ? -1 : 0;
	ks_buf_release(&b);
	return err;
}

static int known_kind(void *ctx, const char *kind)
{
	struct tree_check *tc = ctx;

	return !tc->survey || ks_survey_kind(tc->survey, kind) != NULL;
}

/* 1 when a parent has exactly this entry (checked with that parent). */
static int unchanged(const git_tree_entry *e, git_tree *const *parents,
		     size_t np)
{
	size_t k;

	for (k = 0; k < np; k++) {
		const git_tree_entry *pe = parents[k]
			? git_tree_entry_byname(parents[k], git_tree_entry_name(e))
			: NULL;

		if (pe && git_tree_entry_filemode(pe) == git_tree_entry_filemode(e) &&
		    git_oid_equal(git_tree_entry_id(pe), git_tree_entry_id(e)))
			return 1;
	}
	return 0;
}

static int check_folder(struct tree_check *tc, const git_oid *id,
			const char *prefix, git_tree *const *parents,
			size_t np);

/* A folder entry: its place, then what it holds, parents beside it. */
static int check_subfolder(struct tree_check *tc, const git_tree_entry *e,
			   const char *path, git_tree *const *parents,
			   size_t np)
{
	git_tree *sub[8] = { NULL };
	struct ks_buf prefix = KS_BUF_INIT;
	git_oid key;
	size_t k, n = np < 8 ? np : 8;
	int err, r;

	if (folder_key(&key, git_tree_entry_id(e), path) < 0)
		return -1;
	if (ks_oidmap_get(&tc->seen, &key, NULL))
		return 0;
	for (k = 0; k < n; k++) {
		const git_tree_entry *pe = parents[k]
			? git_tree_entry_byname(parents[k], git_tree_entry_name(e))
			: NULL;

		if (pe && git_tree_entry_type(pe) == GIT_OBJECT_TREE &&
		    git_tree_lookup(&sub[k], tc->repo, git_tree_entry_id(pe)) < 0)
			git_error_clear();
	}
	err = ks_buf_addf(&prefix, "%s/", path) < 0 ? -1
		: check_folder(tc, git_tree_entry_id(e), prefix.ptr, sub, n);
	for (k = 0; k < n; k++)
		git_tree_free(sub[k]);
	ks_buf_release(&prefix);
	if (!err && (r = ks_oidmap_put(&tc->seen, &key, 0)) < 0)
		err = -1;
	return err;
}

/* A file entry: its size for its place, and a record must read. */
static int check_file(struct tree_check *tc, const git_tree_entry *e,
		      const char *prefix, const char *path)
{
	const char *name = git_tree_entry_name(e);
	size_t len, max = ks_layout_max_size(path);
	git_object_t type;

	if (git_odb_read_header(&len, &type, tc->odb, git_tree_entry_id(e)) < 0)
		return missing(tc, prefix, name);
	if (type != GIT_OBJECT_BLOB)
		return ks_error(tc->d, KS_EINVALID, tc->path, 0, 0,
				"commit %.10s names %s%s as a file, but it is a %s",
				tc->commit, prefix, name, git_object_type2string(type));
	if (len > max)
		return ks_error(tc->d, KS_EINVALID, tc->path, 0, 0,
				"unsafe tree in commit %.10s: %s: %zu bytes, over the limit of %zu for such a file",
				tc->commit, path, len, max);
	if (!strncmp(path, KS_RECORDS_DIR "/", strlen(KS_RECORDS_DIR) + 1))
		return check_record(tc, git_tree_entry_id(e), prefix, name);
	if (!strncmp(path, KS_ATTACH_DIR "/", strlen(KS_ATTACH_DIR) + 1))
		return check_attachment(tc, git_tree_entry_id(e), path);
	return 0;
}

/*
 * Every entry of a folder that no parent has as it is: a safe name in its
 * place in the survey layout, a size within its limit, a record that
 * reads; folders the same way, with the parents' folders beside them, so
 * a commit that changes a few records of a large survey costs a few
 * folders, not all of them.  A tree a parent has somewhere else is checked
 * again where it is now: its place is part of what is checked.
 */
static int check_folder(struct tree_check *tc, const git_oid *id,
			const char *prefix, git_tree *const *parents,
			size_t np)
{
	git_tree *t = NULL;
	struct ks_buf path = KS_BUF_INIT;
	size_t i, n;
	int err, depth = 0;

	for (i = 0; prefix[i]; i++)
		depth += prefix[i] == '/';
	if (depth > KS_BUNDLE_MAX_DEPTH)
		return unsafe(tc, prefix, "", _("folders nested too deeply"));
	if (git_tree_lookup(&t, tc->repo, id) < 0)
		return *prefix ? missing(tc, prefix, "") : missing(tc, _("its root tree"), "");
	n = git_tree_entrycount(t);
	if (n > KS_LAYOUT_MAX_ENTRIES) {
		err = ks_error(tc->d, KS_EINVALID, tc->path, 0, 0,
			       "unsafe tree in commit %.10s: %s: %zu entries in one folder, over the limit of %u",
			       tc->commit, *prefix ? prefix : "the survey's root", n,
			       KS_LAYOUT_MAX_ENTRIES);
		goto out;
	}
	if ((err = check_names(tc, t, prefix)))
		goto out;
	for (i = 0; i < n && !err; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(t, i);
		const char *name = git_tree_entry_name(e);
		git_filemode_t mode = git_tree_entry_filemode(e);
		const char *why;

		if (unchanged(e, parents, np))
			continue;
		if ((why = mode_problem(mode))) {
			err = unsafe(tc, prefix, name, why);
			break;
		}
		ks_buf_reset(&path);
		if (ks_buf_addf(&path, "%s%s", prefix, name) < 0) {
			err = -1;
			break;
		}
		why = ks_layout_problem(path.ptr, mode == GIT_FILEMODE_TREE,
					known_kind, tc);
		if (why)
			err = unsafe(tc, prefix, name, why);
		else if (mode == GIT_FILEMODE_TREE)
			err = check_subfolder(tc, e, path.ptr, parents, np);
		else
			err = check_file(tc, e, prefix, path.ptr);
	}
out:
	ks_buf_release(&path);
	git_tree_free(t);
	return err;
}

/* ---- the survey file and the schemas of each new commit ---- */

/*
 * khaosat.yaml of a commit, read once per blob; NULL with a diagnostic
 * (naming `what`) when it is missing or does not read.
 */
static const struct ks_survey *survey_of(struct tree_check *tc,
					 git_tree *tree, const char *what,
					 int *err)
{
	struct ks_diags rd = KS_DIAGS_INIT;
	struct survey_seen *s;
	git_oid blob;
	git_blob *b = NULL;
	size_t i;
	int r;

	*err = 0;
	if (!ks_tree_blob(&blob, tree, KS_SURVEY_FILE)) {
		*err = ks_error(tc->d, KS_EINVALID, tc->path, 0, 0,
				"commit %.10s%s has no %s: it would leave the survey without its description",
				tc->commit, what, KS_SURVEY_FILE);
		return NULL;
	}
	for (i = 0; i < tc->nsurveys; i++)
		if (git_oid_equal(&tc->surveys[i].blob, &blob))
			return &tc->surveys[i].sv;
	if (ks_grow(&tc->surveys, tc->nsurveys, &tc->surveys_alloc,
		    sizeof(*tc->surveys), 4) < 0) {
		*err = -1;
		return NULL;
	}
	if (git_blob_lookup(&b, tc->repo, &blob) < 0) {
		*err = missing(tc, "", KS_SURVEY_FILE);
		return NULL;
	}
	s = &tc->surveys[tc->nsurveys];
	git_oid_cpy(&s->blob, &blob);
	r = git_blob_rawsize(b) > KS_LAYOUT_MAX_SURVEY_FILE ? KS_EINVALID :
		ks_survey_parse(&s->sv, git_blob_rawcontent(b),
				(size_t)git_blob_rawsize(b), KS_SURVEY_FILE, &rd);
	git_blob_free(b);
	if (r == -1) {
		*err = -1;
	} else if (r) {
		for (i = 0; i < rd.n && rd.v[i].severity != KS_SEV_ERROR; i++)
			;
		*err = ks_error(tc->d, KS_EINVALID, tc->path, 0, 0,
				"commit %.10s%s brings a %s that does not read: %s:%d:%d: %s; nothing of it was applied",
				tc->commit, what, KS_SURVEY_FILE, KS_SURVEY_FILE,
				i < rd.n ? rd.v[i].line : 0, i < rd.n ? rd.v[i].col : 0,
				i < rd.n ? rd.v[i].message : "too large");
	}
	ks_diags_release(&rd);
	if (*err)
		return NULL;
	return &tc->surveys[tc->nsurveys++].sv;
}

/* Schema files a $ref names, read from the commit's own schema/ folder. */
struct schema_fetch {
	struct tree_check *tc;
	git_tree *tree;
	struct ks_paths *used;	/* every schema file read */
};

#define SCHEMA_URI "file:///khaosat-survey/"

static int fetch_from_tree(void *ctx, const char *uri, struct ks_doc **out,
			   struct ks_diags *d)
{
	struct schema_fetch *sf = ctx;
	const char *rel = uri + strlen(SCHEMA_URI);
	git_blob *b = NULL;
	git_oid blob;
	int err;

	*out = NULL;
	if (strncmp(uri, SCHEMA_URI KS_SCHEMA_DIR "/",
		    strlen(SCHEMA_URI KS_SCHEMA_DIR "/")) ||
	    strstr(rel, "..") || strchr(rel, '%') ||
	    !ks_tree_blob(&blob, sf->tree, rel) ||
	    git_blob_lookup(&b, sf->tc->repo, &blob) < 0) {
		git_error_clear();
		return KS_ENOTFOUND;
	}
	err = ks_doc_parse(out, rel, git_blob_rawcontent(b),
			   (size_t)git_blob_rawsize(b), 0, d);
	git_blob_free(b);
	if (!err && sf->used && ks_paths_add(sf->used, rel) < 0)
		return -1;
	return err;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* 1 when sorted `p` holds `path`. */
static int has_path(const struct ks_paths *p, const char *path)
{
	return p->n && bsearch(&path, p->v, p->n, sizeof(*p->v), cmp_str);
}

struct schema_files {
	struct ks_paths files;
	int oom;
};

static int schema_file_cb(const char *root, const git_tree_entry *e, void *p)
{
	struct schema_files *sf = p;
	struct ks_buf path = KS_BUF_INIT;

	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB)
		return 0;
	if (ks_buf_addf(&path, "%s/%s%s", KS_SCHEMA_DIR, root,
			git_tree_entry_name(e)) < 0 ||
	    ks_paths_add(&sf->files, path.ptr) < 0)
		sf->oom = 1;
	ks_buf_release(&path);
	return sf->oom ? -1 : 0;
}

/*
 * Every file in schema/ must be one the survey uses: a kind's schema or a
 * document one of them refers to.  Any other file is one no laptop reads
 * and nobody reviews, carried from laptop to laptop.
 */
static int check_schema_files(struct tree_check *tc, const git_oid *folder,
			      struct ks_paths *used)
{
	struct schema_files sf = { { 0 }, 0 };
	git_tree *t = NULL;
	size_t i;
	int err = 0;

	if (git_oid_is_zero(folder))
		return 0;
	if (git_tree_lookup(&t, tc->repo, folder) < 0)
		return missing(tc, KS_SCHEMA_DIR, "/");
	if (git_tree_walk(t, GIT_TREEWALK_PRE, schema_file_cb, &sf) < 0 && !sf.oom)
		err = missing(tc, KS_SCHEMA_DIR, "/");
	git_tree_free(t);
	if (sf.oom)
		err = -1;
	ks_paths_sort(used);
	for (i = 0; i < sf.files.n && !err; i++)
		if (!has_path(used, sf.files.v[i]))
			err = ks_error(tc->d, KS_EINVALID, tc->path, 0, 0,
				       "commit %.10s brings %s, which no kind's schema uses: a file the survey does not know",
				       tc->commit, sf.files.v[i]);
	ks_paths_release(&sf.files);
	return err;
}

/*
 * Each kind's schema must be there and compile: a schema that does not
 * would stop every command on every laptop it reached.  Compiled once per
 * schema/ folder.
 */
static int check_schemas(struct tree_check *tc, git_tree *tree,
			 const struct ks_survey *sv)
{
	struct ks_paths used = { 0 };
	struct ks_buf all = KS_BUF_INIT;
	git_oid folder, key;
	size_t i;
	int err = 0;

	memset(&folder, 0, sizeof(folder));
	{
		git_tree_entry *e = NULL;

		if (git_tree_entry_bypath(&e, tree, KS_SCHEMA_DIR) == 0)
			git_oid_cpy(&folder, git_tree_entry_id(e));
		git_tree_entry_free(e);
		git_error_clear();
	}
	/* Checked once per schema/ folder and list of kinds. */
	for (i = 0; i < sv->nkinds; i++)
		if (ks_buf_addf(&all, "%s\n", sv->kinds[i].schema_path) < 0) {
			ks_buf_release(&all);
			return -1;
		}
	err = folder_key(&key, &folder, all.ptr ? all.ptr : "");
	ks_buf_release(&all);
	if (err < 0)
		return -1;
	if (ks_oidmap_get(&tc->schemas, &key, NULL))
		return 0;
	for (i = 0; i < sv->nkinds && !err; i++) {
		const struct ks_kind *k = &sv->kinds[i];
		struct ks_schema_opts opts = KS_SCHEMA_OPTS_INIT;
		struct schema_fetch sf = { tc, tree, &used };
		struct ks_diags rd = KS_DIAGS_INIT;
		struct ks_schema *s = NULL;
		struct ks_buf uri = KS_BUF_INIT;
		struct ks_doc *doc = NULL;
		size_t j;
		int r;

		if (ks_buf_addf(&uri, "%s%s", SCHEMA_URI, k->schema_path) < 0) {
			err = -1;
			break;
		}
		opts.base_uri = uri.ptr;
		opts.fetch = fetch_from_tree;
		opts.fetch_ctx = &sf;
		r = fetch_from_tree(&sf, uri.ptr, &doc, &rd);
		if (r == KS_ENOTFOUND)
			err = ks_error(tc->d, KS_EINVALID, tc->path, 0, 0,
				       "commit %.10s: the schema of kind \"%s\", %s, is missing: every record of that kind would stop being checked",
				       tc->commit, k->name, k->schema_path);
		else if (r == 0)
			r = ks_schema_compile_opts(&s, doc, &opts, &rd);
		if (r == -1) {
			err = -1;
		} else if (r && !err) {
			for (j = 0; j < rd.n && rd.v[j].severity != KS_SEV_ERROR; j++)
				;
			err = ks_error(tc->d, KS_EINVALID, tc->path, 0, 0,
				       "commit %.10s brings a schema that does not compile: %s:%d:%d: %s",
				       tc->commit,
				       j < rd.n && rd.v[j].path ? rd.v[j].path : k->schema_path,
				       j < rd.n ? rd.v[j].line : 0,
				       j < rd.n ? rd.v[j].col : 0,
				       j < rd.n ? rd.v[j].message : "not a schema");
		}
		ks_schema_free(s);
		ks_diags_release(&rd);
		ks_buf_release(&uri);
	}
	if (!err)
		err = check_schema_files(tc, &folder, &used);
	if (!err && ks_oidmap_put(&tc->schemas, &key, 0) < 0)
		err = -1;
	ks_paths_release(&used);
	return err;
}

/*
 * The members file, when there is one, must read: a broken one would stop
 * every laptop it reached from judging who may change what.  Each version
 * is read once.
 */
static int check_members(struct tree_check *tc, git_tree *tree)
{
	struct ks_diags md = KS_DIAGS_INIT;
	struct ks_members *m = NULL;
	git_blob *b = NULL;
	git_oid id, key;
	size_t j;
	int err;

	if (!ks_tree_blob(&id, tree, KS_MEMBERS_FILE))
		return 0;
	if (folder_key(&key, &id, KS_MEMBERS_FILE) < 0)
		return -1;
	if (ks_oidmap_get(&tc->schemas, &key, NULL))
		return 0;
	if (git_blob_lookup(&b, tc->repo, &id) < 0)
		return missing(tc, KS_MEMBERS_FILE, "");
	err = ks_members_parse(&m, KS_MEMBERS_FILE, git_blob_rawcontent(b),
			       (size_t)git_blob_rawsize(b), &md);
	git_blob_free(b);
	ks_members_free(m);
	if (err == -1) {
		ks_diags_release(&md);
		return -1;
	}
	if (err) {
		for (j = 0; j < md.n && md.v[j].severity != KS_SEV_ERROR; j++)
			;
		err = ks_error(tc->d, KS_EINVALID, tc->path, 0, 0,
			       "commit %.10s brings a members file that does not read: %s:%d:%d: %s",
			       tc->commit, KS_MEMBERS_FILE,
			       j < md.n ? md.v[j].line : 0, j < md.n ? md.v[j].col : 0,
			       j < md.n ? md.v[j].message : "not a members file");
	} else {
		err = ks_oidmap_put(&tc->schemas, &key, 0) < 0 ? -1 : 0;
	}
	ks_diags_release(&md);
	return err;
}

/*
 * One new commit: its survey file reads, keeps the survey's id, names
 * schemas that compile; every folder and file it changes is in its place.
 */
static int check_commit(struct tree_check *tc, git_commit *c)
{
	git_tree *tree = NULL, *parents[8] = { NULL };
	size_t k, at, np = git_commit_parentcount(c);
	const struct ks_survey *sv;
	int err;

	if (np > 8)
		return ks_error(tc->d, KS_EINVALID, tc->path, 0, 0,
				"commit %.10s has %zu parents; a survey's merges have two",
				tc->commit, np);
	if (git_commit_tree(&tree, c) < 0)
		return missing(tc, _("its root tree"), "");
	/* Reading the parents' may move the list: keep a place, not a pointer. */
	if (!(sv = survey_of(tc, tree, "", &err)))
		goto out;
	for (at = 0; &tc->surveys[at].sv != sv; at++)
		;
	for (k = 0; k < np && !err; k++) {
		git_commit *p = NULL;
		const struct ks_survey *psv;

		/* A parent that is not there: the walk names it. */
		if (git_commit_parent(&p, c, (unsigned)k) < 0 ||
		    git_commit_tree(&parents[k], p) < 0) {
			git_error_clear();
			git_commit_free(p);
			continue;
		}
		git_commit_free(p);
		psv = survey_of(tc, parents[k], _(" (its parent)"), &err);
		sv = &tc->surveys[at].sv;
		if (psv && strcmp(psv->id, sv->id))
			err = ks_error(tc->d, KS_EINVALID, tc->path, 0, 0,
				       "commit %.10s: khaosat.yaml changes the survey's id from \"%s\" to \"%s\": a survey keeps its id for ever, or its laptops would part ways",
				       tc->commit, psv->id, sv->id);
	}
	if (err)
		goto out;
	tc->survey = sv;
	tc->root = tree;
	if (!(err = check_schemas(tc, tree, sv)) && !(err = check_members(tc, tree)))
		err = check_folder(tc, git_tree_id(tree), "", parents, np);
	tc->survey = NULL;
	tc->root = NULL;
out:
	for (k = 0; k < np && k < 8; k++)
		git_tree_free(parents[k]);
	git_tree_free(tree);
	return err;
}

/* Pushes `id` on the stack unless it was pushed before; -1: memory. */
static int push_once(git_oid **stack, size_t *n, size_t *alloc,
		     struct ks_oidmap *queued, const git_oid *id)
{
	int r = ks_oidmap_put(queued, id, 0);

	if (r <= 0)
		return r;
	if (ks_grow(stack, *n, alloc, sizeof(**stack), 64) < 0)
		return -1;
	git_oid_cpy(&(*stack)[(*n)++], id);
	return 0;
}

/*
 * Every tree of every commit the bundle brings: its history is walked from
 * each reference down to the commits this survey already has (their trees
 * and history are known), and every commit on the way must be present.
 * An explicit walk, not git_revwalk: libgit2 1.5 leaks when a revwalk
 * meets a missing parent.
 */
static int check_new_trees(git_repository *wrepo, git_odb *wodb,
			   git_odb *local, const struct ks_bundle_info *info,
			   const char *path, struct ks_diags *d)
{
	struct tree_check tc;
	struct ks_oidmap queued = { 0 };
	git_oid *stack = NULL, id;
	size_t n = 0, alloc = 0, i, j;
	int err = 0;

	memset(&tc, 0, sizeof(tc));
	tc.repo = wrepo;
	tc.odb = wodb;
	tc.local = local;
	tc.path = path;
	tc.d = d;
	for (i = 0; i < info->nrefs && !err; i++)
		err = push_once(&stack, &n, &alloc, &queued, &info->refs[i].oid);
	while (!err && n) {
		git_commit *c = NULL;

		git_oid_cpy(&id, &stack[--n]);
		/* No refresh: nothing new reached the pack folder meanwhile. */
		if (git_odb_exists_ext(local, &id, GIT_ODB_LOOKUP_NO_REFRESH))
			continue;
		git_oid_tostr(tc.commit, sizeof(tc.commit), &id);
		if (git_commit_lookup(&c, wrepo, &id) < 0) {
			git_error_clear();
			err = ks_error(d, KS_EINVALID, path, 0, 0,
				       "incomplete bundle: commit %s is in its history, but neither the bundle nor this survey holds it",
				       tc.commit);
			break;
		}
		err = check_commit(&tc, c);
		for (j = 0; !err && j < git_commit_parentcount(c); j++)
			err = push_once(&stack, &n, &alloc, &queued,
					git_commit_parent_id(c, j));
		git_commit_free(c);
	}
	ks_free(stack);
	ks_oidmap_release(&queued);
	ks_oidmap_release(&tc.seen);
	ks_oidmap_release(&tc.records);
	ks_oidmap_release(&tc.schemas);
	for (i = 0; i < tc.nsurveys; i++)
		ks_survey_release(&tc.surveys[i].sv);
	ks_free(tc.surveys);
	return err;
}

int ks_bundle_check_history(git_repository *repo, const git_oid *tip,
			    const char *what, struct ks_diags *d)
{
	struct ks_bundle_info info = KS_BUNDLE_INFO_INIT;
	struct ks_bundle_ref ref;
	git_odb *odb = NULL, *none = NULL;
	int err;

	if (git_repository_odb(&odb, repo) < 0 || git_odb_new(&none) < 0) {
		git_odb_free(odb);
		return ks_error(d, KS_EIO, what, 0, 0, "cannot read the repository: %s",
				ks_git_error());
	}
	git_oid_cpy(&ref.oid, tip);
	ref.name = (char *)KS_MAIN_REF;
	info.refs = &ref;
	info.nrefs = 1;
	err = check_new_trees(repo, odb, none, &info, what, d);
	git_odb_free(none);
	git_odb_free(odb);
	return err;
}

/* ---- verifying and importing ---- */

/*
 * Removes the private folder of an incoming pack and all it holds.  Never
 * allocates: it runs on the way out of failures, out of memory included.
 */
static void remove_incoming(const char *dir)
{
	char p[PATH_MAX], f[PATH_MAX];
	DIR *dh;
	struct dirent *de;
	int n = snprintf(p, sizeof(p), "%s/pack", dir);

	if (n < 0 || (size_t)n >= sizeof(p))
		return;
	if ((dh = opendir(p))) {
		while ((de = readdir(dh))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			n = snprintf(f, sizeof(f), "%s/%s", p, de->d_name);
			if (n > 0 && (size_t)n < sizeof(f))
				unlink(f);
		}
		closedir(dh);
	}
	rmdir(p);
	rmdir(dir);
}

int ks_bundle_survey_root(git_oid *out, git_repository *repo,
			  const git_oid *tip)
{
	git_revwalk *w = NULL;
	git_oid id;
	int e, found = 0;

	if (git_revwalk_new(&w, repo) < 0)
		return -1;
	git_revwalk_simplify_first_parent(w);
	if (git_revwalk_push(w, tip) < 0) {
		git_revwalk_free(w);
		return -1;
	}
	while ((e = git_revwalk_next(&id, w)) == 0) {
		git_oid_cpy(out, &id);
		found = 1;
	}
	git_revwalk_free(w);
	return e == GIT_ITEROVER && found ? 0 : -1;
}

static int check_prereqs(git_odb *odb, const struct ks_bundle_info *info,
			 const char *path, struct ks_diags *d)
{
	size_t i, len;
	git_object_t type;
	int err = 0;

	for (i = 0; i < info->nprereqs; i++) {
		const struct ks_bundle_prereq *p = &info->prereqs[i];
		char hex[GIT_OID_HEXSZ + 1];

		git_oid_tostr(hex, sizeof(hex), &p->oid);
		if (git_odb_read_header(&len, &type, odb, &p->oid) < 0) {
			err = ks_error(d, KS_ENOTFOUND, path, 0, 0,
				       "missing prerequisite commit %s%s%s%s: this survey does not have it yet; apply the bundle that brings it first",
				       hex, *p->comment ? " (\"" : "",
				       p->comment, *p->comment ? "\")" : "");
		} else if (type != GIT_OBJECT_COMMIT) {
			err = ks_error(d, KS_EINVALID, path, 0, 0,
				       "prerequisite %s is not a commit", hex);
		}
	}
	git_error_clear();
	return err;
}

/* Streams the pack into the indexer, which writes it into `packdir`. */
static int index_pack(struct ks_bundle_info *info, FILE *f,
		      const char *packdir, git_odb *odb, const char *path,
		      const struct ks_progress *pg, struct ks_diags *d)
{
	struct stat sb;
	uint64_t total = 0;
	git_indexer_options o = GIT_INDEXER_OPTIONS_INIT;
	git_indexer_progress st;
	git_indexer *idx = NULL;
	char *buf = NULL;
	size_t n;
	int err = KS_EINVALID;

	memset(&st, 0, sizeof(st));
	/*
	 * Not opts.verify: libgit2 1.5.1 leaks every object it parses for
	 * that check (git_object__from_raw leaves a reference behind).  The
	 * pack's checksum is checked either way, and check_new_trees() makes
	 * the same connectivity check: every commit, tree and blob the new
	 * history names must be present, in the pack or locally.
	 */
	o.verify = 0;
	if (git_indexer_new(&idx, packdir, 0, odb, &o) < 0) {
		err = ks_error(d, KS_EIO, path, 0, 0, "cannot index the pack: %s",
			       ks_git_error());
		goto out;
	}
	if (!(buf = ks_malloc(65536))) {
		err = -1;
		goto out;
	}
	if (fstat(fileno(f), &sb) == 0 && (uint64_t)sb.st_size > info->header_bytes)
		total = (uint64_t)sb.st_size - info->header_bytes;
	while ((n = fread(buf, 1, 65536, f)) > 0) {
		info->pack_bytes += n;
		ks_crash_point("bundle-import: pack data read");
		if (pg && pg->fn)
			pg->fn(pg->payload, path, info->pack_bytes, total);
		if (git_indexer_append(idx, buf, n, &st) < 0) {
			damaged(d, path, "the pack is damaged: %s", ks_git_error());
			goto out;
		}
	}
	if (ferror(f)) {
		err = ks_error(d, KS_EIO, path, 0, 0, "cannot read: %s",
			       strerror(errno));
		goto out;
	}
	if (!info->pack_bytes) {
		damaged(d, path,
			"the bundle holds no pack after its header (truncated?)");
		goto out;
	}
	if (git_indexer_commit(idx, &st) < 0) {
		damaged(d, path, "the pack is damaged or incomplete: %s",
			ks_git_error());
		goto out;
	}
	info->objects = st.indexed_objects;
	err = 0;
out:
	ks_free(buf);
	git_indexer_free(idx);
	return err;
}

static int check_refs(git_repository *wrepo, const struct ks_bundle_info *info,
		      const char *path, struct ks_diags *d)
{
	size_t i;

	for (i = 0; i < info->nrefs; i++) {
		const struct ks_bundle_ref *ref = &info->refs[i];
		git_object *obj = NULL;
		char hex[GIT_OID_HEXSZ + 1];

		git_oid_tostr(hex, sizeof(hex), &ref->oid);
		if (git_object_lookup(&obj, wrepo, &ref->oid, GIT_OBJECT_ANY) < 0)
			return ks_error(d, KS_EINVALID, path, 0, 0,
					"reference %s points to %s, which the bundle does not hold",
					ref->name, hex);
		if (git_object_type(obj) != GIT_OBJECT_COMMIT) {
			git_object_free(obj);
			return ks_error(d, KS_EINVALID, path, 0, 0,
					"reference %s points to %s, which is not a commit",
					ref->name, hex);
		}
		git_object_free(obj);
	}
	return 0;
}

/*
 * The first reference whose history lacks `commit` (in *lacking), or
 * none.  Runs after check_new_trees(), which walked that history whole:
 * libgit2 leaks when a merge-base search meets a missing commit.
 */
static int ref_lacking(const struct ks_bundle_ref **lacking,
		       git_repository *wrepo, const struct ks_bundle_info *info,
		       const git_oid *commit, const char *path,
		       struct ks_diags *d)
{
	size_t i;
	int e;

	*lacking = NULL;
	for (i = 0; i < info->nrefs; i++) {
		const struct ks_bundle_ref *ref = &info->refs[i];

		if (git_oid_equal(&ref->oid, commit))
			continue;
		e = git_graph_descendant_of(wrepo, &ref->oid, commit);
		if (e < 0)
			return ks_error(d, KS_EINVALID, path, 0, 0,
					"incomplete bundle: cannot walk the history of %s: %s",
					ref->name, ks_git_error());
		if (e != 1) {
			*lacking = ref;
			return 0;
		}
	}
	return 0;
}

/* The survey's first commit in the history of every reference. */
static int check_same_survey(git_repository *wrepo,
			     const struct ks_bundle_info *info,
			     const git_oid *root, const char *path,
			     struct ks_diags *d)
{
	const struct ks_bundle_ref *ref;
	char hex[GIT_OID_HEXSZ + 1];
	int err = ref_lacking(&ref, wrepo, info, root, path, d);

	if (err || !ref)
		return err;
	git_oid_tostr(hex, sizeof(hex), root);
	return ks_error(d, KS_EINVALID, path, 0, 0,
			"the bundle belongs to another survey: the history of %s does not contain this survey's first commit %.10s",
			ref->name, hex);
}

/*
 * A device's history only grows: every reference must hold `since`, the
 * tip of that device this laptop took in before.  A history that lost it
 * was rewritten (amended, reset, an older copy of the survey folder made
 * new commits), and merging it would credit the device with commits that
 * replace what the others already have.
 */
static int check_grows(git_repository *wrepo, const struct ks_bundle_info *info,
		       const git_oid *since, const char *path,
		       struct ks_diags *d)
{
	const struct ks_bundle_ref *ref;
	char hex[GIT_OID_HEXSZ + 1];
	int err = ref_lacking(&ref, wrepo, info, since, path, d);

	if (err || !ref)
		return err;
	git_oid_tostr(hex, sizeof(hex), since);
	return ks_error(d, KS_EINVALID, path, 0, 0,
			"rewritten history: it no longer holds commit %.10s, which this laptop took in from the same device before; a device's history only grows (this is an older copy of its survey folder, or history changed with plain git), so nothing of it was applied",
			hex);
}

/*
 * The tip `seen` (a repository's refs/khaosat/seen/<device>) last taken
 * in from the device whose Device trailer the bundle's tip carries: for a
 * bundle file that names no device (bundle apply).  0 when there is none.
 */
static int seen_of_tip(git_oid *out, git_repository *wrepo,
		       git_repository *seen, const struct ks_bundle_info *info)
{
	const struct ks_bundle_ref *tip = ks_bundle_main_ref(info);
	git_commit *c = NULL;
	char *dev = NULL, name[64];
	int found = 0;

	if (tip && git_commit_lookup(&c, wrepo, &tip->oid) == 0 &&
	    (dev = ks_commit_device(git_commit_message(c))) &&
	    ks_device_valid(dev)) {
		snprintf(name, sizeof(name), "refs/khaosat/seen/%s", dev);
		found = git_reference_name_to_id(out, seen, name) == 0;
	}
	git_error_clear();
	ks_free(dev);
	git_commit_free(c);
	return found;
}

/*
 * The checks of objects that arrived in the objects folder `incoming`,
 * outside the repository's own (`objects`), through a throw-away
 * repository that sees both: every reference a commit, every tree new to
 * the repository safe and every record readable, and (when `root` is given)
 * the survey's first commit in every reference's history; (when `since`
 * is given, or `seen` names the repository whose refs/khaosat/seen/ say
 * what the bundle tip's device had) that the device's history only grew;
 * then `judge` (may be NULL) on each tip.
 */
static int check_incoming(git_odb *odb, const char *objects,
			  const char *incoming,
			  const struct ks_bundle_ref *refs, size_t nrefs,
			  const git_oid *root, const git_oid *since,
			  git_repository *seen,
			  const struct ks_bundle_judge *judge,
			  const char *path, struct ks_diags *d)
{
	struct ks_bundle_info info = KS_BUNDLE_INFO_INIT;
	git_repository *wrepo = NULL;
	git_odb *wodb = NULL;
	git_oid by_device;
	size_t i, j;
	int err;

	info.refs = (struct ks_bundle_ref *)refs;
	info.nrefs = nrefs;
	if (git_odb_new(&wodb) < 0 ||
	    git_odb_add_disk_alternate(wodb, objects) < 0 ||
	    git_odb_add_disk_alternate(wodb, incoming) < 0 ||
	    git_repository_wrap_odb(&wrepo, wodb) < 0) {
		err = ks_error(d, KS_EIO, path, 0, 0,
			       "cannot read the incoming objects: %s", ks_git_error());
		goto out;
	}
	if ((err = check_refs(wrepo, &info, path, d)) ||
	    (err = check_new_trees(wrepo, wodb, odb, &info, path, d)) ||
	    (root && (err = check_same_survey(wrepo, &info, root, path, d))))
		goto out;
	if (!since && seen && seen_of_tip(&by_device, wrepo, seen, &info))
		since = &by_device;
	if (since && (err = check_grows(wrepo, &info, since, path, d)))
		goto out;
	/* Last, the caller's judge, once for each tip. */
	for (i = 0; judge && i < nrefs && !err; i++) {
		for (j = 0; j < i && !git_oid_equal(&refs[j].oid, &refs[i].oid); j++)
			;
		if (j == i)
			err = judge->fn(judge->arg, wrepo, &refs[i].oid, path, d);
	}
out:
	git_repository_free(wrepo);
	git_odb_free(wodb);
	return err;
}

int ks_bundle_check_incoming(git_repository *repo, const char *incoming,
			     const struct ks_bundle_ref *refs, size_t nrefs,
			     const git_oid *root, const git_oid *since,
			     const struct ks_bundle_judge *judge,
			     const char *what, struct ks_diags *d)
{
	struct ks_buf objects = KS_BUF_INIT;
	git_odb *odb = NULL;
	int err;

	if (ks_buf_addf(&objects, "%sobjects/", git_repository_path(repo)) < 0)
		return -1;
	if (git_repository_odb(&odb, repo) < 0)
		err = ks_error(d, KS_EIO, what, 0, 0, "cannot read the repository: %s",
			       ks_git_error());
	else
		err = check_incoming(odb, objects.ptr, incoming, refs, nrefs,
				     root, since, NULL, judge, what, d);
	git_odb_free(odb);
	ks_buf_release(&objects);
	return err;
}

/*
 * Moves every pack (its .pack, then its .idx) and every loose object of
 * the objects folder `incoming` into the repository's, fsynced.
 */
/*
 * Hides from `w` every commit the repository's own references reach: what
 * is already here is not copied again (and its trees bound the walk).
 */
static int hide_local(git_revwalk *w, git_repository *repo)
{
	git_reference_iterator *it = NULL;
	git_reference *ref, *res;
	int e, err = 0;

	if (git_reference_iterator_new(&it, repo) < 0)
		return -1;
	while (!err && (e = git_reference_next(&ref, it)) == 0) {
		git_object *obj = NULL;

		if (git_reference_resolve(&res, ref) == 0) {
			if (git_object_lookup(&obj, repo, git_reference_target(res),
					      GIT_OBJECT_ANY) == 0 &&
			    git_object_type(obj) == GIT_OBJECT_COMMIT)
				err = git_revwalk_hide(w, git_object_id(obj));
			git_object_free(obj);
			git_reference_free(res);
		}
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	git_error_clear();
	return err;
}

int ks_bundle_install_reachable(git_repository *repo, const char *incoming,
				const git_oid *tips, size_t ntips,
				const char *what, struct ks_diags *d)
{
	struct ks_buf objects = KS_BUF_INIT, packdir = KS_BUF_INIT;
	git_repository *wrepo = NULL;
	git_odb *wodb = NULL;
	git_revwalk *w = NULL;
	git_packbuilder *pb = NULL;
	size_t i;
	int err = -1;

	if (ks_buf_addf(&objects, "%sobjects/", git_repository_path(repo)) < 0 ||
	    ks_buf_addf(&packdir, "%sobjects/pack", git_repository_path(repo)) < 0)
		goto out;
	if (git_odb_new(&wodb) < 0 ||
	    git_odb_add_disk_alternate(wodb, objects.ptr) < 0 ||
	    git_odb_add_disk_alternate(wodb, incoming) < 0 ||
	    git_repository_wrap_odb(&wrepo, wodb) < 0 ||
	    git_revwalk_new(&w, wrepo) < 0 || hide_local(w, repo) < 0)
		goto gitfail;
	for (i = 0; i < ntips; i++)
		if (git_revwalk_push(w, &tips[i]) < 0)
			goto gitfail;
	if (git_packbuilder_new(&pb, wrepo) < 0 ||
	    git_packbuilder_insert_walk(pb, w) < 0)
		goto gitfail;
	err = 0;
	if (!git_packbuilder_object_count(pb))
		goto out;
	/* The pack and then its index, each renamed into place. */
	if (git_packbuilder_write(pb, packdir.ptr, 0, NULL, NULL) < 0)
		goto gitfail;
	goto out;
gitfail:
	err = ks_error(d, KS_EIO, what, 0, 0,
		       "cannot move the objects into the repository: %s",
		       ks_git_error());
out:
	git_packbuilder_free(pb);
	git_revwalk_free(w);
	git_repository_free(wrepo);
	git_odb_free(wodb);
	ks_buf_release(&objects);
	ks_buf_release(&packdir);
	return err;
}

int ks_bundle_install_incoming(git_repository *repo, const char *incoming,
			       const char *what, struct ks_diags *d)
{
	struct ks_buf src = KS_BUF_INIT, dst = KS_BUF_INIT, dir = KS_BUF_INIT;
	struct dirent *de;
	struct stat sb;
	DIR *dh, *sub;
	int err = 0, pass;

	/* Packs: the .pack of each before its .idx, so a reader never sees
	 * an index without its pack. */
	for (pass = 0; pass < 2 && !err; pass++) {
		ks_buf_reset(&dir);
		if (ks_buf_addf(&dir, "%s/pack", incoming) < 0)
			return -1;
		if (!(dh = opendir(dir.ptr)))
			break;
		while (!err && (de = readdir(dh))) {
			size_t n = strlen(de->d_name);
			const char *ext = pass ? ".idx" : ".pack";

			if (strncmp(de->d_name, "pack-", 5) || n < strlen(ext) ||
			    strcmp(de->d_name + n - strlen(ext), ext))
				continue;
			ks_buf_reset(&src);
			ks_buf_reset(&dst);
			if (ks_buf_addf(&src, "%s/%s", dir.ptr, de->d_name) < 0 ||
			    ks_buf_addf(&dst, "%sobjects/pack/%s",
					git_repository_path(repo), de->d_name) < 0)
				err = -1;
			else if (stat(dst.ptr, &sb) < 0 && rename(src.ptr, dst.ptr) < 0)
				err = ks_error(d, KS_EIO, what, 0, 0,
					       "cannot move the objects into the repository: %s",
					       strerror(errno));
		}
		closedir(dh);
	}
	/* Loose objects: incoming/xx/yyyy... */
	if (!err && (dh = opendir(incoming))) {
		while (!err && (de = readdir(dh))) {
			if (strlen(de->d_name) != 2 || !isxdigit((unsigned char)de->d_name[0]) ||
			    !isxdigit((unsigned char)de->d_name[1]))
				continue;
			ks_buf_reset(&dir);
			if (ks_buf_addf(&dir, "%s/%s", incoming, de->d_name) < 0) {
				err = -1;
				break;
			}
			if (!(sub = opendir(dir.ptr)))
				continue;
			while (!err && (de = readdir(sub))) {
				if (de->d_name[0] == '.')
					continue;
				ks_buf_reset(&src);
				ks_buf_reset(&dst);
				if (ks_buf_addf(&src, "%s/%s", dir.ptr, de->d_name) < 0 ||
				    ks_buf_addf(&dst, "%sobjects/%s", git_repository_path(repo),
						dir.ptr + strlen(incoming) + 1) < 0) {
					err = -1;
					break;
				}
				mkdir(dst.ptr, 0777);
				if (ks_buf_addf(&dst, "/%s", de->d_name) < 0)
					err = -1;
				else if (stat(dst.ptr, &sb) < 0 && rename(src.ptr, dst.ptr) < 0)
					err = ks_error(d, KS_EIO, what, 0, 0,
						       "cannot move the objects into the repository: %s",
						       strerror(errno));
			}
			closedir(sub);
		}
		closedir(dh);
	}
	if (!err && dst.len && ks_file_sync_folder(dst.ptr) < 0)
		err = ks_error(d, KS_EIO, what, 0, 0,
			       "cannot flush the object folder: %s", strerror(errno));
	ks_buf_release(&src);
	ks_buf_release(&dst);
	ks_buf_release(&dir);
	return err;
}

/* ---- the history a pack must hold ---- */

struct holds {
	git_repository *pack;	/* sees the incoming pack only */
	git_odb *podb;
	struct ks_oidmap outside;	/* held by the prerequisites' trees */
	struct ks_oidmap seen;
	const char *path;
	char commit[GIT_OID_HEXSZ + 1];
	struct ks_diags *d;
};

/* Every tree and blob under the tree `id`, into `set`; -1: memory. */
static int add_tree_objects(struct ks_oidmap *set, git_repository *repo,
			    const git_oid *id, const char *path,
			    struct ks_diags *d)
{
	git_tree *t = NULL;
	size_t i, n;
	int err = ks_oidmap_put(set, id, 0);

	if (err <= 0)
		return err;
	if (git_tree_lookup(&t, repo, id) < 0)
		return ks_error(d, KS_EIO, path, 0, 0,
				"cannot read a prerequisite's tree: %s",
				ks_git_error());
	err = 0;
	n = git_tree_entrycount(t);
	for (i = 0; i < n && !err; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(t, i);

		if (git_tree_entry_type(e) == GIT_OBJECT_TREE)
			err = add_tree_objects(set, repo, git_tree_entry_id(e),
					       path, d);
		else if (git_tree_entry_type(e) == GIT_OBJECT_BLOB &&
			 ks_oidmap_put(set, git_tree_entry_id(e), 0) < 0)
			err = -1;
	}
	git_tree_free(t);
	return err;
}

static int lacks(struct holds *h, const char *prefix, const char *name)
{
	git_error_clear();
	return damaged(h->d, h->path,
		       "incomplete bundle: commit %.10s names %s%s, which the bundle does not hold",
		       h->commit, prefix, name);
}

static int holds_tree(struct holds *h, const git_oid *id, const char *prefix,
		      int depth)
{
	struct ks_buf sub = KS_BUF_INIT;
	git_tree *t = NULL;
	size_t i, n;
	int err;

	if (ks_oidmap_get(&h->outside, id, NULL))
		return 0;
	if ((err = ks_oidmap_put(&h->seen, id, 0)) <= 0)
		return err;
	/* Deeper trees never get this far: check_new_trees() refuses them. */
	if (depth > KS_BUNDLE_MAX_DEPTH)
		return 0;
	if (!git_odb_exists_ext(h->podb, id, GIT_ODB_LOOKUP_NO_REFRESH) ||
	    git_tree_lookup(&t, h->pack, id) < 0)
		return *prefix ? lacks(h, prefix, "") : lacks(h, _("its root tree"), "");
	err = 0;
	n = git_tree_entrycount(t);
	for (i = 0; i < n && !err; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(t, i);
		const git_oid *eid = git_tree_entry_id(e);
		const char *name = git_tree_entry_name(e);

		if (git_tree_entry_type(e) == GIT_OBJECT_TREE) {
			ks_buf_reset(&sub);
			err = ks_buf_addf(&sub, "%s%s/", prefix, name) < 0 ? -1 :
			      holds_tree(h, eid, sub.ptr, depth + 1);
		} else if (git_tree_entry_type(e) == GIT_OBJECT_BLOB &&
			   !ks_oidmap_get(&h->outside, eid, NULL) &&
			   (err = ks_oidmap_put(&h->seen, eid, 0)) > 0) {
			err = git_odb_exists_ext(h->podb, eid,
						 GIT_ODB_LOOKUP_NO_REFRESH) ? 0 :
			      lacks(h, prefix, name);
		}
	}
	ks_buf_release(&sub);
	git_tree_free(t);
	return err;
}

/*
 * Whether the pack in `incoming` holds the history its header claims, for
 * a reader that has the prerequisites and nothing else: every commit from
 * the references down to the prerequisites, and every tree and blob those
 * commits name, unless a prerequisite's tree holds it (a thin pack leaves
 * those out).  Needed for a bundle this repository has already, which no
 * other check reads: a new laptop set up from the stick needs it whole.
 */
static int check_holds_history(git_repository *local, const char *incoming,
			       const struct ks_bundle_info *info,
			       const char *path, struct ks_diags *d)
{
	struct holds h;
	struct ks_oidmap prereqs = { 0 }, queued = { 0 };
	git_oid *stack = NULL, id;
	size_t n = 0, alloc = 0, i, j;
	int err = 0;

	memset(&h, 0, sizeof(h));
	h.path = path;
	h.d = d;
	if (git_odb_new(&h.podb) < 0 ||
	    git_odb_add_disk_alternate(h.podb, incoming) < 0 ||
	    git_repository_wrap_odb(&h.pack, h.podb) < 0) {
		err = ks_error(d, KS_EIO, path, 0, 0,
			       "cannot read the incoming objects: %s", ks_git_error());
		goto out;
	}
	for (i = 0; i < info->nprereqs && !err; i++) {
		const git_oid *p = &info->prereqs[i].oid;
		git_commit *c = NULL;

		if (ks_oidmap_put(&prereqs, p, 0) < 0) {
			err = -1;
			break;
		}
		if (git_commit_lookup(&c, local, p) < 0) {
			err = ks_error(d, KS_EIO, path, 0, 0,
				       "cannot read a prerequisite: %s",
				       ks_git_error());
			break;
		}
		err = add_tree_objects(&h.outside, local, git_commit_tree_id(c),
				       path, d);
		git_commit_free(c);
	}
	for (i = 0; i < info->nrefs && !err; i++)
		err = push_once(&stack, &n, &alloc, &queued, &info->refs[i].oid);
	while (!err && n) {
		git_commit *c = NULL;

		git_oid_cpy(&id, &stack[--n]);
		if (ks_oidmap_get(&prereqs, &id, NULL))
			continue;
		git_oid_tostr(h.commit, sizeof(h.commit), &id);
		if (!git_odb_exists_ext(h.podb, &id, GIT_ODB_LOOKUP_NO_REFRESH) ||
		    git_commit_lookup(&c, h.pack, &id) < 0) {
			git_error_clear();
			err = damaged(d, path,
				      "incomplete bundle: it does not hold commit %s of its history",
				      h.commit);
			break;
		}
		err = holds_tree(&h, git_commit_tree_id(c), "", 0);
		for (j = 0; !err && j < git_commit_parentcount(c); j++)
			err = push_once(&stack, &n, &alloc, &queued,
					git_commit_parent_id(c, j));
		git_commit_free(c);
	}
out:
	git_repository_free(h.pack);
	git_odb_free(h.podb);
	ks_oidmap_release(&h.outside);
	ks_oidmap_release(&h.seen);
	ks_oidmap_release(&prereqs);
	ks_oidmap_release(&queued);
	ks_free(stack);
	return err;
}

/* ---- checking and importing a bundle file ---- */

/*
 * `keep`: the objects are moved into the repository; else the pack must
 * also hold its history whole (check_holds_history), and is removed.
 */
static int check_bundle(git_repository *repo, const git_oid *root,
			const git_oid *since, int by_device,
			const struct ks_bundle_judge *judge,
			const char *path, unsigned flags,
			const struct ks_progress *pg,
			struct ks_bundle_info *out, int keep,
			struct ks_diags *d)
{
	git_odb *odb = NULL;
	struct ks_bundle_info info = KS_BUNDLE_INFO_INIT;
	struct ks_bundle_stamp stamp;
	struct ks_buf objects = KS_BUF_INIT, incoming = KS_BUF_INIT,
		      packdir = KS_BUF_INIT;
	struct stat sb;
	FILE *f;
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = ks_bundle_open(&f, &stamp, path, flags, d)))
		return err;
	if ((err = ks_bundle_read_header(&info, f, path, d)))
		goto out;
	info.stamp = stamp;
	if (git_repository_odb(&odb, repo) < 0) {
		err = ks_error(d, KS_EIO, path, 0, 0,
			       "cannot read the repository: %s", ks_git_error());
		goto out;
	}
	if ((err = check_prereqs(odb, &info, path, d)))
		goto out;

	/* A private folder: nothing reaches objects/pack before the checks. */
	err = -1;
	if (ks_buf_addf(&objects, "%sobjects/", git_repository_path(repo)) < 0 ||
	    ks_buf_addf(&incoming, "%sks-incoming-XXXXXX", objects.ptr) < 0)
		goto out;
	/* Left by a process killed while checking; no check runs an hour. */
	ks_sweep_stale(objects.ptr, "ks-incoming-", 3600);
	if (!mkdtemp(incoming.ptr)) {
		ks_buf_reset(&incoming);
		err = ks_error(d, KS_EIO, path, 0, 0,
			       "cannot make a folder for the incoming pack: %s",
			       strerror(errno));
		goto out;
	}
	if (ks_buf_addf(&packdir, "%s/pack", incoming.ptr) < 0)
		goto out;
	if (mkdir(packdir.ptr, 0777) < 0) {
		err = ks_error(d, KS_EIO, path, 0, 0,
			       "cannot make a folder for the incoming pack: %s",
			       strerror(errno));
		goto out;
	}
	if ((err = index_pack(&info, f, packdir.ptr, odb, path, pg, d)))
		goto out;
	ks_crash_point("bundle-import: indexed");
	/* Changed in place while read: what was read was checked, but the
	 * stamp no longer says which file that was. */
	if (fstat(fileno(f), &sb) < 0 || (uint64_t)sb.st_size != stamp.size ||
	    (int64_t)sb.st_mtim.tv_sec != stamp.mtime_sec ||
	    sb.st_mtim.tv_nsec != stamp.mtime_nsec)
		memset(&info.stamp, 0, sizeof(info.stamp));

	if ((err = check_incoming(odb, objects.ptr, incoming.ptr, info.refs,
				  info.nrefs, root, since, by_device ? repo : NULL,
				  judge, path, d)))
		goto out;
	if (!keep &&
	    (err = check_holds_history(repo, incoming.ptr, &info, path, d)))
		goto out;
	/* A pack of nothing new (the reader was up to date) is not kept. */
	if (keep && info.objects &&
	    (err = ks_bundle_install_incoming(repo, incoming.ptr, path, d)))
		goto out;
	if (keep && info.objects)
		ks_crash_point("bundle-import: pack installed");
	*out = info;
	memset(&info, 0, sizeof(info));
out:
	git_odb_free(odb);
	if (incoming.len)
		remove_incoming(incoming.ptr);
	fclose(f);
	ks_bundle_info_release(&info);
	ks_buf_release(&objects);
	ks_buf_release(&incoming);
	ks_buf_release(&packdir);
	return err;
}

static int repo_root(git_oid *root, struct ks_repo *r, const char *path,
		     struct ks_diags *d)
{
	git_oid main;

	if (git_reference_name_to_id(&main, ks_repo_git(r), KS_MAIN_REF) < 0 ||
	    ks_bundle_survey_root(root, ks_repo_git(r), &main) < 0)
		return ks_error(d, KS_EIO, path, 0, 0,
				"cannot read the survey's history: %s",
				ks_git_error());
	return 0;
}

int ks_bundle_verify_import(struct ks_repo *r, const char *path,
			    const struct ks_bundle_judge *judge,
			    const struct ks_progress *pg,
			    struct ks_bundle_info *out, struct ks_diags *d)
{
	git_oid root;
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = repo_root(&root, r, path, d)))
		return err;
	return check_bundle(ks_repo_git(r), &root, NULL, 1, judge, path, 0, pg,
			    out, 1, d);
}

int ks_bundle_import_git(git_repository *repo, const git_oid *root,
			 const git_oid *since, const char *path, unsigned flags,
			 const struct ks_bundle_judge *judge,
			 const struct ks_progress *pg,
			 struct ks_bundle_info *out, struct ks_diags *d)
{
	return check_bundle(repo, root, since, 0, judge, path, flags, pg, out,
			    1, d);
}

int ks_bundle_verify_git(git_repository *repo, const git_oid *root,
			 const char *path, unsigned flags,
			 const struct ks_progress *pg,
			 struct ks_bundle_info *out, struct ks_diags *d)
{
	return check_bundle(repo, root, NULL, 0, NULL, path, flags, pg, out, 0, d);
}

int ks_bundle_verify(struct ks_repo *r, const char *path,
		     const struct ks_bundle_judge *judge,
		     struct ks_bundle_info *out, struct ks_diags *d)
{
	git_oid root;
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = repo_root(&root, r, path, d)))
		return err;
	return check_bundle(ks_repo_git(r), &root, NULL, 0, judge, path, 0, NULL,
			    out, 0, d);
}

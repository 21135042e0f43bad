/*
 * git's index file, read and written without libgit2.  See gitindex.h;
 * the format is git's Documentation/gitformat-index.txt.
 */
#include "gitindex.h"
#include "alloc.h"
#include "buf.h"
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <nettle/sha1.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifndef _WIN32
#include <sys/mman.h>
#endif

#define HEADER 12
#define TRAILER 20
#define STAT_BYTES 40		/* ten 32-bit numbers */
#define ENTRY_FIXED (STAT_BYTES + 20 + 2)
#define NAME_MASK 0x0fff

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

void ks_gitindex_release(struct ks_gitindex *ix)
{
	ks_free(ix->v);
	ks_free(ix->stat);
	ks_free(ix->paths);
	memset(ix, 0, sizeof(*ix));
}

void ks_gitindex_drop_stat(struct ks_gitindex *ix)
{
	ks_free(ix->stat);
	ix->stat = NULL;
}

/* Room for `n` entries and their stat data; 0, or -1. */
static int room_for(struct ks_gitindex *ix, size_t n)
{
	struct ks_gitindex_entry *v;
	struct ks_gitindex_stat *st;
	size_t want = ix->alloc ? ix->alloc : 64;

	if (n <= ix->alloc)
		return 0;
	while (want < n) {
		if (want > SIZE_MAX / 2 / sizeof(*st))
			return -1;
		want = want * 3 / 2 + 1;
	}
	/* the first file read is sized exactly */
	if (!ix->alloc)
		want = n;
	if (!(v = ks_realloc(ix->v, want * sizeof(*v))))
		return -1;
	ix->v = v;
	if (!(st = ks_realloc(ix->stat, want * sizeof(*st))))
		return -1;
	ix->stat = st;
	ix->alloc = want;
	return 0;
}

/* Room for `len` more bytes of paths. */
static int reserve(struct ks_gitindex *ix, size_t len)
{
	size_t n = ix->paths_alloc ? ix->paths_alloc : 4096;
	char *np;

	if (ix->paths_len + len <= ix->paths_alloc)
		return 0;
	while (n < ix->paths_len + len)
		n *= 2;
	if (!(np = ks_realloc(ix->paths, n)))
		return -1;
	ix->paths = np;
	ix->paths_alloc = n;
	return 0;
}

static int add_path(struct ks_gitindex *ix, const char *p, size_t len,
		    uint32_t *at)
{
	if (ix->paths_len + len + 1 > UINT32_MAX || reserve(ix, len + 1) < 0)
		return -1;
	*at = (uint32_t)ix->paths_len;
	memcpy(ix->paths + ix->paths_len, p, len);
	ix->paths[ix->paths_len + len] = '\0';
	ix->paths_len += len + 1;
	return 0;
}

/*
 * A path git would write: relative, no empty, "." or ".." name.  Only
 * the names from `from` on are looked at: the ones before are a
 * previous path's, looked at already.
 */
static int sane_path(const char *p, size_t len, size_t from)
{
	const char *end = p + len, *q;

	if (!len)
		return 0;
	while (from && p[from - 1] != '/')
		from--;
	for (p += from; p <= end; p = q + 1) {
		q = memchr(p, '/', (size_t)(end - p));
		if (!q)
			q = end;
		if (q == p || (p[0] == '.' && (q - p == 1 ||
					       (q - p == 2 && p[1] == '.'))))
			return 0;
	}
	return 1;
}

/* git's offset varint (varint.c): 7 bits a byte, each more adds one. */
static int get_varint(const unsigned char **p, const unsigned char *end,
		      size_t *out)
{
	const unsigned char *q = *p;
	size_t v;
	unsigned char c;

	if (q >= end)
		return -1;
	c = *q++;
	v = c & 127;
	while (c & 128) {
		if (q >= end || v + 1 > (SIZE_MAX >> 7))
			return -1;
		c = *q++;
		v = ((v + 1) << 7) | (c & 127);
	}
	*p = q;
	*out = v;
	return 0;
}

static size_t put_varint(unsigned char *out, size_t v)
{
	unsigned char tmp[16];
	size_t pos = sizeof(tmp) - 1;

	tmp[pos] = v & 127;
	while (v >>= 7)
		tmp[--pos] = (unsigned char)(128 | (--v & 127));
	memcpy(out, tmp + pos, sizeof(tmp) - pos);
	return sizeof(tmp) - pos;
}

/* 0 when the entries are in git's order: by path, then by stage. */
static int entry_cmp(const struct ks_gitindex *ix,
		     const struct ks_gitindex_entry *a,
		     const struct ks_gitindex_entry *b)
{
	size_t n = a->path_len < b->path_len ? a->path_len : b->path_len;
	int c = memcmp(ix->paths + a->path, ix->paths + b->path, n);

	if (c)
		return c;
	if (a->path_len != b->path_len)
		return a->path_len < b->path_len ? -1 : 1;
	return (int)KS_GITINDEX_STAGE(a->flags) - (int)KS_GITINDEX_STAGE(b->flags);
}

/*
 * The file's bytes: mapped where the system can, its pages let go of a
 * megabyte at a time behind the reading, so that reading a 10 MB index
 * costs the memory of its entries alone; else read whole.
 */
#define LET_GO ((size_t)1 << 20)

struct source {
	unsigned char *p;
	size_t len;
	int mapped;
	size_t gone;		/* bytes let go of, from the start */
};

/* The mapped pages before `upto` let go of: read again, they are the file's. */
static void let_go(struct source *s, const unsigned char *upto)
{
#ifndef _WIN32
	size_t at = (size_t)(upto - s->p) & ~(LET_GO - 1);

	if (s->mapped && at > s->gone) {
		madvise(s->p + s->gone, at - s->gone, MADV_DONTNEED);
		s->gone = at;
	}
#else
	(void)s;
	(void)upto;
#endif
}

/* 0, 1 when the file is shorter than fstat said (being written), -1. */
static int source_open(struct source *s, int fd, size_t len)
{
	size_t got = 0;

	memset(s, 0, sizeof(*s));
	s->len = len;
#ifndef _WIN32
	s->p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (s->p != MAP_FAILED) {
		s->mapped = 1;
		return 0;
	}
#endif
	if (!(s->p = ks_malloc(len)))
		return -1;
	while (got < len) {
		ssize_t n = read(fd, s->p + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -1 : 1;
		got += (size_t)n;
	}
	return 0;
}

static void source_close(struct source *s)
{
#ifndef _WIN32
	if (s->mapped) {
		munmap(s->p, s->len);
		return;
	}
#endif
	ks_free(s->p);
}

static int parse_entries(struct ks_gitindex *ix, struct source *src,
			 const unsigned char *p, const unsigned char *end,
			 uint32_t count, const unsigned char **rest)
{
	const unsigned char *start;
	size_t prev = 0, prev_len = 0, keep = 0;
	uint32_t i;

	/* a count the file cannot hold: damaged, not an allocation to try */
	if (count > (size_t)(end - p) / (ENTRY_FIXED + 1))
		return 1;
	if (room_for(ix, count ? count : 1) < 0)
		return -1;
	for (i = 0; i < count; i++) {
		struct ks_gitindex_entry *e = &ix->v[i];
		struct ks_gitindex_stat *st = &ix->stat[i];
		const unsigned char *nul;
		size_t len;

		start = p;
		let_go(src, p);
		if ((size_t)(end - p) < ENTRY_FIXED)
			return 1;
		st->ctime_s = get32(p);
		st->ctime_ns = get32(p + 4);
		st->mtime_s = get32(p + 8);
		st->mtime_ns = get32(p + 12);
		st->dev = get32(p + 16);
		st->ino = get32(p + 20);
		e->mode = get32(p + 24);
		st->uid = get32(p + 28);
		st->gid = get32(p + 32);
		st->size = get32(p + 36);
		memcpy(e->id, p + STAT_BYTES, 20);
		e->flags = (uint16_t)(p[60] << 8 | p[61]);
		e->flags2 = 0;
		e->fresh = 0;
		p += ENTRY_FIXED;
		if (e->flags & KS_GITINDEX_EXTENDED) {
			if (ix->version < 3 || end - p < 2)
				return 1;
			e->flags2 = (uint16_t)(p[0] << 8 | p[1]);
			p += 2;
		}
		if (ix->version == 4) {
			size_t strip, at;

			if (get_varint(&p, end, &strip) < 0 || strip > prev_len)
				return 1;
			if (!(nul = memchr(p, '\0', (size_t)(end - p))))
				return 1;
			keep = prev_len - strip;
			len = keep + (size_t)(nul - p);
			if (ix->paths_len + len + 1 > UINT32_MAX)
				return 1;
			/* the kept part is the previous path's start */
			if (reserve(ix, len + 1) < 0)
				return -1;
			at = ix->paths_len;
			memcpy(ix->paths + at, ix->paths + prev, keep);
			memcpy(ix->paths + at + keep, p, (size_t)(nul - p));
			ix->paths[at + len] = '\0';
			ix->paths_len = at + len + 1;
			e->path = (uint32_t)at;
			p = nul + 1;
		} else {
			size_t entry_len;

			if (!(nul = memchr(p, '\0', (size_t)(end - p))))
				return 1;
			len = (size_t)(nul - p);
			keep = 0;
			if (ix->paths_len + len + 1 > UINT32_MAX)
				return 1;
			if (add_path(ix, (const char *)p, len, &e->path) < 0)
				return -1;
			/* padded with 1 to 8 NULs to a multiple of 8 */
			entry_len = ((size_t)(nul - start) + 8) & ~(size_t)7;
			if ((size_t)(end - start) < entry_len)
				return 1;
			p = start + entry_len;
		}
		e->path_len = (uint32_t)len;
		if ((e->flags & NAME_MASK) != (len < NAME_MASK ? len : NAME_MASK) ||
		    !sane_path(ix->paths + e->path, len, keep) ||
		    (i && entry_cmp(ix, &ix->v[i - 1], e) >= 0))
			return 1;
		prev = e->path;
		prev_len = len;
		ix->n = i + 1;
	}
	*rest = p;
	return 0;
}

/*
 * The cache tree (the TREE extension) of the whole index, when git or
 * libgit2 left it valid: the id of the tree the index's entries make.
 * Its first entry is the root's: "", NUL, "<entries> <subtrees>\n", then
 * the id unless <entries> is -1 (invalidated).
 */
static void root_tree(struct ks_gitindex *ix, const unsigned char *p, size_t size)
{
	const unsigned char *end = p + size;
	long count = 0;
	int neg = 0;

	if (size < 2 || *p++ != '\0')
		return;
	if (*p == '-') {
		neg = 1;
		p++;
	}
	while (p < end && *p >= '0' && *p <= '9' && count < 100000000)
		count = count * 10 + (*p++ - '0');
	if (neg || p >= end || *p != ' ' || count != (long)ix->n)
		return;
	if (!(p = memchr(p, '\n', (size_t)(end - p))) || end - ++p < 20)
		return;
	memcpy(ix->root, p, 20);
	ix->has_root = 1;
}

int ks_gitindex_read(struct ks_gitindex *ix, const char *file, int verify)
{
	struct source src;
	const unsigned char *p, *end, *rest;
	unsigned char sum[SHA1_DIGEST_SIZE];
	struct sha1_ctx sha;
	size_t at;
	int fd, err;

	memset(ix, 0, sizeof(*ix));
	ix->version = 4;
	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &ix->st) < 0 || !S_ISREG(ix->st.st_mode)) {
		close(fd);
		return -1;
	}
	ix->has_file = 1;
	if (ix->st.st_size < HEADER + TRAILER) {
		close(fd);
		return 1;
	}
	err = source_open(&src, fd, (size_t)ix->st.st_size);
	close(fd);
	if (err)
		goto out;
	err = 1;
	p = src.p;
	if (memcmp(p, "DIRC", 4))
		goto out;
	end = p + src.len - TRAILER;
	if (verify) {
		sha1_init(&sha);
		for (at = 0; at < src.len - TRAILER; at += LET_GO) {
			size_t n = src.len - TRAILER - at;

			sha1_update(&sha, n < LET_GO ? n : LET_GO, p + at);
			let_go(&src, p + at + (n < LET_GO ? n : LET_GO));
		}
		sha1_digest(&sha, sizeof(sum), sum);
		if (memcmp(sum, end, TRAILER))
			goto out;
		/* the entries are read from the start again */
		src.gone = 0;
	}
	ix->version = get32(p + 4);
	if (ix->version < 2 || ix->version > 4)
		goto out;
	if ((err = parse_entries(ix, &src, p + HEADER, end, get32(p + 8), &rest)))
		goto out;
	/* extensions: optional ones (a capital first) are caches, dropped */
	err = 1;
	while (rest < end) {
		uint32_t size;

		if (end - rest < 8 || rest[0] < 'A' || rest[0] > 'Z')
			goto out;
		size = get32(rest + 4);
		if ((size_t)(end - rest - 8) < size)
			goto out;
		if (!memcmp(rest, "TREE", 4))
			root_tree(ix, rest + 8, size);
		rest += 8 + (size_t)size;
	}
	err = 0;
out:
	source_close(&src);
	return err;
}

static int cmp_path(const struct ks_gitindex *ix,
		    const struct ks_gitindex_entry *e, const char *path,
		    size_t len)
{
	size_t n = e->path_len < len ? e->path_len : len;
	int c = memcmp(ix->paths + e->path, path, n);

	if (c)
		return c;
	return e->path_len < len ? -1 : e->path_len > len;
}

size_t ks_gitindex_lower(const struct ks_gitindex *ix, const char *prefix,
			 size_t len)
{
	size_t lo = 0, hi = ix->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_path(ix, &ix->v[mid], prefix, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int ks_gitindex_find(const struct ks_gitindex *ix, const char *path,
		     size_t len, size_t *pos)
{
	size_t at = ks_gitindex_lower(ix, path, len);

	*pos = at;
	return at < ix->n && cmp_path(ix, &ix->v[at], path, len) == 0 &&
	       KS_GITINDEX_STAGE(ix->v[at].flags) == 0;
}

void ks_gitindex_set_stat(struct ks_gitindex *ix, size_t at,
			  const struct stat *st)
{
	struct ks_gitindex_stat *s = &ix->stat[at];

	s->ctime_s = (uint32_t)st->st_ctim.tv_sec;
	s->ctime_ns = (uint32_t)st->st_ctim.tv_nsec;
	s->mtime_s = (uint32_t)st->st_mtim.tv_sec;
	s->mtime_ns = (uint32_t)st->st_mtim.tv_nsec;
	s->dev = (uint32_t)st->st_dev;
	s->ino = (uint32_t)st->st_ino;
	s->uid = (uint32_t)st->st_uid;
	s->gid = (uint32_t)st->st_gid;
	s->size = (uint32_t)st->st_size;
	ix->v[at].fresh = 1;
}

int ks_gitindex_put(struct ks_gitindex *ix, const char *path, unsigned mode,
		    const unsigned char id[20], const struct stat *st)
{
	size_t len = strlen(path), at;
	struct ks_gitindex_entry *e;

	if (!ix->stat && ix->v)
		return -1;	/* let go of: read only */
	if (!ks_gitindex_find(ix, path, len, &at)) {
		/* no other stage may stay beside stage 0 */
		ks_gitindex_remove(ix, path);
		at = ks_gitindex_lower(ix, path, len);
		if (len > UINT32_MAX || room_for(ix, ix->n + 1) < 0)
			return -1;
		memmove(ix->v + at + 1, ix->v + at, (ix->n - at) * sizeof(*ix->v));
		memmove(ix->stat + at + 1, ix->stat + at,
			(ix->n - at) * sizeof(*ix->stat));
		ix->n++;
		e = &ix->v[at];
		memset(e, 0, sizeof(*e));
		if (add_path(ix, path, len, &e->path) < 0) {
			--ix->n;
			memmove(ix->v + at, ix->v + at + 1, (ix->n - at) * sizeof(*ix->v));
			memmove(ix->stat + at, ix->stat + at + 1,
				(ix->n - at) * sizeof(*ix->stat));
			return -1;
		}
		e->path_len = (uint32_t)len;
	}
	e = &ix->v[at];
	e->mode = mode;
	memcpy(e->id, id, 20);
	e->flags = 0;
	e->flags2 = 0;
	if (st) {
		ks_gitindex_set_stat(ix, at, st);
	} else {
		memset(&ix->stat[at], 0, sizeof(ix->stat[at]));
		e->fresh = 1;
	}
	return 0;
}

int ks_gitindex_remove(struct ks_gitindex *ix, const char *path)
{
	size_t len = strlen(path), at = ks_gitindex_lower(ix, path, len), n = 0;

	while (at + n < ix->n && cmp_path(ix, &ix->v[at + n], path, len) == 0)
		n++;
	if (!n)
		return 0;
	memmove(ix->v + at, ix->v + at + n, (ix->n - at - n) * sizeof(*ix->v));
	if (ix->stat)
		memmove(ix->stat + at, ix->stat + at + n,
			(ix->n - at - n) * sizeof(*ix->stat));
	ix->n -= n;
	return 1;
}

/* Kept from the file read and not older than it: may hide a change. */
static int racy(const struct ks_gitindex *ix, size_t i)
{
	const struct ks_gitindex_entry *e = &ix->v[i];
	const struct ks_gitindex_stat *st = &ix->stat[i];
	uint32_t s = (uint32_t)ix->st.st_mtim.tv_sec;

	if (e->fresh || !ix->has_file || (e->mode & 0170000) == 0160000)
		return 0;
	return st->mtime_s > s ||
	       (st->mtime_s == s && st->mtime_ns >= (uint32_t)ix->st.st_mtim.tv_nsec);
}

/* The length of the prefix two paths share. */
static size_t common_prefix(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen, i = 0;

	while (i + 8 <= n) {
		uint64_t x, y;

		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			break;
		i += 8;
	}
	while (i < n && a[i] == b[i])
		i++;
	return i;
}

static int encode(const struct ks_gitindex *ix, struct ks_buf *out)
{
	const char *prev = "";
	size_t prev_len = 0, i, most = HEADER + TRAILER;
	unsigned char *o;

	/* at most: the fixed part, extended flags, a varint, the path, NUL */
	for (i = 0; i < ix->n; i++)
		most += ENTRY_FIXED + 2 + 16 + ix->v[i].path_len + 1;
	if (ks_buf_grow(out, most) < 0)
		return -1;
	o = (unsigned char *)out->ptr + out->len;
	memcpy(o, "DIRC", 4);
	put32(o + 4, 4);
	put32(o + 8, (uint32_t)ix->n);
	o += HEADER;
	for (i = 0; i < ix->n; i++) {
		const struct ks_gitindex_entry *e = &ix->v[i];
		const struct ks_gitindex_stat *st = &ix->stat[i];
		const char *path = ix->paths + e->path;
		size_t common = common_prefix(prev, prev_len, path, e->path_len);
		uint16_t flags = (uint16_t)(e->flags & ~NAME_MASK);

		flags |= e->path_len < NAME_MASK ? e->path_len : NAME_MASK;
		if (e->flags2)
			flags |= KS_GITINDEX_EXTENDED;
		else
			flags &= (uint16_t)~KS_GITINDEX_EXTENDED;
		put32(o, st->ctime_s);
		put32(o + 4, st->ctime_ns);
		put32(o + 8, st->mtime_s);
		put32(o + 12, st->mtime_ns);
		put32(o + 16, st->dev);
		put32(o + 20, st->ino);
		put32(o + 24, e->mode);
		put32(o + 28, st->uid);
		put32(o + 32, st->gid);
		put32(o + 36, racy(ix, i) ? 0 : st->size);
		memcpy(o + STAT_BYTES, e->id, 20);
		o[60] = (unsigned char)(flags >> 8);
		o[61] = (unsigned char)flags;
		o += ENTRY_FIXED;
		if (e->flags2) {
			o[0] = (unsigned char)(e->flags2 >> 8);
			o[1] = (unsigned char)e->flags2;
			o += 2;
		}
		o += put_varint(o, prev_len - common);
		memcpy(o, path + common, e->path_len - common + 1);
		o += e->path_len - common + 1;
		prev = path;
		prev_len = e->path_len;
	}
	{
		struct sha1_ctx sha;
		size_t len = (size_t)(o - (unsigned char *)out->ptr);

		sha1_init(&sha);
		sha1_update(&sha, len - out->len, (const uint8_t *)out->ptr + out->len);
		sha1_digest(&sha, SHA1_DIGEST_SIZE, o);
		ks_buf_setlen(out, len + SHA1_DIGEST_SIZE);
	}
	return 0;
}

int ks_gitindex_same_file(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev &&
	       a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

int ks_gitindex_write(struct ks_gitindex *ix, const char *file, int durable)
{
	struct ks_buf data = KS_BUF_INIT, lock = KS_BUF_INIT;
	struct stat now;
	size_t off = 0;
	int fd = -1, err = -1;

	if (!ix->stat && ix->v)
		return 1;	/* let go of: read only */
	if (encode(ix, &data) < 0 || ks_buf_addf(&lock, "%s.lock", file) < 0)
		goto out;
	fd = open(lock.ptr, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = errno == EEXIST ? 1 : -1;
		goto out;
	}
	/* under the lock: the file must still be the one that was read */
	if (ix->has_file ? stat(file, &now) < 0 || !ks_gitindex_same_file(&now, &ix->st)
			 : stat(file, &now) == 0) {
		err = 1;
		goto drop;
	}
	while (off < data.len) {
		ssize_t put = write(fd, data.ptr + off, data.len - off);

		if (put < 0 && errno == EINTR)
			continue;
		if (put <= 0)
			goto drop;
		off += (size_t)put;
	}
	if ((durable && fsync(fd) < 0) || close(fd) < 0) {
		fd = -1;
		goto drop;
	}
	fd = -1;
	if (rename(lock.ptr, file) < 0)
		goto drop;
	if (durable)
		ks_file_sync_folder(file);
	/* the file read from now on */
	if (stat(file, &now) == 0) {
		ix->st = now;
		ix->has_file = 1;
	}
	err = 0;
	goto out;
drop:
	if (fd >= 0)
		close(fd);
	unlink(lock.ptr);
out:
	ks_buf_release(&data);
	ks_buf_release(&lock);
	return err;
}

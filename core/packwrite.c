/*
 * A pack writer for bundles (see packwrite.h).  Three steps: walk the
 * commits as `git rev-list tip --not hidden` does; list the trees and blobs
 * of those commits that the boundary commits' trees do not hold, each with
 * the object at its path in a boundary tree (the reader's version of it);
 * then write commits whole and the trees and blobs, sorted by type, path
 * and size, each as the smallest of: itself, a delta against the reader's
 * version, a delta against one of the ten objects written just before it.
 *
 * Everything goes through the caller's function in 64 KiB pieces, behind
 * one SHA-1 (sha1.h) that becomes the pack's trailer.
 */
#include "packwrite.h"
#include "alloc.h"
#include "delta.h"
#include "oidmap.h"
#include "sha1.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

enum {
	OBJ_COMMIT = 1, OBJ_TREE = 2, OBJ_BLOB = 3,
	OBJ_OFS_DELTA = 6, OBJ_REF_DELTA = 7,
};

#define STAGE_SIZE 65536
/* git's defaults: a window of ten objects, chains of at most fifty. */
#define WINDOW 10
#define MAX_DEPTH 50
/* What the window may hold at once; larger objects are not kept in it. */
#define WINDOW_MEMORY (32u << 20)

/* ---- which objects ---- */

struct pobj {
	git_oid id;
	git_oid ext;		/* the reader's version at the same path */
	size_t size;
	uint32_t name_hash;
	unsigned char type;
	unsigned char has_ext;
};

/* A window entry: an object already written, as a possible delta base. */
struct slot {
	git_odb_object *obj;
	struct ks_delta_index *ix;	/* made when first needed */
	uint64_t offset;		/* where its entry starts */
	unsigned type, depth;
	size_t mem;
};

struct pw {
	git_repository *repo;
	git_odb *odb;
	struct ks_oidmap skip;	/* held by the reader: the boundary's trees */
	struct ks_oidmap seen;	/* in the pack */
	git_oid *commits;
	size_t ncommits, acommits;
	git_tree **bases;	/* the boundary commits' root trees */
	size_t nbases, abases;
	struct pobj *objs;
	size_t nobjs, aobjs;

	ks_pack_write_fn fn;
	void *payload;
	int cb_err;
	struct ks_sha1 sha;
	unsigned char *stage;
	size_t staged;
	uint64_t bytes;
	z_stream z;
	int z_ready;

	struct slot win[WINDOW];
	size_t nwin, win_mem;
	struct ks_pack_stats st;
};

/*
 * git's pack name hash: a sortable number from the last sixteen characters
 * of the path, the last counting most, so that files of one name sort
 * together.  Whitespace does not count.
 */
static uint32_t name_hash_add(uint32_t h, const char *s)
{
	unsigned char c;

	while ((c = (unsigned char)*s++))
		if (c != ' ' && (c < '\t' || c > '\r'))
			h = (h >> 2) + ((uint32_t)c << 24);
	return h;
}

static int add_obj(struct pw *pw, const git_oid *id, unsigned type,
		   uint32_t hash, const git_oid *ext)
{
	struct pobj *o;

	if (ks_grow(&pw->objs, pw->nobjs, &pw->aobjs, sizeof(*pw->objs), 256) < 0)
		return -1;
	o = &pw->objs[pw->nobjs++];
	memset(o, 0, sizeof(*o));
	git_oid_cpy(&o->id, id);
	o->type = (unsigned char)type;
	o->name_hash = hash;
	if (ext) {
		git_oid_cpy(&o->ext, ext);
		o->has_ext = 1;
	}
	return 0;
}

/* A boundary commit: its tree is the reader's, and a source of delta bases. */
static int add_base(struct pw *pw, const git_oid *commit_id)
{
	git_commit *c = NULL;
	git_tree *t = NULL;
	int err;

	err = git_commit_lookup(&c, pw->repo, commit_id);
	if (!err)
		err = git_commit_tree(&t, c);
	git_commit_free(c);
	if (err)
		return err;
	if (ks_grow(&pw->bases, pw->nbases, &pw->abases, sizeof(*pw->bases), 4) < 0) {
		git_tree_free(t);
		return -1;
	}
	pw->bases[pw->nbases++] = t;
	return ks_oidmap_put(&pw->skip, git_tree_id(t), 0) < 0 ? -1 : 0;
}

/*
 * Whether a hidden commit is there to hide.  One that is not is ignored,
 * and so is libgit2's message about it: the caller may read
 * git_error_last() to tell a libgit2 failure from running out of memory.
 */
static int is_commit(struct pw *pw, const git_oid *id)
{
	git_object_t type;
	size_t len;

	if (git_odb_read_header(&len, &type, pw->odb, id)) {
		git_error_clear();
		return 0;
	}
	return type == GIT_OBJECT_COMMIT;
}

static int walk_commits(struct pw *pw, const git_oid *tip,
			const git_oid *hidden, size_t nhidden)
{
	git_revwalk *w = NULL;
	struct ks_oidmap boundary = { 0 };
	git_oid id;
	size_t i, j;
	int err;

	err = git_revwalk_new(&w, pw->repo);
	if (!err)
		err = git_revwalk_sorting(w, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME);
	if (!err)
		err = git_revwalk_push(w, tip);
	for (i = 0; !err && i < nhidden; i++)
		if (is_commit(pw, &hidden[i]))
			err = git_revwalk_hide(w, &hidden[i]);
	while (!err && !(err = git_revwalk_next(&id, w))) {
		if (ks_grow(&pw->commits, pw->ncommits, &pw->acommits,
			    sizeof(*pw->commits), 64) < 0 ||
		    ks_oidmap_put(&pw->seen, &id, 0) < 0)
			err = -1;
		else
			git_oid_cpy(&pw->commits[pw->ncommits++], &id);
	}
	if (err == GIT_ITEROVER)
		err = 0;
	git_revwalk_free(w);

	/* The hidden commits, then hidden parents of packed commits. */
	for (i = 0; !err && i < nhidden; i++) {
		if (!is_commit(pw, &hidden[i]))
			continue;
		err = ks_oidmap_put(&boundary, &hidden[i], 0);
		if (err > 0)
			err = add_base(pw, &hidden[i]);
	}
	for (i = 0; !err && i < pw->ncommits; i++) {
		git_commit *c = NULL;

		err = git_commit_lookup(&c, pw->repo, &pw->commits[i]);
		for (j = 0; !err && j < git_commit_parentcount(c); j++) {
			const git_oid *p = git_commit_parent_id(c, j);

			if (ks_oidmap_get(&pw->seen, p, NULL))
				continue;
			err = ks_oidmap_put(&boundary, p, 0);
			if (err > 0)
				err = add_base(pw, p);
		}
		git_commit_free(c);
	}
	ks_oidmap_release(&boundary);
	return err;
}

static void free_trees(git_tree **t, size_t n)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < n; i++)
		git_tree_free(t[i]);
	ks_free(t);
}

static int walk_tree(struct pw *pw, git_tree *tree, uint32_t hash, int root,
		     git_tree **bt);

/*
 * One entry of a packed tree, new to the reader.  Its delta base is the
 * entry of that name and type in the first boundary tree at this path that
 * has one; a subtree is walked with the boundary's subtrees beside it.
 */
static int add_entry(struct pw *pw, const git_tree_entry *e, uint32_t hash,
		     git_tree **bt)
{
	const char *name = git_tree_entry_name(e);
	git_object_t type = git_tree_entry_type(e);
	const git_oid *ext = NULL;
	git_tree *sub = NULL, **cbt = NULL;
	size_t k;
	int err;

	for (k = 0; k < pw->nbases && !ext; k++) {
		const git_tree_entry *be = bt[k] ? git_tree_entry_byname(bt[k], name) : NULL;

		if (be && git_tree_entry_type(be) == type)
			ext = git_tree_entry_id(be);
	}
	if (add_obj(pw, git_tree_entry_id(e), type, hash, ext) < 0)
		return -1;
	if (type != GIT_OBJECT_TREE)
		return 0;
	if (pw->nbases && !(cbt = ks_calloc(pw->nbases, sizeof(*cbt))))
		return -1;
	err = git_tree_lookup(&sub, pw->repo, git_tree_entry_id(e));
	for (k = 0; !err && k < pw->nbases; k++) {
		const git_tree_entry *be = bt[k] ? git_tree_entry_byname(bt[k], name) : NULL;

		if (be && git_tree_entry_type(be) == GIT_OBJECT_TREE)
			err = git_tree_lookup(&cbt[k], pw->repo, git_tree_entry_id(be));
	}
	if (!err)
		err = walk_tree(pw, sub, hash, 0, cbt);
	free_trees(cbt, pw->nbases);
	git_tree_free(sub);
	return err;
}

/*
 * 1 when a boundary tree holds `e` at the same path: the reader has it,
 * and all it holds, so the walk goes no deeper (an object the reader
 * holds only at another path is written again, which costs bytes, not
 * correctness).  Remembered, for the other commits of the pack.
 */
static int readers(struct pw *pw, const git_tree_entry *e, git_tree **bt)
{
	size_t k;

	for (k = 0; k < pw->nbases; k++) {
		const git_tree_entry *be = bt[k] ? git_tree_entry_byname(bt[k],
						git_tree_entry_name(e)) : NULL;

		if (be && git_oid_equal(git_tree_entry_id(be), git_tree_entry_id(e)))
			return ks_oidmap_put(&pw->skip, git_tree_entry_id(e), 0) < 0
				? -1 : 1;
	}
	return 0;
}

/*
 * The entries of `tree` that are neither the reader's nor listed already,
 * walked beside the boundary trees at the same path (`bt`): a subtree
 * equal to the boundary's is not opened.
 */
static int walk_tree(struct pw *pw, git_tree *tree, uint32_t hash, int root,
		     git_tree **bt)
{
	size_t i;
	int err = 0;

	for (i = 0; !err && i < git_tree_entrycount(tree); i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		git_object_t type = git_tree_entry_type(e);
		uint32_t h = root ? hash : name_hash_add(hash, "/");

		if (type != GIT_OBJECT_TREE && type != GIT_OBJECT_BLOB)
			continue;
		if (ks_oidmap_get(&pw->skip, git_tree_entry_id(e), NULL))
			continue;
		if ((err = readers(pw, e, bt)) != 0) {
			err = err < 0 ? -1 : 0;
			continue;
		}
		err = ks_oidmap_put(&pw->seen, git_tree_entry_id(e), 0);
		if (err > 0)
			err = add_entry(pw, e, name_hash_add(h, git_tree_entry_name(e)), bt);
	}
	return err;
}

static int list_objects(struct pw *pw)
{
	size_t i;
	int err = 0;

	for (i = 0; !err && i < pw->ncommits; i++) {
		git_commit *c = NULL;
		git_tree *t = NULL;
		const git_oid *tid;

		err = git_commit_lookup(&c, pw->repo, &pw->commits[i]);
		if (err)
			break;
		tid = git_commit_tree_id(c);
		if (!ks_oidmap_get(&pw->skip, tid, NULL) &&
		    (err = ks_oidmap_put(&pw->seen, tid, 0)) > 0) {
			err = add_obj(pw, tid, OBJ_TREE, 0,
				      pw->nbases ? git_tree_id(pw->bases[0]) : NULL);
			if (!err)
				err = git_commit_tree(&t, c);
			if (!err)
				err = walk_tree(pw, t, 0, 1, pw->bases);
			git_tree_free(t);
		}
		git_commit_free(c);
	}
	for (i = 0; !err && i < pw->nobjs; i++) {
		git_object_t type;

		err = git_odb_read_header(&pw->objs[i].size, &type, pw->odb,
					  &pw->objs[i].id);
	}
	return err;
}

/* Delta order: by type, name, then larger first, so bases come first. */
static int cmp_obj(const void *pa, const void *pb)
{
	const struct pobj *a = pa, *b = pb;

	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	if (a->name_hash != b->name_hash)
		return a->name_hash < b->name_hash ? -1 : 1;
	if (a->size != b->size)
		return a->size > b->size ? -1 : 1;
	return git_oid_cmp(&a->id, &b->id);
}

/* ---- writing ---- */

static int flush_stage(struct pw *pw)
{
	int r;

	if (!pw->staged)
		return 0;
	ks_sha1_update(&pw->sha, pw->stage, pw->staged);
	r = pw->fn(pw->stage, pw->staged, pw->payload);
	pw->bytes += pw->staged;
	pw->staged = 0;
	if (r) {
		pw->cb_err = r;
		return r;
	}
	return 0;
}

static int put(struct pw *pw, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len) {
		size_t n = STAGE_SIZE - pw->staged;

		if (n > len)
			n = len;
		memcpy(pw->stage + pw->staged, p, n);
		pw->staged += n;
		p += n;
		len -= n;
		if (pw->staged == STAGE_SIZE && flush_stage(pw))
			return pw->cb_err;
	}
	return 0;
}

/* `len` bytes deflated into the stage, flushing it whenever it fills. */
static int put_deflated(struct pw *pw, const void *data, size_t len)
{
	int zr;

	if (deflateReset(&pw->z) != Z_OK)
		return -1;
	pw->z.next_in = (Bytef *)data;
	pw->z.avail_in = (uInt)len;
	do {
		if (pw->staged == STAGE_SIZE && flush_stage(pw))
			return pw->cb_err;
		pw->z.next_out = pw->stage + pw->staged;
		pw->z.avail_out = (uInt)(STAGE_SIZE - pw->staged);
		zr = deflate(&pw->z, Z_FINISH);
		pw->staged = STAGE_SIZE - pw->z.avail_out;
		if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
			return -1;
	} while (zr != Z_STREAM_END);
	return 0;
}

/* The entry header: type and size, 4 bits then 7 bits a byte. */
static int put_entry_header(struct pw *pw, unsigned type, size_t size)
{
	unsigned char h[16];
	size_t n = 0;

	h[n++] = (unsigned char)(type << 4 | (size & 15));
	size >>= 4;
	while (size) {
		h[n - 1] |= 0x80;
		h[n++] = (unsigned char)(size & 0x7f);
		size >>= 7;
	}
	return put(pw, h, n);
}

/*
 * An OFS_DELTA's distance back to its base, big-endian 7 bits a byte;
 * each continuation adds one, so that no number has two spellings.
 * Returns the length, written at the end of `buf`.
 */
static size_t ofs_encode(unsigned char buf[16], uint64_t ofs)
{
	size_t pos = 15;

	buf[pos] = ofs & 0x7f;
	while (ofs >>= 7)
		buf[--pos] = 0x80 | (--ofs & 0x7f);
	return 16 - pos;
}

static int put_whole(struct pw *pw, unsigned type, const void *data, size_t len)
{
	int err = put_entry_header(pw, type, len);

	return err ? err : put_deflated(pw, data, len);
}

/* The best delta found so far for the object being written. */
struct choice {
	unsigned char *delta;
	size_t len, cost;
	const struct slot *base;	/* NULL: against the reader's object */
	unsigned depth;
};

static void take(struct choice *c, unsigned char *delta, size_t len,
		 size_t cost, const struct slot *base, unsigned depth)
{
	ks_free(c->delta);
	c->delta = delta;
	c->len = len;
	c->cost = cost;
	c->base = base;
	c->depth = depth;
}

/*
 * An object whose bytes go into the pack, read and its id checked
 * against them: libgit2's own check of every object read is off while
 * the pack is written (ks_pack_write()), since the walk reads each tree
 * up to three times, and a sixth of a bundle of 100 records went to
 * hashing them.  What the pack holds is still checked once: an object
 * damaged on this disk stops the bundle here, not at its reader.
 */
static int read_checked(git_odb_object **out, struct pw *pw,
			const git_oid *id)
{
	char want[GIT_OID_HEXSZ + 1], got[GIT_OID_HEXSZ + 1], msg[160];
	git_odb_object *obj = NULL;
	git_oid actual;
	int err = git_odb_read(&obj, pw->odb, id);

	if (err)
		return err;
	if (git_odb_hash(&actual, git_odb_object_data(obj),
			 git_odb_object_size(obj), git_odb_object_type(obj)) < 0) {
		git_odb_object_free(obj);
		return -1;
	}
	if (!git_oid_equal(&actual, id)) {
		git_oid_tostr(want, sizeof(want), id);
		git_oid_tostr(got, sizeof(got), &actual);
		snprintf(msg, sizeof(msg),
			 "object hash mismatch - expected %s but got %s", want, got);
		git_error_set_str(GIT_ERROR_ODB, msg);
		git_odb_object_free(obj);
		return GIT_EMISMATCH;
	}
	*out = obj;
	return 0;
}

/* A delta against the reader's version of `o`, if small enough. */
static int try_ext(struct pw *pw, struct choice *c, const struct pobj *o,
		   const void *data, size_t len, size_t limit)
{
	git_odb_object *b = NULL;
	struct ks_delta_index *ix = NULL;
	unsigned char *d;
	size_t dlen;
	int err;

	err = read_checked(&b, pw, &o->ext);
	if (err)
		return err;
	if (ks_delta_index_new(&ix, git_odb_object_data(b),
			       git_odb_object_size(b)) < 0) {
		git_odb_object_free(b);
		return -1;
	}
	err = ks_delta_create(&d, &dlen, ix, data, len, limit);
	ks_delta_index_free(ix);
	git_odb_object_free(b);
	if (err < 0)
		return -1;
	if (!err)
		take(c, d, dlen, dlen + GIT_OID_RAWSZ, NULL, 1);
	return 0;
}

/* Deltas against the window, newest first; a smaller one replaces `c`. */
static int try_window(struct pw *pw, struct choice *c, unsigned type,
		      const void *data, size_t len, size_t limit)
{
	unsigned char ofs[16], *d;
	size_t i, max, hdr, dlen, diff;
	int err;

	for (i = pw->nwin; i-- > 0;) {
		struct slot *s = &pw->win[i];
		size_t slen = git_odb_object_size(s->obj);

		if (s->type != type || s->depth >= MAX_DEPTH)
			continue;
		hdr = ofs_encode(ofs, pw->bytes + pw->staged - s->offset);
		max = limit;
		if (c->delta)
			max = c->cost > hdr + 1 ? c->cost - hdr - 1 : 0;
		diff = slen > len ? slen - len : len - slen;
		if (!max || diff >= max)
			continue;
		if (!s->ix) {
			if (ks_delta_index_new(&s->ix, git_odb_object_data(s->obj),
					       slen) < 0)
				return -1;
			s->mem += ks_delta_index_memory(s->ix);
			pw->win_mem += ks_delta_index_memory(s->ix);
		}
		err = ks_delta_create(&d, &dlen, s->ix, data, len, max);
		if (err < 0)
			return -1;
		if (!err)
			take(c, d, dlen, dlen + hdr, s, s->depth + 1);
	}
	return 0;
}

static void drop_slot(struct pw *pw, size_t i)
{
	struct slot *s = &pw->win[i];

	pw->win_mem -= s->mem;
	ks_delta_index_free(s->ix);
	git_odb_object_free(s->obj);
	memmove(s, s + 1, (pw->nwin - i - 1) * sizeof(*s));
	pw->nwin--;
}

/* The object just written joins the window; the oldest leave to make room. */
static void keep(struct pw *pw, git_odb_object *obj, unsigned type,
		 uint64_t offset, unsigned depth)
{
	size_t mem = git_odb_object_size(obj);
	struct slot *s;

	if (mem > WINDOW_MEMORY) {
		git_odb_object_free(obj);
		return;
	}
	while (pw->nwin && (pw->nwin == WINDOW || pw->win_mem + mem > WINDOW_MEMORY))
		drop_slot(pw, 0);
	s = &pw->win[pw->nwin++];
	s->obj = obj;
	s->ix = NULL;
	s->offset = offset;
	s->type = type;
	s->depth = depth;
	s->mem = mem;
	pw->win_mem += mem;
}

static int write_obj(struct pw *pw, const struct pobj *o)
{
	git_odb_object *obj = NULL;
	struct choice c = { 0 };
	unsigned char ofs[16];
	uint64_t offset = pw->bytes + pw->staged;
	const void *data;
	size_t len, limit;
	int err;

	err = read_checked(&obj, pw, &o->id);
	if (err)
		return err;
	data = git_odb_object_data(obj);
	len = git_odb_object_size(obj);
	/* git's rule: a delta must save at least half, and the base's name. */
	limit = len / 2 > GIT_OID_RAWSZ ? len / 2 - GIT_OID_RAWSZ : 0;
	if (limit && o->has_ext)
		err = try_ext(pw, &c, o, data, len, limit);
	if (!err && limit)
		err = try_window(pw, &c, o->type, data, len, limit);
	if (!err && !c.delta)
		err = put_whole(pw, o->type, data, len);
	else if (!err && !c.base) {
		err = put_entry_header(pw, OBJ_REF_DELTA, c.len);
		if (!err)
			err = put(pw, o->ext.id, GIT_OID_RAWSZ);
		pw->st.thin++;
	} else if (!err) {
		size_t n = ofs_encode(ofs, offset - c.base->offset);

		err = put_entry_header(pw, OBJ_OFS_DELTA, c.len);
		if (!err)
			err = put(pw, ofs + 16 - n, n);
	}
	if (!err && c.delta) {
		err = put_deflated(pw, c.delta, c.len);
		pw->st.deltas++;
	}
	ks_free(c.delta);
	if (err) {
		git_odb_object_free(obj);
		return err;
	}
	keep(pw, obj, o->type, offset, c.delta ? c.depth : 0);
	return 0;
}

static int write_commit(struct pw *pw, const git_oid *id)
{
	git_odb_object *obj = NULL;
	int err = read_checked(&obj, pw, id);

	if (!err)
		err = put_whole(pw, OBJ_COMMIT, git_odb_object_data(obj),
				git_odb_object_size(obj));
	git_odb_object_free(obj);
	return err;
}

static int write_pack(struct pw *pw)
{
	unsigned char head[12] = { 'P', 'A', 'C', 'K', 0, 0, 0, 2 };
	unsigned char sum[20];
	uint64_t count = (uint64_t)pw->ncommits + pw->nobjs;
	size_t i;
	int err;

	if (count > UINT32_MAX)
		return GIT_ERROR;
	for (i = 0; i < 4; i++)
		head[8 + i] = (unsigned char)(count >> (24 - 8 * i));
	pw->stage = ks_malloc(STAGE_SIZE);
	if (!pw->stage)
		return -1;
	pw->z.zalloc = ks_zalloc;
	pw->z.zfree = ks_zfree;
	if (deflateInit(&pw->z, Z_DEFAULT_COMPRESSION) != Z_OK)
		return -1;
	pw->z_ready = 1;
	ks_sha1_init(&pw->sha);
	err = put(pw, head, sizeof(head));
	for (i = 0; !err && i < pw->ncommits; i++)
		err = write_commit(pw, &pw->commits[i]);
	for (i = 0; !err && i < pw->nobjs; i++)
		err = write_obj(pw, &pw->objs[i]);
	if (!err)
		err = flush_stage(pw);
	if (err)
		return err;
	ks_sha1_final(&pw->sha, sum);
	memcpy(pw->stage, sum, sizeof(sum));
	pw->staged = sizeof(sum);
	/* The trailer is not part of what it sums: send it unhashed. */
	err = pw->fn(pw->stage, pw->staged, pw->payload);
	pw->bytes += pw->staged;
	pw->staged = 0;
	return err;
}

static void pw_release(struct pw *pw)
{
	while (pw->nwin)
		drop_slot(pw, pw->nwin - 1);
	if (pw->z_ready)
		deflateEnd(&pw->z);
	ks_free(pw->stage);
	free_trees(pw->bases, pw->nbases);
	ks_oidmap_release(&pw->skip);
	ks_oidmap_release(&pw->seen);
	ks_free(pw->commits);
	ks_free(pw->objs);
	git_odb_free(pw->odb);
}

int ks_pack_write(git_repository *repo, const git_oid *tip,
		  const git_oid *hidden, size_t nhidden,
		  ks_pack_write_fn fn, void *payload, struct ks_pack_stats *st)
{
	struct pw pw;
	int err;

	memset(&pw, 0, sizeof(pw));
	pw.repo = repo;
	pw.fn = fn;
	pw.payload = payload;
	/* see read_checked(); on again after, libgit2's default */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
	err = git_repository_odb(&pw.odb, repo);
	if (!err)
		err = walk_commits(&pw, tip, hidden, nhidden);
	if (!err)
		err = list_objects(&pw);
	if (!err && pw.nobjs)
		qsort(pw.objs, pw.nobjs, sizeof(*pw.objs), cmp_obj);
	if (!err)
		err = write_pack(&pw);
	if (!err && st) {
		pw.st.commits = pw.ncommits;
		pw.st.objects = pw.ncommits + pw.nobjs;
		pw.st.bytes = pw.bytes;
		*st = pw.st;
	}
	pw_release(&pw);
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 1);
	return err;
}

/*
 * One pack of new blobs (see bulkpack.h): every blob whole (an import's
 * records have no older versions to be deltas of), deflated as fast as
 * zlib can (git gc packs them tighter later), streamed in
 * 64 KiB pieces into libgit2's indexer behind the SHA-1 that becomes the
 * pack's trailer (gitformat-pack, version 2).
 */
#include "bulkpack.h"
#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "oidmap.h"
#include "repo.h"
#include "sha1.h"

#include <limits.h>
#include <string.h>
#include <zlib.h>

#define OBJ_BLOB 3
#define PIECE 65536

struct writer {
	git_indexer *idx;
	git_indexer_progress st;
	struct ks_sha1 sha;
	size_t len;
	unsigned char buf[PIECE];
	unsigned char out[PIECE];	/* deflate's output */
};

/* Hands what is buffered to the indexer; -1 when it refuses. */
static int flush(struct writer *w)
{
	if (!w->len)
		return 0;
	ks_sha1_update(&w->sha, w->buf, w->len);
	if (git_indexer_append(w->idx, w->buf, w->len, &w->st) < 0)
		return -1;
	w->len = 0;
	return 0;
}

static int put(struct writer *w, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len) {
		size_t k = PIECE - w->len < len ? PIECE - w->len : len;

		memcpy(w->buf + w->len, p, k);
		w->len += k;
		p += k;
		len -= k;
		if (w->len == PIECE && flush(w) < 0)
			return -1;
	}
	return 0;
}

/* The type and size of an entry: 4 bits of size, then 7 at a time. */
static int put_header(struct writer *w, size_t size)
{
	unsigned char h[16];
	unsigned char c = (unsigned char)(OBJ_BLOB << 4 | (size & 15));
	size_t n = 0;

	size >>= 4;
	while (size) {
		h[n++] = c | 0x80;
		c = (unsigned char)(size & 0x7f);
		size >>= 7;
	}
	h[n++] = c;
	return put(w, h, n);
}

/* 0, -1 for memory, 1 for the indexer. */
static int put_deflated(struct writer *w, z_stream *z, const void *data,
			size_t len)
{
	int rc;

	if (deflateReset(z) != Z_OK)
		return -1;
	z->next_in = (Bytef *)data;
	z->avail_in = (uInt)len;
	do {
		z->next_out = w->out;
		z->avail_out = sizeof(w->out);
		rc = deflate(z, Z_FINISH);
		if (rc == Z_STREAM_ERROR || rc == Z_BUF_ERROR)
			return -1;
		if (put(w, w->out, sizeof(w->out) - z->avail_out) < 0)
			return 1;
	} while (rc != Z_STREAM_END);
	return 0;
}

/* The files to write: each blob once, and none the repository holds. */
static int pick(size_t **out, size_t *count, git_odb *odb,
		const struct ks_bulk_blob *v, size_t n)
{
	struct ks_oidmap seen = KS_OIDMAP_INIT;
	size_t i, m = 0, *todo = ks_calloc(n + 1, sizeof(*todo));
	int err = 0;

	if (!todo)
		return -1;
	for (i = 0; i < n && !err; i++) {
		int added = ks_oidmap_put(&seen, &v[i].id, 0);

		if (added < 0)
			err = -1;
		/*
		 * Not found, libgit2 reads the packs' folder again to look
		 * for a pack written meanwhile: for each of 100,000 new files.
		 * One written meanwhile would cost a copy of a blob, no more.
		 */
		else if (added && !git_odb_exists_ext(odb, &v[i].id,
						      GIT_ODB_LOOKUP_NO_REFRESH))
			todo[m++] = i;
	}
	git_error_clear();
	ks_oidmap_release(&seen);
	if (err) {
		ks_free(todo);
		return -1;
	}
	*out = todo;
	*count = m;
	return 0;
}

/* The pack of the files todo[0..m): its header, each blob, its trailer. */
static int write_pack(struct writer *w, const struct ks_bulk_blob *v,
		      const size_t *todo, size_t m, struct ks_diags *d)
{
	struct ks_buf text = KS_BUF_INIT;
	z_stream z;
	unsigned char head[12] = { 'P', 'A', 'C', 'K', 0, 0, 0, 2 };
	unsigned char sum[20];
	size_t i;
	int err = 0, rc;

	memset(&z, 0, sizeof(z));
	z.zalloc = ks_zalloc;
	z.zfree = ks_zfree;
	/* As git compresses loose objects (core.looseCompression): fast. */
	if (deflateInit(&z, Z_BEST_SPEED) != Z_OK)
		return -1;
	head[8] = (unsigned char)(m >> 24);
	head[9] = (unsigned char)(m >> 16);
	head[10] = (unsigned char)(m >> 8);
	head[11] = (unsigned char)m;
	if (put(w, head, sizeof(head)) < 0)
		goto indexer;
	for (i = 0; i < m && !err; i++) {
		const struct ks_bulk_blob *b = &v[todo[i]];
		git_oid id;

		ks_buf_reset(&text);
		if (ks_buf_read_file(&text, b->path, 0) < 0) {
			err = ks_error(d, KS_EIO, b->name, 0, 0,
				       "cannot read the file to commit it");
			break;
		}
		if (text.len > UINT_MAX) {
			err = ks_error(d, KS_EINVALID, b->name, 0, 0,
				       "the file is too large to commit");
			break;
		}
		if (git_odb_hash(&id, text.ptr, text.len, GIT_OBJECT_BLOB) < 0)
			goto indexer;
		if (!git_oid_equal(&id, &b->id)) {
			err = ks_error(d, KS_EINVALID, b->name, 0, 0,
				       "the file changed while it was being committed; nothing was committed, commit again");
			break;
		}
		if (put_header(w, text.len) < 0)
			goto indexer;
		if ((rc = put_deflated(w, &z, text.ptr, text.len)) > 0)
			goto indexer;
		if (rc < 0)
			err = -1;
	}
	if (err)
		goto out;
	if (flush(w) < 0)
		goto indexer;
	ks_sha1_final(&w->sha, sum);
	if (git_indexer_append(w->idx, sum, sizeof(sum), &w->st) < 0 ||
	    git_indexer_commit(w->idx, &w->st) < 0)
		goto indexer;
	goto out;
indexer:
	err = ks_error(d, KS_EIO, NULL, 0, 0, "cannot write the new records' pack: %s",
		       ks_git_error());
out:
	deflateEnd(&z);
	ks_buf_release(&text);
	return err;
}

int ks_bulk_pack_blobs(git_repository *repo, const struct ks_bulk_blob *v,
		       size_t n, struct ks_diags *d)
{
	git_indexer_options o = GIT_INDEXER_OPTIONS_INIT;
	struct ks_buf packdir = KS_BUF_INIT;
	struct writer *w = NULL;
	git_odb *odb = NULL;
	size_t *todo = NULL, m = 0;
	int err;

	if (git_repository_odb(&odb, repo) < 0)
		return ks_error(d, KS_EIO, NULL, 0, 0, "cannot read the repository: %s",
				ks_git_error());
	if ((err = pick(&todo, &m, odb, v, n)) || !m)
		goto out;
	err = -1;
	if (ks_buf_addf(&packdir, "%sobjects/pack", git_repository_path(repo)) < 0 ||
	    !(w = ks_calloc(1, sizeof(*w))))
		goto out;
	ks_sha1_init(&w->sha);
	/* opts.verify leaks in libgit2 1.5.1 (see bundle.c); blobs need none. */
	o.verify = 0;
	if (git_indexer_new(&w->idx, packdir.ptr, 0, odb, &o) < 0) {
		err = ks_error(d, KS_EIO, NULL, 0, 0, "cannot write the new records' pack: %s",
			       ks_git_error());
		goto out;
	}
	err = write_pack(w, v, todo, m, d);
	/* The pack is named: the blobs can be found. */
	if (!err && git_odb_refresh(odb) < 0)
		err = ks_error(d, KS_EIO, NULL, 0, 0, "cannot read the new records' pack: %s",
			       ks_git_error());
out:
	if (w)
		git_indexer_free(w->idx);
	ks_free(w);
	ks_free(todo);
	ks_buf_release(&packdir);
	git_odb_free(odb);
	return err;
}

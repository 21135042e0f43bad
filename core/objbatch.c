/*
 * A merge's objects as one pack: see objbatch.h.
 */
#include "objbatch.h"
#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "intl.h"
#include "oidmap.h"
#include "repo.h"

#include <git2/sys/odb_backend.h>
#include <pthread.h>
#include <string.h>

enum state { CLOSED, OPEN, WRITTEN };

struct object {
	git_oid id;
	git_object_t type;
	size_t len;
	unsigned char data[];
};

/* The backend: libgit2 frees it with the repository's object database. */
struct ks_objbatch {
	git_odb_backend parent;
	git_repository *repo;
	pthread_mutex_t lock;	/* libgit2 may write from several threads */
	enum state state;
	struct ks_oidmap ids;	/* id -> index in objs */
	struct object **objs;
	size_t n, alloc;
};

/* The object kept as `id`, or NULL; with the lock held. */
static struct object *find(struct ks_objbatch *b, const git_oid *id)
{
	size_t i;

	if (b->state == CLOSED || !ks_oidmap_get(&b->ids, id, &i))
		return NULL;
	return b->objs[i];
}

static int be_read(void **data, size_t *len, git_object_t *type,
		   git_odb_backend *be, const git_oid *id)
{
	struct ks_objbatch *b = (struct ks_objbatch *)be;
	struct object *o;
	int err = GIT_ENOTFOUND;

	pthread_mutex_lock(&b->lock);
	if ((o = find(b, id))) {
		err = -1;
		if ((*data = git_odb_backend_data_alloc(be, o->len ? o->len : 1))) {
			memcpy(*data, o->data, o->len);
			*len = o->len;
			*type = o->type;
			err = 0;
		}
	}
	pthread_mutex_unlock(&b->lock);
	return err;
}

static int be_read_header(size_t *len, git_object_t *type,
			  git_odb_backend *be, const git_oid *id)
{
	struct ks_objbatch *b = (struct ks_objbatch *)be;
	struct object *o;
	int err = GIT_ENOTFOUND;

	pthread_mutex_lock(&b->lock);
	if ((o = find(b, id))) {
		*len = o->len;
		*type = o->type;
		err = 0;
	}
	pthread_mutex_unlock(&b->lock);
	return err;
}

static int be_exists(git_odb_backend *be, const git_oid *id)
{
	struct ks_objbatch *b = (struct ks_objbatch *)be;
	int there;

	pthread_mutex_lock(&b->lock);
	there = find(b, id) != NULL;
	pthread_mutex_unlock(&b->lock);
	return there;
}

/*
 * Kept while the batch is open; refused otherwise, and libgit2 then
 * writes the object with the next backend that can (the loose objects).
 */
static int be_write(git_odb_backend *be, const git_oid *id, const void *data,
		    size_t len, git_object_t type)
{
	struct ks_objbatch *b = (struct ks_objbatch *)be;
	struct object *o = NULL;
	int err = GIT_PASSTHROUGH;

	pthread_mutex_lock(&b->lock);
	if (b->state != OPEN)
		goto out;
	err = 0;
	if (ks_oidmap_get(&b->ids, id, NULL))
		goto out;
	err = -1;
	if (ks_grow(&b->objs, b->n, &b->alloc, sizeof(*b->objs), 256) < 0)
		goto out;
	if (!(o = ks_malloc(sizeof(*o) + len)))
		goto out;
	git_oid_cpy(&o->id, id);
	o->type = type;
	o->len = len;
	memcpy(o->data, data, len);
	if (ks_oidmap_put(&b->ids, id, b->n) < 0) {
		ks_free(o);
		goto out;
	}
	b->objs[b->n++] = o;
	err = 0;
out:
	pthread_mutex_unlock(&b->lock);
	if (err == -1)
		git_error_set_oom();
	return err;
}

/* A stream into the batch: the object gathered, then kept whole. */
struct stream {
	git_odb_stream parent;
	git_object_t type;
	struct ks_buf data;
};

static int stream_write(git_odb_stream *st, const char *buf, size_t len)
{
	struct stream *s = (struct stream *)st;

	if (ks_buf_add(&s->data, buf, len) < 0) {
		git_error_set_oom();
		return -1;
	}
	return 0;
}

static int stream_finalize(git_odb_stream *st, const git_oid *id)
{
	struct stream *s = (struct stream *)st;
	int err = be_write(st->backend, id, s->data.ptr, s->data.len, s->type);

	/* the batch was written meanwhile: the object has no place to go */
	if (err == GIT_PASSTHROUGH) {
		git_error_set_str(GIT_ERROR_ODB, _("the merge's objects were written already"));
		err = -1;
	}
	return err;
}

static void stream_free(git_odb_stream *st)
{
	struct stream *s = (struct stream *)st;

	ks_buf_release(&s->data);
	ks_free(s);
}

/*
 * libgit2 writes blobs made from memory through a stream.  While the
 * batch is open they are kept as any other object; otherwise the stream
 * is passed on to the next backend (the loose objects), as a write is.
 */
static int be_writestream(git_odb_stream **out, git_odb_backend *be,
			  git_object_size_t size, git_object_t type)
{
	struct ks_objbatch *b = (struct ks_objbatch *)be;
	struct stream *s;
	int open;

	pthread_mutex_lock(&b->lock);
	open = b->state == OPEN;
	pthread_mutex_unlock(&b->lock);
	if (!open)
		return GIT_PASSTHROUGH;
	if (!(s = ks_calloc(1, sizeof(*s)))) {
		git_error_set_oom();
		return -1;
	}
	s->parent.backend = be;
	s->parent.mode = GIT_STREAM_WRONLY;
	s->parent.write = stream_write;
	s->parent.finalize_write = stream_finalize;
	s->parent.free = stream_free;
	s->type = type;
	ks_buf_init(&s->data);
	*out = &s->parent;
	return 0;
}

/* Every object given back; with the lock held. */
static void drop(struct ks_objbatch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		ks_free(b->objs[i]);
	ks_free(b->objs);
	b->objs = NULL;
	b->n = b->alloc = 0;
	ks_oidmap_release(&b->ids);
}

static void be_free(git_odb_backend *be)
{
	struct ks_objbatch *b = (struct ks_objbatch *)be;

	drop(b);
	pthread_mutex_destroy(&b->lock);
	ks_free(b);
}

/* This repository's store, added at an earlier batch, or NULL. */
static struct ks_objbatch *added(git_odb *odb)
{
	size_t i, n = git_odb_num_backends(odb);
	git_odb_backend *be;

	for (i = 0; i < n; i++)
		if (git_odb_get_backend(&be, odb, i) == 0 && be->write == be_write)
			return (struct ks_objbatch *)be;
	return NULL;
}

int ks_objbatch_begin(struct ks_objbatch **out, git_repository *repo)
{
	struct ks_objbatch *b;
	git_odb *odb;

	*out = NULL;
	if (git_repository_odb(&odb, repo) < 0)
		return -1;
	if (!(b = added(odb))) {
		if (!(b = ks_calloc(1, sizeof(*b)))) {
			git_odb_free(odb);
			git_error_set_oom();
			return -1;
		}
		git_odb_init_backend(&b->parent, GIT_ODB_BACKEND_VERSION);
		b->parent.read = be_read;
		b->parent.read_header = be_read_header;
		b->parent.exists = be_exists;
		b->parent.write = be_write;
		b->parent.writestream = be_writestream;
		b->parent.free = be_free;
		pthread_mutex_init(&b->lock, NULL);
		/* before the loose objects (1) and the packs (2) */
		if (git_odb_add_backend(odb, &b->parent, 1000) < 0) {
			be_free(&b->parent);
			git_odb_free(odb);
			return -1;
		}
	}
	git_odb_free(odb);
	pthread_mutex_lock(&b->lock);
	b->repo = repo;
	b->state = OPEN;
	pthread_mutex_unlock(&b->lock);
	*out = b;
	return 0;
}

int ks_objbatch_write(struct ks_objbatch *b, const char *what,
		      struct ks_diags *d)
{
	struct ks_buf packdir = KS_BUF_INIT;
	git_packbuilder *pb = NULL;
	size_t i, n;
	int err = 0;

	/* from here on, what is written goes to the disk */
	pthread_mutex_lock(&b->lock);
	b->state = WRITTEN;
	n = b->n;
	pthread_mutex_unlock(&b->lock);
	if (!n)
		return 0;
	if (ks_buf_addf(&packdir, "%sobjects/pack",
			git_repository_path(b->repo)) < 0)
		return -1;
	if (git_packbuilder_new(&pb, b->repo) < 0)
		goto gitfail;
	/* each object alone: a tree's entries are in the repository already */
	for (i = 0; i < n; i++)
		if (git_packbuilder_insert(pb, &b->objs[i]->id, NULL) < 0)
			goto gitfail;
	/* the pack and then its index, each flushed and renamed into place */
	if (git_packbuilder_write(pb, packdir.ptr, 0, NULL, NULL) < 0)
		goto gitfail;
	goto out;
gitfail:
	err = ks_error(d, KS_EIO, what, 0, 0, "cannot write the merge's objects: %s",
		       ks_git_error());
out:
	git_packbuilder_free(pb);
	ks_buf_release(&packdir);
	return err;
}

void ks_objbatch_end(struct ks_objbatch *b)
{
	if (!b)
		return;
	pthread_mutex_lock(&b->lock);
	b->state = CLOSED;
	drop(b);
	pthread_mutex_unlock(&b->lock);
}

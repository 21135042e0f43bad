/*
 * What each laptop last sent here: see heard.h.
 */
#include "heard.h"
#include "alloc.h"
#include "remote.h"
#include "repo.h"

#include <stdlib.h>
#include <string.h>

#define SEEN_GLOB "refs/khaosat/seen/*"

struct walk {
	struct ks_heard *h;
	git_repository *repo;
	const char *self;	/* this laptop's device, or NULL */
	int failed;
};

/* Keeps the ref's commit as its device's, when it is the newest. */
static int one(const char *name, void *payload)
{
	struct walk *w = payload;
	const char *dev = strrchr(name, '/') + 1;
	git_oid id;
	git_commit *c = NULL;
	struct ks_heard_one *e = NULL;
	size_t i;

	if (strlen(dev) >= sizeof(e->device) || (w->self && !strcmp(dev, w->self)) ||
	    git_reference_name_to_id(&id, w->repo, name) ||
	    git_commit_lookup(&c, w->repo, &id)) {
		git_error_clear();
		return 0;
	}
	for (i = 0; i < w->h->n; i++)
		if (!strcmp(w->h->v[i].device, dev))
			break;
	if (i == w->h->n) {
		if (ks_grow(&w->h->v, w->h->n, &w->h->alloc, sizeof(*w->h->v), 8) < 0)
			goto oom;
		memset(&w->h->v[i], 0, sizeof(w->h->v[i]));
		strcpy(w->h->v[i].device, dev);
		w->h->n++;
	} else if (w->h->v[i].when.time >= git_commit_committer(c)->when.time) {
		git_commit_free(c);
		return 0;
	}
	e = &w->h->v[i];
	ks_free(e->author);
	e->when = git_commit_committer(c)->when;
	if (!(e->author = ks_strdup(git_commit_author(c)->name)))
		goto oom;
	git_commit_free(c);
	return 0;
oom:
	git_commit_free(c);
	w->failed = 1;
	return -1;
}

static int by_device(const void *a, const void *b)
{
	return strcmp(((const struct ks_heard_one *)a)->device,
		      ((const struct ks_heard_one *)b)->device);
}

int ks_heard_list(struct ks_heard *out, struct ks_repo *r)
{
	const struct ks_identity *me = ks_repo_identity(r);
	struct walk w = { out, ks_repo_git(r), me ? me->device : NULL, 0 };

	memset(out, 0, sizeof(*out));
	git_reference_foreach_glob(w.repo, SEEN_GLOB, one, &w);
	if (!w.failed)
		git_reference_foreach_glob(w.repo, KS_TRACKING "*/*", one, &w);
	git_error_clear();
	if (w.failed) {
		ks_heard_release(out);
		return -1;
	}
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), by_device);
	return 0;
}

void ks_heard_release(struct ks_heard *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		ks_free(h->v[i].author);
	ks_free(h->v);
	memset(h, 0, sizeof(*h));
}

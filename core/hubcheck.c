/*
 * Checking a hub where it lives: see hubcheck.h.
 */
#include "hubcheck.h"
#include "intl.h"
#include "alloc.h"
#include "buf.h"
#include "bundle.h"
#include "oidmap.h"
#include "repo.h"
#include <git2/sys/odb_backend.h>
#include "hub.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dirent.h>
#include <errno.h>
#include <unistd.h>

void ks_hub_report_release(struct ks_hub_report *rep)
{
	size_t i;

	for (i = 0; i < rep->n; i++) {
		ks_free(rep->refs[i].name);
		ks_free(rep->refs[i].set_aside);
	}
	ks_free(rep->refs);
	ks_diags_release(&rep->diags);
	memset(rep, 0, sizeof(*rep));
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct ks_hub_ref *)a)->name,
		      ((const struct ks_hub_ref *)b)->name);
}

/* The refs laptops fetch: main and devices/<anything>, sorted. */
static int list_refs(struct ks_hub_report *rep, git_repository *repo,
		     struct ks_diags *d)
{
	git_reference_iterator *it = NULL;
	git_reference *ref;
	size_t alloc = 0;
	int e, err = 0;

	if (git_reference_iterator_new(&it, repo) < 0)
		return ks_error(d, KS_EIO, NULL, 0, 0, "cannot read the hub's refs: %s",
				ks_git_error());
	while (!err && (e = git_reference_next(&ref, it)) == 0) {
		const char *name = git_reference_name(ref);
		git_reference *res = NULL;

		if ((!strcmp(name, KS_MAIN_REF) ||
		     !strncmp(name, KS_HUB_DEVICES, strlen(KS_HUB_DEVICES))) &&
		    git_reference_resolve(&res, ref) == 0) {
			if (ks_grow(&rep->refs, rep->n, &alloc, sizeof(*rep->refs), 8) < 0 ||
			    !(rep->refs[rep->n].name = ks_strdup(name))) {
				err = -1;
			} else {
				struct ks_hub_ref *h = &rep->refs[rep->n++];

				git_oid_cpy(&h->tip, git_reference_target(res));
				h->bad = h->damaged = 0;
				h->set_aside = NULL;
			}
		}
		git_reference_free(res);
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	git_error_clear();
	if (!err && rep->n)
		qsort(rep->refs, rep->n, sizeof(*rep->refs), by_name);
	return err;
}

/*
 * Reads every object of the history of `tip` that `seen` does not hold
 * yet (the refs share most of theirs): 0 when each reads whole, 1 with
 * the first that does not named in `got`, -1.
 */
struct reading {
	const char *what;	/* the ref, naming the problems */
	git_odb *odb;
	struct ks_oidmap *seen;
	struct ks_diags *got;
	git_oid commit;		/* the commit being read, for messages */
	int damaged;
};

static int read_one(struct reading *rd, const git_oid *id, const char *path)
{
	git_odb_object *o = NULL;
	char hex[GIT_OID_HEXSZ + 1], c[11];

	if (ks_oidmap_get(rd->seen, id, NULL))
		return 0;
	if (git_odb_read(&o, rd->odb, id) < 0) {
		rd->damaged = 1;
		git_oid_tostr(c, sizeof(c), &rd->commit);
		ks_diags_add(rd->got, KS_SEV_ERROR, rd->what, 0, 0, NULL, "damaged",
			     "object %s (%s of commit %s) cannot be read: %s",
			     git_oid_tostr(hex, sizeof(hex), id), *path ? path : _("its folder tree"),
			     c, ks_git_error());
		git_error_clear();
		return 1;
	}
	git_odb_object_free(o);
	return ks_oidmap_put(rd->seen, id, 0) < 0 ? -1 : 0;
}

static int read_tree(struct reading *rd, const git_oid *id, git_repository *repo,
		     struct ks_buf *path)
{
	git_tree *t = NULL;
	size_t i, n, len = path->len;
	int err;

	if (ks_oidmap_get(rd->seen, id, NULL))
		return 0;
	if ((err = read_one(rd, id, path->ptr)))
		return err;
	if (git_tree_lookup(&t, repo, id) < 0)
		return read_one(rd, id, path->ptr);
	n = git_tree_entrycount(t);
	for (i = 0; i < n && !err; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(t, i);

		path->len = len;
		path->ptr[len] = '\0';
		if (ks_buf_addf(path, "%s%s", len ? "/" : "", git_tree_entry_name(e)) < 0)
			err = -1;
		else if (git_tree_entry_type(e) == GIT_OBJECT_TREE)
			err = read_tree(rd, git_tree_entry_id(e), repo, path);
		else if (git_tree_entry_type(e) == GIT_OBJECT_BLOB)
			err = read_one(rd, git_tree_entry_id(e), path->ptr);
	}
	path->len = len;
	path->ptr[len] = '\0';
	git_tree_free(t);
	return err;
}

static int read_history(struct reading *rd, git_repository *repo,
			const git_oid *tip)
{
	struct ks_buf path = KS_BUF_INIT;
	git_revwalk *w = NULL;
	git_commit *c = NULL;
	git_oid id;
	int e, err = 0;

	if (git_revwalk_new(&w, repo) < 0 || git_revwalk_push(w, tip) < 0) {
		git_oid_cpy(&rd->commit, tip);
		err = read_one(rd, tip, "");
		git_revwalk_free(w);
		return err ? err : 1;
	}
	while (!err && (e = git_revwalk_next(&id, w)) == 0) {
		git_oid_cpy(&rd->commit, &id);
		if (ks_oidmap_get(rd->seen, &id, NULL))
			continue;
		if ((err = read_one(rd, &id, "")))
			break;
		if (git_commit_lookup(&c, repo, &id) < 0) {
			err = 1;
			break;
		}
		ks_buf_reset(&path);
		err = ks_buf_puts(&path, "") < 0 ? -1
			: read_tree(rd, git_commit_tree_id(c), repo, &path);
		git_commit_free(c);
	}
	if (!err && e != GIT_ITEROVER) {
		/* A commit the walk cannot read: a parent missing or damaged. */
		rd->damaged = 1;
		ks_diags_add(rd->got, KS_SEV_ERROR, rd->what, 0, 0, NULL, "damaged",
			     "its history cannot be read whole: %s", ks_git_error());
		git_error_clear();
		err = 1;
	}
	git_revwalk_free(w);
	ks_buf_release(&path);
	return err;
}

/* The checks of one ref, its problems added to the report's diags. */
static int check_ref(struct ks_hub_report *rep, struct ks_hub_ref *h,
		     git_repository *repo, git_odb *odb, struct ks_oidmap *seen)
{
	struct ks_diags got = KS_DIAGS_INIT;
	struct reading rd = { h->name, odb, seen, &got, { { 0 } }, 0 };
	git_oid root;
	char hex[GIT_OID_HEXSZ + 1];
	int err = read_history(&rd, repo, &h->tip);

	if (err == -1) {
		ks_diags_release(&got);
		return -1;
	}
	if (rd.damaged) {
		h->bad = h->damaged = 1;
		rep->bad++;
		ks_diags_move(&rep->diags, &got);
		ks_diags_release(&got);
		return 0;
	}
	err = ks_bundle_check_history(repo, &h->tip, h->name, &got);
	if (err == -1) {
		ks_diags_release(&got);
		return -1;
	}
	h->bad = err != 0;
	h->damaged = err == KS_EIO;
	if (!err && rep->has_root &&
	    (ks_bundle_survey_root(&root, repo, &h->tip) < 0 ||
	     !git_oid_equal(&root, &rep->root))) {
		git_error_clear();
		h->bad = 1;
		ks_diags_add(&got, KS_SEV_ERROR, h->name, 0, 0, NULL, NULL,
			     "another survey's history: it does not start at this hub's first commit %.10s",
			     git_oid_tostr(hex, sizeof(hex), &rep->root));
	}
	ks_diags_move(&rep->diags, &got);
	ks_diags_release(&got);
	rep->bad += h->bad;
	return 0;
}

/*
 * A hub without main (khaosat's hubs have only devices' refs): the first
 * commit most of its refs start from is the survey's.  1 when found.
 */
static int most_common_root(git_oid *out, const struct ks_hub_report *rep,
			    git_repository *repo)
{
	size_t i, j, best = 0, count;
	git_oid *roots = rep->n ? ks_calloc(rep->n, sizeof(*roots)) : NULL;
	int *has = rep->n ? ks_calloc(rep->n, sizeof(*has)) : NULL;

	for (i = 0; roots && has && i < rep->n; i++)
		has[i] = ks_bundle_survey_root(&roots[i], repo, &rep->refs[i].tip) == 0;
	for (i = 0; roots && has && i < rep->n; i++) {
		if (!has[i])
			continue;
		for (count = 0, j = 0; j < rep->n; j++)
			count += has[j] && git_oid_equal(&roots[i], &roots[j]);
		if (count > best) {
			best = count;
			git_oid_cpy(out, &roots[i]);
		}
	}
	ks_free(roots);
	ks_free(has);
	git_error_clear();
	return best > 0;
}

/* Moves the ref under refs/quarantine/, named with the time. */
static int set_aside(struct ks_hub_ref *h, git_repository *repo,
		     struct ks_diags *d)
{
	git_reference *ref = NULL, *moved = NULL;
	struct ks_buf to = KS_BUF_INIT, why = KS_BUF_INIT;
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	int err = 0;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	if (ks_buf_addf(&to, KS_QUARANTINE_REFS "%s/%s",
			h->name + strlen("refs/heads/"), stamp) < 0 ||
	    ks_buf_addf(&why, "khaosat verify --hub: set aside %s", h->name) < 0) {
		err = -1;
		goto out;
	}
	if (git_reference_lookup(&ref, repo, h->name) < 0 ||
	    !git_oid_equal(git_reference_target(ref), &h->tip) ||
	    git_reference_rename(&moved, ref, to.ptr, 0, why.ptr) < 0) {
		err = ks_error(d, KS_EIO, h->name, 0, 0,
			       "cannot set it aside (did a laptop push meanwhile?): %s",
			       ks_git_error());
		goto out;
	}
	h->set_aside = ks_buf_detach(&to, NULL);
out:
	git_reference_free(ref);
	git_reference_free(moved);
	ks_buf_release(&to);
	ks_buf_release(&why);
	return err;
}

int ks_hub_check(struct ks_hub_report *rep, const char *dir, unsigned flags,
		 char *const *aside, size_t naside, struct ks_diags *d)
{
	git_repository *repo = NULL;
	struct ks_buf name = KS_BUF_INIT;
	struct ks_oidmap seen = { 0 };
	git_odb *odb = NULL;
	git_oid main;
	size_t i, j;
	int err;

	memset(rep, 0, sizeof(*rep));
	ks_diags_init(&rep->diags);
	if (git_repository_open_ext(&repo, dir, GIT_REPOSITORY_OPEN_NO_SEARCH |
				    GIT_REPOSITORY_OPEN_BARE, NULL) < 0 ||
	    !git_repository_is_bare(repo)) {
		git_repository_free(repo);
		return ks_error(d, KS_ENOSURVEY, dir, 0, 0,
				"not a hub: no bare git repository here (%s)",
				git_error_last() ? ks_git_error() : _("it has a work tree"));
	}
	if ((err = list_refs(rep, repo, d)))
		goto out;
	for (i = 0; i < naside; i++) {
		ks_buf_reset(&name);
		if (ks_buf_addf(&name, "%s%s", KS_HUB_DEVICES, aside[i]) < 0) {
			err = -1;
			goto out;
		}
		for (j = 0; j < rep->n && strcmp(rep->refs[j].name, name.ptr); j++)
			;
		if (j == rep->n) {
			err = ks_error(d, KS_ENOTFOUND, dir, 0, 0,
				       "the hub has no %s to set aside", name.ptr);
			goto out;
		}
	}
	if (git_reference_name_to_id(&main, repo, KS_MAIN_REF) == 0 &&
	    ks_bundle_survey_root(&rep->root, repo, &main) == 0)
		rep->has_root = 1;
	else
		rep->has_root = most_common_root(&rep->root, rep, repo);
	git_error_clear();
	if (git_repository_odb(&odb, repo) < 0) {
		err = ks_error(d, KS_EIO, dir, 0, 0, "cannot read the hub: %s", ks_git_error());
		goto out;
	}
	for (i = 0; i < rep->n; i++)
		if ((err = check_ref(rep, &rep->refs[i], repo, odb, &seen)))
			goto out;
	for (i = 0; i < rep->n; i++) {
		struct ks_hub_ref *h = &rep->refs[i];
		int named = 0;

		for (j = 0; j < naside && !named; j++)
			named = !strncmp(h->name, KS_HUB_DEVICES, strlen(KS_HUB_DEVICES)) &&
				!strcmp(h->name + strlen(KS_HUB_DEVICES), aside[j]);
		if (!named && !(h->bad && (flags & KS_HUB_QUARANTINE)))
			continue;
		if ((err = set_aside(h, repo, d)))
			goto out;
		rep->set_aside++;
	}
out:
	ks_oidmap_release(&seen);
	git_odb_free(odb);
	ks_buf_release(&name);
	git_repository_free(repo);
	if (err)
		ks_hub_report_release(rep);
	return err;
}

/* ---- repair ---- */

/* The files of the hub's objects folder before the repair: removed after. */
struct old_files {
	char **v;
	size_t n, alloc;
};

static int old_add(struct old_files *o, const char *dir, const char *name)
{
	struct ks_buf p = KS_BUF_INIT;

	if (ks_buf_addf(&p, "%s/%s", dir, name) < 0 ||
	    ks_grow(&o->v, o->n, &o->alloc, sizeof(*o->v), 16) < 0) {
		ks_buf_release(&p);
		return -1;
	}
	o->v[o->n++] = ks_buf_detach(&p, NULL);
	return 0;
}

/* Every pack file and loose object of `objects`. */
static int list_old(struct old_files *o, const char *objects)
{
	struct ks_buf sub = KS_BUF_INIT;
	struct dirent *de, *fe;
	DIR *dh, *fh;
	int err = 0;

	if (!(dh = opendir(objects)))
		return -1;
	while (!err && (de = readdir(dh))) {
		const char *n = de->d_name;
		int loose = strlen(n) == 2 && strspn(n, "0123456789abcdef") == 2;

		if (!loose && strcmp(n, "pack"))
			continue;
		ks_buf_reset(&sub);
		if (ks_buf_addf(&sub, "%s/%s", objects, n) < 0 || !(fh = opendir(sub.ptr))) {
			err = sub.ptr ? 0 : -1;
			continue;
		}
		while (!err && (fe = readdir(fh)))
			if (fe->d_name[0] != '.' &&
			    (loose || !strncmp(fe->d_name, "pack-", 5)))
				err = old_add(o, sub.ptr, fe->d_name);
		closedir(fh);
	}
	closedir(dh);
	ks_buf_release(&sub);
	return err;
}

static void old_release(struct old_files *o)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		ks_free(o->v[i]);
	ks_free(o->v);
}

/* An objects folder's packs and loose objects, at a priority. */
static int add_objects(git_odb *odb, const char *objects, int priority)
{
	git_odb_backend *pack = NULL, *loose = NULL;

	if (git_odb_backend_pack(&pack, objects) < 0 ||
	    git_odb_add_backend(odb, pack, priority + 1) < 0) {
		if (pack)
			pack->free(pack);
		return -1;
	}
	if (git_odb_backend_loose(&loose, objects, -1, 0, 0, 0) < 0 ||
	    git_odb_add_backend(odb, loose, priority) < 0) {
		if (loose)
			loose->free(loose);
		return -1;
	}
	return 0;
}

/* Pushes every ref of the hub (quarantined ones too) on the walk. */
static int push_all(git_revwalk *w, git_repository *hub)
{
	git_reference_iterator *it = NULL;
	git_reference *ref, *res;
	int e, err = 0;

	if (git_reference_iterator_new(&it, hub) < 0)
		return -1;
	while (!err && (e = git_reference_next(&ref, it)) == 0) {
		if (git_reference_resolve(&res, ref) == 0) {
			err = git_revwalk_push(w, git_reference_target(res));
			git_reference_free(res);
		}
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	return err;
}

int ks_hub_repair(size_t *copied, const char *dir, const char *from,
		  struct ks_diags *d)
{
	git_repository *hub = NULL, *laptop = NULL, *view = NULL;
	struct ks_buf hobj = KS_BUF_INIT, lobj = KS_BUF_INIT, packdir = KS_BUF_INIT;
	struct old_files old = { NULL, 0, 0 };
	git_odb *odb = NULL;
	git_revwalk *w = NULL;
	git_packbuilder *pb = NULL;
	size_t i;
	int err = KS_EIO;

	*copied = 0;
	if (git_repository_open_ext(&hub, dir, GIT_REPOSITORY_OPEN_NO_SEARCH |
				    GIT_REPOSITORY_OPEN_BARE, NULL) < 0 ||
	    !git_repository_is_bare(hub)) {
		err = ks_error(d, KS_ENOSURVEY, dir, 0, 0, "not a hub: no bare git repository here");
		goto out;
	}
	if (git_repository_open_ext(&laptop, from, 0, NULL) < 0) {
		err = ks_error(d, KS_ENOSURVEY, from, 0, 0, "no survey here to repair the hub from: %s",
			       ks_git_error());
		goto out;
	}
	if (ks_buf_addf(&hobj, "%sobjects", git_repository_path(hub)) < 0 ||
	    ks_buf_addf(&lobj, "%sobjects", git_repository_path(laptop)) < 0 ||
	    ks_buf_addf(&packdir, "%s/pack", hobj.ptr) < 0 ||
	    list_old(&old, hobj.ptr) < 0) {
		err = ks_error(d, KS_EIO, dir, 0, 0, "cannot read the hub's objects: %s",
			       strerror(errno));
		goto out;
	}
	/* The laptop's copy first: the same ids, and whole. */
	if (git_odb_new(&odb) < 0 || add_objects(odb, lobj.ptr, 20) < 0 ||
	    add_objects(odb, hobj.ptr, 10) < 0 ||
	    git_repository_wrap_odb(&view, odb) < 0 ||
	    git_revwalk_new(&w, view) < 0 || push_all(w, hub) < 0 ||
	    git_packbuilder_new(&pb, view) < 0)
		goto gitfail;
	if (git_packbuilder_insert_walk(pb, w) < 0) {
		err = ks_error(d, KS_EIO, dir, 0, 0,
			       "cannot repair: an object is damaged on the hub and missing from %s too (%s); nothing was changed. Try the survey folder of another laptop",
			       from, ks_git_error());
		goto out;
	}
	if (git_packbuilder_write(pb, packdir.ptr, 0, NULL, NULL) < 0)
		goto gitfail;
	*copied = git_packbuilder_object_count(pb);
	/* Only now, what the hub had: the new pack holds all of it. */
	for (i = 0; i < old.n; i++) {
		const char *base = strrchr(old.v[i], '/');
		char name[64];

		snprintf(name, sizeof(name), "pack-%s", git_oid_tostr_s(git_packbuilder_hash(pb)));
		if (base && !strncmp(base + 1, name, strlen(name)))
			continue;
		unlink(old.v[i]);
	}
	err = 0;
	goto out;
gitfail:
	err = ks_error(d, KS_EIO, dir, 0, 0, "cannot repair the hub: %s", ks_git_error());
out:
	old_release(&old);
	git_packbuilder_free(pb);
	git_revwalk_free(w);
	git_repository_free(view);
	git_odb_free(odb);
	git_repository_free(laptop);
	git_repository_free(hub);
	ks_buf_release(&hobj);
	ks_buf_release(&lobj);
	ks_buf_release(&packdir);
	return err;
}

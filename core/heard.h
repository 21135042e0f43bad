/*
 * What each laptop last sent here: for every device whose work this
 * survey took in from a stick (refs/khaosat/seen/<device>) or from a hub
 * (refs/khaosat/remotes/<hub>/<device>), the newest commit of it received,
 * with when it was made and by whom; this laptop's own device is left
 * out (a hub sends it back).  The overview of `khaosat serve`
 * shows it as each laptop's last sync.
 */
#ifndef KS_HEARD_H
#define KS_HEARD_H

#include <git2.h>
#include <stddef.h>

struct ks_diags;
struct ks_repo;

struct ks_heard_one {
	char device[32];
	git_time when;		/* the commit's committer time */
	char *author;		/* its author's name (ks_free) */
};

struct ks_heard {
	struct ks_heard_one *v;	/* by device */
	size_t n, alloc;
};

/* 0, or -1 when memory runs out; refs that do not name a commit are left out. */
int ks_heard_list(struct ks_heard *out, struct ks_repo *r);
void ks_heard_release(struct ks_heard *h);

#endif

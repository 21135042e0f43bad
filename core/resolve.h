/*
 * Settling an open conflict: see resolve.c.
 */
#ifndef KS_RESOLVE_H
#define KS_RESOLVE_H

#include "buf.h"
#include "conflict.h"

struct ks_diags;
struct ks_node;
struct ks_repo;

/* An open conflict, found. */
struct ks_resolve {
	char *rel;		/* the file it is about */
	char *field;		/* as history names fields; "" the whole record */
	struct ks_buf cpath;	/* the file's conflict file */
	struct ks_conflict_set s;
	const struct ks_conflict_entry *e;	/* in `s` */
	int gone;		/* a field of a record deleted since */
};

#define KS_RESOLVE_INIT { NULL, NULL, KS_BUF_INIT, { NULL, 0, 0, NULL, 0 }, NULL, 0 }

/*
 * Finds the open conflict on `field` ("phone", "/workers/regular", "/"
 * for the whole record) of `id`, a record's id or a survey file's path
 * (khaosat.yaml, schema/workshop.yaml), and checks that it can be settled
 * now: the work tree holds no change but the record's and its conflict
 * file's.  0, KS_ENOTFOUND, KS_EINVALID, or -1, with the reason in `d`.
 */
int ks_resolve_find(struct ks_resolve *t, struct ks_repo *r, const char *id,
		    const char *field, struct ks_diags *d);

/*
 * Keeps `value` (NULL: removes the field, or the record for the whole
 * record's conflict; `text` the raw text of a version that did not parse)
 * and commits it with `message`.  When the commit is refused (the record
 * would be invalid), the record and its conflict file are put back as
 * they were.
 */
int ks_resolve_settle(struct ks_repo *r, const struct ks_resolve *t,
		      const struct ks_node *value, const char *text,
		      const char *message, struct ks_diags *d);

void ks_resolve_release(struct ks_resolve *t);

/* How a conflict is settled. */
enum ks_resolve_how {
	KS_RESOLVE_TAKE,	/* keep proposal n (from 1) */
	KS_RESOLVE_BASE,	/* keep the value from before both changes */
	KS_RESOLVE_VALUE,	/* keep a new value */
};

/*
 * What settles the conflict `t` of record (or file) `id` as `how` says:
 * the value to keep into *value (`given` for KS_RESOLVE_VALUE), the raw
 * text of a proposal that did not parse into *text, and the commit
 * message that says so appended to `msg`.  A conflict of a record deleted
 * since only closes, whatever `how` says.  0; KS_EINVALID when `n` is not
 * one of the proposals; -1 when memory runs out.
 */
int ks_resolve_choice(const struct ks_node **value, const char **text,
		      struct ks_buf *msg, const struct ks_resolve *t,
		      const char *id, enum ks_resolve_how how, unsigned long n,
		      const struct ks_node *given);

#endif

/*
 * Drafts: records saved before they are valid (`khaosat new --draft`).
 * A draft is local to the laptop and outside the survey, so it never
 * stops a commit or a sync: it is kept at .git/khaosat/drafts/<id>.yaml
 * until it validates, and then becomes an ordinary new record under
 * records/.  It keeps the id it was given (taken from the device's
 * counter, which never gives an id out twice).
 *
 * The file is the record's text after one comment line naming its kind
 * ("# khaosat draft: workshop"), so that the text alone says what it is.
 */
#ifndef KS_DRAFT_H
#define KS_DRAFT_H

#include <stddef.h>

struct ks_buf;
struct ks_diags;
struct ks_repo;

#define KS_DRAFTS_DIR "khaosat/drafts"	/* under the .git folder */

struct ks_draft {
	char *id;
	char *kind;
};

struct ks_drafts {
	struct ks_draft *v;
	size_t n, alloc;
};

void ks_drafts_release(struct ks_drafts *l);

/* Where the draft `id` is kept, shown relative to the work tree (ks_free). */
char *ks_draft_display(const char *id);

/* Writes (or replaces) the draft `id` of `kind`, atomically and durably. */
int ks_draft_save(struct ks_repo *r, const char *kind, const char *id,
		  const char *text, size_t len, struct ks_diags *d);

/*
 * Reads the draft `id`: its record text into `text` (appended) and its
 * kind into *kind (ks_free).  KS_ENOTFOUND when there is no such draft.
 */
int ks_draft_load(struct ks_buf *text, char **kind, struct ks_repo *r,
		  const char *id, struct ks_diags *d);

/* 1 when a draft `id` exists. */
int ks_draft_exists(struct ks_repo *r, const char *id);

/* Every draft, ordered by id; unreadable files are left out. */
int ks_draft_list(struct ks_drafts *out, struct ks_repo *r,
		  struct ks_diags *d);

/*
 * Turns the draft `id` of `kind` into the record file at `relpath` with
 * `text` (canonical and valid: the caller checked it), then removes the
 * draft.  Refuses (KS_EEXISTS) when a record file is already there.
 */
int ks_draft_finish(struct ks_repo *r, const char *kind, const char *id,
		    const char *text, size_t len, struct ks_diags *d);

/* Removes the draft `id`; a missing one is no error. */
int ks_draft_remove(struct ks_repo *r, const char *id, struct ks_diags *d);

#endif

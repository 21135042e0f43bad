/*
 * Unfinished forms: the answers of a form that is being filled in, kept
 * on disk from the moment each one is given, so that Ctrl-C, a killed
 * process or a flat battery loses nothing and the next form of that kind
 * can continue where this one stopped.
 *
 * Each unfinished form is one file .git/khaosat/forms/<kind>-<time>-<n>.yaml
 * (local to the laptop, never committed), rewritten whole through
 * ks_file_put() (durable) after every answer: a reader sees the previous
 * answers or the new ones, never half a file.  It holds the kind, when
 * the form was started (UTC), the answers in the order they were given
 * (opaque strings of the form's own, one per answer) and the record as
 * filled so far.  A form that changes a record (the browser's) also names
 * the record (`of`) and the version of its file it was opened on (`base`,
 * the blob id), so that saving it later merges with what came meanwhile.
 */
#ifndef KS_FORMSAVE_H
#define KS_FORMSAVE_H

#include <stddef.h>
#include <time.h>

struct ks_diags;
struct ks_doc;
struct ks_node;
struct ks_repo;

#define KS_FORMS_DIR "khaosat/forms"	/* under the .git folder */

struct ks_formsave {
	char *file;		/* name inside the forms folder */
	char *kind;
	char *of;		/* the record a change is of; NULL: a new one */
	char *base;		/* with `of`: its file's blob id when opened */
	time_t started;
	char **answers;		/* in the order given */
	size_t nanswers, alloc;
	/* The record so far; owned by `doc` once loaded, borrowed to save. */
	const struct ks_node *record;
	struct ks_doc *doc;
};

#define KS_FORMSAVE_INIT { NULL, NULL, NULL, NULL, 0, NULL, 0, 0, NULL, NULL }

/* Frees the contents (strings, the loaded document); the struct stays. */
void ks_formsave_release(struct ks_formsave *f);

/*
 * Starts a new unfinished form of `kind` now: sets kind, started and a
 * file name no other form has.  Nothing is written until ks_formsave_write().
 */
int ks_formsave_start(struct ks_formsave *f, struct ks_repo *r,
		      const char *kind);

/* Appends one answer (copied). */
int ks_formsave_add(struct ks_formsave *f, const char *answer);
/* Forgets every answer from the `n`th on. */
void ks_formsave_truncate(struct ks_formsave *f, size_t n);

/* Writes the whole form to its file, atomically and durably. */
int ks_formsave_write(struct ks_repo *r, const struct ks_formsave *f,
		      struct ks_diags *d);

/*
 * Reads the unfinished form in `file` (a name inside the forms folder).
 * KS_ENOTFOUND when it is gone, KS_EINVALID when it cannot be read as one.
 */
int ks_formsave_load(struct ks_formsave *f, struct ks_repo *r,
		     const char *file, struct ks_diags *d);

struct ks_formsaves {
	struct ks_formsave *v;
	size_t n, alloc;
};

/*
 * Every unfinished form of `kind` (NULL: of every kind), oldest first:
 * new records' and changes' alike (`of` tells them apart).  Files that
 * cannot be read are left alone and not listed.
 */
int ks_formsave_list(struct ks_formsaves *out, struct ks_repo *r,
		     const char *kind, struct ks_diags *d);
void ks_formsaves_release(struct ks_formsaves *l);

/* Removes the file of an unfinished form; a missing file is no error. */
int ks_formsave_remove(struct ks_repo *r, const struct ks_formsave *f,
		       struct ks_diags *d);

#endif

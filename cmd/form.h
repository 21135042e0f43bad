/*
 * The interactive record form: asks for each field of a schema by its
 * Vietnamese title, offers enums as numbered menus, re-asks with the reason
 * when an answer is invalid (its schema, the records it refers to, values
 * another record holds), asks fields that a condition makes required as
 * soon as it holds, and handles nested objects and lists.  "<" goes back
 * to the previous question.
 *
 * Every answer is kept on disk as it is given (struct ks_formsave), so
 * that Ctrl-C, a killed process or a flat battery loses nothing: the form
 * continues from the answers kept there.
 */
#ifndef KS_FORM_H
#define KS_FORM_H

#include "check.h"
#include "formsave.h"

struct ks_diags;
struct ks_doc;
struct ks_node;
struct ks_repo;
struct ks_schema;

struct form {
	struct ks_repo *repo;
	const struct ks_schema *schema;
	const char *kind;
	const char *id;		/* the id checks use (the record has none yet) */
	int draft;		/* required fields may stay empty */
	struct ks_doc *doc;
	struct ks_node *root;	/* the record being filled, in `doc` */
	/* The answers given so far, in order; written after each one. */
	struct ks_formsave save;
	/* private */
	struct ks_node *idnode;
	struct ks_paths missing;	/* pointers of required fields missing now */
	char *shown;		/* the part whose title was shown last */
};

/* How a form ended. */
enum form_end {
	FORM_SAVE,		/* valid, and the surveyor said save */
	FORM_DRAFT,		/* not valid; save it as a draft (--draft) */
	FORM_ABANDONED,		/* abandoned and confirmed */
	FORM_EOF,		/* input ended; the answers are kept */
	FORM_STOPPED,		/* Ctrl-C; the answers are kept */
};

/*
 * Asks every question the record still needs (with the values already in
 * `root` as defaults, and the answers in `save` as given), then the
 * corrections, the review and "Save this record?".  Returns an enum
 * form_end, or -1 with diagnostics when the answers could not be kept.
 * `save` must have its file name (ks_formsave_start() or a loaded form);
 * the caller removes the file once the record is saved.
 */
int form_run(struct form *f, struct ks_diags *d);
void form_release(struct form *f);

/* A yes/no question; 1, 0, or -1 when the input ended. */
int form_yes_no(const char *question, int def);

/*
 * After the form saved record `id` (of `kind`, at `rel`): its photos and
 * documents, asked for one file at a time when its kind has attachments.
 * 0, or -1 when memory ran out; a file refused is said and skipped.
 */
struct cli;
int form_attach(struct cli *cli, const char *kind, const char *id,
		const char *rel);
/* A path as typed or dropped on a terminal, unquoted (ks_free). */
char *form_path_typed(const char *s);

#endif

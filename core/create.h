/*
 * Adding a record: it takes this device's next id, and its canonical text
 * goes under records/ (never over a file already there) or, when it is
 * not valid yet, into a draft (draft.h).  The command line's new and the
 * browser's form both add records here.
 */
#ifndef KS_CREATE_H
#define KS_CREATE_H

struct ks_diags;
struct ks_doc;
struct ks_node;
struct ks_repo;

/*
 * Gives `root` (of `doc`, a record of `kind` the caller has checked) the
 * next id, into *id (ks_free), and writes it durably: as the record file,
 * or with `draft` as the draft of that id.  0; KS_EEXISTS when a record
 * file is already where it would go; another status with `d`.
 */
int ks_record_create(char **id, struct ks_repo *r, const char *kind,
		     struct ks_doc *doc, struct ks_node *root, int draft,
		     struct ks_diags *d);

#endif

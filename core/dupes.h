/*
 * Likely duplicate records, and finding records by a few words, both under
 * the keys of vnkey.h (DOMAIN.md section 5).
 *
 * An index holds, for each record of the work tree, what identifies the
 * establishment or brand it describes: its tax code and phone (normalised),
 * its name (key_exact and key_loose without legal-form words), the commune
 * it is in (key_loose, without "xã"/"phường"), and the key_loose words of
 * its name and address for searching.  Fields a kind does not have are
 * simply absent: a brand has a name and no tax code or commune.
 *
 * Two records of one kind are a likely duplicate pair when they have the
 * same tax code, the same phone, or the same loose name in the same
 * commune (the same loose name, for a kind without addresses).  Pairs are
 * found by sorting keys, not by comparing every record with every other,
 * and a value that more than KS_DUPES_MAX_SHARED records hold is reported
 * once as shared rather than as every pair (a hundred households named
 * after their owner "Nguyễn Văn An" in one ward are not one workshop).
 */
#ifndef KS_DUPES_H
#define KS_DUPES_H

#include <stddef.h>

struct ks_diags;
struct ks_node;
struct ks_repo;

struct ks_dupe_rec {
	char *kind, *id, *path;
	char *name, *commune;	/* as written, or NULL */
	char *tax, *phone;	/* normalised, or NULL */
	char *name_exact, *name_loose;	/* NULL: no name, only legal words */
	char *scope;		/* commune key; "" when the record has none */
	char *words;		/* " w1 w2 ... " of name and address */
	char *facets;		/* facet text (facets.h), or NULL: not read */
	char *block;		/* when not NULL, the one allocation every
				   string above lives in (the reading index's
				   rows: one allocation a record, not twelve) */
};

/* Records in the order they were added (by id when loaded). */
struct ks_dupe_index {
	struct ks_dupe_rec *v;
	size_t n, alloc;
};

void ks_dupe_index_release(struct ks_dupe_index *ix);
void ks_dupe_rec_release(struct ks_dupe_rec *e);

/* Adds the record `root` (a mapping; other nodes give an empty entry). */
int ks_dupe_index_add(struct ks_dupe_index *ix, const char *kind,
		      const char *id, const char *path,
		      const struct ks_node *root);

/*
 * Adds every record of the work tree of `kind` (NULL: every kind), then
 * orders the index by id: device, then counter, then kind.  A record that
 * does not parse is left out with a warning naming it.
 */
int ks_dupe_index_load(struct ks_dupe_index *ix, struct ks_repo *r,
		       const char *kind, struct ks_diags *d);

/*
 * One page of the records of `kind` (NULL: every kind) in the index's
 * order: the records are ordered by id from their paths alone, and only
 * the `count` from the `first` on are read and added to `ix` (a record
 * that cannot be read is added with nothing but its id).  *total is how
 * many records there are.  0, or -1 / an error status.
 */
int ks_dupe_index_page(struct ks_dupe_index *ix, size_t *total,
		       struct ks_repo *r, const char *kind, size_t first,
		       size_t count, struct ks_diags *d);

/* Evidence that two records describe one thing. */
#define KS_DUPE_TAX	0x1	/* same tax code */
#define KS_DUPE_PHONE	0x2	/* same phone */
#define KS_DUPE_NAME	0x4	/* same loose name, same commune */
#define KS_DUPE_SAME_NAME 0x8	/* with KS_DUPE_NAME: same key_exact too */

#define KS_DUPES_MAX_SHARED 8

/* The key of `e` that one of KS_DUPE_TAX, _PHONE, _NAME compares. */
const char *ks_dupe_key(const struct ks_dupe_rec *e, unsigned why);

struct ks_dupe_pair {
	size_t a, b;		/* index entries, a < b */
	unsigned why;		/* KS_DUPE_* */
};

/* A value too many records share to pair them. */
struct ks_dupe_shared {
	unsigned why;		/* one of KS_DUPE_TAX, _PHONE, _NAME */
	size_t first;		/* the first record holding it */
	size_t count;
};

struct ks_dupes {
	struct ks_dupe_pair *v;
	size_t n, alloc;
	struct ks_dupe_shared *shared;
	size_t nshared, shared_alloc;
};

void ks_dupes_release(struct ks_dupes *p);

/*
 * Every likely duplicate pair of `ix`, each once with all its evidence,
 * ordered by a then b; values held by too many records in out->shared,
 * ordered by evidence, then first record.  Returns 0 or -1.
 */
int ks_dupes_find(struct ks_dupes *out, const struct ks_dupe_index *ix);

/*
 * The entries of `ix` matching `query`: each of its key_loose words
 * (legal-form words left out, unless the query has nothing else) starts a
 * word of the record's name or address.  *hits is an array of indexes in
 * index order (ks_free), *n their number.  A query with no words is
 * KS_EINVALID with an error.
 */
int ks_dupe_search(size_t **hits, size_t *n, const struct ks_dupe_index *ix,
		   const char *query, struct ks_diags *d);

/*
 * The same search, one record at a time: ks_dupe_query_new() reads the
 * query (KS_EINVALID with an error when it has nothing to search for);
 * ks_dupe_query_match() is 1 when `e` matches, 0 when not, -1 out of
 * memory, and reads only e's id, phone, tax and words.
 */
struct ks_dupe_query;
int ks_dupe_query_new(struct ks_dupe_query **out, const char *query,
		      struct ks_diags *d);
int ks_dupe_query_match(struct ks_dupe_query *q, const struct ks_dupe_rec *e);
void ks_dupe_query_free(struct ks_dupe_query *q);

#endif

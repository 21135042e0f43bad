/*
 * Exporting a survey for people and for other programs: a spreadsheet
 * (xlsx), CSV tables, the records as JSON, or as GeoJSON points for QGIS
 * and web maps.
 *
 * An export reads one snapshot of the survey: the work tree (with what it
 * holds that is not committed yet), or the tree of a commit named by a
 * revision or a date (rev.h), whose own survey file, schemas, records and
 * conflict files are then read from git, never from the work tree.
 *
 * Tables: each kind is a table whose columns are the leaf paths of its
 * schema in schema order (objects flattened into dotted paths such as
 * address.commune_name; lists of scalars joined with "; " in one cell),
 * after "id" and "_status".  Each list of objects is a table of its own
 * whose rows carry the record's id, the item's 1-based position ("_index";
 * one more such column per enclosing list) and the item's fields.  Values
 * the schema does not describe go, as a JSON object keyed by their dotted
 * paths, into each table's last column, "_other": nothing is dropped.
 *
 * Every record is exported, valid or not.  Its status says "ok",
 * "invalid: <first error>" (the same checks as khaosat check: file place,
 * id, schema, references, and x-unique values, where the record later in
 * id order carries the clash) or "conflict: <fields>" for open conflicts;
 * values are exported as they are, never corrected.  Records come in
 * kind order, then by id (device, then counter).
 */
#ifndef KS_EXPORT_H
#define KS_EXPORT_H

#include <git2.h>
#include <stdio.h>
#include <time.h>

struct ks_diags;
struct ks_repo;
struct ks_export;

/* A spreadsheet row shows its record's first photo, this many pixels. */
#define KS_EXPORT_THUMB 120
#define KS_EXPORT_MAX_THUMBS 5000	/* photos in one spreadsheet, at most */

enum ks_export_format {
	KS_EXPORT_XLSX,
	KS_EXPORT_CSV,
	KS_EXPORT_JSON,
	KS_EXPORT_JSONL,
	KS_EXPORT_GEOJSON,	/* the records with a position, as points */
};

/*
 * Opens the survey as it is in the work tree (`at` NULL), or as it was at
 * `at` (a commit id, main~2, a tag, or a date: see ks_rev_commit()).
 * Reads the survey file and compiles every kind's schema of that snapshot,
 * lists its records and open conflicts.  KS_ENOTFOUND for an unknown
 * revision, KS_EINVALID for a broken survey file or schema (located
 * errors in `d`), KS_EIO when git or the file system fails, -1 when memory
 * runs out.  Free with ks_export_free().
 */
int ks_export_open(struct ks_export **out, struct ks_repo *r, const char *at,
		   struct ks_diags *d);
/* NULL is a no-op. */
void ks_export_free(struct ks_export *x);

/*
 * Exports the records of `kind` (several calls add kinds; without any, every
 * kind).  KS_ENOTFOUND, with an error naming the survey's kinds, when the
 * snapshot has no such kind.
 */
int ks_export_select(struct ks_export *x, const char *kind,
		     struct ks_diags *d);

/*
 * Keeps only the records where the dotted path FIELD (such as
 * address.commune_name or products.material) holds VALUE: `cond` is
 * "FIELD=VALUE".  Values are compared as text after NFC normalisation,
 * with the stored value or its enum label; a path through a list matches
 * when any item does.  Conditions add up (all must hold).  KS_EINVALID with
 * an error naming the known fields when FIELD is not a field of any
 * selected kind, or `cond` has no "=".  Call after ks_export_select().
 */
int ks_export_where(struct ks_export *x, const char *cond, struct ks_diags *d);

struct ks_export_opts {
	enum ks_export_format format;
	/*
	 * xlsx: the file; csv: a folder that must not exist or be empty;
	 * json, jsonl: a file, or NULL or "-" for `out`.  Files and folders
	 * appear under their name only when complete (temporary name, then
	 * rename).
	 */
	const char *output;
	FILE *out;		/* json and jsonl without output */
	int values;		/* enum values instead of their labels */
	/*
	 * Attached files: each table of a kind's attachments has a column of
	 * their places, and JSON lists them with each record.  Without
	 * `files`, the places are in the survey ("attachments/workshop/...")
	 * and a spreadsheet links each to the survey's file.  With `files`,
	 * the exported records' files are copied with the export (into the
	 * CSV folder's "attachments", or a folder "NAME_files" beside the
	 * file NAME.xlsx or NAME.json), and the places and links lead there,
	 * relative to the export, so that the export can be moved with them.
	 */
	int files;
	time_t now;		/* the export time, on the information sheet */
	const char *version;	/* the program's, on the information sheet */
};

struct ks_export_stats {
	size_t records;		/* exported (after the conditions) */
	size_t invalid;		/* of them, with errors */
	size_t conflicted;	/* of them, with open conflicts */
	size_t filtered;	/* left out by the conditions */
	size_t skipped;		/* files under records/ of no known kind */
	size_t uncommitted;	/* work tree changes the export includes */
	size_t files;		/* attached files copied (opts.files) */
	unsigned long long file_bytes;	/* their size */
	int worktree;		/* 1: the work tree, 0: a commit's tree */
	char commit[GIT_OID_HEXSZ + 1];	/* HEAD or the --at commit, or "" */
};

/*
 * Writes the export: records are read and checked in the calling thread
 * and written in a second one (each takes about half the time).  Returns 0
 * (whatever the records' status), or
 * KS_EEXISTS when the output folder is not empty, KS_EIO, KS_EINVALID
 * (a table too long for a spreadsheet), -1; nothing is then left under the
 * output's name.  Records of unknown kinds are counted and named in `d` as
 * warnings.
 */
int ks_export_write(struct ks_export *x, const struct ks_export_opts *o,
		    struct ks_diags *d);

const struct ks_export_stats *ks_export_stats(const struct ks_export *x);

#endif

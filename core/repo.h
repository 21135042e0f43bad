/*
 * Survey repositories: creating and opening them, the survey description
 * (khaosat.yaml: name, survey id, kinds and their schemas), this laptop's
 * device identity, and record ids.
 *
 * A survey repository is a git repository (branch `main`) whose work tree
 * holds khaosat.yaml, schema/<kind>.yaml and records/<kind>/...  The device
 * identity (device id, surveyor name and e-mail) and the id counter are
 * local configuration in .git/config, never committed.
 *
 * Record ids are "<device>-<counter>" (md01-0042): unique without any
 * coordination because each device only counts its own.  A record of kind K
 * lives at records/K/<device>/<counter / 100, three digits>/<id>.yaml, so
 * no folder holds more than a hundred records: git rewrites every tree on
 * the path of a changed file, and small trees keep a one-record commit
 * small even in a survey of 100,000 records.
 */
#ifndef KS_REPO_H
#define KS_REPO_H

#include <git2.h>
#include <stddef.h>

struct ks_buf;
struct ks_diags;
struct ks_schema;

struct ks_repo;

struct ks_identity {
	char *device;
	char *surveyor;
	char *email;
};

struct ks_kind {
	char *name;		/* "workshop" */
	char *schema_path;	/* "schema/workshop.yaml", relative */
	char *title;		/* the schema's title, or NULL */
	int line, col;		/* of the schema path in khaosat.yaml */
	int own_only;		/* surveyors: own — a surveyor changes only
				   its own laptop's records of this kind */
	struct ks_schema *schema;	/* compiled on first use */
	int schema_failed;
};

/* khaosat.yaml as read: the survey's name, id and kinds. */
struct ks_survey {
	char *name, *id;
	char *language;		/* the language its laptops speak, or NULL */
	struct ks_kind *kinds;
	size_t nkinds;
};

/*
 * Reads the text of a khaosat.yaml (`display` names it in diagnostics).
 * Returns 0, KS_EINVALID with located errors, or -1.
 */
int ks_survey_parse(struct ks_survey *out, const char *text, size_t len,
		    const char *display, struct ks_diags *d);
void ks_survey_release(struct ks_survey *sv);
/* The kind called `name`, or NULL. */
struct ks_kind *ks_survey_kind(const struct ks_survey *sv, const char *name);

#define KS_SURVEY_FILE "khaosat.yaml"
/* Which SSH keys may sign for which surveyor (git's allowed-signers format). */
#define KS_SIGNERS_FILE "allowed_signers"
#define KS_RECORDS_DIR "records"

/* The survey's branch: every laptop's history, merged. */
#define KS_MAIN_REF "refs/heads/main"
#define KS_SCHEMA_DIR "schema"

/*
 * Opens the survey containing `start` (a folder; it and its parents are
 * searched).  KS_ENOSURVEY when there is none.  The device identity may be
 * incomplete; commands that write check it with ks_repo_require_identity().
 */
int ks_repo_open(struct ks_repo **out, const char *start, struct ks_diags *d);
void ks_repo_free(struct ks_repo *r);

git_repository *ks_repo_git(const struct ks_repo *r);

/*
 * Puts `git` in place of the survey's repository and returns the one it
 * replaces, for a caller that must run the survey's logic (merges, its
 * schemas) over another view of its objects for a while, such as objects
 * still being checked, and then puts the old one back.
 */
git_repository *ks_repo_swap_git(struct ks_repo *r, git_repository *git);
/* Absolute work tree path with a trailing slash. */
const char *ks_repo_workdir(const struct ks_repo *r);

/*
 * Whether this process holds the survey lock exclusively (lock.h), said
 * by whoever takes it: only then is git's index written to refresh its
 * stat data (changes.h), so that no reader's refresh ever meets a
 * writer's index.
 */
void ks_repo_set_writer(struct ks_repo *r, int writer);
int ks_repo_writer(const struct ks_repo *r);
const char *ks_repo_name(const struct ks_repo *r);
const char *ks_repo_survey_id(const struct ks_repo *r);
/*
 * The language khaosat.yaml sets for every laptop of the survey ("vi"),
 * whatever the operating system's locale; NULL when it sets none.
 */
const char *ks_repo_language(const struct ks_repo *r);
/* 1 for a language code as gettext takes it: "vi", "en", "vi_VN". */
int ks_language_valid(const char *code);
const struct ks_identity *ks_repo_identity(const struct ks_repo *r);
int ks_repo_require_identity(const struct ks_repo *r, struct ks_diags *d);

/*
 * KS_EENV unless git's HEAD is on main: commands that commit build main's
 * next commit from the work tree, which then holds another branch's files
 * (an auditor who ran 'git checkout').  The message says how to return.
 */
int ks_repo_require_main(const struct ks_repo *r, struct ks_diags *d);

size_t ks_repo_kind_count(const struct ks_repo *r);
struct ks_kind *ks_repo_kind(const struct ks_repo *r, size_t i);
struct ks_kind *ks_repo_find_kind(const struct ks_repo *r, const char *name);
/* Names the known kinds, for messages ("workshop, brand"). */
int ks_repo_kind_list(const struct ks_repo *r, struct ks_buf *out);

/* Flags for compiling schemas (KS_SCHEMA_STRICT); before the first use. */
void ks_repo_set_schema_flags(struct ks_repo *r, unsigned flags);

/*
 * Compiles every kind's schema, each problem in `d`, so that a broken one
 * is reported before any record is judged by it: 0, 1 when one does not
 * compile, -1 out of memory.
 */
int ks_repo_schemas(struct ks_repo *r, struct ks_diags *d);

/* The compiled schema of a kind, loaded once and cached. */
int ks_repo_schema(struct ks_schema **out, struct ks_repo *r,
		   struct ks_kind *kind, struct ks_diags *d);

/*
 * 1 when records of the kind named `kind` have the top-level field
 * `field` (a workshop has a position, a brand none), by its schema; 0
 * for a kind the survey lacks or whose schema does not compile.
 */
int ks_repo_kind_has(struct ks_repo *r, const char *kind, const char *field);

/* Absolute path of a path relative to the work tree (ks_free). */
char *ks_repo_path(const struct ks_repo *r, const char *rel);

/*
 * Takes the next record id of this device and saves the counter.  Ids that
 * already exist in the work tree (for instance after the laptop was set up
 * again from a copy) are skipped.
 */
int ks_repo_next_id(char **out, struct ks_repo *r, struct ks_diags *d);

/* ---- ids and paths (pure functions) ---- */

#define KS_DEVICE_MAX 12

/*
 * The blob at `path` in `tree`: 1 with its id in *out, or 0 (and a zero
 * id) when there is none or it is not a file.
 */
int ks_tree_blob(git_oid *out, git_tree *tree, const char *path);

/* 1 for a kind name: lowercase letters, digits and _, a letter first. */
int ks_kind_valid(const char *kind);
/* 1 if `device` is a valid device id: a-z then a-z0-9, 2 to 12 chars. */
int ks_device_valid(const char *device);
/* Splits "md01-0042"; returns 0, or -1 if `id` is not a record id. */
int ks_id_parse(const char *id, char *device, unsigned long *counter);
/* "records/<kind>/<device>/<bucket>/<id>.yaml", or NULL (ks_free). */
char *ks_record_relpath(const char *kind, const char *id);
/*
 * Reads kind and id back from a relative record path; 0 when the path is
 * exactly where that record belongs, -1 otherwise.
 */
int ks_record_path_parse(const char *relpath, char **kind, char **id);
/*
 * The same into the caller's `kind` and `id` (`ksize` and `isize` bytes):
 * -1 also when either does not fit.  No allocation, for a walk over
 * 100,000 records.
 */
int ks_record_path_split(const char *relpath, char *kind, size_t ksize,
			 char *id, size_t isize);


/*
 * Saves the device identity in the repository's local configuration (the
 * last step of init and clone before the survey is opened), with
 * core.autocrlf off so that no configuration of git's turns records'
 * line ends into CRLF: 0 or KS_EIO.
 */
int ks_repo_set_identity(git_repository *repo, const struct ks_identity *who,
			 struct ks_diags *d);

/* Checks a device identity given on the command line. */
int ks_validate_identity(const struct ks_identity *who, struct ks_diags *d);


/* A configuration value (ks_free), or NULL when it is not set. */
char *ks_config_string(git_config *cfg, const char *name);

/* Message of the last libgit2 error, never NULL. */
const char *ks_git_error(void);

#endif

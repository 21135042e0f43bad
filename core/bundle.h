/*
 * Git bundle files: writing them from the survey's history and checking
 * them whole before anything of theirs reaches the repository.
 *
 * libgit2 has no bundle support, so the container is read and written here
 * from git's documented format (gitformat-bundle): a signature line
 * ("# v2 git bundle" or "# v3 git bundle"), v3 capability lines
 * ("@key=value"), prerequisite lines ("-<oid> <comment>"), reference lines
 * ("<oid> <refname>"), an empty line, then a packfile.  khaosat writes v2
 * and reads v2 and v3 with SHA-1 objects.
 *
 * Invariant (DESIGN.md, "verify before apply"): an incoming pack is indexed
 * into a private folder under .git/objects and only moved into
 * .git/objects/pack once every check passed; on any failure that folder is
 * removed, so a refused bundle leaves no object behind and no ref moves.
 */
#ifndef KS_BUNDLE_H
#define KS_BUNDLE_H

#include <git2.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct ks_diags;
struct ks_repo;

/* Largest record blob a bundle may carry (records/...). */
#define KS_BUNDLE_MAX_RECORD (16u * 1024 * 1024)

struct ks_bundle_ref {
	git_oid oid;
	char *name;		/* "refs/heads/main", "HEAD" */
};

struct ks_bundle_prereq {
	git_oid oid;
	char *comment;		/* what the writer said about it; may be "" */
};

/*
 * What identifies one state of a bundle file without reading it whole: its
 * size, its modification time and the last 20 bytes of its pack (the
 * pack's SHA-1 checksum, as the file says it).  A byte changed in place
 * changes the time; a file written anew changes the time and, unless it
 * holds the same pack, the checksum.
 */
struct ks_bundle_stamp {
	uint64_t size;
	int64_t mtime_sec;
	long mtime_nsec;
	unsigned char trailer[20];
};

struct ks_bundle_info {
	int version;		/* 2 or 3 */
	struct ks_bundle_prereq *prereqs;
	size_t nprereqs;
	struct ks_bundle_ref *refs;
	size_t nrefs;
	uint64_t header_bytes;	/* where the pack starts */
	uint64_t pack_bytes;	/* filled in by the verify functions */
	size_t objects;		/* objects in the pack, thin bases included */
	struct ks_bundle_stamp stamp;	/* the file as it was read */
};

#define KS_BUNDLE_INFO_INIT { 0, NULL, 0, NULL, 0, 0, 0, 0, { 0, 0, 0, { 0 } } }

/*
 * The keyword of a diagnostic that says the file itself is damaged: cut
 * short, a pack that fails its checksum or cannot be read, or one that
 * lacks objects its header says it holds.  (Other refusals, such as a
 * bundle of another survey or a hostile tree, come from an intact file.)
 */
#define KS_BUNDLE_DAMAGED "damaged"

/* ks_bundle_open() and the readers: refuse a symbolic link, not follow it. */
#define KS_BUNDLE_NOFOLLOW 0x1

/* Frees the prerequisites and references; the struct can be reused. */
void ks_bundle_info_release(struct ks_bundle_info *info);

/*
 * The tip a bundle offers for merging: refs/heads/main, else HEAD, else its
 * only reference.  NULL when it has several and none of those.
 */
const struct ks_bundle_ref *ks_bundle_main_ref(const struct ks_bundle_info *info);

/*
 * Progress of a long read or write, for a terminal's progress bar:
 * `done` of `total` bytes (total 0: not known in advance).  Called often;
 * the callback decides how often to draw.
 */
struct ks_progress {
	void (*fn)(void *payload, const char *what, uint64_t done,
		   uint64_t total);
	void *payload;
};

struct ks_bundle_stats {
	size_t commits;		/* commits in the pack */
	size_t objects;		/* objects in the pack */
	size_t prerequisites;
	uint64_t bytes;		/* size of the whole bundle file */
};

/*
 * What a caller asks of incoming commits besides the checks here, before
 * any object of theirs is kept: `fn` judges the history of `tip` in
 * `view`, a repository that sees the survey's objects and the incoming
 * ones (what it writes stays in memory and is dropped).  0 accepts;
 * anything else refuses, said in `d` naming `what`.  core/enrol.h's judge
 * applies the survey's members.
 */
struct ks_bundle_judge {
	int (*fn)(void *arg, git_repository *view, const git_oid *tip,
		  const char *what, struct ks_diags *d);
	void *arg;
};

/*
 * Writes a v2 bundle of main's history up to `tip` to `path`, leaving out
 * what the `nhidden` commits in `hidden` reach (commits missing locally
 * are ignored; none: a full bundle).  The commits just outside the bundle
 * are listed as its prerequisites; references are refs/heads/main and
 * HEAD, both at `tip`.  The file is written to a temporary file in the same
 * folder, flushed and renamed over `path`, so a reader (or a stick pulled
 * out mid-write) sees the old bundle or the new one, whole.  `pg` and
 * `st` may be NULL.
 */
int ks_bundle_write(struct ks_repo *r, const char *path, const git_oid *tip,
		    const git_oid *hidden, size_t nhidden,
		    const struct ks_progress *pg, struct ks_bundle_stats *st,
		    struct ks_diags *d);

/*
 * Opens the bundle file at `path` for reading, never waiting on it: only a
 * regular file is opened for reading (O_NONBLOCK, then fstat), so a named
 * pipe, socket, device or folder (and with KS_BUNDLE_NOFOLLOW a symbolic
 * link) is refused by what it is, without blocking.  `st` (may be NULL)
 * receives the file's stamp; a file too short to hold a pack's checksum
 * gets zeros there.  The caller fcloses `*out`.  KS_EINVALID for what is
 * not a regular file, KS_ENOTFOUND, KS_EIO.
 */
int ks_bundle_open(FILE **out, struct ks_bundle_stamp *st, const char *path,
		   unsigned flags, struct ks_diags *d);

/* What the file type in `mode` is, in words ("a named pipe (FIFO)"). */
const char *ks_bundle_file_kind(mode_t mode);

/*
 * Parses a bundle's header from `f`, which is left at the first byte of
 * the pack.  `path` names the file in messages; each syntax error is
 * reported at its line.  Refuses capabilities other than
 * @object-format=sha1 (sha256, @filter and unknown ones are named).
 * On failure `out` holds nothing to release.  KS_EINVALID, or -1 (memory).
 */
int ks_bundle_read_header(struct ks_bundle_info *out, FILE *f,
			  const char *path, struct ks_diags *d);

/*
 * Checks the bundle at `path` whole against the repository and imports its
 * objects: the header; every prerequisite present locally (each missing one
 * is named, and nothing is imported); the pack indexed with every object
 * hash and its checksum verified, thin packs completed from local objects;
 * every reference a commit the bundle brings or the repository has; the
 * survey's first commit in the history of each reference (else the bundle
 * belongs to another survey); every tree new to the repository safe to
 * check out (see ks_bundle_name_problem); and every record new to the
 * repository readable as a YAML record.  On success the objects are in
 * .git/objects/pack and `out` holds the header (release it); no reference
 * is moved.  On failure nothing new is left in the repository and the
 * diagnostics name the bundle and the check that failed (KS_EINVALID for a
 * bad or hostile bundle, KS_ENOTFOUND when a prerequisite is missing or
 * the file does not exist, KS_EIO).
 */
int ks_bundle_verify_import(struct ks_repo *r, const char *path,
			    const struct ks_bundle_judge *judge,
			    const struct ks_progress *pg,
			    struct ks_bundle_info *out, struct ks_diags *d);

/*
 * The same checks and import into a plain git repository that may have no
 * main yet, as when a new laptop is set up: `root` is the survey's first
 * commit every reference must descend from, or NULL to take any survey;
 * `since` (or NULL) the tip of the bundle's device taken in before, which
 * every reference must hold (a device's history only grows).
 * `flags`: KS_BUNDLE_NOFOLLOW for a file found on a stick.  `out->stamp`
 * is the file as it was read and checked.
 */
int ks_bundle_import_git(git_repository *repo, const git_oid *root,
			 const git_oid *since, const char *path, unsigned flags,
			 const struct ks_bundle_judge *judge,
			 const struct ks_progress *pg,
			 struct ks_bundle_info *out, struct ks_diags *d);

/*
 * Checks the bundle at `path` whole and keeps nothing, as
 * ks_bundle_verify() does, for a plain git repository: also a bundle whose
 * commits the repository has already (which importing would skip), so
 * that the damage of a file on a stick is found even when it brings
 * nothing new.  Besides the checks of ks_bundle_import_git(), the pack
 * must hold the history it claims, as a reader that has only the
 * prerequisites needs it: every commit from the references down to the
 * prerequisites, and every tree and blob of those commits that the
 * prerequisites' trees do not hold.  `out->stamp` is the file as it was
 * checked.
 */
int ks_bundle_verify_git(git_repository *repo, const git_oid *root,
			 const char *path, unsigned flags,
			 const struct ks_progress *pg,
			 struct ks_bundle_info *out, struct ks_diags *d);

/*
 * The checks a bundle's new history gets (every tree safe, every record
 * readable, nothing missing), over the whole history of `tip` in `repo`:
 * for a repository fetched by other means than a bundle.  `what` names
 * the source in messages.
 */
int ks_bundle_check_history(git_repository *repo, const git_oid *tip,
			    const char *what, struct ks_diags *d);

/*
 * For objects fetched from a remote into a private objects folder
 * `incoming` (outside the repository's): the checks a bundle's new history
 * gets, for the references `refs`; `root` and `since` as for
 * ks_bundle_import_git.  Nothing is moved.
 */
int ks_bundle_check_incoming(git_repository *repo, const char *incoming,
			     const struct ks_bundle_ref *refs, size_t nrefs,
			     const git_oid *root, const git_oid *since,
			     const struct ks_bundle_judge *judge,
			     const char *what, struct ks_diags *d);

/* Moves every pack and loose object of `incoming` into the repository. */
int ks_bundle_install_incoming(git_repository *repo, const char *incoming,
			       const char *what, struct ks_diags *d);

/*
 * Copies into the repository, as one new pack, only the objects of
 * `incoming` that the commits `tips` reach and the repository lacks: for a
 * fetch of which some references were refused, whose objects must not
 * stay behind.
 */
int ks_bundle_install_reachable(git_repository *repo, const char *incoming,
				const git_oid *tips, size_t ntips,
				const char *what, struct ks_diags *d);

/* The survey's first commit: the end of `tip`'s first-parent chain. */
int ks_bundle_survey_root(git_oid *out, git_repository *repo,
			  const git_oid *tip);

/*
 * The checks of ks_bundle_verify_git() against this survey; the objects
 * are removed again.
 */
int ks_bundle_verify(struct ks_repo *r, const char *path,
		     const struct ks_bundle_judge *judge,
		     struct ks_bundle_info *out, struct ks_diags *d);

/*
 * The tree-entry rules, exposed for tests: 0 when a name may appear in a
 * survey tree, else a message saying why not (static string).
 */
const char *ks_bundle_name_problem(const char *name);

#endif

/*
 * What every subcommand shares: the option parser (help is generated from
 * the same tables, so `--help`, `khaosat help` and the man page agree),
 * diagnostics printing, exit codes and terminal prompts.
 */
#ifndef KS_CLI_H
#define KS_CLI_H

/* The program's version (make may set it). */
#ifndef KS_VERSION
#define KS_VERSION "0.1"
#endif

#include <git2.h>
#include <signal.h>
#include <stdio.h>

struct ks_diags;
struct ks_repo;

/* Exit codes; documented in README.md and khaosat(1). */
enum {
	EXIT_OK = 0,
	EXIT_PROBLEMS = 1,	/* invalid records, conflicts, failed checks */
	EXIT_USAGE = 2,		/* bad command line */
	EXIT_ENV = 3,		/* not in a survey, no identity, exists */
	EXIT_IO = 4,		/* file system or git failure */
	EXIT_INTERNAL = 5,	/* out of memory, internal error */
	EXIT_INTERRUPTED = 130,	/* Ctrl-C (128 + SIGINT); a form keeps its answers */
};

enum opt_type {
	OPT_END,
	OPT_FLAG,	/* int *: set to 1 */
	OPT_STRING,	/* const char **: last one wins */
	OPT_LIST,	/* struct strlist *: each one appended */
};

struct strlist {
	const char **v;
	int n, alloc;
};

struct opt {
	char short_name;
	const char *long_name;
	const char *arg;	/* placeholder in help, NULL for flags */
	enum opt_type type;
	void *value;
	const char *help;
};

#define OPT_END_MARK { 0, NULL, NULL, OPT_END, NULL, NULL }

struct cmd_info {
	const char *usage;	/* "khaosat check [--json] [ID|PATH]..." */
	const char *summary;	/* one line */
};

/*
 * How a command holds the survey lock (core/lock.h): exclusive for its
 * whole run, shared, or (new, edit) only while it saves, so that a form or
 * an editor left open never keeps a sync waiting.
 */
enum lock_mode {
	LOCK_NONE,	/* no survey yet: init, clone, help */
	LOCK_READ,
	LOCK_WRITE,
	LOCK_SAVE,
};

/* Global state cmd functions receive. */
struct cli {
	const char *cwd;
	const char *command;	/* "sync" */
	enum lock_mode lock_mode;
	struct ks_repo *repo;	/* opened by open_survey() */
	struct ks_lock *lock;	/* the survey lock, while held */
};

#define PARSE_HELP (-100)

/*
 * Parses argv[1..] against `opts`, leaving positional arguments in
 * argv[0..*argc) (argv[0] becomes the first positional).  On --help prints
 * the help and returns PARSE_HELP; on a bad option prints the usage and
 * returns EXIT_USAGE.  Returns 0 otherwise.
 */
int parse_options(int *argc, char **argv, const struct cmd_info *info,
		  const struct opt *opts);
void print_help(FILE *f, const struct cmd_info *info, const struct opt *opts);
int usage_error(const struct cmd_info *info, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Folder that diagnostic paths are relative to, once a survey is open. */
extern const char *diag_base;
/* Diagnostics about `diag_alias_path` show lines of `diag_alias_file`. */
extern const char *diag_alias_path, *diag_alias_file;
/*
 * Prints diagnostics to stderr, compiler-style, or as JSON to stdout: 0,
 * or -1 when the JSON could not be built whole (stderr says so).
 */
void print_diags(const struct ks_diags *d);
int print_diags_json(const struct ks_diags *d);
/* Maps a core status to an exit code. */
int exit_code(int status);
/* print_diags + exit_code, for the common failure path. */
int fail(struct ks_diags *d, int status);

/* Photos as 'khaosat attach' keeps them unless told otherwise. */
#define ATTACH_MAX_SIDE 2048
#define ATTACH_QUALITY 85
struct ks_attached;
/* What was done with one attached file, on standard output. */
void attach_report(const struct ks_attached *a, const char *display);

/* 1 when standard input and output are a terminal. */
int interactive(void);
/* Reads a line from standard input without its newline (free()), or NULL at EOF. */
char *read_line(const char *prompt);
/*
 * read_line() from a terminal, given up when the signal `sig`, whose
 * handler sets *stop, comes: one that comes while the prompt is written,
 * just before the wait for input, ends it as surely as one during it.
 * NULL at end of input or when *stop is set.
 */
char *read_line_or_stop(const char *prompt, volatile sig_atomic_t *stop,
			int sig);
/*
 * One answer typed at the terminal (`hidden`: without echo) into a new
 * string (ks_free; wipe a password first), or NULL.  readpassphrase() puts
 * the terminal back as it was even when a signal (Ctrl-C, Ctrl-\, Ctrl-Z)
 * arrives while it waits (hubnet.c).
 */
char *ask_one(const char *prompt, int hidden);
/* Asks a yes/no question; `def` is the answer to an empty line. */
int ask_yes_no(const char *question, int def);

/*
 * Opens the survey, takes its lock as the command's lock mode says, and
 * finishes a merge that was interrupted.
 */
int open_survey(struct cli *cli, struct ks_diags *d);
/*
 * For LOCK_SAVE commands, just before they write: the exclusive lock, and
 * an interrupted merge finished.  The caller then reads what it is about
 * to change again: the survey may have moved while it waited.
 */
int lock_to_save(struct cli *cli, struct ks_diags *d);
/* How long to wait for the survey lock (KHAOSAT_LOCK_TIMEOUT seconds). */
long lock_timeout_ms(void);
/* The shared lock only, for a command that must not finish a merge. */
int lock_to_read(struct cli *cli, struct ks_diags *d);
/*
 * For init and clone: the lock of the folder that will hold the new
 * survey, so that two of them into one folder cannot both go ahead.
 */
int lock_new_survey(struct cli *cli, const char *dir, struct ks_diags *d);
/* Lets the survey lock go, before waiting for a person again. */
void unlock(struct cli *cli);
/*
 * The open survey's kind called `name`; NULL after a usage error that
 * lists the kinds the survey has (*err is then its exit code).
 */
struct ks_kind *kind_arg(struct cli *cli, const struct cmd_info *info,
			 const char *name, int *err);
/*
 * For commands that take an optional KIND (argv[0]): at most one, the
 * survey open, the kind one it has.  0, or the exit code after saying why.
 */
int open_survey_kind(int argc, char **argv, struct cli *cli,
		     const struct cmd_info *info, struct ks_diags *d);

/* A progress bar on stderr when it is a terminal, else NULL. */
struct ks_progress;
const struct ks_progress *progress_bar(void);
/* Erases the bar; call before printing results. */
void progress_done(void);
/*
 * How to reach a hub, from the environment (KHAOSAT_HUB_TIMEOUT, HOME's
 * ssh keys, SSH_AUTH_SOCK, KHAOSAT_USERNAME, KHAOSAT_PASSWORD) and, on a
 * terminal, the person: 0, or EXIT_USAGE after saying what is wrong.
 */
struct ks_net_opts;
int hub_net_opts(struct ks_net_opts *o);
/*
 * Around a talk with a hub: Ctrl-C and SIGTERM cut the network and let
 * core stop cleanly (a second one stops at once); release restores them.
 */
void catch_interrupts(void);
void release_interrupts(void);
/* `code`, or 128 + the signal caught since catch_interrupts(). */
int interrupted_exit(int code);

/*
 * The language of messages (lang.c): lang_init() from the person's locale
 * at start; lang_use() switches to a survey's language once it is open,
 * unless KHAOSAT_LANGUAGE chose another.
 */
void lang_init(void);
void lang_use(const char *code);

/* Subcommands, one file each. */
int cmd_init(int argc, char **argv, struct cli *cli);
int cmd_new(int argc, char **argv, struct cli *cli);
int cmd_edit(int argc, char **argv, struct cli *cli);
int cmd_check(int argc, char **argv, struct cli *cli);
int cmd_fmt(int argc, char **argv, struct cli *cli);
int cmd_status(int argc, char **argv, struct cli *cli);
/* On stderr, one line naming the drafts that a commit or a sync leaves out. */
void note_drafts(struct ks_repo *r);
/*
 * After a merge or a sync moved main from `before` to `after`: warns of
 * the values that must be unique and that two records now hold.  Each of
 * them refuses a work tree with uncommitted changes, so the work tree
 * holds `after` and is not listed again.
 */
void note_clashes(struct ks_repo *r, const git_oid *before,
		  const git_oid *after);

/*
 * After a sync or merge that changed khaosat.yaml or a schema: the
 * records committed now that the new rules find invalid, located, as
 * warnings, with a note naming the changed files (or a line saying every
 * record is still valid).
 */
void note_rules_changed(struct ks_repo *r, const git_oid *before,
			const git_oid *after);

/*
 * Before `tip` (named `what`) is merged into main by hand (merge, bundle
 * apply): what it brings judged by the survey's members (core/enrol.h).
 * 0: merge it; 1: it waits for the centre's approval of a new laptop, or
 * is refused, as printed or put in `d` (KS_EINVALID in *refused); or an
 * error.
 */
int judge_before_merge(struct ks_repo *r, const git_oid *tip, const char *what,
		       int *refused, struct ks_diags *d);
/*
 * The identity a new laptop is given (init, clone): --device and
 * --surveyor present and valid (ks_validate_identity), into `who`.
 * Returns 0, or the exit status of the usage error it printed.
 */
struct ks_identity;
int identity_from_options(struct ks_identity *who, const struct cmd_info *info,
			  const char *device, const char *surveyor,
			  const char *email);

/*
 * Writes a report built in `out` to standard output, whole: a report an
 * addition failed to (out of memory) is not printed as if complete, but
 * said to be missing.  Returns 0 or -1.
 */
struct ks_buf;
int put_output(const struct ks_buf *out);

int cmd_commit(int argc, char **argv, struct cli *cli);
int cmd_log(int argc, char **argv, struct cli *cli);
int cmd_show(int argc, char **argv, struct cli *cli);
int cmd_diff(int argc, char **argv, struct cli *cli);
int cmd_history(int argc, char **argv, struct cli *cli);
/* A commit's id, date, author, e-mail, device, summary and arrival, as JSON members. */
struct ks_json;
struct ks_commit_info;
void json_commit_info(struct ks_json *j, const struct ks_commit_info *ci);
int cmd_blame(int argc, char **argv, struct cli *cli);
int cmd_merge(int argc, char **argv, struct cli *cli);
/* What a merge did, as 'khaosat merge' says it. */
struct ks_merge_stats;
void print_merge(const git_oid *commit, const struct ks_merge_stats *st,
		 const char *what);
int cmd_conflicts(int argc, char **argv, struct cli *cli);
int cmd_resolve(int argc, char **argv, struct cli *cli);
int cmd_delete(int argc, char **argv, struct cli *cli);
int cmd_attach(int argc, char **argv, struct cli *cli);
int cmd_bundle(int argc, char **argv, struct cli *cli);
int cmd_sync(int argc, char **argv, struct cli *cli);
int cmd_clone(int argc, char **argv, struct cli *cli);
int cmd_remote(int argc, char **argv, struct cli *cli);
int cmd_device(int argc, char **argv, struct cli *cli);
/* What a sync brought in and wrote, as 'khaosat sync' says it. */
struct ks_sync_report;
void print_sync(const struct ks_sync_report *rep, const char *self,
		int verbose);
int cmd_verify(int argc, char **argv, struct cli *cli);
int cmd_stats(int argc, char **argv, struct cli *cli);
int cmd_dupes(int argc, char **argv, struct cli *cli);
int cmd_find(int argc, char **argv, struct cli *cli);
int cmd_serve(int argc, char **argv, struct cli *cli);
int cmd_export(int argc, char **argv, struct cli *cli);
int cmd_help(int argc, char **argv, struct cli *cli);

/* The command table, for help. */
struct cmd_entry {
	const char *name;
	int (*fn)(int, char **, struct cli *);
	enum lock_mode lock;
	const char *summary;
};
extern const struct cmd_entry commands[];

#endif

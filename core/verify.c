/*
 * khaosat verify's checks: object integrity over everything reachable,
 * SSH signatures of main's commits against the survey's allowed_signers
 * (ssh-keygen -Y does the cryptography), records and conflicts at HEAD as
 * `check` sees them, and that history only grew since the last verify.
 * See verify.h.
 */
#include "verify.h"
#include "intl.h"
#include "auth.h"
#include "alloc.h"
#include "attachpath.h"
#include "buf.h"
#include "checkall.h"
#include "commit.h"
#include "conflict.h"
#include "diag.h"
#include "enrol.h"
#include "file.h"
#include "oidmap.h"
#include "repo.h"
#include "run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


#define STATE_MAGIC "khaosat verify-state 1\n"
#define CACHE_MAGIC "khaosat verify-signatures 1\n"
#define TOOL_OUTPUT_MAX (1u << 20)
#define MAX_TREE_DEPTH 256

static const char *const sig_names[KS_SIG_NSTATUS] = {
	"good", "unsigned", "unchecked", "unsupported", "unknown-key",
	"key-not-valid", "other-signer", "bad",
};

const char *ks_sig_status_name(enum ks_sig_status s)
{
	return s < KS_SIG_NSTATUS ? sig_names[s] : "?";
}

void ks_verify_report_release(struct ks_verify_report *rep)
{
	size_t i;

	for (i = 0; i < rep->nbad; i++) {
		ks_free(rep->bad[i].where);
		ks_free(rep->bad[i].message);
	}
	ks_free(rep->bad);
	for (i = 0; i < rep->nfindings; i++) {
		struct ks_verify_commit *f = &rep->findings[i];

		ks_free(f->summary);
		ks_free(f->author);
		ks_free(f->email);
		ks_free(f->device);
		ks_free(f->key);
		ks_free(f->signer);
	}
	ks_free(rep->findings);
	ks_diags_release(&rep->record_diags);
	ks_diags_release(&rep->conflict_diags);
	ks_diags_release(&rep->notes);
	memset(rep, 0, sizeof(*rep));
}

/* ---- the walk over every reachable object ---- */

struct pending {
	git_oid id;
	git_oid child;		/* the commit naming it as a parent; zero at a tip */
	unsigned nth;		/* which parent, from 1 */
	const char *ref;	/* at a tip: the ref's name */
};

struct walk {
	git_repository *repo;
	git_odb *odb;
	struct ks_verify_report *rep;
	struct ks_oidmap seen;	/* every object read, once */
	struct pending *stack;
	size_t nstack, astack;
	git_oid *main;		/* the commits reachable from main */
	size_t nmain, amain;
	int on_main;		/* walking main's history */
	int main_whole;		/* and every commit of it could be read */
	git_commit *commit;	/* whose tree is being walked */
	struct ks_buf path;	/* of the tree entry being read */
	int oom;
};

static void short_id(char *buf, const git_oid *id)
{
	git_oid_tostr(buf, 11, id);
}

/* A commit's summary line, "" when it has none. */
static const char *summary_of(git_commit *c)
{
	const char *s = git_commit_summary(c);

	return s ? s : "";
}

static void add_bad(struct walk *w, const git_oid *id, git_object_t type,
		    int missing, struct ks_buf *where, const char *message)
{
	struct ks_verify_report *rep = w->rep;
	struct ks_verify_object *o;

	if (ks_grow(&rep->bad, rep->nbad, &rep->abad, sizeof(*rep->bad), 8) < 0) {
		w->oom = 1;
		return;
	}
	o = &rep->bad[rep->nbad];
	memset(o, 0, sizeof(*o));
	git_oid_cpy(&o->id, id);
	o->type = type;
	o->missing = missing;
	o->where = ks_buf_detach(where, NULL);
	o->message = ks_strdup(message);
	if (!o->where || !o->message) {
		ks_free(o->where);
		ks_free(o->message);
		w->oom = 1;
		return;
	}
	rep->nbad++;
}

/*
 * What went wrong reading an object: 1 missing, 2 damaged, with a message;
 * 0 when `err` is no error.  libgit2 re-hashes every object it reads
 * (strict hash verification is on by default), so a changed byte shows
 * here as GIT_EMISMATCH, or as a zlib error.
 */
static int read_failure(struct ks_buf *msg, int err)
{
	if (!err)
		return 0;
	if (err == GIT_ENOTFOUND) {
		/* TRANSLATORS: follows "object 1a2b3c4d5e...". */
		ks_buf_puts(msg, _("is missing from the object store"));
		return 1;
	}
	if (err == GIT_EMISMATCH)
		ks_buf_puts(msg, _("is damaged: its content does not hash to its id"));
	else
		ks_buf_addf(msg, _("is damaged: it cannot be read (%s)"),
			    ks_git_error());
	return 2;
}

/* "blob records/.../x.yaml in commit 1a2b3c4d5e "..."" for the entry walked. */
static void where_in_tree(struct ks_buf *b, struct walk *w, git_object_t type)
{
	char hex[11];

	short_id(hex, git_commit_id(w->commit));
	if (w->path.len)
		/* TRANSLATORS: the first %s is git's word: blob or tree. */
		ks_buf_addf(b, _("%s %.*s in commit %s \"%s\""),
			    git_object_type2string(type),
			    (int)(w->path.len - (type == GIT_OBJECT_TREE)),
			    w->path.ptr, hex, summary_of(w->commit));
	else
		ks_buf_addf(b, _("the tree of commit %s \"%s\""), hex,
			    summary_of(w->commit));
}

/* Reads an object once; 1 when it is new and sound, with *out set. */
static int read_once(struct walk *w, git_object **out, const git_oid *id,
		     git_object_t type, struct ks_buf *msg)
{
	int err, bad;

	*out = NULL;
	err = ks_oidmap_put(&w->seen, id, 0);
	if (err <= 0) {
		w->oom |= err < 0;
		return 0;
	}
	w->rep->objects++;
	err = git_object_lookup(out, w->repo, id, GIT_OBJECT_ANY);
	bad = read_failure(msg, err);
	if (!bad && git_object_type(*out) != type) {
		ks_buf_addf(msg, _("is a %s, not a %s"),
			    git_object_type2string(git_object_type(*out)),
			    git_object_type2string(type));
		bad = 2;
	}
	if (bad) {
		git_object_free(*out);
		*out = NULL;
		return -bad;
	}
	return 1;
}

static void walk_tree(struct walk *w, const git_oid *id, int depth);

static void walk_blob(struct walk *w, const git_oid *id)
{
	struct ks_buf msg = KS_BUF_INIT, where = KS_BUF_INIT;
	git_odb_object *o = NULL;
	int err, bad;

	err = ks_oidmap_put(&w->seen, id, 0);
	if (err <= 0) {
		w->oom |= err < 0;
		return;
	}
	w->rep->objects++;
	/* Through the object database: blobs are read, not parsed or cached. */
	err = git_odb_read(&o, w->odb, id);
	bad = read_failure(&msg, err);
	if (!bad && git_odb_object_type(o) != GIT_OBJECT_BLOB) {
		ks_buf_addf(&msg, _("is a %s, not a blob"),
			    git_object_type2string(git_odb_object_type(o)));
		bad = 2;
	}
	if (bad) {
		where_in_tree(&where, w, GIT_OBJECT_BLOB);
		add_bad(w, id, GIT_OBJECT_BLOB, bad == 1, &where, msg.ptr);
	}
	git_odb_object_free(o);
	ks_buf_release(&msg);
	ks_buf_release(&where);
}

static void walk_entries(struct walk *w, git_tree *t, int depth)
{
	size_t i, n = git_tree_entrycount(t), len = w->path.len;

	for (i = 0; i < n && !w->oom; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(t, i);
		git_object_t type = git_tree_entry_type(e);

		/* A submodule's commit lives elsewhere: nothing to read. */
		if (type != GIT_OBJECT_TREE && type != GIT_OBJECT_BLOB)
			continue;
		if (ks_buf_puts(&w->path, git_tree_entry_name(e)) < 0 ||
		    (type == GIT_OBJECT_TREE && ks_buf_putc(&w->path, '/') < 0)) {
			w->oom = 1;
			break;
		}
		if (type == GIT_OBJECT_TREE)
			walk_tree(w, git_tree_entry_id(e), depth + 1);
		else
			walk_blob(w, git_tree_entry_id(e));
		w->path.len = len;
		w->path.ptr[len] = '\0';
	}
}

static void walk_tree(struct walk *w, const git_oid *id, int depth)
{
	struct ks_buf msg = KS_BUF_INIT, where = KS_BUF_INIT;
	git_object *t = NULL;
	int ok;

	ok = read_once(w, &t, id, GIT_OBJECT_TREE, &msg);
	if (ok == 1 && depth > MAX_TREE_DEPTH) {
		ks_buf_addf(&msg, _("is nested deeper than %d folders"), MAX_TREE_DEPTH);
		ok = -2;
	}
	if (ok < 0) {
		where_in_tree(&where, w, GIT_OBJECT_TREE);
		add_bad(w, id, GIT_OBJECT_TREE, ok == -1, &where, msg.ptr);
	} else if (ok == 1) {
		walk_entries(w, (git_tree *)t, depth);
	}
	git_object_free(t);
	ks_buf_release(&msg);
	ks_buf_release(&where);
}

static int push(struct walk *w, const git_oid *id, const git_oid *child,
		unsigned nth, const char *ref)
{
	struct pending *p;

	if (ks_grow(&w->stack, w->nstack, &w->astack, sizeof(*w->stack), 64) < 0) {
		w->oom = 1;
		return -1;
	}
	p = &w->stack[w->nstack++];
	git_oid_cpy(&p->id, id);
	if (child)
		git_oid_cpy(&p->child, child);
	else
		memset(&p->child, 0, sizeof(p->child));
	p->nth = nth;
	p->ref = ref;
	return 0;
}

/* Where a commit that cannot be read was named: a ref, or its child. */
static void where_commit(struct walk *w, struct ks_buf *b,
			 const struct pending *p)
{
	git_commit *child = NULL;
	char hex[11];

	if (git_oid_is_zero(&p->child)) {
		ks_buf_addf(b, _("commit at %s"), p->ref);
		return;
	}
	short_id(hex, &p->child);
	if (git_commit_lookup(&child, w->repo, &p->child) == 0)
		ks_buf_addf(b, _("commit, parent %u of commit %s \"%s\""),
			    p->nth, hex, summary_of(child));
	else
		ks_buf_addf(b, _("commit, parent %u of commit %s"), p->nth, hex);
	git_commit_free(child);
}

static void visit_commit(struct walk *w, const struct pending *p)
{
	struct ks_buf msg = KS_BUF_INIT, where = KS_BUF_INIT;
	git_object *o = NULL;
	git_commit *c;
	unsigned i, n;
	int ok;

	ok = read_once(w, &o, &p->id, GIT_OBJECT_COMMIT, &msg);
	if (ok < 0) {
		where_commit(w, &where, p);
		add_bad(w, &p->id, GIT_OBJECT_COMMIT, ok == -1, &where, msg.ptr);
		if (w->on_main)
			w->main_whole = 0;
	}
	if (ok != 1)
		goto out;
	c = (git_commit *)o;
	if (w->on_main) {
		if (ks_grow(&w->main, w->nmain, &w->amain, sizeof(*w->main), 64) < 0) {
			w->oom = 1;
			goto out;
		}
		git_oid_cpy(&w->main[w->nmain++], &p->id);
	}
	n = git_commit_parentcount(c);
	/* Pushed last first, so the first parent is walked first. */
	for (i = n; i > 0; i--)
		if (push(w, git_commit_parent_id(c, i - 1), &p->id, i, NULL) < 0)
			goto out;
	w->commit = c;
	ks_buf_reset(&w->path);
	walk_tree(w, git_commit_tree_id(c), 0);
	w->commit = NULL;
out:
	git_object_free(o);
	ks_buf_release(&msg);
	ks_buf_release(&where);
}

/*
 * Everything reachable from `tip`.  A tag is followed to its target;
 * anything else a ref names must be a commit.
 */
static void walk_from(struct walk *w, const git_oid *tip, const char *ref)
{
	git_object *o = NULL;

	if (git_object_lookup(&o, w->repo, tip, GIT_OBJECT_ANY) == 0 &&
	    git_object_type(o) == GIT_OBJECT_TAG) {
		const git_oid *target = git_tag_target_id((git_tag *)o);

		if (ks_oidmap_put(&w->seen, tip, 0) > 0)
			w->rep->objects++;
		if (push(w, target, NULL, 0, ref) < 0)
			goto out;
	} else if (push(w, tip, NULL, 0, ref) < 0) {
		goto out;
	}
	while (w->nstack && !w->oom) {
		struct pending p = w->stack[--w->nstack];

		visit_commit(w, &p);
	}
out:
	git_object_free(o);
}

/* Tips of the devices' refs and khaosat's own, after main. */
static int walk_other_refs(struct walk *w, struct ks_diags *d)
{
	static const char *const globs[] = {
		"refs/heads/devices/*", "refs/khaosat/*",
	};
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL;
	size_t i;

	for (i = 0; i < sizeof(globs) / sizeof(*globs); i++) {
		if (git_reference_iterator_glob_new(&it, w->repo, globs[i]) < 0)
			return ks_error(d, KS_EIO, NULL, 0, 0,
					"cannot list the refs: %s", ks_git_error());
		while (!w->oom && git_reference_next(&ref, it) == 0) {
			if (git_reference_type(ref) == GIT_REFERENCE_DIRECT)
				walk_from(w, git_reference_target(ref),
					  git_reference_name(ref));
			git_reference_free(ref);
		}
		git_reference_iterator_free(it);
	}
	return 0;
}

/* ---- allowed_signers ---- */

struct signer {
	char *principals;	/* as written: a comma-separated pattern list */
	char *key;		/* "ssh-ed25519 AAAA..." */
};

struct signers {
	struct signer *v;
	size_t n, alloc;
	char *file;		/* a copy on disk for ssh-keygen */
	git_oid blob;
};

static void signers_release(struct signers *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		ks_free(s->v[i].principals);
		ks_free(s->v[i].key);
	}
	ks_free(s->v);
	ks_free(s->file);
	memset(s, 0, sizeof(*s));
}

static int is_key_type(const char *p, size_t n)
{
	return (n > 4 && !strncmp(p, "ssh-", 4)) ||
	       (n > 6 && !strncmp(p, "ecdsa-", 6)) ||
	       (n > 3 && !strncmp(p, "sk-", 3));
}

/* The next blank-separated field; double quotes keep blanks inside. */
static size_t field(const char **p, const char **start)
{
	const char *s = *p;
	int quoted = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	*start = s;
	while (*s && (quoted || (*s != ' ' && *s != '\t'))) {
		if (*s == '"')
			quoted = !quoted;
		s++;
	}
	*p = s;
	return (size_t)(s - *start);
}

/*
 * Reads one line of allowed_signers (ssh-keygen(1), ALLOWED SIGNERS:
 * principals [options] keytype base64-key [comment]).  0 for a signer, 1
 * for a blank or comment line, KS_EINVALID for anything else.
 */
static int parse_signer(struct signers *s, const char *line)
{
	const char *p = line, *prin, *f, *type;
	size_t nprin, nf, ntype, nkey;
	struct signer *sg;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p || *p == '#')
		return 1;
	nprin = field(&p, &prin);
	nf = field(&p, &f);
	if (nf && !is_key_type(f, nf))
		nf = field(&p, &f);	/* that was the options */
	type = f;
	ntype = nf;
	nkey = field(&p, &f);
	if (!nprin || !is_key_type(type, ntype) || !nkey)
		return KS_EINVALID;
	if (ks_grow(&s->v, s->n, &s->alloc, sizeof(*s->v), 8) < 0)
		return -1;
	sg = &s->v[s->n];
	sg->principals = ks_strndup(prin, nprin);
	sg->key = ks_malloc(ntype + nkey + 2);
	if (!sg->principals || !sg->key) {
		ks_free(sg->principals);
		ks_free(sg->key);
		return -1;
	}
	memcpy(sg->key, type, ntype);
	sg->key[ntype] = ' ';
	memcpy(sg->key + ntype + 1, f, nkey);
	sg->key[ntype + nkey + 1] = '\0';
	s->n++;
	return 0;
}

/* Each line that is not a signer is a warning at its line. */
static int parse_signers(struct signers *s, const char *text, size_t len,
			 struct ks_diags *notes)
{
	struct ks_buf line = KS_BUF_INIT;
	const char *p = text, *end = text + len;
	int lineno = 0, err = 0;

	while (p < end && !err) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		lineno++;
		ks_buf_reset(&line);
		if (ks_buf_add(&line, p, n) < 0) {
			err = -1;
			break;
		}
		if (line.len && line.ptr[line.len - 1] == '\r')
			line.ptr[--line.len] = '\0';
		err = parse_signer(s, line.ptr);
		if (err == KS_EINVALID) {
			ks_diags_add(notes, KS_SEV_WARNING, KS_SIGNERS_FILE,
				     lineno, 1, NULL, "allowed-signers",
				     "not an allowed signer: want 'principals [options] keytype key'");
			err = 0;
		}
		err = err < 0 ? err : 0;
		p += n + 1;
	}
	ks_buf_release(&line);
	return err;
}

/* ---- running ssh-keygen ---- */

struct keygen {
	char *prog;
	char *dir;		/* private folder for its files */
	char *sig;		/* the signature, in a file as -s wants */
	struct ks_buf output;
};

static char *in_dir(const char *dir, const char *name)
{
	struct ks_buf b = KS_BUF_INIT;

	if (ks_buf_addf(&b, "%s/%s", dir, name) < 0)
		return NULL;
	return ks_buf_detach(&b, NULL);
}

/* The program git itself would run: gpg.ssh.program, or ssh-keygen. */
static char *keygen_program(git_repository *repo, const char *prog)
{
	git_config *cfg = NULL;
	char *s = NULL;

	if (prog)
		return ks_strdup(prog);
	if (git_repository_config_snapshot(&cfg, repo) == 0)
		s = ks_config_string(cfg, "gpg.ssh.program");
	git_config_free(cfg);
	return s && *s ? s : (ks_free(s), ks_strdup("ssh-keygen"));
}

static int keygen_open(struct keygen *k, git_repository *repo,
		       const char *prog, struct ks_diags *d)
{
	struct ks_buf p = KS_BUF_INIT;
	int err = -1;

	ks_buf_init(&k->output);
	if (!(k->prog = keygen_program(repo, prog)))
		goto out;
	if (ks_buf_addf(&p, "%skhaosat", git_repository_path(repo)) < 0)
		goto out;
	mkdir(p.ptr, 0777);
	ks_sweep_stale(p.ptr, "verify-", KS_STALE_SECONDS);
	if (ks_buf_puts(&p, "/verify-XXXXXX") < 0)
		goto out;
	if (!mkdtemp(p.ptr)) {
		err = ks_error(d, KS_EIO, NULL, 0, 0,
			       "cannot make a folder for checking signatures: %s",
			       strerror(errno));
		goto out;
	}
	k->dir = ks_buf_detach(&p, NULL);
	if (!k->dir || !(k->sig = in_dir(k->dir, "sig")))
		goto out;
	err = 0;
out:
	ks_buf_release(&p);
	return err;
}

static void keygen_close(struct keygen *k)
{
	if (k->dir)
		ks_remove_tree(k->dir);
	ks_free(k->prog);
	ks_free(k->dir);
	ks_free(k->sig);
	ks_buf_release(&k->output);
	memset(k, 0, sizeof(*k));
}

/*
 * Runs `prog args...` with the signed data on standard input; its standard
 * output lands in k->output.  *code is its exit status.
 */
static int keygen_run(struct keygen *k, const char *const *args,
		      const git_buf *data, int *code, struct ks_diags *d)
{
	const char *argv[16];
	size_t n = 0;
	int rc;

	argv[n++] = k->prog;
	while (*args && n + 1 < sizeof(argv) / sizeof(*argv))
		argv[n++] = *args++;
	argv[n] = NULL;
	ks_buf_reset(&k->output);
	rc = ks_run(argv, data->ptr, data->size, &k->output, NULL);
	if (rc < 0)
		return ks_error(d, KS_EIO, NULL, 0, 0,
				"cannot run %s to check signatures: %s",
				k->prog, strerror(errno));
	if (rc > 255)
		return ks_error(d, KS_EIO, NULL, 0, 0, "%s was killed by signal %d",
				k->prog, rc - 256);
	if (k->output.len > TOOL_OUTPUT_MAX)
		return ks_error(d, KS_EIO, NULL, 0, 0, "%s wrote too much", k->prog);
	if (ks_buf_puts(&k->output, "") < 0)
		return -1;
	*code = rc;
	return 0;
}

/* "SHA256:..." after "key " in ssh-keygen's "Good ... signature" line. */
static char *fingerprint(const char *out)
{
	const char *p = strstr(out, " key SHA256:"), *e;

	if (!p)
		return NULL;
	p += 5;
	e = p + strcspn(p, " \n");
	return ks_strndup(p, (size_t)(e - p));
}

/* ---- signatures ---- */

struct sigcheck {
	struct ks_repo *r;
	struct ks_verify_report *rep;
	const struct ks_verify_opts *opts;
	struct signers signers;
	struct keygen kg;
	int kg_open;
	struct ks_buf cache_old;	/* the cache file as read */
	struct ks_oidmap cached;	/* commit id -> its line in cache_old */
	struct ks_buf cache_new;	/* what this run found */
};

struct sigresult {
	enum ks_sig_status status;
	char *key;
	char *signer;
};

static void sigresult_release(struct sigresult *res)
{
	ks_free(res->key);
	ks_free(res->signer);
	memset(res, 0, sizeof(*res));
}

/*
 * The cache: a header naming the allowed_signers blob, then one line per
 * signed commit, "<commit> <status> <key|-> <signer|->".  Only this run's
 * commits are written back, so it never outgrows main.
 */
static void cache_header(struct ks_buf *b, const git_oid *blob)
{
	char hex[GIT_OID_HEXSZ + 1];

	git_oid_tostr(hex, sizeof(hex), blob);
	ks_buf_puts(b, CACHE_MAGIC);
	ks_buf_addf(b, "signers %s\n", hex);
}

/* Reads "<status> <key|-> <signer|->" after a commit id in the cache. */
static int cache_entry(const char *p, size_t n, struct sigresult *res)
{
	const char *end = p + n, *sp;
	size_t i;

	for (i = 0; i < KS_SIG_NSTATUS; i++) {
		size_t len = strlen(sig_names[i]);

		if ((size_t)(end - p) > len && !strncmp(p, sig_names[i], len) &&
		    p[len] == ' ')
			break;
	}
	if (i == KS_SIG_NSTATUS)
		return 0;
	p += strlen(sig_names[i]) + 1;
	sp = memchr(p, ' ', (size_t)(end - p));
	if (!sp || sp == p || sp + 1 >= end)
		return 0;
	res->status = (enum ks_sig_status)i;
	if (sp - p != 1 || *p != '-')
		res->key = ks_strndup(p, (size_t)(sp - p));
	if (end - sp != 2 || sp[1] != '-')
		res->signer = ks_strndup(sp + 1, (size_t)(end - sp - 1));
	if ((sp - p != 1 || *p != '-') && !res->key)
		return -1;
	if ((end - sp != 2 || sp[1] != '-') && !res->signer)
		return -1;
	return 1;
}

/*
 * Indexes the cache's lines by commit id; a line that does not start with
 * one is skipped.  -1 when memory runs out.
 */
static int cache_index(struct sigcheck *sc)
{
	const char *p = sc->cache_old.ptr, *nl;
	git_oid id;

	for (; (nl = strchr(p, '\n')); p = nl + 1)
		if (nl - p > GIT_OID_HEXSZ && p[GIT_OID_HEXSZ] == ' ' &&
		    git_oid_fromstrn(&id, p, GIT_OID_HEXSZ) == 0 &&
		    ks_oidmap_put(&sc->cached, &id,
				  (size_t)(p - sc->cache_old.ptr)) < 0)
			return -1;
	return 0;
}

/* 1 with *res filled when the cache knows the commit, 0 if not, -1. */
static int cache_lookup(struct sigcheck *sc, const git_oid *id,
			struct sigresult *res)
{
	const char *p, *nl;
	size_t at;

	if (!ks_oidmap_get(&sc->cached, id, &at))
		return 0;
	p = sc->cache_old.ptr + at + GIT_OID_HEXSZ + 1;
	nl = strchr(p, '\n');
	return cache_entry(p, (size_t)(nl - p), res);
}

static void cache_add(struct sigcheck *sc, const git_oid *id,
		      const struct sigresult *res)
{
	char hex[GIT_OID_HEXSZ + 1];

	git_oid_tostr(hex, sizeof(hex), id);
	ks_buf_addf(&sc->cache_new, "%s %s %s %s\n", hex,
		    sig_names[res->status], res->key ? res->key : "-",
		    res->signer ? res->signer : "-");
}

/* A file of ours under .git ("khaosat/..."), as an absolute path (ks_free). */
static char *git_file(git_repository *repo, const char *name)
{
	struct ks_buf b = KS_BUF_INIT;

	if (ks_buf_addf(&b, "%s%s", git_repository_path(repo), name) < 0)
		return NULL;
	return ks_buf_detach(&b, NULL);
}

/* The commit's time for ssh-keygen's verify-time, in UTC. */
static void verify_time(char *buf, size_t n, const git_time *t)
{
	time_t when = (time_t)t->time;
	struct tm tm;

	gmtime_r(&when, &tm);
	snprintf(buf, n, "verify-time=%04d%02d%02d%02d%02d%02dZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec);
}

/* Principals of the allowed_signers lines holding `key`, comma-joined. */
static char *listed_for(const struct signers *s, const char *key)
{
	struct ks_buf b = KS_BUF_INIT;
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].key, key))
			ks_buf_addf(&b, "%s%s", b.len ? "," : "",
				    s->v[i].principals);
	return b.len ? ks_buf_detach(&b, NULL) : NULL;
}

/* The "keytype base64" line print-pubkey adds to the output, or NULL. */
static char *public_key(const char *out)
{
	const char *p = out;

	while (*p) {
		size_t n = strcspn(p, "\n"), t = strcspn(p, " \n");

		if (is_key_type(p, t) && p[t] == ' ')
			return ks_strndup(p, t + 1 + strcspn(p + t + 1, " \n"));
		p += n + (p[n] == '\n');
	}
	return NULL;
}

/* ssh-keygen's output lines, comma-joined. */
static char *joined_lines(const char *out)
{
	struct ks_buf b = KS_BUF_INIT;
	const char *p = out;

	while (*p) {
		size_t n = strcspn(p, "\n");

		if (n)
			ks_buf_addf(&b, "%s%.*s", b.len ? "," : "", (int)n, p);
		p += n + (p[n] == '\n');
	}
	return b.len ? ks_buf_detach(&b, NULL) : NULL;
}

/*
 * One signed commit, through ssh-keygen.  A good signature costs one run;
 * anything else up to three, to say why: the signature against its own key
 * (check-novalidate), the key against allowed_signers, and whom
 * allowed_signers gives the key to at the commit's time (find-principals).
 */
static int check_signature(struct sigcheck *sc, git_commit *c,
			   const git_buf *sig, const git_buf *data,
			   struct sigresult *res, struct ks_diags *d)
{
	struct keygen *k = &sc->kg;
	const char *email = git_commit_author(c)->email;
	char when[64];
	const char *verify[] = { "-Y", "verify", "-n", "git", "-f",
				 sc->signers.file, "-I", email, "-s", k->sig,
				 "-O", when, NULL };
	const char *novalidate[] = { "-Y", "check-novalidate", "-n", "git",
				     "-s", k->sig, "-O", "print-pubkey", NULL };
	const char *find[] = { "-Y", "find-principals", "-f",
			       sc->signers.file, "-s", k->sig, "-O", when, NULL };
	char *pub;
	int err, code;

	verify_time(when, sizeof(when), &git_commit_committer(c)->when);
	if ((err = ks_file_put(k->sig, sig->ptr, sig->size, 0, d)))
		return err;
	if ((err = keygen_run(k, verify, data, &code, d)))
		return err;
	if (code == 0) {
		res->status = KS_SIG_GOOD;
		res->key = fingerprint(k->output.ptr);
		res->signer = ks_strdup(email);
		return 0;
	}
	if ((err = keygen_run(k, novalidate, data, &code, d)))
		return err;
	if (code != 0) {
		res->status = KS_SIG_BAD;
		return 0;
	}
	res->key = fingerprint(k->output.ptr);
	pub = public_key(k->output.ptr);
	res->signer = pub ? listed_for(&sc->signers, pub) : NULL;
	ks_free(pub);
	if (!res->signer) {
		res->status = KS_SIG_UNKNOWN_KEY;
		return 0;
	}
	if ((err = keygen_run(k, find, data, &code, d)))
		return err;
	if (code == 0 && k->output.len) {
		char *who = joined_lines(k->output.ptr);

		if (who) {
			ks_free(res->signer);
			res->signer = who;
		}
		res->status = KS_SIG_OTHER_SIGNER;
		/* Allowed for the author too: then its options refused it. */
		if (who && !strcmp(who, email))
			res->status = KS_SIG_KEY_NOT_VALID;
		return 0;
	}
	res->status = KS_SIG_KEY_NOT_VALID;
	return 0;
}

static int is_problem(const struct sigcheck *sc, enum ks_sig_status s)
{
	switch (s) {
	case KS_SIG_GOOD:
		return 0;
	case KS_SIG_BAD:
	case KS_SIG_OTHER_SIGNER:
	case KS_SIG_KEY_NOT_VALID:
		return 1;
	default:
		return !!(sc->opts->flags & KS_VERIFY_REQUIRE_SIGNATURES);
	}
}

static int add_finding(struct sigcheck *sc, git_commit *c,
		       struct sigresult *res)
{
	struct ks_verify_report *rep = sc->rep;
	struct ks_verify_commit *f;
	const git_signature *a = git_commit_author(c);
	const char *summary = git_commit_summary(c);

	if (ks_grow(&rep->findings, rep->nfindings, &rep->afindings,
		    sizeof(*rep->findings), 8) < 0)
		return -1;
	f = &rep->findings[rep->nfindings];
	memset(f, 0, sizeof(*f));
	git_oid_cpy(&f->id, git_commit_id(c));
	f->status = res->status;
	f->severity = is_problem(sc, res->status) ? KS_SEV_ERROR : KS_SEV_WARNING;
	f->summary = ks_strdup(summary ? summary : "");
	f->author = ks_strdup(a->name);
	f->email = ks_strdup(a->email);
	f->device = ks_commit_device(git_commit_message(c));
	f->when = git_commit_committer(c)->when;
	f->key = res->key;
	f->signer = res->signer;
	res->key = res->signer = NULL;
	rep->nfindings++;
	if (!f->summary || !f->author || !f->email)
		return -1;
	if (f->severity == KS_SEV_ERROR)
		rep->problems++;
	return 0;
}

/* The allowed_signers committed at main's tip, parsed and copied to disk. */
static int load_signers(struct sigcheck *sc, git_commit *tip,
			struct ks_diags *d)
{
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;
	git_blob *blob = NULL;
	int err = 0;

	if (git_commit_tree(&tree, tip) < 0 ||
	    git_tree_entry_bypath(&e, tree, KS_SIGNERS_FILE) < 0 ||
	    git_tree_entry_type(e) != GIT_OBJECT_BLOB ||
	    git_blob_lookup(&blob, git_commit_owner(tip), git_tree_entry_id(e)) < 0)
		goto out;
	sc->rep->has_signers = 1;
	git_oid_cpy(&sc->rep->signers_blob, git_blob_id(blob));
	git_oid_cpy(&sc->signers.blob, git_blob_id(blob));
	err = parse_signers(&sc->signers, git_blob_rawcontent(blob),
			    (size_t)git_blob_rawsize(blob), &sc->rep->notes);
	if (err)
		goto out;
	/* Closed by the caller, even half open. */
	sc->kg_open = 1;
	if ((err = keygen_open(&sc->kg, git_commit_owner(tip),
			       sc->opts->ssh_keygen, d)))
		goto out;
	sc->signers.file = in_dir(sc->kg.dir, "allowed_signers");
	if (!sc->signers.file) {
		err = -1;
		goto out;
	}
	err = ks_file_put(sc->signers.file, git_blob_rawcontent(blob),
				 (size_t)git_blob_rawsize(blob), 0, d);
out:
	git_blob_free(blob);
	git_tree_entry_free(e);
	git_tree_free(tree);
	return err;
}

static int is_ssh_signature(const git_buf *sig)
{
	static const char head[] = "-----BEGIN SSH SIGNATURE-----";

	return sig->size >= sizeof(head) - 1 &&
	       !memcmp(sig->ptr, head, sizeof(head) - 1);
}

static int sign_one(struct sigcheck *sc, git_commit *c, struct ks_diags *d)
{
	git_repository *repo = git_commit_owner(c);
	git_buf sig = { 0 }, data = { 0 };
	struct sigresult res = { 0 };
	git_oid id;
	int err, hit = 0;

	git_oid_cpy(&id, git_commit_id(c));
	err = git_commit_extract_signature(&sig, &data, repo, &id, NULL);
	if (err == GIT_ENOTFOUND) {
		res.status = KS_SIG_UNSIGNED;
	} else if (err < 0) {
		err = ks_error(d, KS_EIO, NULL, 0, 0,
			       "cannot read the signature of commit %s: %s",
			       git_oid_tostr_s(&id), ks_git_error());
		goto out;
	} else if (!is_ssh_signature(&sig)) {
		res.status = KS_SIG_UNSUPPORTED;
	} else if (!sc->rep->has_signers) {
		res.status = KS_SIG_UNCHECKED;
	} else {
		if (!(sc->opts->flags & KS_VERIFY_NO_CACHE))
			hit = cache_lookup(sc, &id, &res);
		if (hit < 0 ||
		    (!hit && (err = check_signature(sc, c, &sig, &data, &res, d))))
			goto out;
		cache_add(sc, &id, &res);
	}
	err = 0;
	sc->rep->sig_count[res.status]++;
	/* Without allowed_signers nothing can be checked: said once, not per commit. */
	if (res.status != KS_SIG_GOOD &&
	    (sc->rep->has_signers || is_problem(sc, res.status) ||
	     res.status == KS_SIG_UNSUPPORTED))
		err = add_finding(sc, c, &res);
out:
	if (hit < 0)
		err = -1;
	sigresult_release(&res);
	git_buf_dispose(&sig);
	git_buf_dispose(&data);
	return err;
}

static int finding_cmp(const void *a, const void *b)
{
	const struct ks_verify_commit *x = a, *y = b;

	if (x->when.time != y->when.time)
		return x->when.time < y->when.time ? 1 : -1;
	return git_oid_cmp(&x->id, &y->id);
}

static int verify_signatures(struct ks_verify_report *rep, struct ks_repo *r,
			     const struct ks_verify_opts *opts,
			     const git_oid *commits, size_t n,
			     git_commit *tip, struct ks_diags *d)
{
	git_repository *repo = ks_repo_git(r);
	struct sigcheck sc = { 0 };
	char *path = NULL;
	size_t i;
	int err;

	sc.r = r;
	sc.rep = rep;
	sc.opts = opts;
	ks_buf_init(&sc.cache_old);
	ks_buf_init(&sc.cache_new);
	if ((err = load_signers(&sc, tip, d)))
		goto out;
	path = git_file(repo, KS_VERIFY_CACHE_FILE);
	if (!path) {
		err = -1;
		goto out;
	}
	if (rep->has_signers) {
		struct ks_buf head = KS_BUF_INIT;

		cache_header(&head, &sc.signers.blob);
		/* Results hold only for the allowed_signers they were made with. */
		if (ks_buf_read_file(&sc.cache_old, path, 0) < 0 ||
		    sc.cache_old.len < head.len ||
		    memcmp(sc.cache_old.ptr, head.ptr, head.len))
			ks_buf_reset(&sc.cache_old);
		ks_buf_add(&sc.cache_new, head.ptr, head.len);
		ks_buf_release(&head);
		if (cache_index(&sc) < 0) {
			err = -1;
			goto out;
		}
	}
	for (i = 0; i < n && !err; i++) {
		git_commit *c = NULL;

		if (git_commit_lookup(&c, repo, &commits[i]) < 0)
			continue;	/* already reported as damaged */
		err = sign_one(&sc, c, d);
		git_commit_free(c);
	}
	if (err)
		goto out;
	if (rep->nfindings > 1)
		qsort(rep->findings, rep->nfindings, sizeof(*rep->findings),
		      finding_cmp);
	/* Only a cache: failing to save it costs time, not correctness. */
	if (rep->has_signers && (sc.cache_new.len != sc.cache_old.len ||
				 memcmp(sc.cache_new.ptr, sc.cache_old.ptr,
					sc.cache_new.len))) {
		struct ks_diags ignore = KS_DIAGS_INIT;

		ks_file_put_text(path, &sc.cache_new, 0, &ignore);
		ks_diags_release(&ignore);
	}
out:
	ks_free(path);
	if (sc.kg_open)
		keygen_close(&sc.kg);
	signers_release(&sc.signers);
	ks_buf_release(&sc.cache_old);
	ks_buf_release(&sc.cache_new);
	ks_oidmap_release(&sc.cached);
	return err;
}

/* ---- commits judged by the members file ---- */

/*
 * Every commit on main that has a parent holding a members file is judged
 * (see auth.h): from the commit that brought the first members file on,
 * the survey is in signed mode.  As an import does, the members file of
 * each commit authentic by its parents' approves the laptops it lists,
 * for their commits made before it reached them: those that waited are
 * judged again at the end.
 */
static void auth_problem(struct ks_verify_report *rep, git_repository *repo,
			 const git_oid *id, const struct ks_auth *a)
{
	git_commit *c = NULL;
	char hex[11];

	rep->auth_bad++;
	git_oid_tostr(hex, sizeof(hex), id);
	if (git_commit_lookup(&c, repo, id) < 0)
		git_error_clear();
	if (*a->device)
		ks_diags_add(&rep->notes, KS_SEV_ERROR, NULL, 0, 0, NULL, "auth",
			     "commit %s \"%s\" signed by %s: %s%s%s: %s", hex,
			     c ? git_commit_summary(c) : "?", a->device,
			     _(ks_auth_status_name(a->status)),
			     *a->path ? " " : "", a->path, a->why);
	else
		ks_diags_add(&rep->notes, KS_SEV_ERROR, NULL, 0, 0, NULL, "auth",
			     "commit %s \"%s\": %s%s%s: %s", hex,
			     c ? git_commit_summary(c) : "?",
			     _(ks_auth_status_name(a->status)),
			     *a->path ? " " : "", a->path, a->why);
	git_commit_free(c);
}

static int verify_members(struct ks_verify_report *rep, struct ks_repo *r,
			  const git_oid *main, size_t nmain, struct ks_diags *d)
{
	git_repository *repo = ks_repo_git(r);
	struct ks_auth_judge *j = NULL;
	git_oid *waits = NULL;
	size_t i, nwaits = 0, await = 0;
	int err = 0;

	if (ks_auth_judge_new(&j, r) < 0)
		return -1;
	/* main[] is newest first: judge oldest first, as history grew. */
	for (i = nmain; i-- > 0 && !err;) {
		struct ks_auth a;

		if ((err = ks_auth_judge(&a, j, &main[i], d)) || a.status == KS_AUTH_OPEN)
			continue;
		rep->auth_commits++;
		if (a.status == KS_AUTH_OK) {
			if (!a.by_approval && ks_auth_judge_approval(j, &main[i]) < 0)
				err = -1;
		} else if (a.status == KS_AUTH_WAITING) {
			if (ks_grow(&waits, nwaits, &await, sizeof(*waits), 8) < 0)
				err = -1;
			else
				git_oid_cpy(&waits[nwaits++], &main[i]);
		} else {
			auth_problem(rep, repo, &main[i], &a);
		}
	}
	for (i = 0; i < nwaits && !err; i++) {
		struct ks_auth a;

		if ((err = ks_auth_judge(&a, j, &waits[i], d)) || a.status == KS_AUTH_OK)
			continue;
		/* Only this laptop's own can be on main and still wait. */
		if (a.status == KS_AUTH_WAITING)
			rep->auth_waiting++;
		else
			auth_problem(rep, repo, &waits[i], &a);
	}
	ks_free(waits);
	ks_auth_judge_free(j);
	if (rep->auth_waiting)
		ks_diags_add(&rep->notes, KS_SEV_NOTE, NULL, 0, 0, NULL, "auth",
			     Q_("%zu commit of this laptop waits for the centre to approve it: the other laptops keep them aside until then",
				"%zu commits of this laptop wait for the centre to approve it: the other laptops keep them aside until then",
				rep->auth_waiting), rep->auth_waiting);
	rep->problems += rep->auth_bad;
	return err == -1 ? -1 : 0;
}

/*
 * The introduction of a signed survey: the commit that started signed
 * mode, signed by a centre its own members file lists; and, when this
 * laptop remembers the one it was set up with, that same commit and key.
 */
static int verify_introduction(struct ks_verify_report *rep, git_repository *repo)
{
	struct ks_intro in;
	git_oid kept;
	char fp[KS_SSHSIG_FINGERPRINT_SIZE], a[11], b[11];
	int err = ks_enrol_introduction(&in, repo, &rep->tip, &rep->notes);

	if (err == KS_EINVALID) {
		rep->problems++;
		return 0;
	}
	if (err)
		return err;
	if (in.is_signed) {
		rep->has_intro = 1;
		git_oid_cpy(&rep->intro, &in.root);
		snprintf(rep->intro_device, sizeof(rep->intro_device), "%s", in.device);
		snprintf(rep->intro_key, sizeof(rep->intro_key), "%s", in.fingerprint);
	}
	if (ks_enrol_remembered(&kept, fp, repo) == 0 &&
	    (!in.is_signed || !git_oid_equal(&kept, &in.root) || strcmp(fp, in.fingerprint))) {
		git_oid_tostr(a, sizeof(a), &kept);
		git_oid_tostr(b, sizeof(b), &in.root);
		rep->problems++;
		ks_diags_add(&rep->notes, KS_SEV_ERROR, NULL, 0, 0, NULL, "auth",
			     "this laptop was set up with the survey introduced by commit %s (key %s), but main's signed history starts %s%s%s%s: it was replaced",
			     a, fp, in.is_signed ? _("at commit ") : _("nowhere"),
			     in.is_signed ? b : "", in.is_signed ? _(", key ") : "",
			     in.is_signed ? in.fingerprint : "");
	}
	return 0;
}

/* ---- records and conflicts at HEAD ---- */

static int verify_records(struct ks_verify_report *rep, struct ks_repo *r,
			  git_commit *tip)
{
	struct ks_diags *rd = &rep->record_diags;
	struct ks_check_opts o = { NULL, 0, NULL, NULL };
	struct ks_check_totals t;
	git_tree *tree = NULL;
	int err;

	if (git_commit_tree(&tree, tip) < 0) {
		ks_error(rd, KS_EIO, NULL, 0, 0, "cannot read the last commit: %s",
			 ks_git_error());
		rep->problems += rd->errors;
		return 0;
	}
	o.head = tree;
	/*
	 * A survey too damaged to compare or read is reported with the
	 * records, as a problem: the other checks still have their say.
	 */
	err = ks_check_survey(&t, r, &o, rd);
	git_tree_free(tree);
	if (t.schemas_bad)
		ks_diags_add(&rep->notes, KS_SEV_NOTE, NULL, 0, 0, NULL, NULL,
			     "no record was checked: fix the schema first");
	rep->uncommitted = t.uncommitted;
	rep->records = t.records;
	rep->invalid_records = t.invalid;
	rep->problems += rd->errors;
	return err == -1 ? -1 : 0;
}

struct attach_walk {
	git_repository *repo;
	git_tree *root;
	struct ks_verify_report *rep;
	struct ks_buf path;
	int oom;
};

static int attach_one(const char *dir, const git_tree_entry *e, void *ctx)
{
	struct attach_walk *aw = ctx;
	struct ks_diags *rd = &aw->rep->record_diags;
	char why[KS_MEDIA_WHY_MAX], *rel = NULL;
	git_blob *b = NULL;
	const char *bad;
	int r = 1;

	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB)
		return 0;
	ks_buf_reset(&aw->path);
	if (ks_buf_addf(&aw->path, KS_ATTACH_DIR "/%s%s", dir,
			git_tree_entry_name(e)) < 0) {
		aw->oom = 1;
		return -1;
	}
	aw->rep->attachments++;
	if (git_blob_lookup(&b, aw->repo, git_tree_entry_id(e)) < 0) {
		ks_diags_add(rd, KS_SEV_ERROR, aw->path.ptr, 0, 0, NULL,
			     "x-attachment", "cannot read the file: %s",
			     ks_git_error());
		return 0;
	}
	if ((bad = ks_attach_file_problem(aw->path.ptr, git_blob_rawcontent(b),
					  (size_t)git_blob_rawsize(b), why,
					  sizeof(why))))
		ks_diags_add(rd, KS_SEV_ERROR, aw->path.ptr, 0, 0, NULL,
			     "x-attachment", "a bad attached file: %s", bad);
	else if ((r = ks_attach_record_in(aw->root, aw->path.ptr, &rel)) == 0)
		ks_diags_add(rd, KS_SEV_ERROR, aw->path.ptr, 0, 0, NULL,
			     "x-attachment",
			     "an attached file of no record (%s is not there)", rel);
	git_blob_free(b);
	ks_free(rel);
	if (r < 0) {
		aw->oom = 1;	/* a place the file check took cannot fail */
		return -1;
	}
	return 0;
}

/*
 * Every attached file at main's tip is whole, named by the hash of its
 * content, of the type its name says, and beside a record.
 */
static int verify_attachments(struct ks_verify_report *rep,
			      git_repository *repo, git_commit *tip)
{
	struct attach_walk aw = { repo, NULL, rep, KS_BUF_INIT, 0 };
	git_tree_entry *e = NULL;
	git_tree *t = NULL;
	size_t before = rep->record_diags.errors;

	if (git_commit_tree(&aw.root, tip) < 0)
		return 0;	/* verify_records said so */
	if (git_tree_entry_bypath(&e, aw.root, KS_ATTACH_DIR) == 0 &&
	    git_tree_entry_type(e) == GIT_OBJECT_TREE &&
	    git_tree_lookup(&t, repo, git_tree_entry_id(e)) == 0)
		git_tree_walk(t, GIT_TREEWALK_PRE, attach_one, &aw);
	git_error_clear();
	rep->problems += rep->record_diags.errors - before;
	git_tree_entry_free(e);
	git_tree_free(t);
	git_tree_free(aw.root);
	ks_buf_release(&aw.path);
	return aw.oom ? -1 : 0;
}

/* The conflicts committed at main's tip: deleting conflicts/ hides none. */
static int verify_conflicts(struct ks_verify_report *rep, struct ks_repo *r,
			    git_commit *tip)
{
	struct ks_conflict_set cs = { 0 };
	git_tree *tree = NULL;
	int err;

	if (git_commit_tree(&tree, tip) < 0)
		err = ks_error(&rep->conflict_diags, KS_EIO, NULL, 0, 0,
			       "cannot read the last commit: %s", ks_git_error());
	else
		err = ks_conflicts_load_tree(&cs, r, tree, &rep->conflict_diags);
	git_tree_free(tree);
	if (err != -1 && ks_conflicts_report(r, &cs, &rep->conflict_diags) < 0)
		err = -1;
	rep->conflicts = cs.n;
	rep->problems += rep->conflict_diags.errors;
	ks_conflict_set_release(&cs);
	return err == -1 ? -1 : 0;
}

/* ---- what plain git shows ---- */

/*
 * Git can be told to show another history than the one stored: a replace
 * ref makes `git log` show one commit's content (author, message, tree) in
 * another's place, a grafts file gives commits other parents, a shallow
 * file cuts history short.  khaosat reads the stored objects, so an
 * auditor reading with plain git would trust a forgery verify never saw:
 * each is a problem, named with how to remove it.
 */
static int verify_git_view(struct ks_verify_report *rep, git_repository *repo)
{
	static const struct {
		const char *file, *what;
	} files[] = {
		{ "info/grafts", N_("plain git gives commits other parents than they have (a grafts file); remove .git/info/grafts") },
		{ "shallow", N_("plain git takes history to stop early (a shallow clone); khaosat surveys keep all of it: clone the survey again") },
	};
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL;
	size_t i, before = rep->notes.errors;

	if (git_reference_iterator_glob_new(&it, repo, "refs/replace/*") < 0)
		return ks_error(&rep->notes, KS_EIO, NULL, 0, 0, "cannot list the refs: %s",
				ks_git_error()), rep->problems++, 0;
	while (git_reference_next(&ref, it) == 0) {
		const char *name = git_reference_name(ref);
		const char *hex = name + strlen("refs/replace/");
		char with[GIT_OID_HEXSZ + 1] = "?";

		if (git_reference_type(ref) == GIT_REFERENCE_DIRECT)
			git_oid_tostr(with, sizeof(with), git_reference_target(ref));
		ks_diags_add(&rep->notes, KS_SEV_ERROR, name, 0, 0, NULL, "replace",
			     "plain git shows object %.10s with the content of %.10s (a replace ref: 'git log' then shows another author, message or record); khaosat reads the stored object; remove it with 'git replace -d %.10s'",
			     hex, with, hex);
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	git_error_clear();
	for (i = 0; i < sizeof(files) / sizeof(*files); i++) {
		struct ks_buf p = KS_BUF_INIT;

		if (ks_buf_addf(&p, "%s%s", git_repository_path(repo), files[i].file) < 0)
			return -1;
		if (access(p.ptr, F_OK) == 0)
			ks_diags_add(&rep->notes, KS_SEV_ERROR, files[i].file, 0, 0,
				     NULL, "git-view", "%s", _(files[i].what));
		ks_buf_release(&p);
	}
	rep->problems += rep->notes.errors - before;
	return 0;
}

/* ---- history only grows ---- */

/* 1 when the state file names a tip, 0 when there is none, or an error. */
static int read_state(struct ks_verify_report *rep, const char *path)
{
	struct ks_buf b = KS_BUF_INIT;
	char hex[GIT_OID_HEXSZ + 1];
	unsigned long long n;
	long long when;
	int r = 0;

	if (ks_buf_read_file(&b, path, 1 << 16) < 0) {
		if (errno != ENOENT)
			ks_diags_add(&rep->notes, KS_SEV_WARNING, path, 0, 0, NULL,
				     NULL, "cannot read the last verify's state: %s",
				     strerror(errno));
		goto out;
	}
	if (strncmp(b.ptr, STATE_MAGIC, strlen(STATE_MAGIC)) ||
	    sscanf(b.ptr + strlen(STATE_MAGIC), "tip %40s\ncommits %llu\ntime %lld",
		   hex, &n, &when) != 3 ||
	    git_oid_fromstr(&rep->old_tip, hex) < 0) {
		ks_diags_add(&rep->notes, KS_SEV_WARNING, path, 0, 0, NULL, NULL,
			     "the last verify's state is damaged: nothing to compare with");
		goto out;
	}
	rep->old_commits = (size_t)n;
	rep->old_time = when;
	r = 1;
out:
	ks_buf_release(&b);
	return r;
}

static void save_state(struct ks_verify_report *rep, const char *path)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_buf b = KS_BUF_INIT;
	char hex[GIT_OID_HEXSZ + 1];

	git_oid_tostr(hex, sizeof(hex), &rep->tip);
	ks_buf_puts(&b, STATE_MAGIC);
	ks_buf_addf(&b, "tip %s\ncommits %zu\ntime %lld\n", hex, rep->commits,
		    (long long)time(NULL));
	if (ks_file_put_text(path, &b, KS_FILE_DURABLE, &d) == 0)
		rep->saved = 1;
	else if (d.n)
		ks_diags_add(&rep->notes, KS_SEV_WARNING, d.v[0].path, 0, 0, NULL,
			     NULL, "cannot save the verify state: %s",
			     d.v[0].message);
	ks_buf_release(&b);
	ks_diags_release(&d);
}

/* Whether main still holds the tip the last verify saw. */
static enum ks_history compare_tips(struct ks_verify_report *rep,
				    git_repository *repo, git_odb *odb)
{
	int r;

	if (git_oid_equal(&rep->old_tip, &rep->tip))
		return KS_HISTORY_UNCHANGED;
	/* A commit gone from the store was dropped with its history. */
	if (!git_odb_exists(odb, &rep->old_tip))
		return KS_HISTORY_REWRITTEN;
	r = git_graph_descendant_of(repo, &rep->tip, &rep->old_tip);
	if (r < 0)
		return KS_HISTORY_UNKNOWN;
	return r ? KS_HISTORY_GREW : KS_HISTORY_REWRITTEN;
}

static int verify_history(struct ks_verify_report *rep, git_repository *repo,
			  git_odb *odb, const struct ks_verify_opts *opts,
			  int whole)
{
	char *path = git_file(repo, KS_VERIFY_STATE_FILE);

	if (!path)
		return -1;
	if (!read_state(rep, path))
		rep->history = KS_HISTORY_FIRST;
	else
		rep->history = compare_tips(rep, repo, odb);
	/* A count that missed commits is no baseline. */
	if (!whole && rep->history != KS_HISTORY_REWRITTEN)
		rep->history = KS_HISTORY_UNKNOWN;
	if (rep->history == KS_HISTORY_REWRITTEN) {
		if (opts->flags & KS_VERIFY_ACCEPT_REWRITE)
			rep->accepted = 1;
		else
			rep->problems++;
	}
	if (whole && rep->history != KS_HISTORY_UNKNOWN &&
	    (rep->history != KS_HISTORY_REWRITTEN || rep->accepted))
		save_state(rep, path);
	ks_free(path);
	return 0;
}

/* ---- all of it ---- */

int ks_verify(struct ks_verify_report *rep, struct ks_repo *r,
	      const struct ks_verify_opts *opts, struct ks_diags *d)
{
	static const struct ks_verify_opts defaults = KS_VERIFY_OPTS_INIT;
	git_repository *repo = ks_repo_git(r);
	struct walk w = { 0 };
	git_commit *tip = NULL;
	int err;

	memset(rep, 0, sizeof(*rep));
	ks_diags_init(&rep->record_diags);
	ks_diags_init(&rep->conflict_diags);
	ks_diags_init(&rep->notes);
	if (!opts)
		opts = &defaults;
	w.repo = repo;
	w.rep = rep;
	ks_buf_init(&w.path);
	if (git_reference_name_to_id(&rep->tip, repo, KS_MAIN_REF) < 0) {
		err = ks_error(d, KS_ENOTFOUND, NULL, 0, 0,
			       "no branch main: nothing to verify");
		goto out;
	}
	/* The default, but the object check stands on it: say so. */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 1);
	if (git_repository_odb(&w.odb, repo) < 0) {
		err = ks_error(d, KS_EIO, NULL, 0, 0,
			       "cannot open the object store: %s", ks_git_error());
		goto out;
	}
	/* main first, so that each of its commits is found on it. */
	w.on_main = w.main_whole = 1;
	walk_from(&w, &rep->tip, KS_MAIN_REF);
	w.on_main = 0;
	if (!w.oom && (err = walk_other_refs(&w, d)))
		goto out;
	if (w.oom) {
		err = -1;
		goto out;
	}
	rep->problems += rep->nbad;
	if (git_commit_lookup(&tip, repo, &rep->tip) == 0) {
		if ((err = verify_signatures(rep, r, opts, w.main, w.nmain, tip, d)))
			goto out;
		if ((err = verify_members(rep, r, w.main, w.nmain, d)) ||
		    (err = verify_introduction(rep, repo)))
			goto out;
		if ((err = verify_records(rep, r, tip)) ||
		    (err = verify_attachments(rep, repo, tip)))
			goto out;
	}
	rep->commits = w.nmain;
	if (tip && (err = verify_conflicts(rep, r, tip)))
		goto out;
	if ((err = verify_git_view(rep, repo)))
		goto out;
	err = verify_history(rep, repo, w.odb, opts, w.main_whole);
out:
	git_commit_free(tip);
	git_odb_free(w.odb);
	ks_oidmap_release(&w.seen);
	ks_free(w.stack);
	ks_free(w.main);
	ks_buf_release(&w.path);
	return err;
}

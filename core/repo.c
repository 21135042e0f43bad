/*
 * Survey repositories: init and open, khaosat.yaml, device identity, record
 * ids and paths, atomic file writes.  See repo.h.
 */
#include "repo.h"
#include "alloc.h"
#include "buf.h"
#include "crash.h"
#include "diag.h"
#include "file.h"
#include "record.h"
#include "schema.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct ks_repo {
	git_repository *git;
	char *workdir;
	char *name;
	char *survey_id;
	char *language;		/* khaosat.yaml's, or NULL */
	struct ks_identity who;
	struct ks_kind *kinds;
	size_t nkinds;
	unsigned schema_flags;
	int writer;		/* the survey lock held exclusively */
};

void ks_repo_set_writer(struct ks_repo *r, int writer)
{
	r->writer = writer;
}

int ks_repo_writer(const struct ks_repo *r)
{
	return r->writer;
}

git_repository *ks_repo_swap_git(struct ks_repo *r, git_repository *git)
{
	git_repository *old = r->git;

	r->git = git;
	return old;
}

void ks_repo_set_schema_flags(struct ks_repo *r, unsigned flags)
{
	r->schema_flags = flags;
}

const char *ks_git_error(void)
{
	const git_error *e = git_error_last();

	return e && e->message ? e->message : "unknown git error";
}

int ks_tree_blob(git_oid *out, git_tree *tree, const char *path)
{
	git_tree_entry *e = NULL;
	int found = git_tree_entry_bypath(&e, tree, path) == 0 &&
		    git_tree_entry_type(e) == GIT_OBJECT_BLOB;

	if (found)
		git_oid_cpy(out, git_tree_entry_id(e));
	else
		memset(out, 0, sizeof(*out));
	git_tree_entry_free(e);
	git_error_clear();
	return found;
}

/* ---- ids and paths ---- */

int ks_kind_valid(const char *s)
{
	if (!*s || !(*s >= 'a' && *s <= 'z'))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '_'))
			return 0;
	return 1;
}

int ks_device_valid(const char *device)
{
	size_t i, n = strlen(device);

	if (n < 2 || n > KS_DEVICE_MAX || device[0] < 'a' || device[0] > 'z')
		return 0;
	for (i = 1; i < n; i++)
		if (!((device[i] >= 'a' && device[i] <= 'z') ||
		      (device[i] >= '0' && device[i] <= '9')))
			return 0;
	return 1;
}

int ks_id_parse(const char *id, char *device, unsigned long *counter)
{
	const char *dash = strchr(id, '-');
	size_t n, i;
	unsigned long v;
	char dev[KS_DEVICE_MAX + 1];

	if (!dash || (size_t)(dash - id) > KS_DEVICE_MAX)
		return -1;
	memcpy(dev, id, (size_t)(dash - id));
	dev[dash - id] = '\0';
	if (!ks_device_valid(dev))
		return -1;
	n = strlen(dash + 1);
	/* One spelling per counter: four digits, more only without a 0. */
	if (n < 4 || n > 9 || (n > 4 && dash[1] == '0'))
		return -1;
	for (i = 0, v = 0; i < n; i++) {
		if (dash[1 + i] < '0' || dash[1 + i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(dash[1 + i] - '0');
	}
	if (device)
		memcpy(device, dev, strlen(dev) + 1);
	if (counter)
		*counter = v;	/* nine digits at most: it fits */
	return 0;
}

/* The folder of records numbered n * 100 to n * 100 + 99: "%03lu". */
static void folder_name(char *out, unsigned long n)
{
	char tmp[24];
	size_t len = 0, i = 0;

	do
		tmp[len++] = (char)('0' + n % 10);
	while ((n /= 10));
	while (len < 3)
		tmp[len++] = '0';
	while (len)
		out[i++] = tmp[--len];
	out[i] = '\0';
}

char *ks_record_relpath(const char *kind, const char *id)
{
	struct ks_buf b = KS_BUF_INIT;
	char dev[KS_DEVICE_MAX + 1], folder[24];
	unsigned long counter;

	if (!ks_kind_valid(kind) || ks_id_parse(id, dev, &counter) < 0)
		return NULL;
	/* a check makes 100,000 of these: no printf */
	folder_name(folder, counter / 100);
	ks_buf_puts(&b, KS_RECORDS_DIR "/");
	ks_buf_puts(&b, kind);
	ks_buf_putc(&b, '/');
	ks_buf_puts(&b, dev);
	ks_buf_putc(&b, '/');
	ks_buf_puts(&b, folder);
	ks_buf_putc(&b, '/');
	ks_buf_puts(&b, id);
	ks_buf_puts(&b, ".yaml");
	if (ks_buf_failed(&b)) {
		ks_buf_release(&b);
		return NULL;
	}
	return ks_buf_detach(&b, NULL);
}

/* 1 when `s` starts with the `n` bytes `part`; then *s is moved past them. */
static int take(const char **s, const char *part, size_t n)
{
	if (strncmp(*s, part, n))
		return 0;
	*s += n;
	return 1;
}

int ks_record_path_split(const char *relpath, char *kind, size_t ksize,
			 char *id, size_t isize)
{
	const char *p = relpath, *slash, *base, *rest;
	size_t n = strlen(KS_RECORDS_DIR), klen, ilen, blen;
	char dev[KS_DEVICE_MAX + 1], folder[24];
	unsigned long counter;

	if (strncmp(p, KS_RECORDS_DIR, n) || p[n] != '/')
		return -1;
	p += n + 1;
	slash = strchr(p, '/');
	base = strrchr(relpath, '/') + 1;
	blen = strlen(base);
	if (!slash || blen < 6 || strcmp(base + blen - 5, ".yaml"))
		return -1;
	klen = (size_t)(slash - p);
	ilen = blen - 5;
	if (klen >= ksize || ilen >= isize)
		return -1;
	memcpy(kind, p, klen);
	kind[klen] = '\0';
	memcpy(id, base, ilen);
	id[ilen] = '\0';
	/* the one path ks_record_relpath() gives, compared without making it */
	if (!ks_kind_valid(kind) || ks_id_parse(id, dev, &counter) < 0)
		return -1;
	folder_name(folder, counter / 100);
	rest = slash + 1;
	if (!take(&rest, dev, strlen(dev)) || !take(&rest, "/", 1) ||
	    !take(&rest, folder, strlen(folder)) || !take(&rest, "/", 1) ||
	    !take(&rest, id, ilen) || strcmp(rest, ".yaml"))
		return -1;
	return 0;
}

int ks_record_path_parse(const char *relpath, char **kind, char **id)
{
	size_t size = strlen(relpath) + 1;
	char *k = ks_malloc(size), *i = ks_malloc(size);

	*kind = *id = NULL;
	if (!k || !i || ks_record_path_split(relpath, k, size, i, size) < 0) {
		ks_free(k);
		ks_free(i);
		return -1;
	}
	*kind = k;
	*id = i;
	return 0;
}

/* ---- files ---- */

/* ---- the repository ---- */

static void kinds_free(struct ks_kind *k, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		ks_free(k[i].name);
		ks_free(k[i].schema_path);
		ks_free(k[i].title);
		ks_schema_free(k[i].schema);
	}
	ks_free(k);
}

void ks_repo_free(struct ks_repo *r)
{
	if (!r)
		return;
	git_repository_free(r->git);
	ks_free(r->workdir);
	ks_free(r->name);
	ks_free(r->survey_id);
	ks_free(r->language);
	ks_free(r->who.device);
	ks_free(r->who.surveyor);
	ks_free(r->who.email);
	kinds_free(r->kinds, r->nkinds);
	ks_free(r);
}

git_repository *ks_repo_git(const struct ks_repo *r)
{
	return r->git;
}

const char *ks_repo_workdir(const struct ks_repo *r)
{
	return r->workdir;
}

const char *ks_repo_name(const struct ks_repo *r)
{
	return r->name;
}

const char *ks_repo_survey_id(const struct ks_repo *r)
{
	return r->survey_id;
}

const char *ks_repo_language(const struct ks_repo *r)
{
	return r->language;
}

static int lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static int upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

int ks_language_valid(const char *c)
{
	size_t n = c ? strlen(c) : 0;

	/* "vi", "haw", "vi_VN": what gettext's LANGUAGE takes. */
	if (n < 2 || !lower(c[0]) || !lower(c[1]))
		return 0;
	if (n == 2 || (n == 3 && lower(c[2])))
		return 1;
	return n == 5 && c[2] == '_' && upper(c[3]) && upper(c[4]);
}

const struct ks_identity *ks_repo_identity(const struct ks_repo *r)
{
	return &r->who;
}

size_t ks_repo_kind_count(const struct ks_repo *r)
{
	return r->nkinds;
}

struct ks_kind *ks_repo_kind(const struct ks_repo *r, size_t i)
{
	return &r->kinds[i];
}

struct ks_kind *ks_repo_find_kind(const struct ks_repo *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nkinds; i++)
		if (!strcmp(r->kinds[i].name, name))
			return &r->kinds[i];
	return NULL;
}

int ks_repo_kind_list(const struct ks_repo *r, struct ks_buf *out)
{
	size_t i;
	int e = 0;

	for (i = 0; i < r->nkinds; i++)
		e |= ks_buf_addf(out, "%s%s", i ? ", " : "", r->kinds[i].name);
	return e;
}

char *ks_repo_path(const struct ks_repo *r, const char *rel)
{
	struct ks_buf b = KS_BUF_INIT;

	if (ks_buf_addf(&b, "%s%s", r->workdir, rel) < 0) {
		ks_buf_release(&b);
		return NULL;
	}
	return ks_buf_detach(&b, NULL);
}

int ks_repo_schema(struct ks_schema **out, struct ks_repo *r,
		   struct ks_kind *kind, struct ks_diags *d)
{
	char *path;
	int err;

	*out = NULL;
	if (kind->schema) {
		*out = kind->schema;
		return 0;
	}
	if (kind->schema_failed)
		return KS_EINVALID;
	path = ks_repo_path(r, kind->schema_path);
	if (!path)
		return -1;
	if (access(path, F_OK) < 0) {
		ks_free(path);
		kind->schema_failed = 1;
		return ks_error(d, KS_EINVALID, KS_SURVEY_FILE, kind->line,
				kind->col,
				"the schema of kind \"%s\", \"%s\", is missing",
				kind->name, kind->schema_path);
	}
	err = ks_schema_load(&kind->schema, path, kind->schema_path,
			     r->schema_flags, d);
	ks_free(path);
	if (err == KS_ENOTFOUND)
		err = KS_EINVALID;
	if (err) {
		kind->schema_failed = 1;
		return err;
	}
	*out = kind->schema;
	return 0;
}

int ks_repo_kind_has(struct ks_repo *r, const char *kind, const char *field)
{
	struct ks_kind *k = ks_repo_find_kind(r, kind);
	struct ks_schema *s = NULL;
	struct ks_diags quiet = KS_DIAGS_INIT;
	int has = k && ks_repo_schema(&s, r, k, &quiet) == 0 &&
		  ks_snode_property(ks_schema_root(s), field) != NULL;

	ks_diags_release(&quiet);
	return has;
}

int ks_repo_schemas(struct ks_repo *r, struct ks_diags *d)
{
	struct ks_schema *s;
	size_t i;
	int bad = 0, err;

	for (i = 0; i < r->nkinds; i++) {
		if ((err = ks_repo_schema(&s, r, &r->kinds[i], d)) == -1)
			return -1;
		bad |= err != 0;
	}
	return bad;
}

static const char *scalar_text(const struct ks_node *n)
{
	return n && n->kind == KS_NODE_SCALAR ? n->u.scalar.str : NULL;
}

void ks_survey_release(struct ks_survey *sv)
{
	if (!sv)
		return;
	kinds_free(sv->kinds, sv->nkinds);
	ks_free(sv->name);
	ks_free(sv->id);
	ks_free(sv->language);
	memset(sv, 0, sizeof(*sv));
}

int ks_survey_parse(struct ks_survey *out, const char *text, size_t len,
		    const char *display, struct ks_diags *d)
{
	struct ks_doc *doc = NULL;
	const struct ks_node *root, *kinds, *v;
	const char *f = display ? display : KS_SURVEY_FILE;
	size_t i;
	int err;

	memset(out, 0, sizeof(*out));
	err = ks_doc_parse(&doc, f, text, len, KS_PARSE_RECORD, d);
	if (err)
		return err;
	root = ks_doc_root(doc);
	err = KS_EINVALID;
	v = ks_map_get(root, "id");
	if (!scalar_text(v) || !*scalar_text(v)) {
		ks_error(d, err, f, root->line, root->col,
			 "missing the survey \"id\"");
		goto out;
	}
	out->id = ks_strdup(scalar_text(v));
	v = ks_map_get(root, "name");
	out->name = ks_strdup(scalar_text(v) ? scalar_text(v) : "");
	if ((v = ks_map_get(root, "language"))) {
		if (!ks_language_valid(scalar_text(v))) {
			ks_error(d, err, f, v->line, v->col,
				 "\"language\" is a language code such as \"vi\" (Vietnamese) or \"en\" (English)");
			goto out;
		}
		if (!(out->language = ks_strdup(scalar_text(v)))) {
			err = -1;
			goto out;
		}
	}
	kinds = ks_map_get(root, "kinds");
	if (!kinds || kinds->kind != KS_NODE_MAP || !kinds->u.map.n) {
		ks_error(d, err, f, kinds ? kinds->line : root->line,
			 kinds ? kinds->col : root->col,
			 "\"kinds\" must map each record kind to its schema");
		goto out;
	}
	out->kinds = ks_calloc(kinds->u.map.n, sizeof(*out->kinds));
	if (!out->kinds || !out->id || !out->name) {
		err = -1;
		goto out;
	}
	for (i = 0; i < kinds->u.map.n; i++) {
		const struct ks_pair *p = &kinds->u.map.v[i];
		const char *schema = scalar_text(ks_map_get(p->value, "schema"));
		const char *title = scalar_text(ks_map_get(p->value, "title"));
		const struct ks_node *who = ks_map_get(p->value, "surveyors");
		struct ks_kind *k = &out->kinds[out->nkinds];

		if (!ks_kind_valid(p->key)) {
			ks_error(d, err, f, p->line, p->col,
				 "kind name \"%s\" must be lowercase letters, digits and _",
				 p->key);
			goto out;
		}
		if (!schema || !*schema) {
			ks_error(d, err, f, p->value->line, p->value->col,
				 "kind \"%s\" needs a \"schema\" file", p->key);
			goto out;
		}
		if (schema[0] == '/' || strstr(schema, "..")) {
			ks_error(d, err, f, p->value->line, p->value->col,
				 "schema path \"%s\" must stay inside the survey",
				 schema);
			goto out;
		}
		if (who && (!scalar_text(who) || (strcmp(scalar_text(who), "own") &&
						  strcmp(scalar_text(who), "all")))) {
			ks_error(d, err, f, who->line, who->col,
				 "kind \"%s\": surveyors is \"all\" (they change every laptop's records, the default) or \"own\" (only their own laptop's)",
				 p->key);
			goto out;
		}
		k->own_only = who && !strcmp(scalar_text(who), "own");
		k->name = ks_strdup(p->key);
		k->schema_path = ks_strdup(schema);
		k->line = ks_map_get(p->value, "schema")->line;
		k->col = ks_map_get(p->value, "schema")->col;
		k->title = title ? ks_strdup(title) : NULL;
		out->nkinds++;
		if (!k->name || !k->schema_path || (title && !k->title)) {
			err = -1;
			goto out;
		}
	}
	err = 0;
out:
	ks_doc_free(doc);
	if (err)
		ks_survey_release(out);
	return err;
}

struct ks_kind *ks_survey_kind(const struct ks_survey *sv, const char *name)
{
	size_t i;

	for (i = 0; i < sv->nkinds; i++)
		if (!strcmp(sv->kinds[i].name, name))
			return &sv->kinds[i];
	return NULL;
}

/* Reads khaosat.yaml: name, id and the kinds with their schema files. */
static int read_survey_file(struct ks_repo *r, struct ks_diags *d)
{
	struct ks_buf text = KS_BUF_INIT;
	struct ks_survey sv;
	char *path = ks_repo_path(r, KS_SURVEY_FILE);
	int err;

	if (!path)
		return -1;
	if (access(path, F_OK) < 0) {
		ks_free(path);
		return KS_ENOSURVEY;
	}
	err = ks_buf_read_file(&text, path, 0);
	ks_free(path);
	if (err) {
		ks_buf_release(&text);
		return ks_error(d, KS_EIO, KS_SURVEY_FILE, 0, 0, "cannot read: %s",
				strerror(errno));
	}
	err = ks_survey_parse(&sv, text.ptr, text.len, KS_SURVEY_FILE, d);
	ks_buf_release(&text);
	if (err)
		return err;
	r->survey_id = sv.id;
	r->name = sv.name;
	r->language = sv.language;
	r->kinds = sv.kinds;
	r->nkinds = sv.nkinds;
	return 0;
}

char *ks_config_string(git_config *cfg, const char *name)
{
	git_buf b = GIT_BUF_INIT;
	char *s = NULL;

	if (git_config_get_string_buf(&b, cfg, name) == 0)
		s = ks_strdup(b.ptr);
	git_buf_dispose(&b);
	return s;
}

static int read_identity(struct ks_repo *r)
{
	git_config *cfg = NULL;

	if (git_repository_config_snapshot(&cfg, r->git) < 0)
		return -1;
	r->who.device = ks_config_string(cfg, "khaosat.device");
	r->who.surveyor = ks_config_string(cfg, "khaosat.surveyor");
	r->who.email = ks_config_string(cfg, "khaosat.email");
	git_config_free(cfg);
	return 0;
}

int ks_repo_require_identity(const struct ks_repo *r, struct ks_diags *d)
{
	if (r->who.device && ks_device_valid(r->who.device) && r->who.surveyor &&
	    *r->who.surveyor)
		return 0;
	return ks_error(d, KS_ENOSURVEY, NULL, 0, 0,
			"this laptop has no device identity for the survey; set it with 'git config khaosat.device ID' and 'git config khaosat.surveyor NAME'");
}

int ks_repo_require_main(const struct ks_repo *r, struct ks_diags *d)
{
	git_reference *head = NULL;
	const char *target;
	int err = 0;

	if (git_reference_lookup(&head, r->git, "HEAD") < 0)
		return ks_error(d, KS_EIO, NULL, 0, 0, "cannot read HEAD: %s",
				ks_git_error());
	target = git_reference_symbolic_target(head);
	if (!target) {
		char hex[GIT_OID_HEXSZ + 1];

		git_oid_tostr(hex, sizeof(hex), git_reference_target(head));
		err = ks_error(d, KS_EENV, NULL, 0, 0,
			       "the survey is not on main: git's HEAD is detached at %.10s (someone ran 'git checkout'); nothing was changed; return to main with 'git checkout main'",
			       hex);
	} else if (strcmp(target, KS_MAIN_REF)) {
		err = ks_error(d, KS_EENV, NULL, 0, 0,
			       "the survey is not on main: git's HEAD is on '%s' (someone ran 'git checkout'); nothing was changed; return to main with 'git checkout main'",
			       !strncmp(target, "refs/heads/", 11) ? target + 11 : target);
	}
	git_reference_free(head);
	return err;
}

int ks_repo_open(struct ks_repo **out, const char *start, struct ks_diags *d)
{
	struct ks_repo *r;
	const char *wd;
	int err;

	*out = NULL;
	r = ks_calloc(1, sizeof(*r));
	if (!r)
		return -1;
	if (git_repository_open_ext(&r->git, start, 0, NULL) < 0 ||
	    !(wd = git_repository_workdir(r->git))) {
		ks_repo_free(r);
		return ks_error(d, KS_ENOSURVEY, NULL, 0, 0,
				"not inside a survey (no khaosat.yaml in '%s' or its parents); create one with 'khaosat init'",
				start);
	}
	{
		char real[PATH_MAX];
		struct ks_buf b = KS_BUF_INIT;

		/* Canonical, so that paths people type can be compared. */
		if (!realpath(wd, real) || ks_buf_addf(&b, "%s/", real) < 0) {
			ks_buf_release(&b);
			ks_repo_free(r);
			return ks_error(d, KS_EIO, wd, 0, 0,
					"cannot resolve the survey folder");
		}
		r->workdir = ks_buf_detach(&b, NULL);
	}
	if (!r->workdir) {
		ks_repo_free(r);
		return -1;
	}
	err = read_survey_file(r, d);
	if (err == KS_ENOSURVEY)
		ks_error(d, err, NULL, 0, 0,
			 "not inside a survey (no khaosat.yaml in '%s'); create one with 'khaosat init'",
			 r->workdir);
	if (!err && read_identity(r) < 0)
		err = ks_error(d, KS_EIO, NULL, 0, 0,
			       "cannot read the repository configuration: %s",
			       ks_git_error());
	if (err) {
		ks_repo_free(r);
		return err;
	}
	*out = r;
	return 0;
}

/* ---- record ids ---- */

/* Counter of a record file name "<id>.yaml"; -1 if it is not one. */
static int id_file_counter(const char *name, unsigned long *counter)
{
	char id[64];
	size_t n = strlen(name);

	if (n < 6 || n - 5 >= sizeof(id) || strcmp(name + n - 5, ".yaml"))
		return -1;
	memcpy(id, name, n - 5);
	id[n - 5] = '\0';
	return ks_id_parse(id, NULL, counter);
}

/* Highest counter of `device` among the records of one kind. */
static unsigned long scan_device(const char *dir)
{
	DIR *dh = opendir(dir);
	struct dirent *e;
	unsigned long best = 0, bucket = 0;
	int found = 0;
	char path[PATH_MAX];

	if (!dh)
		return 0;
	while ((e = readdir(dh))) {
		char *end;
		unsigned long b = strtoul(e->d_name, &end, 10);

		if (e->d_name[0] >= '0' && e->d_name[0] <= '9' && !*end &&
		    (!found || b > bucket)) {
			bucket = b;
			found = 1;
		}
	}
	closedir(dh);
	if (!found)
		return 0;
	snprintf(path, sizeof(path), "%s/%03lu", dir, bucket);
	dh = opendir(path);
	if (!dh)
		return 0;
	while ((e = readdir(dh))) {
		unsigned long c;

		if (id_file_counter(e->d_name, &c) == 0 && c > best)
			best = c;
	}
	closedir(dh);
	return best;
}

int ks_repo_next_id(char **out, struct ks_repo *r, struct ks_diags *d)
{
	git_config *cfg = NULL;
	int64_t saved = 0;
	unsigned long next, c;
	struct ks_buf b = KS_BUF_INIT;
	size_t i;
	int err = KS_EIO;

	*out = NULL;
	if ((err = ks_repo_require_identity(r, d)))
		return err;
	if (git_repository_config(&cfg, r->git) < 0)
		return ks_error(d, KS_EIO, NULL, 0, 0,
				"cannot read the repository configuration: %s",
				ks_git_error());
	git_config_get_int64(&saved, cfg, "khaosat.counter");
	next = saved > 0 ? (unsigned long)saved : 0;
	for (i = 0; i < r->nkinds; i++) {
		ks_buf_reset(&b);
		ks_buf_addf(&b, "%s%s/%s/%s", r->workdir, KS_RECORDS_DIR,
			    r->kinds[i].name, r->who.device);
		c = scan_device(b.ptr);
		if (c > next)
			next = c;
	}
	next++;
	if (next > 999999999UL) {
		err = ks_error(d, KS_EINVALID, NULL, 0, 0,
			       "device \"%s\" has used up its record ids",
			       r->who.device);
		goto out;
	}
	if (git_config_set_int64(cfg, "khaosat.counter", (int64_t)next) < 0) {
		err = ks_error(d, KS_EIO, NULL, 0, 0,
			       "cannot save the record counter: %s",
			       ks_git_error());
		goto out;
	}
	ks_buf_reset(&b);
	if (ks_buf_addf(&b, "%s-%04lu", r->who.device, next) < 0) {
		err = -1;
		goto out;
	}
	*out = ks_buf_detach(&b, NULL);
	err = 0;
out:
	ks_buf_release(&b);
	git_config_free(cfg);
	return err;
}

/* ---- identity ---- */

int ks_repo_set_identity(git_repository *repo, const struct ks_identity *who,
			 struct ks_diags *d)
{
	git_config *cfg = NULL;
	int err = 0;

	/*
	 * With the laptop's identity, its line ends: records keep the LF
	 * khaosat writes, whatever git's system or user configuration says
	 * (Git for Windows turns core.autocrlf on for every repository).
	 */
	if (git_repository_config(&cfg, repo) < 0 ||
	    git_config_set_bool(cfg, "core.autocrlf", 0) < 0 ||
	    git_config_set_string(cfg, "khaosat.device", who->device) < 0 ||
	    git_config_set_string(cfg, "khaosat.surveyor", who->surveyor) < 0 ||
	    (who->email &&
	     git_config_set_string(cfg, "khaosat.email", who->email) < 0))
		err = ks_error(d, KS_EIO, git_repository_workdir(repo), 0, 0,
			       "cannot save the device identity: %s",
			       ks_git_error());
	git_config_free(cfg);
	return err;
}

int ks_validate_identity(const struct ks_identity *who, struct ks_diags *d)
{
	if (!who->device || !ks_device_valid(who->device))
		return ks_error(d, KS_EINVALID, NULL, 0, 0,
				"device id \"%s\" must be 2 to 12 lowercase letters and digits, starting with a letter (e.g. md01)",
				who->device ? who->device : "");
	if (!who->surveyor || !*who->surveyor)
		return ks_error(d, KS_EINVALID, NULL, 0, 0,
				"the surveyor's name is required (--surveyor)");
	return 0;
}

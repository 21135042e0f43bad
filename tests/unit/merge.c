/*
 * Table-driven tests for the record-level three-way merge (ks_merge_nodes):
 * every folder tests/data/merge/NNN-name/ is one case (see the README there
 * for the format).  Each case is merged twice, ours against theirs and
 * theirs against ours, and both runs must write the expected record and
 * report the expected conflicts, byte for byte.  Each run is then repeated
 * with the Nth allocation failing, for every N, and must either fail
 * cleanly or give the same answer.
 *
 * Not a cmocka group: one loop over the case folders, naming each failing
 * case, and a "N passed, N failed" line that counts cases.
 */
#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "merge.h"
#include "record.h"
#include "schema.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MIN_CASES 45

static const char *top(void)
{
	const char *t = getenv("KHAOSAT_TOP");

	return t && *t ? t : ".";
}

/* The case being run, and whether it has failed yet. */
static const char *case_name;
static int case_failed;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void fail(const char *fmt, ...)
{
	va_list ap;

	if (!case_failed)
		printf("FAIL %s\n", case_name);
	case_failed = 1;
	printf("  ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static void print_diags(const struct ks_diags *d)
{
	struct ks_buf b = KS_BUF_INIT;
	size_t i;

	for (i = 0; i < d->n; i++) {
		ks_buf_reset(&b);
		ks_diag_format(&b, &d->v[i]);
		printf("    %s\n", b.ptr);
	}
	ks_buf_release(&b);
}

/* Shows two texts that should have been equal. */
static void show_diff(const char *what, const char *want, const char *got)
{
	fail("%s differs", what);
	printf("  --- expected\n%s  --- got\n%s  ---\n", want, got);
}

/* ---- reading a case ---- */

struct side {
	struct ks_buf text;	/* the file's bytes */
	struct ks_doc *doc;	/* NULL when the file is absent */
};

/* Reads and parses dir/file; 0 when absent or parsed, -1 on failure. */
static int load(struct side *s, const char *dir, const char *file,
		unsigned flags)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_buf path = KS_BUF_INIT;
	int err = 0;

	ks_buf_init(&s->text);
	s->doc = NULL;
	ks_buf_addf(&path, "%s/%s", dir, file);
	if (ks_buf_read_file(&s->text, path.ptr, KS_MAX_RECORD_SIZE) < 0) {
		if (errno != ENOENT) {
			fail("%s: cannot read: %s", file, strerror(errno));
			err = -1;
		}
		goto out;
	}
	if (ks_doc_parse(&s->doc, file, s->text.ptr, s->text.len, flags,
			 &d)) {
		fail("%s does not parse", file);
		print_diags(&d);
		err = -1;
	}
out:
	ks_diags_release(&d);
	ks_buf_release(&path);
	return err;
}

static void unload(struct side *s)
{
	ks_doc_free(s->doc);
	ks_buf_release(&s->text);
}

static const struct ks_node *root_of(const struct side *s)
{
	return s->doc ? ks_doc_root(s->doc) : NULL;
}

static int exists(const char *dir, const char *file)
{
	struct ks_buf path = KS_BUF_INIT;
	struct stat st;
	int r;

	ks_buf_addf(&path, "%s/%s", dir, file);
	r = stat(path.ptr, &st) == 0;
	ks_buf_release(&path);
	return r;
}

/* ---- the texts compared ---- */

#define ABSENT "(absent)\n"

/* The canonical text of a record, or ABSENT. */
static int record_text(struct ks_buf *out, const struct ks_node *root,
		       const struct ks_schema *s)
{
	if (!root)
		return ks_buf_puts(out, ABSENT);
	return ks_doc_write(out, root, ks_schema_layout(),
			   ks_schema_layout_root(s));
}

static struct ks_node *text_node(struct ks_doc *doc, const char *s,
				 unsigned quoted)
{
	return ks_node_scalar(doc, s, strlen(s), quoted);
}

/* {value: <clone of n>} or {deleted: true} */
static struct ks_node *proposal(struct ks_doc *doc, const struct ks_node *n)
{
	struct ks_node *p = ks_node_map(doc);
	struct ks_node *v = n ? ks_node_clone(doc, n)
			      : text_node(doc, "true", 0);

	if (!p || !v || ks_map_set(doc, p, n ? "value" : "deleted", v) < 0)
		return NULL;
	return p;
}

static char *canonical(const struct ks_node *n)
{
	struct ks_buf b = KS_BUF_INIT;

	if (ks_doc_write(&b, n, NULL, NULL) < 0) {
		ks_buf_release(&b);
		return NULL;
	}
	return ks_buf_detach(&b, NULL);
}

/*
 * The conflict list as the data that expected-conflicts.yaml holds: a list
 * of {field, base, proposals}, the two proposals in the byte order of their
 * canonical text, written canonically without a schema.  Empty: "[]\n".
 */
static int conflicts_text(struct ks_buf *out, const struct ks_mconflicts *c)
{
	struct ks_doc *doc = ks_doc_new(NULL);
	struct ks_node *list = doc ? ks_node_seq(doc) : NULL;
	size_t i;
	int err = -1;

	if (!list)
		goto out;
	for (i = 0; i < c->n; i++) {
		const struct ks_mconflict *m = &c->v[i];
		struct ks_node *e = ks_node_map(doc), *props = ks_node_seq(doc);
		struct ks_node *p1 = proposal(doc, m->ours);
		struct ks_node *p2 = proposal(doc, m->theirs);
		struct ks_node *f = text_node(doc, m->field, 1);
		struct ks_node *bv = m->base ? ks_node_clone(doc, m->base)
					     : NULL;
		char *t1 = p1 ? canonical(p1) : NULL;
		char *t2 = p2 ? canonical(p2) : NULL;
		int bad = !e || !props || !f || !t1 || !t2 ||
			  (m->base && !bv);

		if (!bad && strcmp(t1, t2) > 0) {
			struct ks_node *tmp = p1;

			p1 = p2;
			p2 = tmp;
		}
		ks_free(t1);
		ks_free(t2);
		if (bad || ks_map_set(doc, e, "field", f) < 0 ||
		    (bv && ks_map_set(doc, e, "base", bv) < 0) ||
		    ks_seq_push(doc, props, p1) < 0 ||
		    ks_seq_push(doc, props, p2) < 0 ||
		    ks_map_set(doc, e, "proposals", props) < 0 ||
		    ks_seq_push(doc, list, e) < 0)
			goto out;
	}
	err = ks_doc_write(out, list, NULL, NULL);
out:
	ks_doc_free(doc);
	return err;
}

/* ---- running a case ---- */

struct result {
	struct ks_buf record, conflicts;
};

static void result_release(struct result *r)
{
	ks_buf_release(&r->record);
	ks_buf_release(&r->conflicts);
}

/*
 * One merge.  Returns what ks_merge_nodes returned; on 0, `r` holds the
 * written record and conflicts.  `*injected` (when not NULL) tells whether
 * the allocation countdown set by the caller ran out during the merge.
 */
static int merge_once(struct result *r, const struct ks_node *b,
		      const struct ks_node *o, const struct ks_node *t,
		      const struct ks_schema *s, unsigned flags,
		      long fail_after, int *injected)
{
	struct ks_doc *out = ks_doc_new(NULL);
	struct ks_mconflicts c = { NULL, 0, 0 };
	struct ks_node *res = (struct ks_node *)&c;	/* must be set */
	void *probe;
	int err;

	ks_buf_init(&r->record);
	ks_buf_init(&r->conflicts);
	if (!out)
		return -2;
	ks_alloc_fail_after(fail_after);
	err = ks_merge_nodes(&res, out, b, o, t, ks_schema_root(s), flags, &c);
	/* If the countdown has run out, this fails too. */
	probe = ks_malloc(1);
	ks_alloc_fail_after(-1);
	if (injected)
		*injected = !probe;
	ks_free(probe);
	if (!err && (record_text(&r->record, res, s) < 0 ||
		     conflicts_text(&r->conflicts, &c) < 0))
		err = -2;
	ks_mconflicts_release(&c);
	ks_doc_free(out);
	return err;
}

/* `text` (the bytes of a file) reads back to itself through the writer. */
static void check_fixed_point(const char *file, const struct side *sd,
			      const struct ks_schema *s)
{
	struct ks_buf b = KS_BUF_INIT;
	const struct ks_node *root = root_of(sd);

	if (!root)
		return;
	if (s ? record_text(&b, root, s) : ks_doc_write(&b, root, NULL, NULL))
		fail("%s: cannot write", file);
	else if (strcmp(b.ptr, sd->text.ptr)) {
		fail("%s is not canonical", file);
		printf("  --- canonical form\n%s  ---\n", b.ptr);
	}
	ks_buf_release(&b);
}

/* The same merge with each allocation in turn failing. */
static void check_oom(const char *how, const struct result *want,
		      const struct ks_node *b, const struct ks_node *o,
		      const struct ks_node *t, const struct ks_schema *s,
		      unsigned flags)
{
	long n;

	for (n = 0; n < 100000; n++) {
		struct result r;
		int injected, err;

		err = merge_once(&r, b, o, t, s, flags, n, &injected);
		if (err == 0 && (strcmp(r.record.ptr, want->record.ptr) ||
				 strcmp(r.conflicts.ptr,
					want->conflicts.ptr))) {
			fail("%s: with allocation %ld failing, the merge "
			     "succeeded with another result", how, n);
			printf("  --- record\n%s  --- conflicts\n%s  ---\n",
			       r.record.ptr, r.conflicts.ptr);
			result_release(&r);
			return;
		}
		result_release(&r);
		if (err != 0 && err != -1) {
			fail("%s: with allocation %ld failing, returned %d",
			     how, n, err);
			return;
		}
		if (!injected) {
			if (err)
				fail("%s: failed with no failing allocation",
				     how);
			return;
		}
	}
}

static void run_case(const char *dir, const struct ks_schema *plain,
		     const struct ks_schema *strict)
{
	struct side base, ours, theirs, exp, expc;
	struct ks_buf want_conflicts = KS_BUF_INIT;
	const struct ks_schema *s = exists(dir, "strict") ? strict : plain;
	const char *xmerge = ks_schema_xmerge(s);
	unsigned flags = xmerge && !strcmp(xmerge, "record")
			 ? KS_MERGE_STRICT : 0;
	int swap, bad;

	bad = load(&base, dir, "base.yaml", KS_PARSE_RECORD);
	bad |= load(&ours, dir, "ours.yaml", KS_PARSE_RECORD);
	bad |= load(&theirs, dir, "theirs.yaml", KS_PARSE_RECORD);
	bad |= load(&exp, dir, "expected.yaml", KS_PARSE_RECORD);
	bad |= load(&expc, dir, "expected-conflicts.yaml", 0);
	if (bad)
		goto out;
	check_fixed_point("expected.yaml", &exp, s);
	check_fixed_point("expected-conflicts.yaml", &expc, NULL);
	if (expc.doc && ks_doc_root(expc.doc)->kind != KS_NODE_SEQ)
		fail("expected-conflicts.yaml is not a list");
	if (expc.doc)
		ks_buf_puts(&want_conflicts, expc.text.ptr);
	else
		ks_buf_puts(&want_conflicts, "[]\n");
	for (swap = 0; swap < 2; swap++) {
		const struct ks_node *o = root_of(swap ? &theirs : &ours);
		const struct ks_node *t = root_of(swap ? &ours : &theirs);
		const char *how = swap ? "merge(base, theirs, ours)"
				       : "merge(base, ours, theirs)";
		struct ks_buf want = KS_BUF_INIT, what = KS_BUF_INIT;
		struct result r;
		int err;

		err = merge_once(&r, root_of(&base), o, t, s, flags, -1, NULL);
		if (err) {
			fail("%s returned %d", how, err);
			result_release(&r);
			continue;
		}
		if (exp.doc)
			ks_buf_puts(&want, exp.text.ptr);
		else
			ks_buf_puts(&want, ABSENT);
		ks_buf_addf(&what, "%s: the merged record", how);
		if (strcmp(want.ptr, r.record.ptr))
			show_diff(what.ptr, want.ptr, r.record.ptr);
		ks_buf_reset(&what);
		ks_buf_addf(&what, "%s: the conflicts", how);
		if (strcmp(want_conflicts.ptr, r.conflicts.ptr))
			show_diff(what.ptr, want_conflicts.ptr,
				  r.conflicts.ptr);
		check_oom(how, &r, root_of(&base), o, t, s, flags);
		result_release(&r);
		ks_buf_release(&want);
		ks_buf_release(&what);
	}
out:
	unload(&base);
	unload(&ours);
	unload(&theirs);
	unload(&exp);
	unload(&expc);
	ks_buf_release(&want_conflicts);
}

/* ---- the folders ---- */

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Case folders: NNN-name, sorted. */
static char **list_cases(const char *dir, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL;
	size_t alloc = 0;

	*n = 0;
	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		const char *s = e->d_name;

		if (!(s[0] >= '0' && s[0] <= '9' && s[1] >= '0' &&
		      s[1] <= '9' && s[2] >= '0' && s[2] <= '9' &&
		      s[3] == '-'))
			continue;
		if (*n == alloc) {
			alloc = alloc ? alloc * 2 : 64;
			v = realloc(v, alloc * sizeof(*v));
			if (!v)
				abort();
		}
		v[(*n)++] = strdup(s);
	}
	closedir(d);
	qsort(v, *n, sizeof(*v), name_cmp);
	return v;
}

static struct ks_schema *load_schema(const char *dir, const char *file)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_buf path = KS_BUF_INIT;
	struct ks_schema *s = NULL;

	ks_buf_addf(&path, "%s/%s", dir, file);
	if (ks_schema_load(&s, path.ptr, NULL, 0, &d)) {
		printf("FAIL %s does not load\n", path.ptr);
		print_diags(&d);
	}
	ks_diags_release(&d);
	ks_buf_release(&path);
	return s;
}

int main(int argc, char **argv)
{
	struct ks_buf dir = KS_BUF_INIT;
	struct ks_schema *plain, *strict;
	char **cases;
	size_t n, i;
	int passed = 0, failed = 0;

	ks_buf_addf(&dir, "%s/tests/data/merge", top());
	plain = load_schema(dir.ptr, "schema.yaml");
	strict = load_schema(dir.ptr, "strict-schema.yaml");
	if (!plain || !strict) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	if (ks_schema_xmerge(plain) ||
	    !ks_schema_xmerge(strict) ||
	    strcmp(ks_schema_xmerge(strict), "record")) {
		printf("FAIL x-merge: want none in schema.yaml and record in "
		       "strict-schema.yaml\n");
		failed++;
	}
	cases = list_cases(dir.ptr, &n);
	for (i = 0; i < n; i++) {
		struct ks_buf path = KS_BUF_INIT;

		/* argv[1]: run only the cases whose name contains it */
		if (argc > 1 && !strstr(cases[i], argv[1]))
			goto next;
		ks_buf_addf(&path, "%s/%s", dir.ptr, cases[i]);
		case_name = cases[i];
		case_failed = 0;
		run_case(path.ptr, plain, strict);
		if (case_failed)
			failed++;
		else
			passed++;
next:
		ks_buf_release(&path);
		free(cases[i]);
	}
	free(cases);
	if (argc <= 1 && n < MIN_CASES) {
		printf("FAIL only %zu cases in %s (want at least %d)\n", n,
		       dir.ptr, MIN_CASES);
		failed++;
	}
	ks_schema_free(plain);
	ks_schema_free(strict);
	ks_buf_release(&dir);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

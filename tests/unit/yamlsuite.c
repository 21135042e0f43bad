/*
 * The YAML test suite (../shared/conformance/yaml-test-suite/) as a
 * robustness corpus for the record reader, the validator and the canonical
 * writer.  Every input of the suite (each case's in.yaml, and its in.json
 * where there is one) is one test: read as a record, it must either parse,
 * or be refused with located errors (the file's name, a message and a line
 * >= 1; an empty stream is refused as a whole).  What parses is validated
 * against the default workshop schema, which must end in "valid" or in
 * errors located in the file, each with a JSON Pointer and a keyword; it is
 * then written canonically (in the schema's key order, and without a
 * schema), and the output must read back and write again to the same
 * bytes.
 *
 * This is not a conformance test of libyaml: refusing a valid YAML file is
 * fine (records refuse anchors, tags, several documents ...), crashing,
 * hanging or failing without a message is not.  Each input runs in a child
 * process with an alarm, so a crash or a hang is one failed test that names
 * the file, not the end of the run.
 */
#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "record.h"
#include "schema.h"
/* The fuzz targets' oracles: fuzz_same_data(). */
#include "../fuzz/fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define TIMEOUT 5	/* seconds for one input */

/*
 * How a child ends.  Sanitizers exit with 1 (ASan's default) or 98/99
 * (tests/lib.sh), so neither means "passed" nor "failed with a reason".
 */
enum outcome {
	OUT_PROBLEMS = 3,	/* failed; the reasons are printed */
	OUT_REFUSED = 10,	/* passed: refused with located errors */
	OUT_INVALID,		/* passed: parsed, fails the schema */
	OUT_VALID,		/* passed: parsed and valid */
};

struct files {
	char **v;
	size_t n, alloc;
};

static int add_file(struct files *f, const char *path)
{
	if (f->n == f->alloc) {
		size_t alloc = f->alloc ? 2 * f->alloc : 64;
		char **v = realloc(f->v, alloc * sizeof(*v));

		if (!v)
			return -1;
		f->v = v;
		f->alloc = alloc;
	}
	f->v[f->n] = strdup(path);
	if (!f->v[f->n])
		return -1;
	f->n++;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every in.yaml and in.json under `dir` (relative names below `root`). */
static int collect(struct files *out, const char *root, const char *rel)
{
	struct ks_buf path = KS_BUF_INIT;
	struct dirent *e;
	DIR *dir;
	int err = 0;

	ks_buf_addf(&path, "%s/%s", root, rel);
	dir = opendir(path.ptr);
	if (!dir) {
		ks_buf_release(&path);
		return -1;
	}
	while (!err && (e = readdir(dir))) {
		struct ks_buf sub = KS_BUF_INIT;
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		ks_buf_addf(&sub, "%s/%s", rel, e->d_name);
		ks_buf_reset(&path);
		ks_buf_addf(&path, "%s/%s", root, sub.ptr);
		if (stat(path.ptr, &st) == 0 && S_ISDIR(st.st_mode))
			err = collect(out, root, sub.ptr);
		else if (!strcmp(e->d_name, "in.yaml") ||
			 !strcmp(e->d_name, "in.json"))
			err = add_file(out, sub.ptr);
		ks_buf_release(&sub);
	}
	closedir(dir);
	ks_buf_release(&path);
	return err;
}

/* ---- the checks, run in the child ---- */

static int problems;

static void problem(const char *name, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void problem(const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("FAIL %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	problems++;
}

static void show(const char *name, const struct ks_diags *d)
{
	struct ks_buf b = KS_BUF_INIT;
	size_t i;

	for (i = 0; i < d->n; i++) {
		ks_buf_reset(&b);
		ks_diag_format(&b, &d->v[i]);
		printf("#   %s: %s\n", name, b.ptr);
	}
	ks_buf_release(&b);
}

/*
 * A refusal must say what and where: at least one error, each with the
 * file's name and a message; a line for a file that does not parse (unless
 * it is empty); a line, a JSON Pointer and a keyword for a value that fails
 * the schema.
 */
static void check_errors(const char *name, const char *stage,
			 const struct ks_diags *d, int need_line,
			 int need_pointer)
{
	size_t i, errors = 0;
	int bad = 0;

	for (i = 0; i < d->n; i++) {
		const struct ks_diag *g = &d->v[i];

		if (g->severity != KS_SEV_ERROR)
			continue;
		errors++;
		if (!g->path || strcmp(g->path, name)) {
			problem(name, "%s error without the file name",
				stage);
			bad = 1;
		}
		if (!g->message || !*g->message) {
			problem(name, "%s error without a message", stage);
			bad = 1;
		}
		if (need_line && g->line < 1) {
			problem(name, "%s error without a line", stage);
			bad = 1;
		}
		if (need_pointer && (!g->pointer || !g->keyword)) {
			problem(name, "%s error without a pointer or keyword",
				stage);
			bad = 1;
		}
	}
	if (!errors || errors != d->errors) {
		problem(name, "%s failed but its errors are missing", stage);
		bad = 1;
	}
	if (bad)
		show(name, d);
}

/* Shows a text, each line behind "#     ". */
static void show_text(const char *label, const char *text)
{
	const char *p = text, *nl;

	printf("#   %s:\n", label);
	while (*p) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		printf("#     %.*s\n", (int)(nl - p), p);
		p = *nl ? nl + 1 : nl;
	}
}

static char *write_canonical(const char *name, const struct ks_node *root,
			     const struct ks_schema *s, size_t *len)
{
	struct ks_buf b = KS_BUF_INIT;

	if (ks_doc_write(&b, root, s ? ks_schema_layout() : NULL,
			 s ? ks_schema_layout_root(s) : NULL) < 0) {
		problem(name, "the canonical writer failed");
		ks_buf_release(&b);
		return NULL;
	}
	return ks_buf_detach(&b, len);
}

/*
 * Canonical output reads back as a record holding the same data, and
 * writes again to the same bytes, with and without the schema's key order.
 */
static void check_fixed_point(const char *name, const struct ks_node *root,
			      const struct ks_schema *s)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_doc *again = NULL;
	char *first, *second = NULL;
	size_t len1, len2 = 0;
	int err;

	first = write_canonical(name, root, s, &len1);
	if (!first)
		return;
	err = ks_doc_parse(&again, name, first, len1, KS_PARSE_RECORD, &d);
	if (err) {
		problem(name, "canonical output%s does not read back:",
			s ? " (schema order)" : "");
		show(name, &d);
		show_text("output", first);
		goto out;
	}
	if (!fuzz_same_data(root, ks_doc_root(again))) {
		problem(name, "canonical output%s reads back as other data",
			s ? " (schema order)" : "");
		show_text("output", first);
		goto out;
	}
	second = write_canonical(name, ks_doc_root(again), s, &len2);
	if (second && (len1 != len2 || memcmp(first, second, len1))) {
		problem(name, "canonical output%s is not a fixed point",
			s ? " (schema order)" : "");
		show_text("first", first);
		show_text("second", second);
	}
out:
	ks_free(first);
	ks_free(second);
	ks_doc_free(again);
	ks_diags_release(&d);
}

/*
 * An empty stream (nothing, comments, a bare "---") is refused as a whole
 * ("the file is empty"): there is no line to point at.
 */
static int is_empty(const char *name, const struct ks_buf *text)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_doc *doc = NULL;
	int empty;

	empty = !ks_doc_parse(&doc, name, text->ptr, text->len,
			      KS_PARSE_RECORD | KS_PARSE_ALLOW_EMPTY, &d) &&
		!ks_doc_root(doc);
	ks_doc_free(doc);
	ks_diags_release(&d);
	return empty;
}

static int run_one(const char *suite, const char *name,
		   const struct ks_schema *s)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_buf path = KS_BUF_INIT, text = KS_BUF_INIT;
	struct ks_doc *doc = NULL;
	int err, outcome = OUT_REFUSED;

	ks_buf_addf(&path, "%s/cases/%s", suite, name);
	if (ks_buf_read_file(&text, path.ptr, KS_MAX_RECORD_SIZE + 1) < 0) {
		problem(name, "cannot read: %s", strerror(errno));
		goto out;
	}
	err = ks_doc_parse(&doc, name, text.ptr, text.len, KS_PARSE_RECORD,
			   &d);
	if (err) {
		if (err != KS_EINVALID)
			problem(name, "parse failed with an unexpected status");
		if (doc)
			problem(name, "a refused parse left a document");
		check_errors(name, "parse", &d, !is_empty(name, &text), 0);
		goto out;
	}
	if (!doc || !ks_doc_root(doc)) {
		problem(name, "parsed without a root");
		goto out;
	}
	if (d.errors)
		problem(name, "parsed but reported errors");
	ks_diags_release(&d);
	err = ks_schema_validate(s, ks_doc_root(doc), name, NULL, &d);
	outcome = err ? OUT_INVALID : OUT_VALID;
	if (err == KS_EINVALID)
		check_errors(name, "validation", &d, 1, 1);
	else if (err)
		problem(name, "validation failed with an unexpected status");
	else if (d.errors)
		problem(name, "valid but with errors");
	check_fixed_point(name, ks_doc_root(doc), s);
	check_fixed_point(name, ks_doc_root(doc), NULL);
out:
	ks_doc_free(doc);
	ks_diags_release(&d);
	ks_buf_release(&path);
	ks_buf_release(&text);
	return problems ? OUT_PROBLEMS : outcome;
}

/* One input in a child process: its outcome. */
static int run_child(const char *suite, const char *name,
		     const struct ks_schema *s)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("FAIL %s: cannot fork: %s\n", name, strerror(errno));
		return OUT_PROBLEMS;
	}
	if (pid == 0) {
		alarm(TIMEOUT);
		status = run_one(suite, name, s);
		fflush(stdout);
		_exit(status);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			printf("FAIL %s: waitpid: %s\n", name, strerror(errno));
			return OUT_PROBLEMS;
		}
	}
	if (WIFSIGNALED(status)) {
		if (WTERMSIG(status) == SIGALRM)
			printf("FAIL %s: hangs (still running after %d s)\n",
			       name, TIMEOUT);
		else
			printf("FAIL %s: crashed (%s)\n", name,
			       strsignal(WTERMSIG(status)));
		return OUT_PROBLEMS;
	}
	status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	if (status == OUT_PROBLEMS)
		return status;
	if (status < OUT_REFUSED || status > OUT_VALID) {
		/* a sanitizer's exit code, or exit() from somewhere deep */
		printf("FAIL %s: exit status %d\n", name, status);
		return OUT_PROBLEMS;
	}
	return status;
}

int main(void)
{
	const char *shared = getenv("KHAOSAT_SHARED");
	const char *top = getenv("KHAOSAT_TOP");
	struct ks_buf suite = KS_BUF_INIT, spath = KS_BUF_INIT;
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_schema *s = NULL;
	struct files files = { 0 };
	struct stat st;
	int passed = 0, failed = 0, count[OUT_VALID + 1] = { 0 };
	size_t i;

	ks_buf_addf(&suite, "%s/conformance/yaml-test-suite",
		    shared && *shared ? shared : "../shared");
	ks_buf_addf(&spath, "%s/schema/workshop.yaml",
		    top && *top ? top : ".");
	if (stat(suite.ptr, &st) < 0) {
		printf("skip: yaml test suite not found at %s\n", suite.ptr);
		printf("0 passed, 0 failed, 1 skipped\n");
		ks_buf_release(&suite);
		ks_buf_release(&spath);
		return 0;
	}
	if (ks_schema_load(&s, spath.ptr, NULL, 0, &d)) {
		printf("FAIL cannot load the schema %s\n", spath.ptr);
		show("schema", &d);
		printf("0 passed, 1 failed\n");
		return 1;
	}
	if (collect(&files, suite.ptr, "cases") < 0 || !files.n) {
		printf("FAIL no inputs found under %s/cases\n", suite.ptr);
		printf("0 passed, 1 failed\n");
		return 1;
	}
	qsort(files.v, files.n, sizeof(*files.v), by_name);
	for (i = 0; i < files.n; i++) {
		/* as the manifest names them: 229Q/in.yaml */
		const char *name = files.v[i] + strlen("cases/");

		int outcome = run_child(suite.ptr, name, s);

		count[outcome]++;
		if (outcome == OUT_PROBLEMS)
			failed++;
		else
			passed++;
		free(files.v[i]);
	}
	free(files.v);
	printf("# %zu inputs: %d refused with located errors, %d parsed "
	       "(%d valid, %d invalid against the workshop schema)\n",
	       files.n, count[OUT_REFUSED],
	       count[OUT_INVALID] + count[OUT_VALID], count[OUT_VALID],
	       count[OUT_INVALID]);
	printf("%d passed, %d failed\n", passed, failed);
	ks_schema_free(s);
	ks_diags_release(&d);
	ks_buf_release(&suite);
	ks_buf_release(&spath);
	return failed ? 1 : 0;
}

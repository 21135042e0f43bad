/*
 * Runs the official JSON Schema test suite (draft 2020-12) against the
 * schema engine: every required test file, and the optional format files
 * of the formats khaosat asserts.
 *
 * Detailed figures (per file, and the required pass rate) are printed
 * first; the summary counts one test for "required pass rate >= 98%" and
 * one per asserted format file passing entirely.  Set KS_CONFORMANCE_VERBOSE
 * to list every failing case.
 */
#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "record.h"
#include "schema.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define REMOTE "http://localhost:1234/"

static const char *suite;
static int verbose;

struct tally {
	int passed, failed;
};

static int fetch_remote(void *ctx, const char *uri, struct ks_doc **out,
			struct ks_diags *d)
{
	struct ks_buf path = KS_BUF_INIT;
	struct stat st;
	int rc;

	(void)ctx;
	if (strncmp(uri, REMOTE, strlen(REMOTE)))
		return KS_ENOTFOUND;
	ks_buf_addf(&path, "%s/remotes/%s", suite, uri + strlen(REMOTE));
	if (stat(path.ptr, &st) < 0) {
		ks_buf_release(&path);
		return KS_ENOTFOUND;
	}
	rc = ks_doc_load(out, path.ptr, uri, 0, d);
	ks_buf_release(&path);
	return rc;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted *.json names in dir; caller frees. */
static char **list_json(const char *dir, size_t *n)
{
	DIR *dp = opendir(dir);
	struct dirent *e;
	char **v = NULL;
	size_t cnt = 0;

	*n = 0;
	if (!dp)
		return NULL;
	while ((e = readdir(dp))) {
		size_t len = strlen(e->d_name);
		char **nv;

		if (len < 6 || strcmp(e->d_name + len - 5, ".json"))
			continue;
		nv = realloc(v, (cnt + 1) * sizeof(*v));
		if (!nv)
			break;
		v = nv;
		v[cnt++] = strdup(e->d_name);
	}
	closedir(dp);
	qsort(v, cnt, sizeof(*v), name_cmp);
	*n = cnt;
	return v;
}

static const char *str_field(const struct ks_node *map, const char *key)
{
	const struct ks_node *v = ks_map_get(map, key);

	return v && v->kind == KS_NODE_SCALAR ? v->u.scalar.str : "";
}

/*
 * The suite's files are read as text and cut into one schema and one test
 * case at a time, each parsed with ks_doc_parse(), so that a value the
 * record reader refuses (a NUL character) costs only its own test.
 */
struct span {
	const char *p;
	size_t n;
};

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' ||
			   *p == '\r'))
		p++;
	return p;
}

/* The end of the JSON value at p, or NULL. */
static const char *skip_value(const char *p, const char *end)
{
	int depth = 0;

	p = skip_ws(p, end);
	do {
		if (p >= end)
			return NULL;
		if (*p == '"') {
			for (p++; p < end && *p != '"'; p++)
				if (*p == '\\')
					p++;
			if (p >= end)
				return NULL;
			p++;
		} else if (*p == '[' || *p == '{') {
			depth++;
			p++;
		} else if (*p == ']' || *p == '}') {
			depth--;
			p++;
		} else if (depth == 0) {
			while (p < end && !strchr(",]} \t\r\n", *p))
				p++;
		} else {
			p++;
		}
	} while (depth > 0);
	return p;
}

/* Elements of the JSON array at sp; returns the count, -1 if malformed. */
static int array_items(struct span sp, struct span *out, int max)
{
	const char *p = skip_ws(sp.p, sp.p + sp.n), *end = sp.p + sp.n;
	int n = 0;

	if (p >= end || *p != '[')
		return -1;
	p = skip_ws(p + 1, end);
	while (p < end && *p != ']') {
		const char *e = skip_value(p, end);

		if (!e || n >= max)
			return -1;
		out[n].p = p;
		out[n++].n = (size_t)(e - p);
		p = skip_ws(e, end);
		if (p < end && *p == ',')
			p = skip_ws(p + 1, end);
	}
	return n;
}

/* The value of member `key` of the JSON object at sp. */
static int member(struct span sp, const char *key, struct span *out)
{
	const char *p = skip_ws(sp.p, sp.p + sp.n), *end = sp.p + sp.n;
	size_t klen = strlen(key);

	if (p >= end || *p != '{')
		return -1;
	p = skip_ws(p + 1, end);
	while (p < end && *p == '"') {
		const char *k = p + 1, *ke = skip_value(p, end), *v, *ve;

		if (!ke)
			return -1;
		p = skip_ws(ke, end);
		if (p >= end || *p != ':')
			return -1;
		v = skip_ws(p + 1, end);
		ve = skip_value(v, end);
		if (!ve)
			return -1;
		if ((size_t)(ke - 1 - k) == klen && !memcmp(k, key, klen)) {
			out->p = v;
			out->n = (size_t)(ve - v);
			return 0;
		}
		p = skip_ws(ve, end);
		if (p < end && *p == ',')
			p = skip_ws(p + 1, end);
	}
	return -1;
}

static unsigned hex4(const char *p)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		int c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return 0x110000;
	}
	return v;
}

/*
 * JSON writes a character beyond the BMP as a surrogate pair of \u
 * escapes; YAML has no surrogates but an 8-digit \U escape.  Rewriting one
 * into the other keeps the text's meaning.
 */
static void fix_surrogates(struct ks_buf *b)
{
	size_t i;

	for (i = 0; i + 12 <= b->len; i++) {
		unsigned hi, lo, cp;
		char rep[11];

		if (b->ptr[i] != '\\')
			continue;
		if (b->ptr[i + 1] != 'u') {
			i++;
			continue;
		}
		hi = hex4(b->ptr + i + 2);
		if (hi < 0xd800 || hi > 0xdbff || b->ptr[i + 6] != '\\' ||
		    b->ptr[i + 7] != 'u')
			continue;
		lo = hex4(b->ptr + i + 8);
		if (lo < 0xdc00 || lo > 0xdfff)
			continue;
		cp = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
		snprintf(rep, sizeof(rep), "\\U%08X", cp);
		/* 12 characters become 10 */
		memcpy(b->ptr + i, rep, 10);
		memmove(b->ptr + i + 10, b->ptr + i + 12, b->len - i - 12);
		b->len -= 2;
		b->ptr[b->len] = '\0';
	}
}

/*
 * Test data must reach the validator as written: a record reader that
 * normalises text (NFC) or refuses NUL characters would change what some
 * tests check.  Without KS_PARSE_VERBATIM those tests fail.
 */
#ifdef KS_PARSE_VERBATIM
#define PARSE_FLAGS (KS_PARSE_ALLOW_EMPTY | KS_PARSE_VERBATIM)
#else
#define PARSE_FLAGS KS_PARSE_ALLOW_EMPTY
#endif

static int parse_span(struct ks_doc **out, struct span sp, const char *label)
{
	struct ks_diags d = KS_DIAGS_INIT;
	int rc = ks_doc_parse(out, label, sp.p, sp.n, PARSE_FLAGS, &d);

	ks_diags_release(&d);
	return rc;
}

/* Tests in `file` according to the suite's COUNTS.tsv, or 1. */
static int counted(const char *file)
{
	struct ks_buf path = KS_BUF_INIT, txt = KS_BUF_INIT;
	char *line, *save = NULL;
	int n = 1;

	ks_buf_addf(&path, "%s/COUNTS.tsv", suite);
	if (ks_buf_read_file(&txt, path.ptr, 1 << 20) == 0) {
		for (line = txt.ptr; line && *line; line = save) {
			char *nl = strchr(line, '\n'), *tab;

			save = nl ? nl + 1 : NULL;
			if (nl)
				*nl = '\0';
			tab = strchr(line, '\t');
			if (tab && (size_t)(tab - line) == strlen(file) &&
			    !strncmp(line, file, strlen(file))) {
				tab = strchr(tab + 1, '\t');
				if (tab)
					n = atoi(tab + 1);
			}
		}
	}
	ks_buf_release(&path);
	ks_buf_release(&txt);
	return n;
}

#define MAXN 4096

static void run_file(const char *path, const char *label, unsigned flags,
		     struct tally *t)
{
	struct ks_buf text = KS_BUF_INIT;
	struct span all, *groups = NULL, *tests = NULL;
	struct tally ft = { 0, 0 };
	int ng, g, i;

	groups = malloc(MAXN * sizeof(*groups));
	tests = malloc(MAXN * sizeof(*tests));
	if (!groups || !tests || ks_buf_read_file(&text, path, 64 << 20) < 0)
		goto broken;
	fix_surrogates(&text);
	all.p = text.ptr;
	all.n = text.len;
	ng = array_items(all, groups, MAXN);
	if (ng < 0)
		goto broken;
	for (g = 0; g < ng; g++) {
		struct ks_schema_opts o = KS_SCHEMA_OPTS_INIT;
		struct ks_schema *s = NULL;
		struct ks_doc *sd = NULL;
		struct ks_diags cd = KS_DIAGS_INIT;
		struct span sp, tsp, desc = { "", 0 };
		int rc, nt;

		if (member(groups[g], "schema", &sp) < 0 ||
		    member(groups[g], "tests", &tsp) < 0 ||
		    (nt = array_items(tsp, tests, MAXN)) < 0)
			goto broken;
		member(groups[g], "description", &desc);
		o.flags = flags;
		o.fetch = fetch_remote;
		rc = parse_span(&sd, sp, label);
		if (rc == 0)
			rc = ks_schema_compile_opts(&s, sd, &o, &cd);
		for (i = 0; i < nt; i++) {
			struct ks_validate_opts vo = { 0 };
			struct ks_diags vd = KS_DIAGS_INIT;
			struct ks_doc *td = NULL;
			const struct ks_node *tc = NULL;
			int want = -2, got = -1;

			if (parse_span(&td, tests[i], label) == 0) {
				tc = ks_doc_root(td);
				want = !strcmp(str_field(tc, "valid"), "true");
			}
			vo.flags = KS_VALIDATE_JSON;
			if (rc == 0 && tc) {
				int v = ks_schema_validate(
					s, ks_map_get(tc, "data"), label, &vo,
					&vd);

				got = v == 0 ? 1 : v == KS_EINVALID ? 0 : -1;
			}
			if (got == want) {
				ft.passed++;
			} else {
				ft.failed++;
				if (verbose) {
					printf("  FAIL %s: %.*s / %s (want "
					       "%s)\n", label, (int)desc.n,
					       desc.p, tc ? str_field(tc,
						"description") : "(test "
						"cannot be parsed)",
					       want == 1 ? "valid" :
					       want == 0 ? "invalid" : "?");
					if (rc && cd.n)
						printf("    schema: %d:%d: %s\n",
						       cd.v[0].line,
						       cd.v[0].col,
						       cd.v[0].message);
				}
			}
			ks_diags_release(&vd);
			ks_doc_free(td);
		}
		ks_schema_free(s);
		ks_diags_release(&cd);
	}
	goto out;
broken:
	printf("%s: cannot be read\n", label);
	ft.passed = 0;
	ft.failed = counted(label);
out:
	printf("%s: %d passed, %d failed\n", label, ft.passed, ft.failed);
	t->passed += ft.passed;
	t->failed += ft.failed;
	free(groups);
	free(tests);
	ks_buf_release(&text);
}

int main(void)
{
	static const char *const asserted[] = {
		"date", "date-time", "time", "email", "uri", "uuid", "ipv4",
		"hostname",
	};
	const char *shared = getenv("KHAOSAT_SHARED");
	struct ks_buf dir = KS_BUF_INIT, path = KS_BUF_INIT;
	struct tally req = { 0, 0 }, opt = { 0, 0 };
	struct stat st;
	char **files;
	size_t n, i;
	int passed = 0, failed = 0;
	double rate;

	verbose = getenv("KS_CONFORMANCE_VERBOSE") != NULL;
	ks_buf_addf(&dir, "%s/conformance/json-schema-test-suite",
		    shared ? shared : "../shared");
	suite = dir.ptr;
	if (stat(suite, &st) < 0) {
		printf("skip: conformance suite not found at %s\n", suite);
		printf("0 passed, 0 failed, 1 skipped\n");
		ks_buf_release(&dir);
		return 0;
	}

	ks_buf_addf(&path, "%s/tests/draft2020-12", suite);
	files = list_json(path.ptr, &n);
	for (i = 0; i < n; i++) {
		ks_buf_reset(&path);
		ks_buf_addf(&path, "%s/tests/draft2020-12/%s", suite, files[i]);
		run_file(path.ptr, files[i], KS_SCHEMA_FORMAT_ANNOTATION,
			 &req);
		free(files[i]);
	}
	free(files);
	rate = req.passed + req.failed ?
		100.0 * req.passed / (req.passed + req.failed) : 0;
	printf("required draft2020-12: %d of %d passed (%.2f%%)\n",
	       req.passed, req.passed + req.failed, rate);
	if (rate >= 98.0) {
		passed++;
	} else {
		printf("FAIL required draft2020-12 pass rate >= 98%%\n");
		failed++;
	}

	/* optional files, for information only */
	ks_buf_reset(&path);
	ks_buf_addf(&path, "%s/tests/draft2020-12/optional", suite);
	files = list_json(path.ptr, &n);
	for (i = 0; i < n; i++) {
		struct ks_buf label = KS_BUF_INIT;

		ks_buf_reset(&path);
		ks_buf_addf(&path, "%s/tests/draft2020-12/optional/%s", suite,
			    files[i]);
		ks_buf_addf(&label, "optional/%s", files[i]);
		run_file(path.ptr, label.ptr, KS_SCHEMA_FORMAT_ANNOTATION,
			 &opt);
		ks_buf_release(&label);
		free(files[i]);
	}
	free(files);

	for (i = 0; i < sizeof(asserted) / sizeof(asserted[0]); i++) {
		struct ks_buf label = KS_BUF_INIT;
		struct tally ft = { 0, 0 };

		ks_buf_reset(&path);
		ks_buf_addf(&path,
			    "%s/tests/draft2020-12/optional/format/%s.json",
			    suite, asserted[i]);
		ks_buf_addf(&label, "optional/format/%s.json", asserted[i]);
		run_file(path.ptr, label.ptr, 0, &ft);
		if (ft.failed || !ft.passed) {
			printf("FAIL format %s\n", asserted[i]);
			failed++;
		} else {
			passed++;
		}
		ks_buf_release(&label);
	}
	ks_buf_release(&path);
	ks_buf_release(&dir);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

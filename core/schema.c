/*
 * Schema compiler: turns a JSON Schema 2020-12 document (YAML or JSON) into
 * the immutable tree of struct ks_snode that schema_eval.c walks, resolving
 * every $ref, $id, $anchor and pattern once, so that validating many
 * records costs no lookups or allocations that compiling could have done.
 *
 * It also builds "shapes" (see schema_int.h), the static merged view of
 * each instance location that types plain scalars and orders keys for the
 * canonical writer, and answers the introspection calls of schema.h.
 */
#include "schema_int.h"
#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "text.h"
#include "record.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_DOCS 256

/* ---- memory owned by a compiled schema ---- */

#define CHUNK_HDR ((sizeof(struct chunk) + 15) & ~(size_t)15)

void *ks_sc_alloc(struct ks_schema_mem *m, size_t size)
{
	struct chunk *c = m->chunks;
	void *p;

	size = (size + 15) & ~(size_t)15;
	if (!size)
		size = 16;
	if (!c || c->size - c->used < size) {
		size_t want = size > 16384 ? size : 16384;

		c = ks_malloc(CHUNK_HDR + want);
		if (!c)
			return NULL;
		c->size = want;
		c->used = 0;
		c->next = m->chunks;
		m->chunks = c;
	}
	p = (char *)c + CHUNK_HDR + c->used;
	c->used += size;
	memset(p, 0, size);
	return p;
}

char *ks_sc_strndup(struct ks_schema_mem *m, const char *s, size_t n)
{
	char *p = ks_sc_alloc(m, n + 1);

	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

static void mem_free(struct ks_schema_mem *m)
{
	struct chunk *c, *cn;
	struct pcre_item *p, *pn;
	struct doc_item *di, *dn;

	if (!m)
		return;
	/* pcre items and docs live in the arena: walk them before freeing */
	for (p = m->pcres; p; p = pn) {
		pn = p->next;
		pcre2_code_free(p->re);
	}
	for (di = m->docs; di; di = dn) {
		dn = di->next;
		ks_doc_free(di->doc);
	}
	for (c = m->chunks; c; c = cn) {
		cn = c->next;
		ks_free(c);
	}
	ks_free(m);
}

/* ---- PCRE2 through our allocator ---- */

static void *pcre_malloc(size_t size, void *data)
{
	(void)data;
	return ks_malloc(size);
}

static void pcre_free(void *p, void *data)
{
	(void)data;
	ks_free(p);
}

/* ---- URIs (RFC 3986 reference resolution) ---- */

struct uri_parts {
	const char *scheme, *auth, *path, *query, *frag;
	size_t nscheme, nauth, npath, nquery, nfrag;
	int has_scheme, has_auth, has_query, has_frag;
};

static void uri_split(const char *u, struct uri_parts *p)
{
	const char *s = u, *e;

	memset(p, 0, sizeof(*p));
	for (e = s; *e && *e != ':' && *e != '/' && *e != '?' && *e != '#';
	     e++)
		;
	if (*e == ':' && e > s) {
		p->has_scheme = 1;
		p->scheme = s;
		p->nscheme = (size_t)(e - s);
		s = e + 1;
	}
	if (s[0] == '/' && s[1] == '/') {
		s += 2;
		p->has_auth = 1;
		p->auth = s;
		while (*s && *s != '/' && *s != '?' && *s != '#')
			s++;
		p->nauth = (size_t)(s - p->auth);
	}
	p->path = s;
	while (*s && *s != '?' && *s != '#')
		s++;
	p->npath = (size_t)(s - p->path);
	if (*s == '?') {
		p->has_query = 1;
		p->query = ++s;
		while (*s && *s != '#')
			s++;
		p->nquery = (size_t)(s - p->query);
	}
	if (*s == '#') {
		p->has_frag = 1;
		p->frag = s + 1;
		p->nfrag = strlen(s + 1);
	}
}

/* RFC 3986 5.2.4, on the path `in`, appending the result to `out`. */
static int remove_dots(struct ks_buf *out, const char *in, size_t n)
{
	struct ks_buf b = KS_BUF_INIT;
	char *w = ks_strndup(in, n), *p;
	int rc = -1;

	if (!w)
		return -1;
	p = w;
	while (*p) {
		if (!strncmp(p, "../", 3)) {
			p += 3;
		} else if (!strncmp(p, "./", 2)) {
			p += 2;
		} else if (!strncmp(p, "/./", 3)) {
			p += 2;
		} else if (!strcmp(p, "/.")) {
			p += 1;
			*p = '/';
		} else if (!strncmp(p, "/../", 4) || !strcmp(p, "/..")) {
			char *slash;

			if (p[3]) {
				p += 3;
			} else {
				p += 2;
				*p = '/';
			}
			b.ptr[b.len] = '\0';
			slash = strrchr(b.ptr, '/');
			b.len = slash ? (size_t)(slash - b.ptr) : 0;
			b.ptr[b.len] = '\0';
		} else if (!strcmp(p, ".") || !strcmp(p, "..")) {
			break;
		} else {
			size_t seg = *p == '/' ? 1 : 0;

			while (p[seg] && p[seg] != '/')
				seg++;
			if (ks_buf_add(&b, p, seg) < 0)
				goto out;
			p += seg;
		}
	}
	rc = ks_buf_add(out, b.ptr, b.len);
out:
	ks_buf_release(&b);
	ks_free(w);
	return rc;
}

/* "//authority", when the reference has one. */
static int put_auth(struct ks_buf *out, const struct uri_parts *p)
{
	if (!p->has_auth)
		return 0;
	return ks_buf_puts(out, "//") | ks_buf_add(out, p->auth, p->nauth);
}

/* "?query", when the reference has one. */
static int put_query(struct ks_buf *out, const struct uri_parts *p)
{
	if (!p->has_query)
		return 0;
	return ks_buf_putc(out, '?') | ks_buf_add(out, p->query, p->nquery);
}

/*
 * Resolves `ref` against the absolute `base` (RFC 3986 §5.2.2); NULL on
 * no memory.
 */
char *ks_sc_uri_resolve(const char *base, const char *ref)
{
	struct uri_parts b, r;
	struct ks_buf out = KS_BUF_INIT;
	const struct uri_parts *scheme;
	int rc = 0;

	uri_split(ref, &r);
	uri_split(base ? base : "", &b);
	scheme = r.has_scheme ? &r : &b;
	if (scheme->has_scheme) {
		rc |= ks_buf_add(&out, scheme->scheme, scheme->nscheme);
		rc |= ks_buf_putc(&out, ':');
	}
	if (r.has_scheme || r.has_auth) {
		/* The reference brings its own authority and path. */
		rc |= put_auth(&out, &r);
		rc |= remove_dots(&out, r.path, r.npath);
		rc |= put_query(&out, &r);
	} else {
		rc |= put_auth(&out, &b);
		if (!r.npath) {
			rc |= ks_buf_add(&out, b.path, b.npath);
			rc |= put_query(&out, r.has_query ? &r : &b);
		} else {
			struct ks_buf m = KS_BUF_INIT;

			if (r.path[0] == '/') {
				rc |= ks_buf_add(&m, r.path, r.npath);
			} else if (b.has_auth && !b.npath) {
				rc |= ks_buf_putc(&m, '/');
				rc |= ks_buf_add(&m, r.path, r.npath);
			} else {
				size_t k = b.npath;

				while (k > 0 && b.path[k - 1] != '/')
					k--;
				rc |= ks_buf_add(&m, b.path, k);
				rc |= ks_buf_add(&m, r.path, r.npath);
			}
			rc |= remove_dots(&out, m.ptr, m.len);
			ks_buf_release(&m);
			rc |= put_query(&out, &r);
		}
	}
	if (r.has_frag) {
		rc |= ks_buf_putc(&out, '#');
		rc |= ks_buf_add(&out, r.frag, r.nfrag);
	}
	if (rc) {
		ks_buf_release(&out);
		return NULL;
	}
	return ks_buf_detach(&out, NULL);
}

/* Percent-decodes in place. */
static void pct_decode(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '%' && ks_hex_digit(s[1]) >= 0 && ks_hex_digit(s[2]) >= 0) {
			*o++ = (char)(ks_hex_digit(s[1]) * 16 + ks_hex_digit(s[2]));
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/* "file:///a/b" from an absolute path, percent-encoding what needs it. */
static char *file_uri(const char *path)
{
	struct ks_buf b = KS_BUF_INIT;
	const unsigned char *p;
	int rc = ks_buf_puts(&b, "file://");

	for (p = (const unsigned char *)path; *p && !rc; p++) {
		if (*p <= ' ' || *p == '%' || *p == '#' || *p == '?' ||
		    *p >= 0x7f)
			rc = ks_buf_addf(&b, "%%%02X", *p);
		else
			rc = ks_buf_putc(&b, (char)*p);
	}
	if (rc) {
		ks_buf_release(&b);
		return NULL;
	}
	return ks_buf_detach(&b, NULL);
}

/* An absolute, dot-free version of `dir` (relative to the cwd). */
static char *abs_dir(const char *dir)
{
	struct ks_buf b = KS_BUF_INIT, out = KS_BUF_INIT;
	char cwd[4096];
	int rc = 0;

	if (dir[0] != '/') {
		if (!getcwd(cwd, sizeof(cwd)))
			return NULL;
		rc |= ks_buf_puts(&b, cwd);
		rc |= ks_buf_putc(&b, '/');
	}
	rc |= ks_buf_puts(&b, dir);
	if (!b.len || b.ptr[b.len - 1] != '/')
		rc |= ks_buf_putc(&b, '/');
	if (!rc)
		rc = remove_dots(&out, b.ptr, b.len);
	ks_buf_release(&b);
	if (rc) {
		ks_buf_release(&out);
		return NULL;
	}
	return ks_buf_detach(&out, NULL);
}

/* ---- the compiler ---- */

void ks_sc_oom(struct ks_comp *c)
{
	c->oom = 1;
}

void ks_sc_error(struct ks_comp *c, const char *file, const struct ks_node *at,
		 const char *kw, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ks_diags_vadd(c->d, KS_SEV_ERROR, file, at ? at->line : 0,
		      at ? at->col : 0, NULL, kw, fmt, ap);
	va_end(ap);
	c->errors++;
}

static size_t ptr_hash(const void *p)
{
	uintptr_t x = (uintptr_t)p;

	x ^= x >> 17;
	x *= (uintptr_t)0x9E3779B97F4A7C15ull;
	return (size_t)(x ^ (x >> 29));
}

struct node_entry {
	const struct ks_node *node;
	struct ks_snode *s;
};

static int node_eq(const void *entry, const void *key)
{
	return ((const struct node_entry *)entry)->node == key;
}

struct ks_snode *ks_sc_map_get(const struct ks_nodemap *m,
			       const struct ks_node *n)
{
	const struct node_entry *e = ks_table_find(&m->t, ptr_hash(n), n,
						   node_eq);

	return e ? e->s : NULL;
}

int ks_sc_map_put(struct ks_nodemap *m, const struct ks_node *n,
		  struct ks_snode *s)
{
	struct node_entry *e;

	/* A zeroed map learns its entries' size at the first addition. */
	if (!m->t.size)
		ks_table_init(&m->t, sizeof(*e));
	e = ks_table_add(&m->t, ptr_hash(n));
	if (!e)
		return -1;
	e->node = n;
	e->s = s;
	return 0;
}

const char *ks_sc_strdup(struct ks_comp *c, const char *s)
{
	char *p = ks_sc_strndup(c->m, s, strlen(s));

	if (!p)
		ks_sc_oom(c);
	return p;
}

static struct ks_sres *reg_find(struct ks_comp *c, const char *uri)
{
	struct reg_item *r;

	for (r = c->m->reg; r; r = r->next)
		if (!strcmp(r->uri, uri))
			return r->res;
	return NULL;
}

void ks_sc_register(struct ks_comp *c, const char *uri, struct ks_sres *res)
{
	struct reg_item *r;

	if (reg_find(c, uri))
		return;
	r = ks_sc_alloc(c->m, sizeof(*r));
	if (!r) {
		ks_sc_oom(c);
		return;
	}
	r->uri = uri;
	r->res = res;
	r->next = c->m->reg;
	c->m->reg = r;
}

struct ks_sres *ks_sc_resource(struct ks_comp *c, const char *uri,
			       const struct ks_node *src)
{
	struct ks_sres *r = ks_sc_alloc(c->m, sizeof(*r));

	if (!r) {
		ks_sc_oom(c);
		return NULL;
	}
	r->uri = uri;
	r->src = src;
	r->next = c->s->resources;
	c->s->resources = r;
	ks_sc_register(c, uri, r);
	return r;
}

void ks_sc_anchor(struct ks_comp *c, struct ks_sres *res, const char *name,
		  struct ks_snode *s, int dynamic)
{
	struct ks_sanchor *a;

	if (!res)
		return;
	for (a = res->anchors; a; a = a->next) {
		if (!strcmp(a->name, name)) {
			if (dynamic && a->s == s)
				a->dynamic = 1;
			return;
		}
	}
	a = ks_sc_alloc(c->m, sizeof(*a));
	if (!a) {
		ks_sc_oom(c);
		return;
	}
	a->name = name;
	a->s = s;
	a->dynamic = dynamic;
	a->next = res->anchors;
	res->anchors = a;
}

int ks_sc_pending(struct ks_comp *c, struct ks_snode *s, const char *ref,
		  const char *base, const struct ks_node *at,
		  int dynamic)
{
	if (c->npend == c->apend) {
		size_t na = c->apend ? c->apend * 2 : 32;
		struct ks_pending *p = ks_realloc(c->pend, na * sizeof(*p));

		if (!p) {
			ks_sc_oom(c);
			return -1;
		}
		c->pend = p;
		c->apend = na;
	}
	c->pend[c->npend].s = s;
	c->pend[c->npend].ref = ref;
	c->pend[c->npend].base = base;
	c->pend[c->npend].at = at;
	c->pend[c->npend].dynamic = dynamic;
	c->npend++;
	return 0;
}

int ks_sc_track(struct ks_comp *c, struct ks_snode *s)
{
	if (c->nall == c->aall) {
		size_t na = c->aall ? c->aall * 2 : 128;
		struct ks_snode **v = ks_realloc(c->all, na * sizeof(*v));

		if (!v) {
			ks_sc_oom(c);
			return -1;
		}
		c->all = v;
		c->aall = na;
	}
	c->all[c->nall++] = s;
	return 0;
}

int ks_sc_prop_cmp(const void *a, const void *b)
{
	const struct ks_sprop *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int r = memcmp(x->name, y->name, n);

	if (r)
		return r;
	return x->len < y->len ? -1 : x->len > y->len;
}

/* ---- documents and references ---- */

int ks_sc_fetch(struct ks_comp *c, const char *uri, struct ks_doc **out,
		struct ks_diags *d)
{
	const struct ks_schema_opts *o = c->opts;
	struct ks_buf disp = KS_BUF_INIT;
	char *path;
	int rc;

	*out = NULL;
	if (c->m->ndocs >= MAX_DOCS)
		return KS_ENOTFOUND;
	if (o->fetch) {
		rc = o->fetch(o->fetch_ctx, uri, out, d);
		if (rc != KS_ENOTFOUND)
			goto done;
	}
	if (strncmp(uri, "file://", 7) || !c->base_dir)
		return KS_ENOTFOUND;
	path = ks_strdup(uri + 7);
	if (!path)
		return -1;
	pct_decode(path);
	/*
	 * Only files inside the schema's own folder are read; dot segments
	 * were removed from the URI, so any left came from %2e escapes.
	 */
	if (strncmp(path, c->base_dir, strlen(c->base_dir)) ||
	    strstr(path, "/../") || strstr(path, "/./") ||
	    (strlen(path) >= 3 && !strcmp(path + strlen(path) - 3, "/.."))) {
		ks_free(path);
		return KS_ENOTFOUND;
	}
	if (ks_buf_puts(&disp, c->display_dir) < 0 ||
	    ks_buf_puts(&disp, path + strlen(c->base_dir)) < 0) {
		ks_free(path);
		ks_buf_release(&disp);
		return -1;
	}
	{
		struct ks_diags tmp = KS_DIAGS_INIT;

		/* a missing file is reported at the $ref, not here */
		rc = ks_doc_load(out, path, disp.ptr, 0, &tmp);
		if (rc == KS_ENOTFOUND)
			ks_diags_release(&tmp);
		else
			ks_diags_move(d, &tmp);
	}
	ks_free(path);
	ks_buf_release(&disp);
done:
	if (rc == 0 && *out)
		c->m->ndocs++;
	return rc;
}

/* The schema takes `doc` over; on failure the caller still owns it. */
static int own_doc(struct ks_comp *c, struct ks_doc *doc)
{
	struct doc_item *it = ks_sc_alloc(c->m, sizeof(*it));

	if (!it) {
		ks_sc_oom(c);
		return -1;
	}
	it->doc = doc;
	it->next = c->m->docs;
	c->m->docs = it;
	return 0;
}

static struct ks_sres *load_resource(struct ks_comp *c, const char *docuri,
				     const struct ks_pending *p)
{
	struct ks_doc *doc = NULL;
	struct ks_sres *res;
	struct ks_wctx w;
	const char *uri, *file;
	int rc;

	rc = ks_sc_fetch(c, docuri, &doc, c->d);
	if (rc == -1) {
		ks_sc_oom(c);
		return NULL;
	}
	if (rc == KS_ENOTFOUND) {
		ks_sc_error(c, p->s->file, p->at,
			    p->dynamic ? "$dynamicRef" : "$ref", "cannot "
			    "resolve \"%s\": no schema at %s", p->ref, docuri);
		return NULL;
	}
	if (rc == KS_EIO) {
		/* the file system failed: that is the status to return */
		c->status = rc;
		return NULL;
	}
	if (rc < 0 || !doc || !ks_doc_root(doc)) {
		if (rc == 0)
			ks_sc_error(c, p->s->file, p->at, "$ref", "cannot "
				    "resolve \"%s\": %s is empty", p->ref,
				    docuri);
		else
			ks_sc_error(c, p->s->file, p->at, "$ref",
				    "cannot resolve \"%s\": %s is not a valid "
				    "schema", p->ref, docuri);
		ks_doc_free(doc);
		return NULL;
	}
	if (own_doc(c, doc) < 0) {
		ks_doc_free(doc);
		return NULL;
	}
	uri = ks_sc_strdup(c, docuri);
	file = ks_sc_strdup(c, ks_doc_path(doc) ? ks_doc_path(doc) : docuri);
	if (!uri || !file)
		return NULL;
	res = ks_sc_resource(c, uri, ks_doc_root(doc));
	if (!res)
		return NULL;
	memset(&w, 0, sizeof(w));
	w.file = file;
	w.base = uri;
	w.res = res;
	w.doc_root = 1;
	if (!ks_sc_walk(c, ks_doc_root(doc), &w, 0))
		return NULL;
	return res;
}

/* Follows a JSON Pointer (already percent-decoded) from `n`. */
static const struct ks_node *pointer_walk(const struct ks_node *n,
					  const char *ptr, int *nomem)
{
	struct ks_buf tok = KS_BUF_INIT;
	const char *p = ptr;

	while (n && *p == '/') {
		const char *e;
		size_t i;

		p++;
		e = strchr(p, '/');
		if (!e)
			e = p + strlen(p);
		ks_buf_reset(&tok);
		for (; p < e; p++) {
			char ch = *p;

			if (ch == '~' && p + 1 < e && (p[1] == '0' ||
							p[1] == '1')) {
				ch = p[1] == '0' ? '~' : '/';
				p++;
			}
			if (ks_buf_putc(&tok, ch) < 0) {
				*nomem = 1;
				n = NULL;
				goto out;
			}
		}
		if (n->kind == KS_NODE_MAP) {
			const struct ks_node *next = NULL;

			for (i = 0; i < n->u.map.n; i++) {
				const struct ks_pair *q = &n->u.map.v[i];

				if (q->key_len == tok.len &&
				    !memcmp(q->key, tok.ptr, tok.len)) {
					next = q->value;
					break;
				}
			}
			n = next;
		} else if (n->kind == KS_NODE_SEQ) {
			char *end;
			unsigned long k;

			if (!tok.len || (tok.len > 1 && tok.ptr[0] == '0') ||
			    tok.ptr[0] < '0' || tok.ptr[0] > '9') {
				n = NULL;
				break;
			}
			errno = 0;
			k = strtoul(tok.ptr, &end, 10);
			if (*end || errno || k >= n->u.seq.n)
				n = NULL;
			else
				n = n->u.seq.v[k];
		} else {
			n = NULL;
		}
	}
	if (*p)
		n = NULL;
out:
	ks_buf_release(&tok);
	return n;
}

static void resolve_one(struct ks_comp *c, const struct ks_pending *p)
{
	char *abs = ks_sc_uri_resolve(p->base, p->ref), *frag;
	const char *kw = p->dynamic ? "$dynamicRef" : "$ref";
	struct ks_sres *res;
	struct ks_snode *t = NULL;

	if (!abs) {
		ks_sc_oom(c);
		return;
	}
	frag = strchr(abs, '#');
	if (frag)
		*frag++ = '\0';
	else
		frag = abs + strlen(abs);
	pct_decode(frag);
	res = reg_find(c, abs);
	if (!res)
		res = load_resource(c, abs, p);
	if (!res)
		goto out;
	if (!*frag) {
		t = res->root;
	} else if (*frag == '/') {
		int nomem = 0;
		const struct ks_node *n = pointer_walk(res->src, frag, &nomem);

		if (nomem) {
			ks_sc_oom(c);
			goto out;
		}
		if (!n) {
			ks_sc_error(c, p->s->file, p->at, kw, "cannot resolve "
				    "\"%s\": nothing at %s", p->ref, frag);
			goto out;
		}
		t = ks_sc_map_get(&c->map, n);
		if (!t) {
			struct ks_wctx w;

			memset(&w, 0, sizeof(w));
			w.file = res->root ? res->root->file : p->s->file;
			w.base = res->uri;
			w.res = res;
			t = ks_sc_walk(c, n, &w, 0);
		}
	} else {
		struct ks_sanchor *a;

		for (a = res->anchors; a; a = a->next)
			if (!strcmp(a->name, frag))
				break;
		if (!a) {
			ks_sc_error(c, p->s->file, p->at, kw,
				    "cannot resolve \"%s\": no anchor \"%s\"",
				    p->ref, frag);
			goto out;
		}
		t = a->s;
		if (p->dynamic && a->dynamic) {
			p->s->dyn_name = ks_sc_strdup(c, frag);
		}
	}
	if (!t)
		goto out;
	if (p->dynamic)
		p->s->dynref = t;
	else
		p->s->ref = t;
out:
	ks_free(abs);
}

static void resolve_all(struct ks_comp *c)
{
	size_t i;

	/* resolving can load documents, which adds to the list */
	for (i = 0; i < c->npend && !c->oom; i++) {
		struct ks_pending p = c->pend[i];

		resolve_one(c, &p);
	}
}

/* ---- checks and derived data over the whole tree ---- */

/* The k-th subschema applied at the same instance location, if any. */
static int edge(const struct ks_snode *s, size_t k, struct ks_snode **t,
		int *is_ref)
{
	*is_ref = 0;
	*t = NULL;
	if (k == 0) {
		*t = s->ref;
		*is_ref = 1;
		return 1;
	}
	k--;
	if (k < s->nallof) {
		*t = s->allof[k];
		return 1;
	}
	k -= s->nallof;
	if (k < s->nanyof) {
		*t = s->anyof[k];
		return 1;
	}
	k -= s->nanyof;
	if (k < s->noneof) {
		*t = s->oneof[k];
		return 1;
	}
	k -= s->noneof;
	if (k < s->ndepsch) {
		*t = s->depsch[k].s;
		return 1;
	}
	k -= s->ndepsch;
	switch (k) {
	case 0: *t = s->not_; return 1;
	case 1: *t = s->if_; return 1;
	case 2: *t = s->then_; return 1;
	case 3: *t = s->else_; return 1;
	}
	return 0;
}

unsigned ks_sc_type_and(unsigned a, unsigned b)
{
	unsigned r;

	if (!a)
		return b;
	if (!b)
		return a;
	r = a & b;
	if ((a & KS_TYPE_NUMBER) && (b & KS_TYPE_INTEGER))
		r |= KS_TYPE_INTEGER;
	if ((b & KS_TYPE_NUMBER) && (a & KS_TYPE_INTEGER))
		r |= KS_TYPE_INTEGER;
	return r ? r : a;
}

static int merge_iprops(struct ks_comp *c, struct ks_snode *s)
{
	size_t i, j, total = 0, n = 0;
	struct ks_sprop *v;
	int merged = 0;

	for (i = 0; i < s->nseq; i++) {
		const struct ks_sseq *e = &s->seq[i];

		if (e->kind == KS_SEQ_PROPS) {
			total += s->nprops;
		} else if (e->kind == KS_SEQ_REF && s->ref) {
			total += s->ref->niprops;
			merged = 1;
		} else if (e->kind == KS_SEQ_ALLOF) {
			total += e->s->niprops;
			merged = 1;
		}
	}
	if (!merged) {
		s->iprops = s->props;
		s->niprops = s->nprops;
		return 0;
	}
	if (!total)
		return 0;
	v = ks_sc_alloc(c->m, total * sizeof(*v));
	if (!v) {
		ks_sc_oom(c);
		return -1;
	}
	for (i = 0; i < s->nseq; i++) {
		const struct ks_sseq *e = &s->seq[i];
		const struct ks_sprop *src = NULL;
		size_t ns = 0, k;

		if (e->kind == KS_SEQ_PROPS) {
			src = s->props;
			ns = s->nprops;
		} else if (e->kind == KS_SEQ_REF && s->ref) {
			src = s->ref->iprops;
			ns = s->ref->niprops;
		} else if (e->kind == KS_SEQ_ALLOF) {
			src = e->s->iprops;
			ns = e->s->niprops;
		}
		for (k = 0; k < ns; k++) {
			for (j = 0; j < n; j++)
				if (!ks_sc_prop_cmp(&v[j], &src[k]))
					break;
			if (j == n)
				v[n++] = src[k];
		}
	}
	s->iprops = v;
	s->niprops = n;
	return 0;
}

/*
 * Finds cycles of subschemas applied at one instance location (a schema
 * that only refers to itself would recurse forever on any value), then
 * computes, children first, what follows $ref and allOf.
 */
static void check_cycles(struct ks_comp *c)
{
	size_t n = c->nall, i, top;
	unsigned char *color = ks_calloc(n ? n : 1, 1);
	size_t *stk = ks_malloc((n ? n : 1) * sizeof(*stk));
	size_t *next = ks_calloc(n ? n : 1, sizeof(*next));
	struct ks_snode **post = ks_malloc((n ? n : 1) * sizeof(*post));
	size_t npost = 0;

	if (!color || !stk || !next || !post) {
		ks_sc_oom(c);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (color[i])
			continue;
		color[i] = 1;
		stk[0] = i;
		top = 1;
		while (top) {
			struct ks_snode *s = c->all[stk[top - 1]], *t;
			int is_ref;

			if (!edge(s, next[s->id]++, &t, &is_ref)) {
				color[s->id] = 2;
				post[npost++] = s;
				top--;
				continue;
			}
			if (!t)
				continue;
			if (color[t->id] == 1) {
				if (is_ref)
					ks_sc_error(c, s->file, s->ref_at,
						    "$ref", "$ref \"%s\" "
						    "loops back to itself "
						    "without descending into "
						    "the value", s->ref_str);
				else
					ks_sc_error(c, t->file, t->src, NULL,
						    "subschema "
						    "loops back to itself "
						    "without descending into "
						    "the value");
				continue;
			}
			if (color[t->id] == 0) {
				color[t->id] = 1;
				stk[top++] = t->id;
			}
		}
	}
	if (c->errors)
		goto out;
	for (i = 0; i < npost; i++) {
		struct ks_snode *s = post[i];
		unsigned t = (s->kw & KW_TYPE) ? s->types : 0;
		size_t k;

		if (s->ref)
			t = ks_sc_type_and(t, s->ref->stypes);
		for (k = 0; k < s->nallof; k++)
			t = ks_sc_type_and(t, s->allof[k]->stypes);
		s->stypes = t;
		if (merge_iprops(c, s) < 0)
			break;
	}
out:
	ks_free(color);
	ks_free(stk);
	ks_free(next);
	ks_free(post);
}

/* ---- compiling, loading, freeing ---- */

static char *dir_of(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	if (!slash)
		return ks_strdup("");
	return ks_strndup(path, (size_t)(slash - path) + 1);
}

static int compile(struct ks_schema **out, struct ks_doc *doc,
		   const struct ks_schema_opts *opts, const char *base_uri,
		   struct ks_diags *d)
{
	struct ks_comp c;
	struct ks_schema *s = NULL;
	struct ks_sres *res;
	struct ks_wctx w;
	const char *display = ks_doc_path(doc);
	const struct ks_node *xm;
	int rc = -1;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	c.d = d;
	c.opts = opts;
	c.flags = opts->flags;
	s = ks_calloc(1, sizeof(*s));
	if (s)
		s->mem = ks_calloc(1, sizeof(*s->mem));
	c.s = s;
	c.m = s ? s->mem : NULL;
	if (!c.m || own_doc(&c, doc) < 0) {
		/* nothing owns the document yet */
		ks_error(d, -1, display, 0, 0, "out of memory");
		ks_schema_free(s);
		ks_doc_free(doc);
		return -1;
	}
	s->flags = opts->flags;
	if (!ks_doc_root(doc)) {
		rc = ks_error(d, KS_EINVALID, display, 1, 1,
			      "the schema is empty");
		goto out;
	}
	if (opts->base_dir) {
		c.base_dir = abs_dir(opts->base_dir);
		c.display_dir = dir_of(display);
		if (!c.base_dir || !c.display_dir)
			goto out;
	}
	/*
	 * Compiled patterns keep these allocation functions, so matching
	 * later allocates through ks_malloc too.
	 */
	c.gctx = pcre2_general_context_create(pcre_malloc, pcre_free, NULL);
	if (c.gctx)
		c.cctx = pcre2_compile_context_create(c.gctx);
	if (!c.cctx)
		goto out;
	res = ks_sc_resource(&c, ks_sc_strdup(&c, base_uri), ks_doc_root(doc));
	if (!res || !res->uri)
		goto out;
	memset(&w, 0, sizeof(w));
	w.file = display;
	w.base = res->uri;
	w.res = res;
	w.doc_root = 1;
	s->root = ks_sc_walk(&c, ks_doc_root(doc), &w, 0);
	if (!c.oom)
		resolve_all(&c);
	if (!c.oom && !c.errors && !c.status)
		check_cycles(&c);
	if (!c.oom && !c.errors && !c.status)
		ks_sc_build_shapes(&c);
	if (c.oom)
		goto out;
	if (c.status || c.errors) {
		rc = c.status ? c.status : KS_EINVALID;
		goto out;
	}
	xm = ks_map_get(ks_doc_root(doc), "x-merge");
	s->xmerge = ks_sc_str(xm);
	*out = s;
	s = NULL;
	rc = 0;
out:
	if (rc == -1)
		ks_error(d, -1, display, 0, 0, "out of memory");
	ks_free(c.pend);
	ks_table_release(&c.map.t);
	ks_free(c.all);
	ks_free(c.base_dir);
	ks_free(c.display_dir);
	pcre2_compile_context_free(c.cctx);
	pcre2_general_context_free(c.gctx);
	ks_schema_free(s);
	return rc;
}

int ks_schema_compile_opts(struct ks_schema **out, struct ks_doc *doc,
			   const struct ks_schema_opts *opts,
			   struct ks_diags *d)
{
	static const struct ks_schema_opts none = KS_SCHEMA_OPTS_INIT;
	struct ks_buf uri = KS_BUF_INIT;
	char *dir = NULL, *fu = NULL;
	const char *path, *base;
	int rc;

	if (!opts)
		opts = &none;
	base = opts->base_uri;
	if (!base && opts->base_dir) {
		path = ks_doc_path(doc);
		dir = abs_dir(opts->base_dir);
		if (!dir || ks_buf_puts(&uri, dir) < 0 ||
		    ks_buf_puts(&uri, path && strrchr(path, '/') ?
				strrchr(path, '/') + 1 :
				path ? path : "schema.yaml") < 0) {
			ks_free(dir);
			ks_buf_release(&uri);
			ks_doc_free(doc);
			return ks_error(d, -1, path, 0, 0, "out of memory");
		}
		fu = file_uri(uri.ptr);
		if (!fu) {
			ks_free(dir);
			ks_buf_release(&uri);
			ks_doc_free(doc);
			return ks_error(d, -1, path, 0, 0, "out of memory");
		}
		base = fu;
	}
	if (!base)
		base = "khaosat:/schema";
	rc = compile(out, doc, opts, base, d);
	ks_free(dir);
	ks_free(fu);
	ks_buf_release(&uri);
	return rc;
}

int ks_schema_compile(struct ks_schema **out, struct ks_doc *doc,
		      const char *base_dir, unsigned flags,
		      struct ks_diags *d)
{
	struct ks_schema_opts o = KS_SCHEMA_OPTS_INIT;

	o.flags = flags;
	o.base_dir = base_dir;
	return ks_schema_compile_opts(out, doc, &o, d);
}

int ks_schema_load(struct ks_schema **out, const char *fspath,
		   const char *display, unsigned flags, struct ks_diags *d)
{
	struct ks_doc *doc = NULL;
	char *dir;
	int rc;

	*out = NULL;
	rc = ks_doc_load(&doc, fspath, display ? display : fspath, 0, d);
	if (rc)
		return rc;
	dir = dir_of(fspath);
	if (!dir) {
		ks_doc_free(doc);
		return ks_error(d, -1, display, 0, 0, "out of memory");
	}
	rc = ks_schema_compile(out, doc, *dir ? dir : ".", flags, d);
	ks_free(dir);
	return rc;
}

void ks_schema_free(struct ks_schema *s)
{
	if (!s)
		return;
	mem_free(s->mem);
	ks_free(s);
}


/*
 * The interactive form behind `khaosat new` on a terminal.  Each answer is
 * checked at once (its schema, the records it refers to, values another
 * record holds), so a surveyor fixes a typo while still looking at the
 * question, and kept on disk at once, so nothing typed is ever lost.
 *
 * The form is not a fixed list of questions: after every answer it walks
 * the schema and the record in schema order and asks the first question
 * that is still open.  A question is open when it was never answered, or
 * when its field is required now (a condition made it so) and empty.  The
 * answers are a log of "<what> <pointer>" lines (a value given, a part or
 * list item opened, kept or declined), which is what the form keeps on
 * disk, what "<" pops, and what a correction or a review takes lines out of
 * to ask them again.
 */
#include "form.h"
#include "cli.h"
#include "alloc.h"
#include "answer.h"
#include "buf.h"
#include "check.h"
#include "diag.h"
#include "input.h"
#include "intl.h"
#include "labels.h"
#include "record.h"
#include "schema.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FORM_DEPTH 8

/* What an ask returns besides 0 (answered) and -1 (failure). */
enum {
	A_NO = 0,
	A_YES = 1,
	A_BACK = 2,		/* "<": the previous question again */
	A_ABANDON = 3,		/* from the review, confirmed */
	A_EOF = -2,
	A_STOP = -3,		/* Ctrl-C */
};

/* The kinds of answer in the log. */
enum what { W_VALUE, W_EMPTY, W_OPEN, W_NO, W_KEEP };
static const char *const what_names[] = { "value", "empty", "open", "no", "keep" };
#define IS_GATE(w) ((w) >= W_OPEN)

static volatile sig_atomic_t stopped;

static void on_interrupt(int sig)
{
	(void)sig;
	stopped = 1;
}

static const char *label(const struct ks_snode *s, const char *name)
{
	const char *t = s ? ks_snode_title(s) : NULL;

	return t && *t ? t : name;
}

/* Reads one line; NULL when the input ended or Ctrl-C was pressed. */
static char *read_answer(const char *prompt)
{
	return read_line_or_stop(prompt, &stopped, SIGINT);
}

static int no_answer(void)
{
	if (stopped)
		return A_STOP;
	return A_EOF;
}

#define NOT_SHOWN _("(cannot be shown: out of memory)")

/* The text built in `b`, unless memory ran out while it was built. */
static const char *whole(const struct ks_buf *b)
{
	return ks_buf_failed(b) ? NOT_SHOWN : b->ptr;
}

/* y/n, "<" when `back`; A_YES, A_NO, A_BACK, A_EOF or A_STOP. */
static int ask_yn(const char *question, int def, int back)
{
	struct ks_buf p = KS_BUF_INIT;
	int r = -1;

	ks_buf_addf(&p, "%s [%s] ", question, def ? _("Y/n") : _("y/N"));
	while (r < 0) {
		char *a = read_answer(whole(&p));

		if (!a) {
			r = no_answer();
			break;
		}
		if (!*a)
			r = def;
		else if (back && !strcmp(a, "<"))
			r = A_BACK;
		else if (!strcasecmp(a, "y") || !strcasecmp(a, "yes") ||
			 !strcasecmp(a, "c") || !strcasecmp(a, "có"))
			r = A_YES;
		else if (!strcasecmp(a, "n") || !strcasecmp(a, "no") ||
			 !strcasecmp(a, "k") || !strcasecmp(a, "không"))
			r = A_NO;
		else
			fputs(_("please answer c (có) or k (không)\n"), stdout);
		free(a);
	}
	ks_buf_release(&p);
	return r;
}

int form_yes_no(const char *question, int def)
{
	int r = ask_yn(question, def, 0);

	return r < 0 ? -1 : r;
}

/* ---- pointers ---- */

static char *ptr_key(const char *parent, const char *key)
{
	struct ks_buf b = KS_BUF_INIT;

	ks_buf_addf(&b, "%s/", parent);
	for (; *key; key++) {
		if (*key == '~')
			ks_buf_puts(&b, "~0");
		else if (*key == '/')
			ks_buf_puts(&b, "~1");
		else
			ks_buf_putc(&b, *key);
	}
	return ks_buf_detach(&b, NULL);
}

static char *ptr_index(const char *parent, size_t i)
{
	struct ks_buf b = KS_BUF_INIT;

	ks_buf_addf(&b, "%s/%zu", parent, i);
	return ks_buf_detach(&b, NULL);
}

/*
 * The next segment of a pointer at *p, unescaped into `seg`; advances *p.
 * 0 at the end.
 */
static int next_segment(const char **p, struct ks_buf *seg)
{
	const char *s = *p;

	ks_buf_reset(seg);
	if (*s != '/')
		return 0;
	for (s++; *s && *s != '/'; s++) {
		if (*s == '~' && (s[1] == '0' || s[1] == '1')) {
			ks_buf_putc(seg, s[1] == '0' ? '~' : '/');
			s++;
		} else {
			ks_buf_putc(seg, *s);
		}
	}
	*p = s;
	return 1;
}

/* The node at `ptr` and its container; NULL when there is none. */
static struct ks_node *node_at(struct ks_node *root, const char *ptr,
			       struct ks_node **parent, size_t *index)
{
	struct ks_buf seg = KS_BUF_INIT;
	struct ks_node *n = root;

	*parent = NULL;
	while (n && next_segment(&ptr, &seg)) {
		*parent = n;
		if (n->kind == KS_NODE_MAP) {
			n = ks_map_get(n, seg.ptr);
		} else if (n->kind == KS_NODE_SEQ) {
			char *end;
			unsigned long i = strtoul(seg.ptr, &end, 10);

			n = seg.len && !*end && i < n->u.seq.n ? n->u.seq.v[i] : NULL;
			*index = i;
		} else {
			n = NULL;
		}
	}
	ks_buf_release(&seg);
	return n;
}

static void seq_remove(struct ks_node *seq, size_t i)
{
	memmove(seq->u.seq.v + i, seq->u.seq.v + i + 1,
		(seq->u.seq.n - i - 1) * sizeof(*seq->u.seq.v));
	seq->u.seq.n--;
}

/* ---- the log of answers ---- */

static int entry_what(const char *e)
{
	size_t i, n;

	for (i = 0; i < sizeof(what_names) / sizeof(*what_names); i++) {
		n = strlen(what_names[i]);
		if (!strncmp(e, what_names[i], n) && e[n] == ' ')
			return (int)i;
	}
	return -1;
}

static const char *entry_ptr(const char *e)
{
	const char *sp = strchr(e, ' ');

	return sp ? sp + 1 : "";
}

static void drop_entry(struct form *f, size_t i)
{
	ks_free(f->save.answers[i]);
	memmove(f->save.answers + i, f->save.answers + i + 1,
		(f->save.nanswers - i - 1) * sizeof(*f->save.answers));
	f->save.nanswers--;
}

/* The answer given at `ptr`, of the gate kinds or the value kinds; -1. */
static int find_entry(const struct form *f, const char *ptr, int gate)
{
	size_t i;

	for (i = f->save.nanswers; i-- > 0;) {
		int w = entry_what(f->save.answers[i]);

		if (w >= 0 && !IS_GATE(w) == !gate &&
		    !strcmp(entry_ptr(f->save.answers[i]), ptr))
			return w;
	}
	return -1;
}

/* Records an answer, last in the log, in place of an earlier one. */
static int log_answer(struct form *f, enum what w, const char *ptr)
{
	struct ks_buf b = KS_BUF_INIT;
	size_t i;
	int err;

	for (i = f->save.nanswers; i-- > 0;) {
		int x = entry_what(f->save.answers[i]);

		if (x >= 0 && !IS_GATE(x) == !IS_GATE(w) &&
		    !strcmp(entry_ptr(f->save.answers[i]), ptr))
			drop_entry(f, i);
	}
	if (ks_buf_addf(&b, "%s %s", what_names[w], ptr) < 0)
		return -1;
	err = ks_formsave_add(&f->save, b.ptr);
	ks_buf_release(&b);
	return err;
}

/* Takes every answer at `ptr` or below it out of the log. */
static void unanswer(struct form *f, const char *ptr)
{
	size_t i, n = strlen(ptr);

	for (i = f->save.nanswers; i-- > 0;) {
		const char *p = entry_ptr(f->save.answers[i]);

		if (!strncmp(p, ptr, n) && (!p[n] || p[n] == '/'))
			drop_entry(f, i);
	}
}

/*
 * Item `index` of the list at `lptr` was removed: its answers go, and
 * those of the items after it move up one place.
 */
static int renumber(struct form *f, const char *lptr, size_t index)
{
	size_t i, n = strlen(lptr);

	for (i = f->save.nanswers; i-- > 0;) {
		const char *e = f->save.answers[i], *p = entry_ptr(e);
		struct ks_buf b = KS_BUF_INIT;
		unsigned long k;
		char *end;

		if (strncmp(p, lptr, n) || p[n] != '/' || p[n + 1] < '0' ||
		    p[n + 1] > '9')
			continue;
		k = strtoul(p + n + 1, &end, 10);
		if (*end && *end != '/')
			continue;
		if (k == index) {
			drop_entry(f, i);
			continue;
		}
		if (k < index)
			continue;
		if (ks_buf_addf(&b, "%.*s%lu%s", (int)(p - e) + (int)n + 1, e,
				k - 1, end) < 0)
			return -1;
		ks_free(f->save.answers[i]);
		f->save.answers[i] = ks_buf_detach(&b, NULL);
	}
	return 0;
}

/* Writes the answers to disk: called after every change of the log. */
static int keep(struct form *f, struct ks_diags *d)
{
	f->save.record = f->root;
	return ks_formsave_write(f->repo, &f->save, d);
}

/* ---- what the record needs now ---- */

/* The fields a condition of the schema requires and the record lacks. */
static int refresh_missing(struct form *f)
{
	struct ks_diags vd = KS_DIAGS_INIT;
	size_t i;
	int err = 0;

	ks_paths_release(&f->missing);
	if (ks_map_set(f->doc, f->root, "id", f->idnode) < 0)
		return -1;
	if (ks_schema_validate(f->schema, f->root, NULL, NULL, &vd) == -1)
		err = -1;
	ks_map_remove(f->root, "id");
	for (i = 0; i < vd.n && !err; i++) {
		char *name = ks_diag_missing_property(&vd.v[i]);
		char *p = name ? ptr_key(vd.v[i].pointer ? vd.v[i].pointer : "",
					 name) : NULL;

		if (p && ks_paths_add(&f->missing, p) < 0)
			err = -1;
		ks_free(p);
		ks_free(name);
	}
	ks_diags_release(&vd);
	return err;
}

static int missing(const struct form *f, const char *ptr)
{
	size_t i;

	for (i = 0; i < f->missing.n; i++)
		if (!strcmp(f->missing.v[i], ptr))
			return 1;
	return 0;
}

enum qkind {
	Q_VALUE,		/* a field's value, or a list item's */
	Q_PART,			/* an optional object: fill in, keep, change? */
	Q_ITEM,			/* a list item there already: keep, change? */
	Q_ADD,			/* add a list item? */
};

/* A required object whose title is shown above its first question. */
struct section {
	const char *ptr;
	const struct ks_snode *s;
	const char *name;
	int depth;
};

struct question {
	enum qkind kind;
	char *ptr;
	const struct ks_snode *s;	/* the field's, or the list items' */
	const struct ks_snode *parent;	/* the object's that holds it */
	const struct ks_snode *list;	/* the list's, for items */
	struct ks_node *map;		/* holds the field, or the list */
	const char *name;		/* of the field, or of the list */
	size_t index;			/* of the item */
	int item, required, depth;
	char *sec_ptr;
	struct section sec;
};

static void question_release(struct question *q)
{
	ks_free(q->ptr);
	ks_free(q->sec_ptr);
}

/* Fills in a question found by the walk; 1, or -1 when memory runs out. */
static int found(struct question *q, enum qkind kind, const char *ptr,
		 const struct section *sec)
{
	q->kind = kind;
	q->ptr = ks_strdup(ptr);
	if (sec) {
		q->sec = *sec;
		q->sec_ptr = ks_strdup(sec->ptr);
		q->sec.ptr = q->sec_ptr;
	}
	return q->ptr && (!sec || q->sec_ptr) ? 1 : -1;
}

static int walk_map(struct form *f, const struct ks_snode *s,
		    struct ks_node *map, const char *ptr, int depth,
		    int settled, const struct section *sec,
		    struct question *q);

/* A question about item `i` of a list. */
static int found_item(struct question *q, enum qkind kind, const char *ip,
		      const struct ks_snode *ls, struct ks_node *map,
		      const char *name, size_t i, int required, int depth)
{
	memset(q, 0, sizeof(*q));
	q->s = ks_snode_items(ls);
	q->list = ls;
	q->map = map;
	q->name = name;
	q->index = i;
	q->item = 1;
	/* An item's value is required; the list's mark shows on its title. */
	q->required = kind == Q_VALUE || required;
	q->depth = depth;
	return found(q, kind, ip, NULL);
}

static int walk_list(struct form *f, const struct ks_snode *ls,
		     struct ks_node *map, const char *name, const char *ptr,
		     int required, int depth, int settled, struct question *q)
{
	const struct ks_snode *items = ks_snode_items(ls);
	int objects = items && ks_snode_types(items) == KS_TYPE_OBJECT &&
		      depth < MAX_FORM_DEPTH;
	struct ks_node *list = ks_map_get(map, name);
	size_t i, n = list && list->kind == KS_NODE_SEQ ? list->u.seq.n : 0;
	int r = 0, gate;

	for (i = 0; i <= n && !r; i++) {
		char *ip = ptr_index(ptr, i);
		int kind = Q_VALUE;	/* -1: nothing to ask about this item */

		if (!ip)
			return -1;
		gate = find_entry(f, ip, 1);
		if (i == n) {
			/* whether to add one more */
			if (!settled && gate != W_NO)
				kind = gate == W_OPEN && !objects ? Q_VALUE : Q_ADD;
			else
				kind = -1;
		} else if (gate < 0 && !settled) {
			kind = Q_ITEM;
		} else if (objects && list->u.seq.v[i]->kind == KS_NODE_MAP) {
			r = walk_map(f, items, list->u.seq.v[i], ip, depth + 1,
				     settled || gate == W_KEEP, NULL, q);
			kind = -1;
		} else if (gate != W_OPEN || find_entry(f, ip, 0) >= 0) {
			kind = -1;
		}
		if (kind >= 0)
			r = found_item(q, (enum qkind)kind, ip, ls, map, name, i, required,
				       depth);
		ks_free(ip);
	}
	return r;
}

static int walk_field(struct form *f, const struct ks_snode *parent,
		      struct ks_node *map, const char *name, const char *ptr,
		      int depth, int settled, const struct section *sec,
		      struct question *q)
{
	const struct ks_snode *s = ks_snode_cond_property(parent, name);
	struct ks_node *v = ks_map_get(map, name);
	unsigned types = ks_snode_types(s);
	int required = ks_snode_is_required(parent, name) || missing(f, ptr);
	int answered;

	memset(q, 0, sizeof(*q));
	/* Written by another command (attachments): not asked, kept. */
	if (ks_snode_read_only(s))
		return 0;
	/* What the answers so far rule out is not asked (export countries
	 * of a product sold at home). */
	if (!v && !required) {
		int no = ks_field_forbidden(f->doc, parent, map, name);

		if (no)
			return no < 0 ? -1 : 0;
	}
	q->s = s;
	q->parent = parent;
	q->map = map;
	q->name = name;
	q->depth = depth;
	q->required = required;
	if (types == KS_TYPE_OBJECT && depth < MAX_FORM_DEPTH) {
		struct section mine = { ptr, s, name, depth };
		int gate = find_entry(f, ptr, 1);

		if (!v && required) {
			v = ks_node_map(f->doc);
			if (!v || ks_map_set(f->doc, map, name, v) < 0)
				return -1;
		}
		if (!v)
			return settled || gate == W_NO || gate == W_KEEP ? 0 :
			       found(q, Q_PART, ptr, sec);
		if (v->kind != KS_NODE_MAP)
			return 0;
		if (required)
			return walk_map(f, s, v, ptr, depth + 1, settled, &mine, q);
		if (gate < 0 && !settled)
			return found(q, Q_PART, ptr, sec);
		return walk_map(f, s, v, ptr, depth + 1,
				settled || gate == W_KEEP, NULL, q);
	}
	if (types == KS_TYPE_ARRAY)
		return walk_list(f, s, map, name, ptr, required, depth,
				 settled, q);
	answered = find_entry(f, ptr, 0);
	if (answered < 0 && !settled)
		return found(q, Q_VALUE, ptr, sec);
	/* Required by now, though empty when it was answered. */
	if (required && !v && answered != W_EMPTY)
		return found(q, Q_VALUE, ptr, sec);
	return 0;
}

static int walk_map(struct form *f, const struct ks_snode *s,
		    struct ks_node *map, const char *ptr, int depth,
		    int settled, const struct section *sec,
		    struct question *q)
{
	size_t i, n = ks_snode_property_count(s);

	for (i = 0; i < n; i++) {
		const char *name = ks_snode_property_name(s, i);
		char *p;
		int r;

		if (!depth && !strcmp(name, "id"))
			continue;
		p = ptr_key(ptr, name);
		if (!p)
			return -1;
		r = walk_field(f, s, map, name, p, depth, settled, sec, q);
		ks_free(p);
		if (r)
			return r;
	}
	/*
	 * A field a condition requires and only a conditional part of the
	 * schema describes; its name lives in f->missing until the next walk.
	 */
	for (i = 0; i < f->missing.n; i++) {
		const char *m = f->missing.v[i], *name = strrchr(m, '/') + 1;
		size_t len = strlen(ptr);
		int r;

		if (strncmp(m, ptr, len) || m[len] != '/' ||
		    name != m + len + 1 || strchr(name, '~') ||
		    ks_snode_property(s, name) ||
		    !ks_snode_cond_property(s, name))
			continue;
		r = walk_field(f, s, map, name, m, depth, settled, sec, q);
		if (r)
			return r;
	}
	return 0;
}

/* The first open question: 1 (in *q), 0 when none is left, or -1. */
static int next_question(struct form *f, struct question *q)
{
	memset(q, 0, sizeof(*q));
	if (refresh_missing(f) < 0)
		return -1;
	return walk_map(f, ks_schema_root(f->schema), f->root, "", 0, 0,
			NULL, q);
}

/* ---- asking ---- */

static void print_header(const struct ks_snode *s, const char *name,
			 int required, int depth)
{
	const char *desc = ks_snode_description(s);

	printf("\n%*s%s [%s]%s\n", depth * 2, "", label(s, name), name,
	       required ? " *" : "");
	if (desc && *desc)
		printf("%*s  %s\n", depth * 2, "", desc);
}

/* A value in a few words: a scalar as it is, parts and lists shortened. */
static void summarise(struct ks_buf *b, const struct ks_node *v,
		      const struct ks_snode *s)
{
	const struct ks_snode *items = s ? ks_snode_items(s) : NULL;
	size_t i, shown = 0;

	if (!v)
		return;
	/* choices by their labels, yes and no as words, as show does */
	if (v->kind == KS_NODE_SCALAR) {
		ks_labels_value(b, s, v);
		return;
	}
	if (v->kind == KS_NODE_MAP) {
		for (i = 0; i < v->u.map.n && shown < 3; i++) {
			const struct ks_pair *p = &v->u.map.v[i];

			if (p->value->kind != KS_NODE_SCALAR)
				continue;
			if (shown++)
				ks_buf_puts(b, ", ");
			ks_labels_value(b, s ? ks_snode_cond_property(s, p->key)
					     : NULL, p->value);
		}
		if (!shown)
			ks_buf_addf(b, Q_("%zu field", "%zu fields", v->u.map.n),
				    v->u.map.n);
		return;
	}
	for (i = 0; i < v->u.seq.n; i++)
		if (v->u.seq.v[i]->kind != KS_NODE_SCALAR)
			break;
	if (i < v->u.seq.n || !v->u.seq.n) {
		ks_buf_addf(b, Q_("%zu item", "%zu items", v->u.seq.n),
			    v->u.seq.n);
		return;
	}
	for (i = 0; i < v->u.seq.n; i++) {
		if (i)
			ks_buf_puts(b, "; ");
		ks_labels_value(b, items, v->u.seq.v[i]);
	}
}

/* Shows the title of the required part a question is in, once. */
static void show_section(struct form *f, const struct question *q)
{
	if (!q->sec_ptr || (f->shown && !strcmp(f->shown, q->sec_ptr)))
		return;
	print_header(q->sec.s, q->sec.name, 1, q->sec.depth);
	ks_free(f->shown);
	f->shown = ks_strdup(q->sec_ptr);
}

static struct ks_node *parse_enum(struct ks_doc *doc, const struct ks_snode *s,
				  const char *a)
{
	size_t i, n = ks_snode_enum_count(s);
	unsigned long k;
	char *end;

	k = strtoul(a, &end, 10);
	if (!*end && k >= 1 && k <= n)
		return ks_node_clone(doc, ks_snode_enum_value(s, k - 1));
	for (i = 0; i < n; i++) {
		const struct ks_node *v = ks_snode_enum_value(s, i);

		if (v->kind == KS_NODE_SCALAR && !strcmp(v->u.scalar.str, a))
			return ks_node_clone(doc, v);
	}
	printf(_("  ! choose a number from 1 to %zu\n"), n);
	return NULL;
}

/*
 * An answer read as its field's type asks, in the ways Vietnamese write
 * numbers, dates and yes or no (input.h); NULL after saying why.
 */
static struct ks_node *parse_typed(struct form *f, const struct ks_snode *s,
				   const char *a, int *err)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_node *v = NULL;
	int r = ks_input_read(&v, f->doc, s, a, &d);

	*err = r == -1;
	if (r && d.n)
		printf("  ! %s\n", d.v[0].message);
	ks_diags_release(&d);
	return r ? NULL : v;
}

/* Checks an answer against the survey; 1 when it is good. */
static int good_answer(struct form *f, const struct question *q,
		       const struct ks_node *v, int *err)
{
	struct ks_diags d = KS_DIAGS_INIT;
	size_t i;
	int r = ks_answer_check(f->repo, f->kind, f->id, q->s, q->ptr, v, &d);

	*err = r == -1;
	/* the question names the field: only what is wrong with it */
	for (i = 0; i < d.n; i++)
		if (d.v[i].severity == KS_SEV_ERROR)
			printf("  ! %s\n", d.v[i].message + d.v[i].detail);
	ks_diags_release(&d);
	return r == 0;
}

/*
 * Checks an answer against the rules between fields of its object
 * (x-compare), as soon as the other field is answered; 1 when none is
 * broken.
 */
static int keeps_rules(struct form *f, const struct question *q,
		       struct ks_node *v, int *err)
{
	struct ks_diags d = KS_DIAGS_INIT;
	size_t i;
	int r;

	if (q->item || !q->parent)
		return 1;
	r = ks_answer_rules(f->doc, q->parent, q->map, q->name, v, &d);
	*err = r == -1;
	for (i = 0; i < d.n; i++)
		printf("  ! %s\n", d.v[i].message);
	ks_diags_release(&d);
	return r == 0;
}

/* Puts an answer in the record: a field's value, or a list item. */
static int store(struct form *f, const struct question *q, struct ks_node *v)
{
	struct ks_node *list;

	if (!q->item)
		return ks_map_set(f->doc, q->map, q->name, v);
	list = ks_map_get(q->map, q->name);
	if (!list || list->kind != KS_NODE_SEQ) {
		list = ks_node_seq(f->doc);
		if (!list || ks_map_set(f->doc, q->map, q->name, list) < 0)
			return -1;
	}
	if (q->index < list->u.seq.n) {
		list->u.seq.v[q->index] = v;
		return 0;
	}
	return ks_seq_push(f->doc, list, v);
}

static struct ks_node *current(const struct question *q)
{
	struct ks_node *list;

	if (!q->item)
		return ks_map_get(q->map, q->name);
	list = ks_map_get(q->map, q->name);
	return list && list->kind == KS_NODE_SEQ && q->index < list->u.seq.n
		? list->u.seq.v[q->index] : NULL;
}

static void print_menu(const struct ks_snode *s, int depth)
{
	size_t i, n = ks_snode_enum_count(s);

	for (i = 0; i < n; i++) {
		const struct ks_node *v = ks_snode_enum_value(s, i);
		const char *t = ks_snode_enum_title(s, i);

		if (v->kind != KS_NODE_SCALAR)
			continue;
		printf("%*s  %zu) %s%s%s%s\n", depth * 2, "", i + 1,
		       t ? t : v->u.scalar.str, t ? " (" : "",
		       t ? v->u.scalar.str : "", t ? ")" : "");
	}
}

static int ask_value(struct form *f, const struct question *q)
{
	const struct ks_snode *s = q->s;
	struct ks_node *cur = current(q);
	unsigned types = ks_snode_types(s);
	struct ks_buf prompt = KS_BUF_INIT;
	int r = 1, err;

	show_section(f, q);
	if (q->item)
		printf("\n%*s%s %zu\n", q->depth * 2 + 2, "", label(s, "item"),
		       q->index + 1);
	else
		print_header(s, q->name, q->required, q->depth);
	if (ks_snode_enum_count(s))
		print_menu(s, q->depth);
	else if (types == KS_TYPE_BOOLEAN)
		printf("%*s  (c = có, k = không)\n", q->depth * 2, "");
	if (cur && cur->kind == KS_NODE_SCALAR)
		ks_buf_addf(&prompt, "%*s[%s] > ", q->depth * 2, "",
			    cur->u.scalar.str);
	else
		ks_buf_addf(&prompt, "%*s> ", q->depth * 2, "");
	while (r == 1) {
		char *a = read_answer(whole(&prompt));
		struct ks_node *v = NULL;

		err = 0;
		if (!a) {
			r = no_answer();
			break;
		}
		if (!strcmp(a, "<")) {
			r = A_BACK;
		} else if (!*a) {
			if (cur || !q->required) {
				r = log_answer(f, W_VALUE, q->ptr);
			} else if (f->draft && !q->item) {
				fputs(_("  (left empty: the record can then be saved only as a draft)\n"),
				      stdout);
				r = log_answer(f, W_EMPTY, q->ptr);
			} else {
				fputs(_("  ! this field is required\n"), stdout);
			}
		} else if (!strcmp(a, "-") && cur && !q->item) {
			if (q->required) {
				fputs(_("  ! this field is required\n"), stdout);
			} else {
				ks_map_remove(q->map, q->name);
				r = log_answer(f, W_VALUE, q->ptr);
			}
		} else {
			if (ks_snode_enum_count(s))
				v = parse_enum(f->doc, s, a);
			else
				v = parse_typed(f, s, a, &err);
			if (v && good_answer(f, q, v, &err) &&
			    keeps_rules(f, q, v, &err))
				r = store(f, q, v) < 0 ? -1 :
				    log_answer(f, W_VALUE, q->ptr);
			else if (err)
				r = -1;
		}
		free(a);
	}
	ks_buf_release(&prompt);
	return r;
}

/* An optional part not filled in yet: fill it in? */
static int ask_part(struct form *f, const struct question *q)
{
	struct ks_node *m;
	int yes;

	show_section(f, q);
	print_header(q->s, q->name, 0, q->depth);
	yes = ask_yn(_("  fill in this part?"), 0, 1);
	if (yes != A_YES)
		return yes == A_NO ? log_answer(f, W_NO, q->ptr) : yes;
	m = ks_node_map(f->doc);
	if (!m || ks_map_set(f->doc, q->map, q->name, m) < 0)
		return -1;
	ks_free(f->shown);
	f->shown = ks_strdup(q->ptr);
	return log_answer(f, W_OPEN, q->ptr);
}

/* A part or a list item that is there already: keep, change or remove. */
static int ask_existing(struct form *f, const struct question *q)
{
	struct ks_node *v = current(q);
	struct ks_buf what = KS_BUF_INIT, prompt = KS_BUF_INIT;
	int r = 1;

	show_section(f, q);
	summarise(&what, v, q->s);
	if (q->item) {
		if (!q->index)
			print_header(q->list, q->name, q->required, q->depth);
		printf("%*s  %s %zu: %s\n", q->depth * 2, "",
		       label(q->s, "item"), q->index + 1, whole(&what));
	} else {
		print_header(q->s, q->name, 0, q->depth);
		printf("%*s  %s\n", q->depth * 2, "", whole(&what));
	}
	ks_buf_addf(&prompt, "%*s%s", q->depth * 2, "",
		    _("  keep it (Enter), change it (c) or remove it (x)? "));
	while (r == 1) {
		char *a = read_answer(whole(&prompt));

		if (!a) {
			r = no_answer();
			break;
		}
		if (!strcmp(a, "<")) {
			r = A_BACK;
		} else if (!*a) {
			r = log_answer(f, W_KEEP, q->ptr);
		} else if (!strcasecmp(a, "c")) {
			r = log_answer(f, W_OPEN, q->ptr);
		} else if (!strcasecmp(a, "x") && q->item) {
			char *lptr = ks_strndup(q->ptr, (size_t)(strrchr(q->ptr, '/') - q->ptr));

			seq_remove(ks_map_get(q->map, q->name), q->index);
			r = !lptr ? -1 : renumber(f, lptr, q->index);
			ks_free(lptr);
		} else if (!strcasecmp(a, "x")) {
			ks_map_remove(q->map, q->name);
			r = log_answer(f, W_NO, q->ptr);
		} else {
			fputs(_("  ! press Enter, or type c or x\n"), stdout);
		}
		free(a);
	}
	ks_buf_release(&what);
	ks_buf_release(&prompt);
	return r;
}

/* Add a list item? */
static int ask_add(struct form *f, const struct question *q)
{
	struct ks_buf text = KS_BUF_INIT;
	int yes;

	show_section(f, q);
	if (!q->index)
		print_header(q->list, q->name, q->required, q->depth);
	ks_buf_addf(&text, q->index ? _("  add another %s?") : _("  add a %s?"),
		    label(q->s, "item"));
	yes = ask_yn(whole(&text), 0, 1);
	ks_buf_release(&text);
	if (yes != A_YES)
		return yes == A_NO ? log_answer(f, W_NO, q->ptr) : yes;
	if (q->s && ks_snode_types(q->s) == KS_TYPE_OBJECT &&
	    q->depth < MAX_FORM_DEPTH) {
		struct ks_node *m = ks_node_map(f->doc);

		if (!m || store(f, q, m) < 0)
			return -1;
	}
	return log_answer(f, W_OPEN, q->ptr);
}

static int ask(struct form *f, const struct question *q)
{
	switch (q->kind) {
	case Q_VALUE:
		return ask_value(f, q);
	case Q_PART:
		return current(q) ? ask_existing(f, q) : ask_part(f, q);
	case Q_ITEM:
		return ask_existing(f, q);
	case Q_ADD:
		return ask_add(f, q);
	}
	return -1;
}

/*
 * "<": takes the last answer out of the log, so that its question is the
 * next one again (with the value given as its default).  A part or list
 * item opened by that answer and still empty goes with it.  0 when there
 * is no earlier answer.
 */
static int go_back(struct form *f)
{
	struct ks_node *parent = NULL, *n;
	size_t index = 0;
	char *e;

	if (!f->save.nanswers)
		return 0;
	e = f->save.answers[--f->save.nanswers];
	if (entry_what(e) == W_OPEN &&
	    (n = node_at(f->root, entry_ptr(e), &parent, &index)) &&
	    n->kind == KS_NODE_MAP && !n->u.map.n) {
		if (parent->kind == KS_NODE_SEQ)
			seq_remove(parent, index);
		else
			ks_map_remove(parent, strrchr(entry_ptr(e), '/') + 1);
	}
	ks_free(e);
	return 1;
}

/* Asks every open question; 0 when none is left. */
static int ask_all(struct form *f, struct ks_diags *d)
{
	for (;;) {
		struct question q;
		int r = next_question(f, &q);

		if (r <= 0) {
			question_release(&q);
			return r;
		}
		r = ask(f, &q);
		question_release(&q);
		if (r == A_BACK && !go_back(f)) {
			fputs(_("  ! this is the first question\n"), stdout);
			continue;
		}
		if (r && r != A_BACK)
			return r;
		if (keep(f, d) < 0)
			return -1;
	}
}

/* ---- the end: corrections, review, save ---- */

/*
 * Takes the answers that errors are about out of the log, so they are
 * asked again: a missing field, the value at the error, or the whole list
 * item it is in.
 */
static int reopen(struct form *f, const struct ks_diags *vd)
{
	struct ks_buf seg = KS_BUF_INIT, at = KS_BUF_INIT;
	size_t i;
	int err = 0;

	for (i = 0; i < vd->n && !err; i++) {
		const struct ks_diag *dg = &vd->v[i];
		const char *p = dg->pointer ? dg->pointer : "";
		char *name, *q;
		struct ks_node *n = f->root;
		int item = 0;

		if (dg->severity != KS_SEV_ERROR)
			continue;
		if ((name = ks_diag_missing_property(dg))) {
			q = ptr_key(p, name);
			if (q)
				unanswer(f, q);
			err = q ? 0 : -1;
			ks_free(q);
			ks_free(name);
			continue;
		}
		/* The first list item on the way, if there is one. */
		ks_buf_reset(&at);
		while (n && !item && next_segment(&p, &seg)) {
			item = n->kind == KS_NODE_SEQ;
			ks_buf_addf(&at, "/%s", seg.ptr);
			n = n->kind == KS_NODE_MAP ? ks_map_get(n, seg.ptr) : NULL;
		}
		if (item && ks_buf_failed(&at)) {
			err = -1;
		} else if (item) {
			unanswer(f, at.ptr);
			err = log_answer(f, W_OPEN, at.ptr);
		} else if (dg->pointer && *dg->pointer) {
			unanswer(f, dg->pointer);
		}
	}
	ks_buf_release(&seg);
	ks_buf_release(&at);
	return err;
}

/* Every answer, numbered; a number changes it.  0: go on to save. */
static int review(struct form *f, struct ks_diags *d)
{
	const struct ks_snode *s = ks_schema_root(f->schema);
	size_t i, n = ks_snode_property_count(s);

	for (;;) {
		struct ks_buf v = KS_BUF_INIT;
		const char *pick = NULL;
		unsigned long k, count = 0;
		char *a, *end;
		int r;

		fputs(_("\nYour answers:\n"), stdout);
		for (i = 0; i < n; i++) {
			const char *name = ks_snode_property_name(s, i);

			if (!strcmp(name, "id") ||
			    ks_snode_read_only(ks_snode_property(s, name)))
				continue;
			ks_buf_reset(&v);
			summarise(&v, ks_map_get(f->root, name),
				  ks_snode_property(s, name));
			printf("  %2lu) %s [%s]: %s\n", ++count,
			       label(ks_snode_property(s, name), name), name,
			       whole(&v));
		}
		ks_buf_release(&v);
		a = read_answer(_("Type a number to change that answer, s to save, or a to abandon the record: "));
		if (!a)
			return no_answer();
		k = strtoul(a, &end, 10);
		if (!*a || !strcasecmp(a, "s")) {
			free(a);
			return 0;
		}
		if (!strcasecmp(a, "a")) {
			free(a);
			r = ask_yn(_("Abandon this record? Every answer typed for it will be lost."), 0, 0);
			if (r != A_NO)
				return r == A_YES ? A_ABANDON : r;
			continue;
		}
		if (*end || k < 1 || k > count) {
			printf(_("  ! type a number from 1 to %lu, s or a\n"), count);
			free(a);
			continue;
		}
		free(a);
		for (i = 0, count = 0; i < n && !pick; i++) {
			const char *name = ks_snode_property_name(s, i);

			if (strcmp(name, "id") &&
			    !ks_snode_read_only(ks_snode_property(s, name)) &&
			    ++count == k)
				pick = name;
		}
		a = ptr_key("", pick);
		if (!a)
			return -1;
		unanswer(f, a);
		ks_free(a);
		if (keep(f, d) < 0)
			return -1;
		if ((r = ask_all(f, d)))
			return r;
	}
}

static void print_errors(const struct ks_diags *vd)
{
	size_t i;

	fputs(_("\nThe record is not valid yet:\n"), stdout);
	for (i = 0; i < vd->n; i++)
		if (vd->v[i].severity == KS_SEV_ERROR)
			printf("  %s\n", vd->v[i].message);
}

static void print_record(const struct form *f)
{
	struct ks_buf text = KS_BUF_INIT;
	int err = ks_doc_write(&text, f->root, ks_schema_layout(),
			       ks_schema_layout_root(f->schema));

	printf("\n%s\n", err ? NOT_SHOWN : whole(&text));
	ks_buf_release(&text);
}

static int end_of(int r)
{
	switch (r) {
	case A_EOF:
		return FORM_EOF;
	case A_STOP:
		return FORM_STOPPED;
	case A_ABANDON:
		return FORM_ABANDONED;
	}
	return -1;
}

static int run(struct form *f, struct ks_diags *d)
{
	for (;;) {
		struct ks_diags vd = KS_DIAGS_INIT;
		struct question q;
		int r = ask_all(f, d), yes;

		if (r)
			return end_of(r);
		if (ks_map_set(f->doc, f->root, "id", f->idnode) < 0)
			return -1;
		r = ks_check_values(f->repo, f->kind, f->root, NULL, &vd);
		ks_map_remove(f->root, "id");
		if (r == -1) {
			ks_diags_move(d, &vd);
			return -1;
		}
		if (vd.errors) {
			print_errors(&vd);
			yes = ask_yn(_("Correct these fields now?"), 1, 1);
			if (yes == A_YES) {
				r = reopen(f, &vd);
				ks_diags_release(&vd);
				if (r < 0 || keep(f, d) < 0)
					return -1;
				r = next_question(f, &q);
				question_release(&q);
				if (r)
					continue;
				fputs(_("\nThese cannot be asked one by one; choose the answer to change.\n"),
				      stdout);
			} else if (yes == A_NO && f->draft) {
				yes = ask_yn(_("Save it as a draft?"), 1, 0);
				if (yes == A_YES) {
					ks_diags_release(&vd);
					return FORM_DRAFT;
				}
			}
		} else {
			print_record(f);
			yes = ask_yn(_("Save this record?"), 1, 1);
			if (yes == A_YES)
				return FORM_SAVE;
		}
		ks_diags_release(&vd);
		if (yes < 0)
			return end_of(yes);
		if (yes == A_BACK) {
			go_back(f);
			if (keep(f, d) < 0)
				return -1;
			continue;
		}
		r = review(f, d);
		if (r)
			return end_of(r);
	}
}

int form_run(struct form *f, struct ks_diags *d)
{
	struct sigaction sa, old;
	int r;

	f->idnode = ks_node_scalar(f->doc, f->id, strlen(f->id), 1);
	if (!f->idnode)
		return -1;
	/* Ctrl-C ends the read of an answer; the answers are on disk. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_interrupt;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old);
	stopped = 0;
	r = run(f, d);
	sigaction(SIGINT, &old, NULL);
	return r;
}

void form_release(struct form *f)
{
	ks_formsave_release(&f->save);
	ks_paths_release(&f->missing);
	ks_free(f->shown);
	f->shown = NULL;
}

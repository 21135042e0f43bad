/*
 * The members file: who may change what.  See members.h.
 */
#include "members.h"
#include "intl.h"
#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "isotime.h"
#include "record.h"
#include "repo.h"
#include "sshsig.h"

#include <stdio.h>
#include <string.h>

/* The base64 of the wire form of every ed25519 public key starts so. */
#define VIETNAM_OFFSET (7 * 3600)

struct ks_members {
	struct ks_member *v;
	size_t n, alloc;
	struct ks_doc *doc;	/* owns the strings read */
	char **keys;		/* the keys without comments */
	char **own;		/* strings added since */
	size_t nown;
};

static const char *const role_names[] = { "centre", "surveyor", "auditor" };

const char *ks_role_name(enum ks_role role)
{
	return (size_t)role < sizeof(role_names) / sizeof(*role_names)
		? role_names[role] : "?";
}

int ks_role_parse(enum ks_role *out, const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(role_names) / sizeof(*role_names); i++)
		if (!strcmp(name, role_names[i])) {
			*out = (enum ks_role)i;
			return 0;
		}
	return -1;
}

int ks_members_time(int64_t *out, const char *t, int end)
{
	int y, mo, d;

	if (strlen(t) != 10)
		return ks_iso_instant(out, t);
	if (ks_digits(t, 4, &y) || t[4] != '-' || ks_digits(t + 5, 2, &mo) ||
	    t[7] != '-' || ks_digits(t + 8, 2, &d) || mo < 1 || mo > 12 || d < 1 ||
	    d > 31)
		return -1;
	/* A date is a whole day in Vietnam. */
	*out = end ? ks_iso_seconds(y, mo, d, 23, 59, 59, VIETNAM_OFFSET)
		   : ks_iso_seconds(y, mo, d, 0, 0, 0, VIETNAM_OFFSET);
	return 0;
}

/*
 * "ssh-ed25519 AAAA... comment" without the comment, its 32 bytes in `pk`;
 * NULL when it is not an ed25519 key.
 */
static int ed25519_key(char **out, const char *text, unsigned char pk[32])
{
	struct ks_sshsig_key k;
	size_t n;

	*out = NULL;
	if (strncmp(text, "ssh-ed25519 ", 12) ||
	    ks_sshsig_key_parse(&k, text, strlen(text), NULL) != 0)
		return KS_EINVALID;
	memcpy(pk, k.pk, sizeof(k.pk));
	/* One space between the type and the key, whatever was written. */
	text += 11 + strspn(text + 11, " \t");
	n = strcspn(text, " \t");
	if (!(*out = ks_malloc(12 + n + 1)))
		return -1;
	memcpy(*out, "ssh-ed25519 ", 12);
	memcpy(*out + 12, text, n);
	(*out)[12 + n] = '\0';
	return 0;
}

/* 1 when `s` is one line of text: no control character, no line break. */
static int plain_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return 0;
		/* U+0085, U+2028, U+2029: line breaks to a YAML reader */
		if ((p[0] == 0xc2 && p[1] == 0x85) ||
		    (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)))
			return 0;
	}
	return 1;
}

static const char *text_at(const struct ks_node *map, const char *key)
{
	const struct ks_node *n = ks_map_get(map, key);

	return n && n->kind == KS_NODE_SCALAR ? n->u.scalar.str : NULL;
}

/* 1 when `e` is not a mapping of a member's fields (said in `d`). */
static int check_fields(const char *path, const struct ks_node *e,
			struct ks_diags *d)
{
	static const char *const known[] = {
		"device", "surveyor", "role", "key", "from", "until", NULL,
	};
	size_t i, j;

	if (e->kind != KS_NODE_MAP) {
		ks_error(d, KS_EINVALID, path, e->line, e->col,
			 "a member is a mapping: device, surveyor, role, key, from, until");
		return 1;
	}
	for (i = 0; i < e->u.map.n; i++) {
		const char *name = e->u.map.v[i].key;

		for (j = 0; known[j] && strcmp(known[j], name); j++)
			;
		if (!known[j]) {
			ks_error(d, KS_EINVALID, path, e->u.map.v[i].line,
				 e->u.map.v[i].col,
				 "unknown field \"%s\" (a member has device, surveyor, role, key, from, until)",
				 name);
			return 1;
		}
	}
	return 0;
}

/* The member's device, surveyor and role; 1 when one is wrong. */
static int read_who(struct ks_member *mb, const char *path,
		    const struct ks_node *e, struct ks_diags *d)
{
	const char *role = text_at(e, "role");

	mb->device = text_at(e, "device");
	mb->surveyor = text_at(e, "surveyor");
	if (!mb->device || !ks_device_valid(mb->device)) {
		ks_error(d, KS_EINVALID, path, e->line, e->col,
			 "a member needs a device id (2 to 12 lowercase letters and digits, a letter first)");
		return 1;
	}
	if (!mb->surveyor || !*mb->surveyor) {
		ks_error(d, KS_EINVALID, path, e->line, e->col,
			 "member %s needs a surveyor", mb->device);
		return 1;
	}
	if (!plain_text(mb->surveyor)) {
		ks_error(d, KS_EINVALID, path, e->line, e->col,
			 "member %s: the surveyor's name holds a control character or a line break",
			 mb->device);
		return 1;
	}
	if (!role || ks_role_parse(&mb->role, role) < 0) {
		ks_error(d, KS_EINVALID, path, e->line, e->col,
			 "member %s needs a role: centre, surveyor or auditor", mb->device);
		return 1;
	}
	return 0;
}

/* The member's from and until; 1 when they are not times in order. */
static int read_period(struct ks_member *mb, const char *path,
		       const struct ks_node *e, struct ks_diags *d)
{
	const char *from = text_at(e, "from"), *until = text_at(e, "until");

	if ((from && ks_members_time(&mb->from, from, 0) < 0) ||
	    (until && ks_members_time(&mb->until, until, 1) < 0)) {
		ks_error(d, KS_EINVALID, path, e->line, e->col,
			 "member %s: from and until are dates (\"2026-12-05\") or times (\"2026-12-05T10:30:00+07:00\")",
			 mb->device);
		return 1;
	}
	mb->has_from = from != NULL;
	mb->has_until = until != NULL;
	mb->from_text = from;
	mb->until_text = until;
	if (mb->has_from && mb->has_until && mb->until < mb->from) {
		ks_error(d, KS_EINVALID, path, e->line, e->col,
			 "member %s: until is before from", mb->device);
		return 1;
	}
	return 0;
}

/* Appends `mb` with its key `k`, which `m` then owns, or frees. */
static int add_member(struct ks_members *m, struct ks_member *mb, char *k)
{
	char **keys = ks_realloc(m->keys, (m->n + 1) * sizeof(*m->keys));

	if (keys)
		m->keys = keys;
	if (!keys || ks_grow(&m->v, m->n, &m->alloc, sizeof(*m->v), 8) < 0) {
		ks_free(k);
		return -1;
	}
	mb->key = k;
	m->keys[m->n] = k;
	m->v[m->n++] = *mb;
	return 0;
}

/* Reads one entry; 1 when it has a problem (said in `d`). */
static int read_entry(struct ks_members *m, const char *path,
		      const struct ks_node *e, struct ks_diags *d)
{
	struct ks_member mb;
	const char *key;
	char *k = NULL;
	int r = 0;

	memset(&mb, 0, sizeof(mb));
	mb.line = e->line;
	mb.col = e->col;
	if (check_fields(path, e, d) || read_who(&mb, path, e, d))
		return 1;
	key = text_at(e, "key");
	if (key && (r = ed25519_key(&k, key, mb.pk)) == -1)
		return -1;
	if (!key || r) {
		ks_error(d, KS_EINVALID, path, e->line, e->col,
			 "member %s needs an ed25519 SSH public key (\"ssh-ed25519 AAAAC3Nza...\", as in its .pub file)",
			 mb.device);
		return 1;
	}
	if (read_period(&mb, path, e, d)) {
		ks_free(k);
		return 1;
	}
	if (ks_members_device(m, mb.device) || ks_members_key(m, k)) {
		ks_error(d, KS_EINVALID, path, e->line, e->col,
			 ks_members_device(m, mb.device)
			 ? N_("device %s is listed twice")
			 : N_("member %s: this key is already another member's"),
			 mb.device);
		ks_free(k);
		return 1;
	}
	return add_member(m, &mb, k);
}

int ks_members_parse(struct ks_members **out, const char *path,
		     const char *text, size_t len, struct ks_diags *d)
{
	struct ks_members *m = ks_calloc(1, sizeof(*m));
	const struct ks_node *root, *list;
	size_t i, errors_before = d->errors;
	int err;

	*out = NULL;
	if (!m)
		return -1;
	if ((err = ks_doc_parse(&m->doc, path, text, len, KS_PARSE_RECORD, d)))
		goto fail;
	root = ks_doc_root(m->doc);
	for (i = 0; i < root->u.map.n; i++)
		if (strcmp(root->u.map.v[i].key, "members"))
			ks_error(d, KS_EINVALID, path, root->u.map.v[i].line,
				 root->u.map.v[i].col,
				 "unknown field \"%s\" (a members file holds only \"members\")",
				 root->u.map.v[i].key);
	list = ks_map_get(root, "members");
	if (!list || list->kind != KS_NODE_SEQ) {
		err = ks_error(d, KS_EINVALID, path, root->line, root->col,
			       "a members file holds a \"members\" list");
		goto fail;
	}
	for (i = 0; i < list->u.seq.n; i++)
		if (read_entry(m, path, list->u.seq.v[i], d) < 0) {
			err = -1;
			goto fail;
		}
	if (d->errors > errors_before) {
		err = KS_EINVALID;
		goto fail;
	}
	*out = m;
	return 0;
fail:
	ks_members_free(m);
	return err;
}

void ks_members_free(struct ks_members *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->n; i++)
		ks_free(m->keys[i]);
	for (i = 0; i < m->nown; i++)
		ks_free(m->own[i]);
	ks_free(m->own);
	ks_free(m->keys);
	ks_free(m->v);
	ks_doc_free(m->doc);
	ks_free(m);
}

size_t ks_members_count(const struct ks_members *m)
{
	return m ? m->n : 0;
}

const struct ks_member *ks_members_at(const struct ks_members *m, size_t i)
{
	return m && i < m->n ? &m->v[i] : NULL;
}

const struct ks_member *ks_members_device(const struct ks_members *m,
					  const char *device)
{
	size_t i;

	for (i = 0; m && i < m->n; i++)
		if (!strcmp(m->v[i].device, device))
			return &m->v[i];
	return NULL;
}

const struct ks_member *ks_members_key(const struct ks_members *m,
				       const char *key)
{
	size_t i, n;

	if (!key)
		return NULL;
	/* A comment after the key is no part of it. */
	n = strncmp(key, "ssh-ed25519 ", 12) ? strlen(key)
		: strcspn(key + 12, " \t") + 12;
	for (i = 0; m && i < m->n; i++)
		if (strlen(m->v[i].key) == n && !strncmp(m->v[i].key, key, n))
			return &m->v[i];
	return NULL;
}

const struct ks_member *ks_members_pk(const struct ks_members *m,
				      const unsigned char pk[32])
{
	size_t i;

	for (i = 0; m && i < m->n; i++)
		if (!memcmp(m->v[i].pk, pk, sizeof(m->v[i].pk)))
			return &m->v[i];
	return NULL;
}

int ks_member_valid_at(const struct ks_member *mb, int64_t when)
{
	return (!mb->has_from || when >= mb->from) &&
	       (!mb->has_until || when <= mb->until);
}

/* "records/<kind>/<device>/..." : the device folder, or NULL. */
static const char *device_folder(const char *p, size_t *len)
{
	const char *kind, *dev;

	if (strncmp(p, KS_RECORDS_DIR "/", strlen(KS_RECORDS_DIR) + 1))
		return NULL;
	kind = p + strlen(KS_RECORDS_DIR) + 1;
	if (!(dev = strchr(kind, '/')))
		return NULL;
	dev++;
	*len = strcspn(dev, "/");
	return dev;
}

const char *ks_role_may_change(enum ks_role role, const char *device,
			       const char *path, int own_only)
{
	const char *p = path, *dev;
	size_t n;

	switch (role) {
	case KS_ROLE_CENTRE:
		return NULL;
	case KS_ROLE_AUDITOR:
		return _("an auditor reads the survey and changes nothing");
	case KS_ROLE_SURVEYOR:
		break;
	}
	if (!strncmp(p, "conflicts/", 10))
		p += 10;
	if (!(dev = device_folder(p, &n)))
		return _("only the centre may change the survey's rules and members (khaosat.yaml, schema/, members.yaml)");
	if (own_only && (strlen(device) != n || strncmp(dev, device, n)))
		return _("a record of another laptop: in this kind a surveyor changes only its own laptop's records");
	return NULL;
}

struct ks_members *ks_members_new(void)
{
	return ks_calloc(1, sizeof(struct ks_members));
}

/* A copy `m` keeps for as long as it lives; NULL stays NULL. */
static const char *keep(struct ks_members *m, const char *s, int *oom)
{
	char **v, *c;

	if (!s)
		return NULL;
	if (!(c = ks_strdup(s)) ||
	    !(v = ks_realloc(m->own, (m->nown + 1) * sizeof(*v)))) {
		ks_free(c);
		*oom = 1;
		return NULL;
	}
	m->own = v;
	m->own[m->nown++] = c;
	return c;
}

int ks_members_add(struct ks_members *m, const char *device,
		   const char *surveyor, enum ks_role role, const char *key,
		   const char *from, const char *until, struct ks_diags *d)
{
	struct ks_doc *doc = ks_doc_new("members.yaml");
	struct ks_node *e = doc ? ks_node_map(doc) : NULL;
	size_t errors = d->errors;
	int oom = 0, r;

	/* Read as an entry of a file would be, with the same checks. */
	if (!e ||
	    ks_map_set(doc, e, "device", ks_node_scalar(doc, device, strlen(device), 1)) < 0 ||
	    ks_map_set(doc, e, "surveyor", ks_node_scalar(doc, surveyor, strlen(surveyor), 1)) < 0 ||
	    ks_map_set(doc, e, "role", ks_node_scalar(doc, ks_role_name(role), strlen(ks_role_name(role)), 1)) < 0 ||
	    ks_map_set(doc, e, "key", ks_node_scalar(doc, key, strlen(key), 1)) < 0 ||
	    (from && ks_map_set(doc, e, "from", ks_node_scalar(doc, from, strlen(from), 1)) < 0) ||
	    (until && ks_map_set(doc, e, "until", ks_node_scalar(doc, until, strlen(until), 1)) < 0) ||
	    oom) {
		ks_doc_free(doc);
		return -1;
	}
	r = read_entry(m, "members.yaml", e, d);
	if (r == 0) {
		struct ks_member *mb = &m->v[m->n - 1];

		/* The strings read point into `doc`: keep copies instead. */
		mb->device = keep(m, mb->device, &oom);
		mb->surveyor = keep(m, mb->surveyor, &oom);
		mb->from_text = keep(m, mb->from_text, &oom);
		mb->until_text = keep(m, mb->until_text, &oom);
	}
	ks_doc_free(doc);
	if (r < 0 || oom)
		return -1;
	return r || d->errors > errors ? KS_EINVALID : 0;
}

int ks_members_set_until(struct ks_members *m, const char *device,
			 const char *until, struct ks_diags *d)
{
	struct ks_member *mb = (struct ks_member *)ks_members_device(m, device);
	int64_t t;
	int oom = 0;

	if (!mb)
		return ks_error(d, KS_ENOTFOUND, KS_MEMBERS_FILE, 0, 0,
				"no member %s", device);
	if (ks_members_time(&t, until, 1) < 0)
		return ks_error(d, KS_EINVALID, NULL, 0, 0,
				"\"%s\" is not a date (2026-12-05) or a time (2026-12-05T10:30:00+07:00)",
				until);
	if (mb->has_from && t < mb->from)
		return ks_error(d, KS_EINVALID, NULL, 0, 0,
				"member %s may sign from %s only: until cannot be before",
				device, mb->from_text);
	mb->until_text = keep(m, until, &oom);
	if (oom)
		return -1;
	mb->until = t;
	mb->has_until = 1;
	return 0;
}

/* A double-quoted YAML string. */
static int quoted(struct ks_buf *out, const char *s)
{
	int err = ks_buf_putc(out, '"');

	for (; *s && !err; s++)
		err = (*s == '"' || *s == '\\') ? ks_buf_addf(out, "\\%c", *s)
			: ks_buf_putc(out, *s);
	return err ? err : ks_buf_putc(out, '"');
}

/* Each line of `text` as a YAML comment: whatever a line says, it stays one. */
static int comment(struct ks_buf *out, const char *text)
{
	int err = 0;

	while (*text && !err) {
		size_t n = strcspn(text, "\n");

		err = ks_buf_puts(out, "# ") || ks_buf_add(out, text, n) ||
		      ks_buf_putc(out, '\n');
		text += n + (text[n] == '\n');
	}
	return err;
}

int ks_members_write(struct ks_buf *out, const struct ks_members *m)
{
	size_t i;
	int err;

	/* The file's comment, in the language of whoever writes it. */
	err = comment(out, _("Who may change what in this survey ('khaosat device list'):\n"
			     "each laptop with its surveyor, its role (centre, surveyor or\n"
			     "auditor), the ed25519 key its commits are signed with, and the\n"
			     "dates it may sign.\n")) ||
	      ks_buf_puts(out, "members:\n");

	for (i = 0; m && i < m->n && !err; i++) {
		const struct ks_member *mb = &m->v[i];

		err = ks_buf_addf(out, "  - device: %s\n    surveyor: ", mb->device) ||
		      quoted(out, mb->surveyor) ||
		      ks_buf_addf(out, "\n    role: %s\n    key: %s\n",
				  ks_role_name(mb->role), mb->key);
		if (!err && mb->from_text)
			err = ks_buf_puts(out, "    from: ") || quoted(out, mb->from_text) ||
			      ks_buf_putc(out, '\n');
		if (!err && mb->until_text)
			err = ks_buf_puts(out, "    until: ") || quoted(out, mb->until_text) ||
			      ks_buf_putc(out, '\n');
	}
	return err ? -1 : 0;
}

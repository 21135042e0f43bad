/*
 * Where attached files live: see attachpath.h.
 */
#include "attachpath.h"
#include "intl.h"
#include "alloc.h"
#include "buf.h"
#include "record.h"
#include "repo.h"

#include <git2.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

char *ks_attach_relpath(const char *kind, const char *id, const char *sha256,
			enum ks_media m)
{
	char *rec = ks_record_relpath(kind, id);
	struct ks_buf b = KS_BUF_INIT;
	size_t i, n;

	if (!rec || !sha256 || strlen(sha256) != 64 || !ks_media_ext(m)) {
		ks_free(rec);
		return NULL;
	}
	for (i = 0; i < 64; i++)
		if (!strchr("0123456789abcdef", sha256[i])) {
			ks_free(rec);
			return NULL;
		}
	/* records/K/D/NNN/ID.yaml -> attachments/K/D/NNN/ID/HASH.EXT */
	n = strlen(rec) - strlen(".yaml") - strlen(KS_RECORDS_DIR);
	ks_buf_addf(&b, "%s%.*s/%s.%s", KS_ATTACH_DIR, (int)n,
		    rec + strlen(KS_RECORDS_DIR), sha256, ks_media_ext(m));
	ks_free(rec);
	return ks_buf_failed(&b) ? (ks_buf_release(&b), NULL)
				 : ks_buf_detach(&b, NULL);
}

int ks_attach_path_parse(const char *relpath, char **kind, char **id,
			 char sha256[65], enum ks_media *m)
{
	const char *slash = strrchr(relpath, '/'), *dot;
	char *back = NULL;
	struct ks_buf rec = KS_BUF_INIT;
	int ok = 0;

	*kind = *id = NULL;
	if (strncmp(relpath, KS_ATTACH_DIR "/", strlen(KS_ATTACH_DIR) + 1) ||
	    !slash || !(dot = strchr(slash + 1, '.')) || dot - slash - 1 != 64)
		return -1;
	memcpy(sha256, slash + 1, 64);
	sha256[64] = '\0';
	*m = ks_media_of_ext(dot + 1);
	/* the record's own path, then the place made again from it */
	ks_buf_addf(&rec, "%s%.*s.yaml", KS_RECORDS_DIR,
		    (int)(slash - relpath - strlen(KS_ATTACH_DIR)),
		    relpath + strlen(KS_ATTACH_DIR));
	if (!ks_buf_failed(&rec) && *m != KS_MEDIA_NONE &&
	    ks_record_path_parse(rec.ptr, kind, id) == 0 &&
	    (back = ks_attach_relpath(*kind, *id, sha256, *m)))
		ok = !strcmp(back, relpath);
	ks_free(back);
	ks_buf_release(&rec);
	if (!ok) {
		ks_free(*kind);
		ks_free(*id);
		*kind = *id = NULL;
		return -1;
	}
	return 0;
}

char *ks_attach_folder(const char *record_relpath)
{
	char *kind = NULL, *id = NULL;
	struct ks_buf b = KS_BUF_INIT;
	size_t n = strlen(record_relpath);

	if (ks_record_path_parse(record_relpath, &kind, &id) < 0)
		return NULL;
	ks_free(kind);
	ks_free(id);
	ks_buf_addf(&b, "%s%.*s", KS_ATTACH_DIR,
		    (int)(n - strlen(KS_RECORDS_DIR) - strlen(".yaml")),
		    record_relpath + strlen(KS_RECORDS_DIR));
	return ks_buf_failed(&b) ? (ks_buf_release(&b), NULL)
				 : ks_buf_detach(&b, NULL);
}

struct ks_node *ks_attach_item(const struct ks_node *root, const char *sha256)
{
	const struct ks_node *l = root ? ks_map_get(root, "attachments") : NULL;
	size_t i;

	for (i = 0; l && l->kind == KS_NODE_SEQ && i < l->u.seq.n; i++) {
		const struct ks_node *h = ks_map_get(l->u.seq.v[i], "sha256");

		if (h && h->kind == KS_NODE_SCALAR && !strcmp(h->u.scalar.str, sha256))
			return l->u.seq.v[i];
	}
	return NULL;
}

int ks_attach_record_in(git_tree *root, const char *relpath, char **record)
{
	char *kind = NULL, *id = NULL, sha[65];
	git_tree_entry *e = NULL;
	enum ks_media m;
	int there;

	*record = NULL;
	if (ks_attach_path_parse(relpath, &kind, &id, sha, &m) < 0)
		return -1;
	*record = ks_record_relpath(kind, id);
	ks_free(kind);
	ks_free(id);
	if (!*record)
		return -1;
	there = root && git_tree_entry_bypath(&e, root, *record) == 0;
	git_error_clear();
	git_tree_entry_free(e);
	if (there) {
		ks_free(*record);
		*record = NULL;
	}
	return there;
}

void ks_attach_hash(char out[65], const void *data, size_t len)
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, data, len);
	sodium_bin2hex(out, 65, h, sizeof(h));
}

const char *ks_attach_file_problem(const char *relpath, const void *data,
				   size_t len, char *why, size_t whylen)
{
	char *kind = NULL, *id = NULL, sha[65], got[65];
	enum ks_media m;
	const char *bad;

	if (ks_attach_path_parse(relpath, &kind, &id, sha, &m) < 0)
		return _("not where an attached file belongs (attachments/<kind>/<device>/<NNN>/<id>/<sha256>.<ext>)");
	ks_free(kind);
	ks_free(id);
	if (len > KS_ATTACH_MAX_FILE) {
		snprintf(why, whylen, _("%zu bytes, over the limit of %u for an attached file"),
			 len, KS_ATTACH_MAX_FILE);
		return why;
	}
	ks_attach_hash(got, data, len);
	if (strcmp(got, sha)) {
		snprintf(why, whylen, _("its content is not the one its name says (SHA-256 %.12s…, not %.12s…)"),
			 got, sha);
		return why;
	}
	if ((bad = ks_media_problem(m, data, len, why, whylen)))
		return bad;
	return NULL;
}

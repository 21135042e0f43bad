/*
 * Adding a record: see create.h.
 */
#include "create.h"
#include "alloc.h"
#include "buf.h"
#include "check.h"
#include "diag.h"
#include "draft.h"
#include "file.h"
#include "record.h"
#include "repo.h"

#include <string.h>
#include <sys/stat.h>

int ks_record_create(char **id, struct ks_repo *r, const char *kind,
		     struct ks_doc *doc, struct ks_node *root, int draft,
		     struct ks_diags *d)
{
	struct ks_buf text = KS_BUF_INIT;
	char *rel = NULL, *abs = NULL;
	struct stat st;
	int err;

	*id = NULL;
	if ((err = ks_repo_next_id(id, r, d)))
		return err;
	if (ks_map_set(doc, root, "id", ks_node_scalar(doc, *id, strlen(*id), 1)) < 0 ||
	    ks_record_format(&text, r, kind, root) < 0 ||
	    !(rel = ks_record_relpath(kind, *id)) || !(abs = ks_repo_path(r, rel))) {
		err = -1;
	} else if (draft) {
		err = ks_draft_save(r, kind, *id, text.ptr, text.len, d);
	} else if (stat(abs, &st) == 0) {
		err = ks_error(d, KS_EEXISTS, rel, 0, 0,
			       "a record already exists here; refusing to overwrite it");
	} else {
		err = ks_file_put_text(abs, &text, KS_FILE_DURABLE, d);
	}
	if (err) {
		ks_free(*id);
		*id = NULL;
	}
	ks_buf_release(&text);
	ks_free(rel);
	ks_free(abs);
	return err;
}

/*
 * Joining a signed survey: see enrol.h.
 */
#include "enrol.h"
#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "file.h"
#include "members.h"
#include "repo.h"
#include "sign.h"
#include "sshkey.h"

int ks_enrol_start(git_repository *repo, const char *workdir,
		   const struct ks_identity *who, struct ks_diags *d)
{
	struct ks_buf key = KS_BUF_INIT, text = KS_BUF_INIT, path = KS_BUF_INIT;
	struct ks_members *m = ks_members_new();
	struct ks_sshsig_key pub;
	int err = -1;

	if (!m)
		return -1;
	if ((err = ks_signer_make_key(&pub, repo, who->device, d)))
		goto out;
	err = -1;
	if (ks_sshkey_public_text(&key, &pub, NULL) < 0)
		goto out;
	if ((err = ks_members_add(m, who->device, who->surveyor, KS_ROLE_CENTRE,
				  key.ptr, NULL, NULL, d)))
		goto out;
	err = -1;
	if (ks_members_write(&text, m) < 0 ||
	    ks_buf_addf(&path, "%s/%s", workdir, KS_MEMBERS_FILE) < 0)
		goto out;
	err = ks_file_put(path.ptr, text.ptr, text.len, KS_FILE_DURABLE, d);
out:
	ks_members_free(m);
	ks_buf_release(&key);
	ks_buf_release(&text);
	ks_buf_release(&path);
	return err;
}

/*
 * Signing commits with SSH keys: see sign.h.
 */
#include "sign.h"
#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "file.h"
#include "repo.h"
#include "run.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void ks_signer_free(struct ks_signer *s)
{
	if (!s)
		return;
	if (s->key_file_made)
		unlink(s->key_file_made);
	ks_free(s->key_file_made);
	ks_free(s->program);
	ks_free(s->key);
	ks_free(s);
}

/* "~/x" as git reads it: in the home folder. */
static char *expand_home(const char *path)
{
	const char *home = getenv("HOME");
	struct ks_buf b = KS_BUF_INIT;

	if (strncmp(path, "~/", 2) || !home)
		return ks_strdup(path);
	if (ks_buf_addf(&b, "%s/%s", home, path + 2) < 0)
		return NULL;
	return ks_buf_detach(&b, NULL);
}

/* A "key::ssh-ed25519 AAAA..." literal, written where ssh-keygen reads it. */
static int write_literal(struct ks_signer *s, git_repository *repo,
			 const char *literal, struct ks_diags *d)
{
	struct ks_buf path = KS_BUF_INIT;
	int err;

	ks_buf_addf(&path, "%skhaosat", git_repository_path(repo));
	if (!path.ptr)
		return -1;
	if (mkdir(path.ptr, 0777) < 0 && errno != EEXIST) {
		ks_buf_release(&path);
		return ks_error(d, KS_EIO, NULL, 0, 0, "cannot create %s: %s",
				path.ptr, strerror(errno));
	}
	ks_buf_addf(&path, "/signing-key-%ld.pub", (long)getpid());
	err = ks_file_put(path.ptr, literal, strlen(literal), KS_FILE_DURABLE, d);
	if (!err && ks_buf_puts(&path, "") == 0) {
		s->key = ks_strdup(path.ptr);
		s->key_file_made = ks_buf_detach(&path, NULL);
		if (!s->key || !s->key_file_made)
			err = -1;
	}
	ks_buf_release(&path);
	return err;
}

int ks_signer_get(struct ks_signer **out, git_repository *repo,
		  struct ks_diags *d)
{
	git_config *cfg = NULL;
	struct ks_signer *s = NULL;
	char *format = NULL, *key = NULL;
	int sign = 0, err = 0;

	*out = NULL;
	if (git_repository_config_snapshot(&cfg, repo) < 0)
		return ks_error(d, KS_EIO, NULL, 0, 0, "cannot read git's configuration: %s",
				ks_git_error());
	if (git_config_get_bool(&sign, cfg, "commit.gpgsign") < 0 || !sign)
		goto out;
	format = ks_config_string(cfg, "gpg.format");
	key = ks_config_string(cfg, "user.signingkey");
	if (!format || strcmp(format, "ssh")) {
		err = ks_error(d, KS_EENV, NULL, 0, 0,
			       "commit.gpgSign is on but gpg.format is \"%s\": khaosat signs with SSH keys only; set gpg.format to ssh",
			       format ? format : "openpgp");
		goto out;
	}
	if (!key || !*key) {
		err = ks_error(d, KS_EENV, NULL, 0, 0,
			       "commit.gpgSign is on but user.signingKey names no key: set it to your SSH key file");
		goto out;
	}
	err = -1;
	if (!(s = ks_calloc(1, sizeof(*s))))
		goto out;
	s->program = ks_config_string(cfg, "gpg.ssh.program");
	if (!s->program && !(s->program = ks_strdup("ssh-keygen")))
		goto out;
	if (!strncmp(key, "key::", 5))
		err = write_literal(s, repo, key + 5, d);
	else
		err = (s->key = expand_home(key)) ? 0 : -1;
	if (!err && !s->key_file_made && access(s->key, R_OK) < 0)
		err = ks_error(d, KS_EENV, NULL, 0, 0,
			       "cannot read the signing key %s (user.signingKey): %s",
			       s->key, strerror(errno));
out:
	if (err || !sign)
		ks_signer_free(s);
	else
		*out = s;
	ks_free(format);
	ks_free(key);
	git_config_free(cfg);
	return err;
}

int ks_sign(struct ks_buf *sig, const struct ks_signer *s, const char *data,
	    size_t len, struct ks_diags *d)
{
	const char *argv[] = {
		s->program, "-Y", "sign", "-n", "git", "-f", s->key, NULL,
	};
	struct ks_buf err = KS_BUF_INIT;
	size_t start = sig->len;
	int rc = ks_run(argv, data, len, sig, &err);
	int run_errno = errno;

	if (rc == 0 && sig->len > start &&
	    strstr(sig->ptr + start, "-----BEGIN SSH SIGNATURE-----")) {
		ks_buf_release(&err);
		return 0;
	}
	while (err.len && (err.ptr[err.len - 1] == '\n' || err.ptr[err.len - 1] == '\r'))
		err.ptr[--err.len] = '\0';
	if (rc < 0)
		ks_error(d, KS_EENV, NULL, 0, 0, "cannot run %s to sign the commit: %s",
			 s->program, strerror(run_errno));
	else
		ks_error(d, KS_EENV, NULL, 0, 0,
			 "%s could not sign with %s%s%s", s->program, s->key,
			 err.len ? ": " : "", err.len ? err.ptr : "");
	ks_buf_release(&err);
	return KS_EENV;
}

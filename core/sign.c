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
#include "sshkey.h"

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
	if (s->own)
		ks_sshkey_wipe(s->own);
	ks_free(s->own);
	ks_free(s->key_file_made);
	ks_free(s->program);
	ks_free(s->key);
	ks_free(s);
}

/* A "key::ssh-ed25519 AAAA..." literal, written where ssh-keygen reads it. */
static int write_literal(struct ks_signer *s, git_repository *repo,
			 const char *literal, struct ks_diags *d)
{
	struct ks_buf path = KS_BUF_INIT;
	int err;

	if (ks_buf_addf(&path, "%skhaosat", git_repository_path(repo)) < 0)
		return -1;
	if (mkdir(path.ptr, 0777) < 0 && errno != EEXIST) {
		err = ks_error(d, KS_EIO, NULL, 0, 0, "cannot create %s: %s",
			       path.ptr, strerror(errno));
		ks_buf_release(&path);
		return err;
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

char *ks_signer_key_path(git_repository *repo)
{
	struct ks_buf b = KS_BUF_INIT;

	if (ks_buf_addf(&b, "%skhaosat/key", git_repository_path(repo)) < 0)
		return NULL;
	return ks_buf_detach(&b, NULL);
}

/* user.signingKey as a path, "~/" expanded as git does. */
static int key_path(char **out, git_config *cfg, struct ks_diags *d)
{
	git_buf b = { 0 };

	if (git_config_get_path(&b, cfg, "user.signingkey") < 0)
		return ks_error(d, KS_EENV, NULL, 0, 0,
				"cannot read user.signingKey: %s", ks_git_error());
	*out = ks_strdup(b.ptr);
	git_buf_dispose(&b);
	return *out ? 0 : -1;
}

/* The laptop's own key: 1 with *out set, 0 when it has none, or an error. */
static int own_key(struct ks_signer **out, git_repository *repo,
		   struct ks_diags *d)
{
	struct ks_signer *s = ks_calloc(1, sizeof(*s));
	char *path = ks_signer_key_path(repo);
	int err = -1;

	if (!s || !path || !(s->own = ks_malloc(sizeof(*s->own))))
		goto out;
	err = ks_sshkey_load(s->own, path, d);
	if (err == KS_ENOTFOUND)
		err = 0;
	else if (!err)
		err = 1;
out:
	if (err == 1)
		*out = s;
	else
		ks_signer_free(s);
	ks_free(path);
	return err;
}

int ks_signer_make_key(struct ks_sshsig_key *pub, git_repository *repo,
		       const char *comment, struct ks_diags *d)
{
	struct ks_sshkey k;
	char *path = ks_signer_key_path(repo);
	int err;

	if (!path)
		return -1;
	err = ks_sshkey_load(&k, path, d);
	if (err == KS_ENOTFOUND) {
		err = ks_sshkey_generate(&k) < 0
			? ks_error(d, KS_EIO, NULL, 0, 0, "cannot make a signing key: libsodium does not start")
			: ks_sshkey_save(&k, path, comment, d);
	}
	if (!err)
		*pub = k.pub;
	ks_sshkey_wipe(&k);
	ks_free(path);
	return err;
}

int ks_signer_own_key(struct ks_sshsig_key *pub, git_repository *repo,
		      struct ks_diags *d)
{
	struct ks_sshkey k;
	char *path = ks_signer_key_path(repo);
	int err;

	if (!path)
		return -1;
	if (!(err = ks_sshkey_load(&k, path, d)))
		*pub = k.pub;
	ks_sshkey_wipe(&k);
	ks_free(path);
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
	if ((err = own_key(out, repo, d)))
		return err < 0 ? err : 0;
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
		err = key_path(&s->key, cfg, d);
	if (!err && !s->key_file_made && access(s->key, R_OK) < 0)
		err = ks_error(d, KS_EENV, NULL, 0, 0,
			       "cannot read the signing key %s (user.signingKey): %s",
			       s->key, strerror(errno));
#ifdef _WIN32
	/*
	 * Windows: an ed25519 key without a passphrase signs here, as the
	 * survey's own key does; any other goes to ssh-keygen, which is
	 * OpenSSH's from Windows 10 1809 on (System32\OpenSSH, on PATH).
	 */
	if (!err && !s->key_file_made && !strcmp(s->program, "ssh-keygen") &&
	    (s->own = ks_malloc(sizeof(*s->own)))) {
		struct ks_diags quiet = KS_DIAGS_INIT;

		if (ks_sshkey_load(s->own, s->key, &quiet) != 0) {
			ks_sshkey_wipe(s->own);
			ks_free(s->own);
			s->own = NULL;
		}
		ks_diags_release(&quiet);
	}
#endif
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
	int rc, run_errno;

	if (s->own)
		return ks_sshkey_sign(sig, s->own, data, len, "git");
	rc = ks_run(argv, data, len, sig, &err);
	run_errno = errno;

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

/*
 * Sync with a hub over the network: credentials, fetching every device's
 * ref into a private folder and checking it before anything is kept, the
 * refs a hub keeps serving that were refused once, and the push of this
 * laptop's own ref.
 */
#include "hub.h"
#include "global.h"
#include "intl.h"
#include "alloc.h"
#include "buf.h"
#include "crash.h"
#include "diag.h"
#include "enrol.h"
#include "file.h"
#include "netstream.h"
#include "sync_int.h"

#include <ctype.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct net {
	const struct ks_progress *pg;
	const char *what;
	struct ks_hub_link *link;
	int tries;
	int rejected;
	char *why;		/* the hub's reason for refusing a push */
	char *said;		/* the first failure the hub's git reported */
};

/*
 * ssh: the agent (when one runs), then id_ed25519 and id_rsa in the ssh
 * folder.  libgit2 calls again after each refusal, so each way is tried
 * once and then this gives up, saying what was tried.
 */
static int ssh_key(git_credential **out, const char *user, int *step,
		   const struct ks_net_opts *o)
{
	static const char *const keys[] = { "id_ed25519", "id_rsa" };
	int r = GIT_PASSTHROUGH;

	if (*step == 0) {
		(*step)++;
		if (o->ssh_agent)
			return git_credential_ssh_key_from_agent(out, user);
	}
	while (r == GIT_PASSTHROUGH && o->ssh_dir && *step - 1 < 2) {
		struct ks_buf priv = KS_BUF_INIT, pub = KS_BUF_INIT;

		if (ks_buf_addf(&priv, "%s/%s", o->ssh_dir, keys[*step - 1]) == 0 &&
		    ks_buf_addf(&pub, "%s.pub", priv.ptr) == 0 &&
		    access(priv.ptr, R_OK) == 0)
			r = git_credential_ssh_key_new(out, user,
						       access(pub.ptr, R_OK) ? NULL : pub.ptr,
						       priv.ptr, NULL);
		ks_buf_release(&priv);
		ks_buf_release(&pub);
		(*step)++;
	}
	if (r != GIT_PASSTHROUGH)
		return r;
	git_error_set_str(GIT_ERROR_NET,
			  "the hub accepted none of the ssh keys tried (the ssh agent, ~/.ssh/id_ed25519, ~/.ssh/id_rsa)");
	return GIT_EAUTH;
}

/*
 * Seconds of silence after which a hub is given up: `given` when not 0,
 * else khaosat.hubTimeout from the configuration, else the default.
 */
static int hub_timeout(unsigned *out, git_repository *repo, unsigned given,
		       struct ks_diags *d)
{
	git_config *cfg = NULL;
	git_buf b = { 0 };
	char *end;
	unsigned long v;
	int err = 0;

	*out = given ? given : KS_NET_TIMEOUT_DEFAULT;
	if (given)
		return 0;
	if (git_repository_config_snapshot(&cfg, repo) == 0 &&
	    git_config_get_string_buf(&b, cfg, "khaosat.hubTimeout") == 0) {
		errno = 0;
		v = strtoul(b.ptr, &end, 10);
		if (!isdigit((unsigned char)*b.ptr) || *end || errno ||
		    v < 1 || v > KS_NET_TIMEOUT_MAX)
			err = ks_error(d, KS_EENV, NULL, 0, 0,
				       "khaosat.hubTimeout is \"%s\"; give the seconds a silent hub is waited for, from 1 to %d ('git config khaosat.hubTimeout 60')",
				       b.ptr, KS_NET_TIMEOUT_MAX);
		else
			*out = (unsigned)v;
	}
	git_buf_dispose(&b);
	git_config_free(cfg);
	git_error_clear();
	return err;
}

static void forget_answer(struct ks_hub_link *l)
{
	if (l->pass)
		sodium_memzero(l->pass, strlen(l->pass));
	ks_free(l->url);
	ks_free(l->user);
	ks_free(l->pass);
	l->url = l->user = l->pass = NULL;
}

int ks_hub_link_init(struct ks_hub_link *l, const struct ks_net_opts *opts,
		     git_repository *repo, struct ks_diags *d)
{
	memset(l, 0, sizeof(*l));
	l->opts = opts;
	return hub_timeout(&l->timeout, repo, opts->timeout, d);
}

void ks_hub_link_release(struct ks_hub_link *l)
{
	forget_answer(l);
}

/* Three tries at the keyboard, as a login prompt gives. */
#define ASK_TRIES 3

static int refused(const char *why)
{
	git_error_set_str(GIT_ERROR_NET, why);
	return GIT_EAUTH;
}

/*
 * A person asked at the keyboard: once per sync, since a sync fetches
 * and pushes over separate connections, and again after a refusal.
 */
static int ask_person(git_credential **out, const char *url, struct net *n)
{
	struct ks_hub_link *l = n->link;

	if (n->tries == 0 && l->url && !strcmp(l->url, url)) {
		n->tries = 1;
		return git_credential_userpass_plaintext_new(out, l->user, l->pass);
	}
	forget_answer(l);
	if (n->tries++ >= ASK_TRIES)
		return refused("the hub refused the user name and password given");
	if (l->opts->ask(url, &l->user, &l->pass) < 0)
		return refused("the hub asks for a user name and password, and none was given");
	if (!(l->url = ks_strdup(url))) {
		forget_answer(l);
		return -1;
	}
	return git_credential_userpass_plaintext_new(out, l->user, l->pass);
}

static int credentials(git_credential **out, const char *url,
		       const char *user, unsigned int allowed, void *payload)
{
	struct net *n = payload;
	const struct ks_net_opts *o = n->link->opts;

	if (!user)
		user = "git";
	if (allowed & GIT_CREDENTIAL_USERNAME)
		return git_credential_username_new(out, user);
	if (allowed & GIT_CREDENTIAL_SSH_KEY)
		return ssh_key(out, user, &n->tries, o);
	if (!(allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT))
		return refused("the hub asks for a kind of credential khaosat does not have");
	if ((!o->user || !o->pass) && o->ask)
		return ask_person(out, url, n);
	if (!o->user || !o->pass)
		return refused("the hub asks for a user name and password: set KHAOSAT_USERNAME and KHAOSAT_PASSWORD");
	if (n->tries++ == 0)
		return git_credential_userpass_plaintext_new(out, o->user, o->pass);
	return refused("the hub refused the user name and password in KHAOSAT_USERNAME and KHAOSAT_PASSWORD");
}

static int fetch_progress(const git_indexer_progress *st, void *payload)
{
	struct net *n = payload;

	if (n->pg && n->pg->fn)
		n->pg->fn(n->pg->payload, n->what, st->received_bytes, 0);
	ks_crash_point("hub: fetch data received");
	return 0;
}

static int push_progress(unsigned int current, unsigned int total,
			 size_t bytes, void *payload)
{
	struct net *n = payload;

	(void)current;
	(void)total;
	if (n->pg && n->pg->fn)
		n->pg->fn(n->pg->payload, n->what, bytes, 0);
	return 0;
}

static int push_status(const char *ref, const char *status, void *payload)
{
	struct net *n = payload;

	(void)ref;
	if (status) {
		n->rejected = 1;
		ks_free(n->why);
		n->why = ks_strdup(status);
	}
	return 0;
}

/*
 * What the hub's git says on the way ("remote: ..."): the first line that
 * reports a failure is kept, for an error that ends the connection early
 * (a full disk ends receive-pack before it can answer).
 */
static int remote_text(const char *str, int len, void *payload)
{
	struct net *n = payload;
	char line[256];
	int i, start = 0;

	for (i = 0; i <= len && !n->said; i++) {
		if (i < len && str[i] != '\n' && str[i] != '\r')
			continue;
		snprintf(line, sizeof(line), "%.*s", i - start, str + start);
		start = i + 1;
		if (strstr(line, "error") || strstr(line, "fatal") ||
		    strstr(line, "No space") || strstr(line, "denied") ||
		    strstr(line, "failed"))
			n->said = ks_strdup(line);
	}
	return 0;
}

/*
 * The side-band messages in what the hub sent and nobody read before the
 * connection broke (netstream.h): pkt-lines, "<4 hex digits><band><text>".
 */
static void heard_unread(struct net *n)
{
	const char *p;
	size_t len = ks_net_unread(&p), at = 0;

	while (at + 4 <= len && !n->said) {
		char hex[5], *end;
		unsigned long size;

		memcpy(hex, p + at, 4);
		hex[4] = '\0';
		size = strtoul(hex, &end, 16);
		if (end != hex + 4 || (size && size < 5) || at + size > len)
			break;
		if (!size) {		/* a flush */
			at += 4;
			continue;
		}
		if (p[at + 4] == 2 || p[at + 4] == 3)
			remote_text(p + at + 5, (int)(size - 5), n);
		at += size;
	}
}

static void net_callbacks(git_remote_callbacks *cb, struct net *n)
{
	cb->sideband_progress = remote_text;
	cb->credentials = credentials;
	cb->transfer_progress = fetch_progress;
	cb->push_transfer_progress = push_progress;
	cb->push_update_reference = push_status;
	cb->payload = n;
}

/*
 * A fetch that failed or was stopped changed nothing; in a later round of
 * a sync, what the earlier rounds merged stays.
 */
static int fetch_failed(struct ks_diags *d, const char *url,
			const struct ks_sync_report *rep)
{
	const char *kept = rep->tries > 1
		? _("what came from the hub before is kept here; run 'khaosat sync' again")
		: _("nothing was changed");
	unsigned t = ks_net_timeout();

	if (ks_net_cancelled())
		return ks_error(d, KS_EINTR, NULL, 0, 0,
				"interrupted while fetching from the hub '%s'; %s",
				url, kept);
	if (ks_net_timed_out())
		return ks_error(d, KS_EIO, NULL, 0, 0,
				"the hub '%s' did not answer for %u second%s; %s",
				url, t, t == 1 ? "" : "s", kept);
	if (git_error_last() && (git_error_last()->klass == GIT_ERROR_ZLIB ||
				 git_error_last()->klass == GIT_ERROR_ODB))
		return ks_error(d, KS_EIO, url, 0, 0,
				"the hub's copy of the survey is damaged (%s); %s. Where the hub lives, 'khaosat verify --hub DIR' finds the damage and '--repair-from SURVEY' repairs it from a laptop that synced before",
				ks_git_error(), kept);
	return ks_error(d, KS_EIO, url, 0, 0,
			"cannot fetch from the hub: %s; %s", ks_git_error(), kept);
}

static int stopped_before_push(struct ks_diags *d, const char *url)
{
	return ks_error(d, KS_EINTR, NULL, 0, 0,
			"interrupted before pushing to the hub '%s'; what came from the hub is kept here; run 'khaosat sync' again",
			url);
}

/*
 * A push cut short by silence or Ctrl-C: the hub may or may not have taken
 * main (it can fall silent after it did); what the fetch brought stays.
 */
static int push_failed(struct ks_diags *d, const char *url)
{
	unsigned t = ks_net_timeout();

	if (ks_net_cancelled())
		return ks_error(d, KS_EINTR, NULL, 0, 0,
				"interrupted while pushing to the hub '%s'; main may not have reached it, what came from the hub is kept here; run 'khaosat sync' again",
				url);
	return ks_error(d, KS_EIO, NULL, 0, 0,
			"the hub '%s' did not answer for %u second%s; main may not have reached it, what came from the hub is kept here; run 'khaosat sync' again",
			url, t, t == 1 ? "" : "s");
}

/* The survey's private fetch folders: .git/khaosat/fetch-XXXXXX. */
static int quarantine(char **out, git_repository **q, git_repository *repo,
		      struct ks_diags *d)
{
	struct ks_buf p = KS_BUF_INIT, alt = KS_BUF_INIT;
	int err = KS_EIO;

	*out = NULL;
	if (ks_buf_addf(&p, "%skhaosat", git_repository_path(repo)) < 0)
		return -1;
	mkdir(p.ptr, 0777);
	/* A sync killed while fetching leaves its folder; an hour is plenty. */
	ks_sweep_stale(p.ptr, "fetch-", KS_STALE_SECONDS);
	if (ks_buf_puts(&p, "/fetch-XXXXXX") < 0)
		goto nomem;
	if (!mkdtemp(p.ptr)) {
		err = ks_error(d, KS_EIO, NULL, 0, 0,
			       "cannot make a folder for fetching: %s", strerror(errno));
		goto out;
	}
	if (git_repository_init(q, p.ptr, 1) < 0)
		goto gitfail;
	/* It sees the survey's objects, so the hub sends only what is new. */
	if (ks_buf_addf(&alt, "%s/objects/info/alternates", p.ptr) < 0)
		goto nomem;
	{
		struct ks_buf text = KS_BUF_INIT;

		err = ks_buf_addf(&text, "%sobjects\n", git_repository_path(repo)) < 0
			? -1 : ks_file_put_text(alt.ptr, &text, KS_FILE_DURABLE, d);
		ks_buf_release(&text);
		if (err)
			goto out;
	}
	*out = ks_buf_detach(&p, NULL);
	err = *out ? 0 : -1;
	goto out;
nomem:
	err = -1;
	goto out;
gitfail:
	err = ks_error(d, KS_EIO, NULL, 0, 0, "cannot make a folder for fetching: %s",
		       ks_git_error());
out:
	if (err && p.len && p.ptr[p.len - 1] != 'X')
		ks_remove_tree(p.ptr);
	ks_buf_release(&p);
	ks_buf_release(&alt);
	return err;
}

/*
 * A remote for one fetch or push, not kept in the configuration.  Not
 * git_remote_create_anonymous(): in libgit2 1.5 its url.*.insteadOf lookup
 * leaks the regex match data of every configuration entry it tries.
 */
static int hub_remote(git_remote **out, git_repository *repo, const char *url)
{
	git_remote_create_options o = GIT_REMOTE_CREATE_OPTIONS_INIT;

	ks_global_network();	/* https:// needs the certificates */
	o.repository = repo;
	o.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF |
		  GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
	return git_remote_create_with_opts(out, url, &o);
}

/* Our main and the remote's tracking refs, so the hub sends only what is new. */
static int copy_haves(git_repository *q, git_repository *repo)
{
	git_reference_iterator *it = NULL;
	git_reference *ref, *made;
	int e;

	if (git_reference_iterator_new(&it, repo) < 0)
		return -1;
	while ((e = git_reference_next(&ref, it)) == 0) {
		const char *name = git_reference_name(ref);

		if (git_reference_type(ref) == GIT_REFERENCE_DIRECT &&
		    (!strcmp(name, KS_MAIN_REF) ||
		     !strncmp(name, KS_TRACKING, strlen(KS_TRACKING))) &&
		    git_reference_create(&made, q, name, git_reference_target(ref),
					 1, NULL) == 0)
			git_reference_free(made);
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	git_error_clear();
	return e == GIT_ITEROVER ? 0 : -1;
}

#define IN_DEVICES "refs/khaosat/in/"
#define IN_MAIN "refs/khaosat/in-main"
/* The hub's main (a survey repository used as a hub has only that). */
#define HUB_MAIN_PEER "(main)"

/* The refs fetched into the private repository, as peers. */
static int incoming_peers(struct ks_sync_report *rep, git_repository *q,
			  struct ks_diags *d)
{
	git_reference_iterator *it = NULL;
	git_reference *ref;
	size_t alloc = 0;
	int e, err = 0;

	if (git_reference_iterator_glob_new(&it, q, "refs/khaosat/in*") < 0)
		return ks_error(d, KS_EIO, NULL, 0, 0, "cannot read what was fetched: %s",
				ks_git_error());
	while (!err && (e = git_reference_next(&ref, it)) == 0) {
		const char *name = git_reference_name(ref);
		const char *dev = !strcmp(name, IN_MAIN) ? HUB_MAIN_PEER
			: !strncmp(name, IN_DEVICES, strlen(IN_DEVICES))
			? name + strlen(IN_DEVICES) : NULL;
		struct ks_sync_peer *p;

		if (dev && dev != (const char *)HUB_MAIN_PEER && !ks_device_valid(dev)) {
			ks_diags_add(d, KS_SEV_WARNING, rep->folder, 0, 0, NULL, NULL,
				     "ignored %s: not a device id", name);
			dev = NULL;
		}
		if (dev && git_reference_type(ref) == GIT_REFERENCE_DIRECT) {
			if (ks_grow(&rep->peers, rep->npeers, &alloc, sizeof(*p), 8) < 0) {
				err = -1;
			} else {
				p = &rep->peers[rep->npeers++];
				memset(p, 0, sizeof(*p));
				snprintf(p->device, sizeof(p->device), "%s", dev);
				git_oid_cpy(&p->tip, git_reference_target(ref));
				p->full = 1;
				if (!(p->path = ks_strdup(name)))
					err = -1;
			}
		}
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	git_error_clear();
	if (!err && rep->npeers)
		ks_sync_sort_peers(rep);
	return err;
}

/*
 * Moves what was fetched into the repository: all of it when every ref was
 * taken, else only what the taken ones reach, so that nothing of a refused
 * ref stays in the store.
 */
static int install_fetched(git_repository *repo, const struct ks_sync_report *rep,
			   const char *objects, const char *url,
			   struct ks_diags *d)
{
	git_oid *tips;
	size_t i, n = 0;
	int refused = 0, err;

	for (i = 0; i < rep->npeers; i++)
		refused |= rep->peers[i].state == KS_PEER_REFUSED;
	if (!refused)
		return ks_bundle_install_incoming(repo, objects, url, d);
	if (!(tips = ks_calloc(rep->npeers + 1, sizeof(*tips))))
		return -1;
	for (i = 0; i < rep->npeers; i++)
		if (rep->peers[i].state == KS_PEER_IMPORTED)
			git_oid_cpy(&tips[n++], &rep->peers[i].tip);
	err = ks_bundle_install_reachable(repo, objects, tips, n, url, d);
	ks_free(tips);
	return err;
}

/* 1 when a fetched ref's history holds the survey's first commit `root`. */
static int any_of_survey(const struct ks_sync_report *rep, const char *incoming,
			 git_repository *repo, const git_oid *root)
{
	struct ks_buf objects = KS_BUF_INIT;
	git_repository *w = NULL;
	git_odb *wodb = NULL;
	size_t i;
	int found = 0;

	if (ks_buf_addf(&objects, "%sobjects", git_repository_path(repo)) < 0 ||
	    git_odb_new(&wodb) < 0 ||
	    git_odb_add_disk_alternate(wodb, objects.ptr) < 0 ||
	    git_odb_add_disk_alternate(wodb, incoming) < 0 ||
	    git_repository_wrap_odb(&w, wodb) < 0) {
		found = 1;	/* cannot tell: the checks that follow will */
		goto out;
	}
	for (i = 0; i < rep->npeers && !found; i++)
		found = git_oid_equal(&rep->peers[i].tip, root) ||
			git_graph_descendant_of(w, &rep->peers[i].tip, root) == 1;
out:
	git_error_clear();
	git_repository_free(w);
	git_odb_free(wodb);
	ks_buf_release(&objects);
	return found;
}

static void specs_free(git_strarray *a)
{
	size_t i;

	for (i = 0; i < a->count; i++)
		ks_free(a->strings[i]);
	ks_free(a->strings);
	a->strings = NULL;
	a->count = 0;
}

/*
 * Refs of a hub this laptop refused for what they hold, one line each in
 * .git/khaosat/refused-refs: "<commit> <ref> <hub URL>".  A khaosat hub
 * refuses deletions, so such a ref stays until the centre sets it aside;
 * the same ref at the same commit is then neither fetched nor reported as
 * an error again, only named in a note.  A ref that moves is judged anew.
 */
static char *refused_path(git_repository *repo)
{
	struct ks_buf p = KS_BUF_INIT;

	if (ks_buf_addf(&p, "%skhaosat/refused-refs", git_repository_path(repo)) < 0)
		return NULL;
	return ks_buf_detach(&p, NULL);
}

static void refused_read(struct ks_buf *text, git_repository *repo)
{
	char *path = refused_path(repo);

	ks_buf_reset(text);
	if (!path || ks_buf_read_file(text, path, 1 << 20) < 0)
		ks_buf_reset(text);
	ks_free(path);
}

/* The line for `ref` of hub `url`, wherever it points: its start or NULL. */
static const char *refused_line(const struct ks_buf *text, const char *ref,
				const char *url)
{
	const char *line = text->ptr;
	size_t rl = strlen(ref), ul = strlen(url);

	while (line && *line) {
		const char *nl = strchr(line, '\n'), *sp = strchr(line, ' ');

		if (sp && (!nl || sp < nl) && !strncmp(sp + 1, ref, rl) &&
		    sp[1 + rl] == ' ' && !strncmp(sp + 2 + rl, url, ul) &&
		    (sp[2 + rl + ul] == '\n' || !sp[2 + rl + ul]))
			return line;
		line = nl ? nl + 1 : NULL;
	}
	return NULL;
}

static int refused_has(const struct ks_buf *text, const git_oid *oid,
		       const char *ref, const char *url)
{
	const char *line = refused_line(text, ref, url);
	git_oid at;

	return line && git_oid_fromstrn(&at, line, GIT_OID_HEXSZ) == 0 &&
	       git_oid_equal(&at, oid);
}

/* Remembers `ref` at `oid` as refused; only a cache: failures are ignored. */
static void refused_add(git_repository *repo, const git_oid *oid,
			const char *ref, const char *url)
{
	struct ks_buf text = KS_BUF_INIT, out = KS_BUF_INIT;
	struct ks_diags ignore = KS_DIAGS_INIT;
	char hex[GIT_OID_HEXSZ + 1], *path = refused_path(repo);
	const char *old;

	refused_read(&text, repo);
	if (!path || refused_has(&text, oid, ref, url))
		goto out;
	if ((old = refused_line(&text, ref, url))) {
		const char *nl = strchr(old, '\n');

		ks_buf_add(&out, text.ptr, (size_t)(old - text.ptr));
		if (nl)
			ks_buf_puts(&out, nl + 1);
	} else {
		ks_buf_add(&out, text.ptr, text.len);
	}
	if (ks_buf_addf(&out, "%s %s %s\n", git_oid_tostr(hex, sizeof(hex), oid),
			ref, url) == 0)
		ks_file_put_text(path, &out, KS_FILE_DURABLE, &ignore);
out:
	ks_free(path);
	ks_buf_release(&text);
	ks_buf_release(&out);
	ks_diags_release(&ignore);
}

/* The hub's ref a peer came from. */
static int peer_ref(struct ks_buf *out, const struct ks_sync_peer *p)
{
	return !strcmp(p->device, HUB_MAIN_PEER)
		? ks_buf_puts(out, KS_MAIN_REF)
		: ks_buf_addf(out, "%s%s", KS_HUB_DEVICES, p->device);
}

/* The hub's refs refused this time for what they hold. */
static void remember_refused(const struct ks_sync_report *rep,
			     git_repository *repo, const char *url)
{
	struct ks_buf ref = KS_BUF_INIT;
	size_t i;

	for (i = 0; i < rep->npeers; i++) {
		const struct ks_sync_peer *p = &rep->peers[i];

		ks_buf_reset(&ref);
		if (p->hostile && p->state == KS_PEER_REFUSED && peer_ref(&ref, p) == 0)
			refused_add(repo, &p->tip, ref.ptr, url);
	}
	ks_buf_release(&ref);
}

/*
 * What to fetch from the hub: each device's ref and main, by name, except
 * a ref still at a commit this laptop refused before (named in a note).
 */
static int fetch_specs(git_strarray *out, git_remote *rem,
		       git_repository *repo, const char *url,
		       struct ks_diags *d)
{
	const git_remote_head **heads;
	struct ks_buf text = KS_BUF_INIT, spec = KS_BUF_INIT;
	size_t i, n, alloc = 0;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (git_remote_ls(&heads, &n, rem) < 0)
		return KS_EIO;
	refused_read(&text, repo);
	for (i = 0; i < n && !err; i++) {
		const char *name = heads[i]->name;
		char hex[GIT_OID_HEXSZ + 1];

		ks_buf_reset(&spec);
		if (!strcmp(name, KS_MAIN_REF))
			err = ks_buf_addf(&spec, "+%s:%s", name, IN_MAIN);
		else if (!strncmp(name, KS_HUB_DEVICES, strlen(KS_HUB_DEVICES)))
			err = ks_buf_addf(&spec, "+%s:%s%s", name, IN_DEVICES,
					  name + strlen(KS_HUB_DEVICES));
		else
			continue;
		if (err)
			break;
		if (refused_has(&text, &heads[i]->oid, name, url)) {
			ks_diags_add(d, KS_SEV_NOTE, url, 0, 0, NULL, NULL,
				     "%s is still at commit %.10s, which this laptop refused before: not taken, not fetched again. The hub keeps it until the centre sets it aside ('khaosat verify --hub DIR --quarantine' where the hub lives)",
				     name, git_oid_tostr(hex, sizeof(hex), &heads[i]->oid));
			continue;
		}
		if (ks_grow(&out->strings, out->count, &alloc, sizeof(char *), 8) < 0 ||
		    !(out->strings[out->count] = ks_buf_detach(&spec, NULL)))
			err = -1;
		else
			out->count++;
	}
	ks_buf_release(&text);
	ks_buf_release(&spec);
	if (err)
		specs_free(out);
	return err;
}

/*
 * Fetches every device's ref of the hub at `url` into a private folder,
 * checks what is new and only then moves it into the repository.  `root`:
 * the survey's first commit; zero when setting up a laptop (it is then
 * that of the hub's main, or of its first device in order).
 */
/* One fetch from a hub, while its objects wait in the private folder. */
struct fetch {
	struct ks_sync_report *rep;
	git_repository *repo;
	const char *url;
	git_odb *odb;			/* the survey's */
	const char *objects;		/* the private folder's objects */
	git_oid *root;
	const struct ks_bundle_judge *judge;
	int learn;			/* setting up: the first tip names root */
	int any;			/* a peer brought something new */
	struct ks_buf name;
	struct ks_diags *d;
};

/* A tip this laptop has: refused only when that device's line forked. */
static void known_peer(struct fetch *f, struct ks_sync_peer *p, int own)
{
	struct ks_diags got = KS_DIAGS_INIT;

	p->state = KS_PEER_KNOWN;
	p->has_tip = 1;
	if (!ks_sync_forked(f->repo, p, f->url, &got))
		return;
	if (own)
		f->rep->own_rewritten = 1;
	else
		ks_diags_move(f->d, &got);
	ks_diags_release(&got);
	p->state = KS_PEER_REFUSED;
	p->has_tip = 0;
}

/*
 * This laptop's own ref failed as a later tip of its line: when it passes
 * as a history of its own, someone else rewrote it.  Not an error of the
 * sync; main is pushed back over it.
 */
static int own_rewritten(struct fetch *f, const struct ks_bundle_ref *ref)
{
	struct ks_diags again = KS_DIAGS_INIT;
	int ok = ks_bundle_check_incoming(f->repo, f->objects, ref, 1, f->root,
					  NULL, f->judge, f->name.ptr, &again) == 0;

	ks_diags_release(&again);
	return ok;
}

/* The survey's first commit, read through both object folders. */
static int learn_root(struct fetch *f, const git_oid *tip)
{
	git_repository *w = NULL;
	git_odb *wodb = NULL;
	int err = 0;

	if (git_odb_new(&wodb) < 0 ||
	    git_odb_add_disk_alternate(wodb, f->objects) < 0 ||
	    git_repository_wrap_odb(&w, wodb) < 0 ||
	    ks_bundle_survey_root(f->root, w, tip) < 0)
		err = ks_error(f->d, KS_EIO, f->url, 0, 0,
			       "cannot fetch from the hub: %s", ks_git_error());
	git_repository_free(w);
	git_odb_free(wodb);
	return err;
}

/*
 * Checks one peer's fetched history as a bundle's is checked.  A refused
 * peer is an error in `d` and the others go on; 0, or what stops them all.
 */
static int judge_fetched(struct fetch *f, struct ks_sync_peer *p)
{
	struct ks_diags got = KS_DIAGS_INIT;
	struct ks_bundle_ref ref;
	git_oid seen;
	int since, err, own = f->rep->device && !strcmp(p->device, f->rep->device);

	if (ks_sync_has_commit(f->odb, &p->tip)) {
		known_peer(f, p, own);
		return 0;
	}
	since = strcmp(p->device, HUB_MAIN_PEER) &&
		ks_sync_seen_tip(&seen, f->repo, p->device);
	git_oid_cpy(&ref.oid, &p->tip);
	ref.name = p->path;
	ks_buf_reset(&f->name);
	if (ks_buf_addf(&f->name, "%s (%s)", f->url, p->device) < 0)
		return -1;
	err = ks_bundle_check_incoming(f->repo, f->objects, &ref, 1,
				       f->learn && !f->any ? NULL : f->root,
				       since ? &seen : NULL, f->judge,
				       f->name.ptr, &got);
	if (err == KS_EINVALID && own && since && own_rewritten(f, &ref)) {
		f->rep->own_rewritten = 1;
		ks_diags_release(&got);
		p->state = KS_PEER_REFUSED;
		return 0;
	}
	if (err == KS_EINVALID || err == KS_EIO) {
		ks_diags_move(f->d, &got);
		p->state = KS_PEER_REFUSED;
		p->hostile = err == KS_EINVALID;
		return 0;
	}
	ks_diags_release(&got);
	if (err || (f->learn && !f->any && (err = learn_root(f, &p->tip))))
		return err;
	p->state = KS_PEER_IMPORTED;
	p->has_tip = 1;
	f->any = 1;
	return 0;
}

/* Connects and fetches every device's ref into the private folder `q`. */
static int fetch_into(git_repository *q, git_strarray *refspecs,
		      struct net *n, struct ks_sync_report *rep,
		      git_repository *repo, struct ks_diags *d)
{
	git_fetch_options fo = GIT_FETCH_OPTIONS_INIT;
	git_remote *rem = NULL;
	const char *url = n->what;
	int err = KS_EIO;

	if (ks_net_arm(n->link->timeout) < 0 ||
	    copy_haves(q, repo) < 0 ||
	    hub_remote(&rem, q, url) < 0) {
		git_remote_free(rem);
		return ks_error(d, KS_EIO, url, 0, 0, "cannot fetch from the hub: %s",
				ks_git_error());
	}
	net_callbacks(&fo.callbacks, n);
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	fo.update_fetchhead = 0;
	if (git_remote_connect(rem, GIT_DIRECTION_FETCH, &fo.callbacks, NULL, NULL) < 0 ||
	    ks_net_cancelled() ||
	    (err = fetch_specs(refspecs, rem, repo, url, d)) == KS_EIO ||
	    (!err && refspecs->count &&
	     git_remote_fetch(rem, refspecs, &fo, NULL) < 0) ||
	    ks_net_cancelled())
		err = fetch_failed(d, url, rep);
	git_remote_free(rem);
	return err;
}

/*
 * What was fetched and passed, kept: the objects moved into the survey,
 * each device's tip remembered, and what the hub had under `remote`'s
 * tracking refs, for the next fetch to start from.
 */
static int keep_fetched(struct fetch *f, const char *remote)
{
	struct ks_sync_report *rep = f->rep;
	size_t i;
	int err;

	if (f->any &&
	    (err = install_fetched(f->repo, rep, f->objects, f->url, f->d)))
		return err;
	ks_crash_point("hub: objects installed");
	for (i = 0; i < rep->npeers; i++) {
		const struct ks_sync_peer *p = &rep->peers[i];
		git_reference *made = NULL;

		if (!p->has_tip || !strcmp(p->device, HUB_MAIN_PEER))
			continue;
		ks_sync_remember_seen(f->repo, p->device, &p->tip);
		if (!remote)
			continue;
		ks_buf_reset(&f->name);
		if (ks_buf_addf(&f->name, "%s%s/%s", KS_TRACKING, remote,
				p->device) < 0)
			return -1;
		if (git_reference_create(&made, f->repo, f->name.ptr, &p->tip,
					 1, "khaosat sync") < 0)
			return ks_error(f->d, KS_EIO, f->url, 0, 0,
					"cannot fetch from the hub: %s",
					ks_git_error());
		git_reference_free(made);
	}
	return 0;
}

/* The hub's main first: when setting up, it names the survey. */
static void main_first(struct ks_sync_report *rep)
{
	size_t i;

	for (i = 1; i < rep->npeers; i++)
		if (!strcmp(rep->peers[i].device, HUB_MAIN_PEER)) {
			struct ks_sync_peer t = rep->peers[0];

			rep->peers[0] = rep->peers[i];
			rep->peers[i] = t;
		}
}

int ks_hub_fetch(struct ks_sync_report *rep, git_repository *repo,
		 const char *url, const char *remote, struct ks_hub_link *link,
		 git_oid *root, const struct ks_bundle_judge *judge,
		 const struct ks_progress *pg, struct ks_diags *d)
{
	git_strarray refspecs = { NULL, 0 };
	git_repository *q = NULL;
	struct net n = { pg, url, link, 0, 0, NULL, NULL };
	struct fetch f = { rep, repo, url, NULL, NULL, root, judge,
			   git_oid_is_zero(root), 0, KS_BUF_INIT, d };
	struct ks_buf objects = KS_BUF_INIT;
	char *qdir = NULL;
	size_t i;
	int err;

	if ((err = quarantine(&qdir, &q, repo, d)) ||
	    (err = fetch_into(q, &refspecs, &n, rep, repo, d)))
		goto out;
	ks_crash_point("hub: fetched");
	if ((err = incoming_peers(rep, q, d)))
		goto out;
	if (ks_buf_addf(&objects, "%sobjects", git_repository_path(q)) < 0 ||
	    git_repository_odb(&f.odb, repo) < 0) {
		err = -1;
		goto out;
	}
	f.objects = objects.ptr;
	/*
	 * A hub that holds refs, none of them of this survey, is another
	 * survey's: nothing of this one may be pushed there, where its
	 * records could be read and its refs never removed.
	 */
	if (!f.learn && rep->npeers && !any_of_survey(rep, objects.ptr, repo, root))
		rep->foreign = 1;
	if (f.learn)
		main_first(rep);
	for (i = 0; i < rep->npeers && !err; i++)
		err = judge_fetched(&f, &rep->peers[i]);
	/* The last moment at which stopping leaves the survey as it was. */
	if (!err && ks_net_cancelled())
		err = fetch_failed(d, url, rep);
	/* Its packs closed before they move: Windows moves no open file. */
	git_repository_free(q);
	q = NULL;
	if (!err)
		err = keep_fetched(&f, remote);
out:
	specs_free(&refspecs);
	ks_free(n.why);
	ks_free(n.said);
	git_odb_free(f.odb);
	git_repository_free(q);
	if (qdir)
		ks_remove_tree(qdir);
	ks_free(qdir);
	ks_buf_release(&objects);
	ks_buf_release(&f.name);
	return err;
}

/* Pushes main to this device's ref on the hub; *rejected when it refused. */
static int push_hub(git_repository *repo, const char *url, const char *device,
		    int force, struct ks_hub_link *link,
		    const struct ks_progress *pg, int *rejected, struct ks_diags *d)
{
	git_push_options po = GIT_PUSH_OPTIONS_INIT;
	git_remote *rem = NULL;
	struct net n = { pg, url, link, 0, 0, NULL, NULL };
	struct ks_buf spec = KS_BUF_INIT;
	char *specs[1];
	git_strarray refspecs = { specs, 1 };
	int err = 0, e;

	*rejected = 0;
	if (ks_buf_addf(&spec, "%srefs/heads/main:%s%s", force ? "+" : "",
			KS_HUB_DEVICES, device) < 0)
		return -1;
	specs[0] = spec.ptr;
	net_callbacks(&po.callbacks, &n);
	ks_crash_point("hub: pushing");
	if (ks_net_arm(link->timeout) < 0 || hub_remote(&rem, repo, url) < 0 ||
	    (e = git_remote_push(rem, &refspecs, &po)) < 0) {
		const git_error *ge = git_error_last();

		if (ks_net_timed_out() || ks_net_cancelled()) {
			err = push_failed(d, url);
		} else if (ge && (strstr(ge->message, "non-fast-forward") ||
			   strstr(ge->message, "fetch first") ||
			   strstr(ge->message, "rejected"))) {
			*rejected = 1;
			git_error_clear();
		} else {
			/* The hub's own words come first: they say why. */
			if (!n.said)
				heard_unread(&n);
			err = n.said
				? ks_error(d, KS_EIO, url, 0, 0,
					   "cannot push to the hub: the hub said \"%s\" (then: %s); nothing of this laptop changed",
					   n.said, ks_git_error())
				: ks_error(d, KS_EIO, url, 0, 0,
					   "cannot push to the hub: %s%s", ks_git_error(),
					   ge && ge->klass == GIT_ERROR_INVALID
					   ? _(" (a hub must be a bare repository: 'khaosat init --bare')") : "");
		}
	}
	if (!err && n.rejected)
		*rejected = 1;
	ks_free(n.why);
	ks_free(n.said);
	git_remote_free(rem);
	ks_buf_release(&spec);
	return err;
}

static void peers_release(struct ks_sync_report *rep)
{
	size_t i;

	for (i = 0; i < rep->npeers; i++)
		ks_free(rep->peers[i].path);
	ks_free(rep->peers);
	rep->peers = NULL;
	rep->npeers = 0;
}

/* A configured remote's URL, or `arg` itself. */
static int remote_url(char **url, char **name, git_repository *repo,
		      const char *arg)
{
	*name = NULL;
	if ((*url = ks_remote_url(repo, arg))) {
		*name = ks_strdup(arg);
		return *name ? 0 : -1;
	}
	*url = ks_strdup(arg);
	return *url ? 0 : -1;
}

/*
 * What was pushed is what the hub now holds for this laptop: its tracking
 * ref moves there.  Only a starting point for the next fetch, so a failure
 * is not the sync's.
 */
static void note_pushed(git_repository *repo, const char *remote,
			const char *device, const git_oid *tip)
{
	git_reference *made = NULL;
	struct ks_buf t = KS_BUF_INIT;

	if (ks_buf_addf(&t, "%s%s/%s", KS_TRACKING, remote, device) == 0 &&
	    git_reference_create(&made, repo, t.ptr, tip, 1,
				 "khaosat sync: pushed") == 0)
		git_reference_free(made);
	git_error_clear();
	ks_buf_release(&t);
}

int ks_sync_remote(struct ks_sync_report *rep, struct ks_repo *r,
		   const char *remote, const struct ks_net_opts *net,
		   const struct ks_progress *pg, struct ks_diags *d)
{
	git_repository *repo = ks_repo_git(r);
	const char *device = ks_repo_identity(r)->device;
	struct ks_bundle_judge judge;
	char *url = NULL, *name = NULL;
	struct ks_hub_link link;
	git_oid root;
	int err, rejected = 1;
	size_t i;

	ks_enrol_bundle_judge(&judge, r);
	if ((err = ks_sync_start(rep, r, &root, d)) ||
	    (err = ks_hub_link_init(&link, net, repo, d)))
		return err;
	if (remote_url(&url, &name, repo, remote) < 0)
		return -1;
	rep->folder = url;
	rep->device = device;
	if (!(rep->hub = ks_strdup(name ? name : url))) {
		ks_free(name);
		return -1;
	}
	while (rejected && !err) {
		/* Ctrl-C during a merge: stop before the next network step. */
		if (rep->tries && ks_net_cancelled()) {
			err = stopped_before_push(d, url);
			break;
		}
		if (rep->tries++ == KS_PUSH_TRIES) {
			err = ks_error(d, KS_ECONFLICT, url, 0, 0,
				       "the hub kept moving while this laptop synced (%d rounds); nothing was lost, run 'khaosat sync' again",
				       KS_PUSH_TRIES);
			break;
		}
		peers_release(rep);
		if ((err = ks_hub_fetch(rep, repo, url, name, &link, &root, &judge,
					pg, d)))
			break;
		if (rep->foreign) {
			err = ks_error(d, KS_EINVALID, url, 0, 0,
				       "this hub holds another survey: none of its %zu refs holds this survey's first commit; nothing was pushed there and nothing taken from it (check the hub's address with 'khaosat remote list')",
				       rep->npeers);
			break;
		}
		if ((err = ks_sync_merge_peers(rep, r, d)) ||
		    (err = ks_sync_main_tip(&rep->after, repo, d)))
			break;
		remember_refused(rep, repo, url);
		/* The hub already has main as this device's ref: nothing to push. */
		for (i = 0; i < rep->npeers; i++)
			if (!strcmp(rep->peers[i].device, device) &&
			    git_oid_equal(&rep->peers[i].tip, &rep->after))
				break;
		if (i < rep->npeers) {
			rejected = 0;
			break;
		}
		if (ks_net_cancelled()) {
			err = stopped_before_push(d, url);
			break;
		}
		if ((err = push_hub(repo, url, device, rep->own_rewritten,
				    &link, pg, &rejected, d)))
			break;
		/*
		 * A hub that refuses force-pushes (one made by khaosat) will
		 * not take this laptop's work back over the rewritten copy,
		 * however often it is asked.
		 */
		if (rejected && rep->own_rewritten) {
			err = ks_error(d, KS_EINVALID, url, 0, 0,
				       "this hub's copy of this laptop's work (%s%s) was rewritten by someone else, and the hub refuses to have it put back (it refuses force-pushes). Nothing here was lost. Where the hub lives, 'khaosat verify --hub DIR --set-aside %s' sets the rewritten copy aside; then sync again",
				       KS_HUB_DEVICES, device, device);
			break;
		}
		rep->pushed = !rejected;
		if (rep->pushed) {
			ks_sync_remember_seen(repo, device, &rep->after);
			if (rep->own_rewritten)
				ks_diags_add(d, KS_SEV_WARNING, url, 0, 0, NULL, NULL,
					     "this hub's copy of this laptop's work (%s%s) had been rewritten by someone else; it was put back from this laptop",
					     KS_HUB_DEVICES, device);
		}
	}
	if (!err && rep->pushed && name)
		note_pushed(repo, name, device, &rep->after);
	ks_hub_link_release(&link);
	ks_free(name);
	return err;
}

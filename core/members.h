/*
 * Who may change what in a survey: the members file (members.yaml at the
 * survey's root, committed like the schemas), one entry per laptop:
 *
 *   members:
 *     - device: md01
 *       surveyor: Nguyễn Thị Hoa
 *       role: centre
 *       key: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI...
 *       from: "2026-01-05"
 *     - device: md05
 *       surveyor: Lê Văn Tâm
 *       role: surveyor
 *       key: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI...
 *       from: "2026-03-01T08:00:00+07:00"
 *       until: "2026-11-30"
 *
 * A role says which paths a member's commits may change (the Trust part of
 * DESIGN.md): the centre everything (khaosat.yaml, schema/, the members
 * file, records, conflicts), a surveyor records and their conflicts
 * (only its own device's records when the kind says so), an auditor
 * nothing.  `from` and `until` bound the times at which the key may sign;
 * a date alone is a whole day in Vietnam's time (UTC+07:00), and a member
 * removed keeps its entry with an `until`, so that what it signed before
 * stays authentic.  Keys are ed25519 SSH public keys, the keys git signs
 * commits with.
 */
#ifndef KS_MEMBERS_H
#define KS_MEMBERS_H

#include <stddef.h>
#include <stdint.h>

struct ks_buf;
struct ks_diags;

#define KS_MEMBERS_FILE "members.yaml"

/* From the most to the least that a role may change. */
enum ks_role {
	KS_ROLE_CENTRE,
	KS_ROLE_SURVEYOR,
	KS_ROLE_AUDITOR,
};

struct ks_member {
	const char *device;	/* "md05" */
	const char *surveyor;	/* the person, as commits name the author */
	const char *key;	/* "ssh-ed25519 AAAA...", without a comment */
	unsigned char pk[32];	/* the ed25519 public key it holds */
	enum ks_role role;
	int64_t from, until;	/* seconds since 1970, UTC */
	const char *from_text, *until_text;	/* as written, or NULL */
	int has_from, has_until;
	int line, col;		/* of the entry in the file */
};

struct ks_members;

/*
 * Reads a members file: every entry must have a valid device id (once
 * only), a surveyor, a known role and an ed25519 key (each key once only),
 * and `from` before `until`.  Each problem is an error located in `path`;
 * returns 0, KS_EINVALID or -1 (out of memory).
 */
int ks_members_parse(struct ks_members **out, const char *path,
		     const char *text, size_t len, struct ks_diags *d);
void ks_members_free(struct ks_members *m);

/* An empty list, to add the first member to. */
struct ks_members *ks_members_new(void);

/*
 * Adds a member (its strings are copied): the same checks as reading a
 * file, said in `d` (KS_EINVALID), or -1.  `key` may carry a comment.
 */
int ks_members_add(struct ks_members *m, const char *device,
		   const char *surveyor, enum ks_role role, const char *key,
		   const char *from, const char *until, struct ks_diags *d);

/* Sets a member's `until` (a date or time, checked); KS_ENOTFOUND, -1. */
int ks_members_set_until(struct ks_members *m, const char *device,
			 const char *until, struct ks_diags *d);

/* The text of a members file holding `m`, in khaosat's own form. */
int ks_members_write(struct ks_buf *out, const struct ks_members *m);

size_t ks_members_count(const struct ks_members *m);
const struct ks_member *ks_members_at(const struct ks_members *m, size_t i);

/*
 * The entry of a device, of a key ("ssh-ed25519 AAAA...", a comment after
 * it allowed) or of an ed25519 public key's 32 bytes; NULL: none.
 */
const struct ks_member *ks_members_device(const struct ks_members *m,
					  const char *device);
const struct ks_member *ks_members_key(const struct ks_members *m,
				       const char *key);
const struct ks_member *ks_members_pk(const struct ks_members *m,
				      const unsigned char pk[32]);

/* 1 when the member's key may sign at `when` (seconds since 1970, UTC). */
int ks_member_valid_at(const struct ks_member *mb, int64_t when);

/* "centre", "surveyor", "auditor"; and back (-1: no such role). */
const char *ks_role_name(enum ks_role role);
int ks_role_parse(enum ks_role *out, const char *name);

/*
 * NULL when a commit by a member of `role` on `device` may change `path`
 * (relative to the survey's root); otherwise why not, in words.  With
 * `own_only`, a surveyor may change only its own device's records (and
 * their conflicts).
 */
const char *ks_role_may_change(enum ks_role role, const char *device,
			       const char *path, int own_only);

/*
 * "2026-12-05" (the whole day in UTC+07:00: its first second, or with
 * `end` its last) or "2026-12-05T10:30:00+07:00" ("Z" for UTC) as seconds
 * since 1970.  Returns 0, or -1 when it is neither.
 */
int ks_members_time(int64_t *out, const char *text, int end);

#endif

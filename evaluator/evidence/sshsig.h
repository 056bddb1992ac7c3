/* Private: OpenSSH Ed25519 keys, SSHSIG signatures and allowed_signers
 * files (OpenSSH's PROTOCOL.key and PROTOCOL.sshsig), on libcrypto's
 * EVP_PKEY_ED25519. */
#ifndef PA_SSHSIG_H
#define PA_SSHSIG_H

#include <stdbool.h>
#include <stddef.h>

#include "parity/common.h"

#define PA_ED25519_PUB 32
#define PA_ED25519_SIG 64
/* string "ssh-ed25519" + string pub */
#define PA_SSHKEY_BLOB (4 + 11 + 4 + PA_ED25519_PUB)
/* "SHA256:" + 43 base64 digits */
#define PA_FPR_LEN 64

struct pa__sshkey {
        unsigned char pub[PA_ED25519_PUB];
        unsigned char seed[32]; /* the private half, when has_private */
        bool has_private;
};

/* Reads an unencrypted "openssh-key-v1" Ed25519 private key. Encrypted
 * keys and other key types are PA_ENOTSUP with a message naming the file. */
int pa__sshkey_load(struct pa__sshkey *k, const char *path, struct pa_err *err);
/* The same from the file's text; name is for messages. */
int pa__sshkey_parse(struct pa__sshkey *k, const char *name, const char *text, size_t len,
                     struct pa_err *err);
/* Forgets the private half. */
void pa__sshkey_wipe(struct pa__sshkey *k);
/* Parses "ssh-ed25519" and the base64 of a public key blob. */
int pa__sshkey_from_public(struct pa__sshkey *k, const char *type, const char *b64);

void pa__sshkey_blob(const struct pa__sshkey *k, unsigned char out[PA_SSHKEY_BLOB]);
/* "SHA256:" and the unpadded base64 of the blob's sha256, as ssh-keygen -l. */
void pa__sshkey_fingerprint(const struct pa__sshkey *k, char out[PA_FPR_LEN]);

int pa__ed25519_sign(const struct pa__sshkey *k, const void *msg, size_t len,
                     unsigned char sig[PA_ED25519_SIG]);
/* 0 when sig is pub's signature of msg, PA_EINVAL when not. */
int pa__ed25519_verify(const unsigned char pub[PA_ED25519_PUB], const void *msg, size_t len,
                       const unsigned char sig[PA_ED25519_SIG]);

/* An armored SSHSIG of msg (hash sha512), as ssh-keygen -Y sign writes it;
 * *armored malloc'ed. */
int pa__sshsig_sign(const struct pa__sshkey *k, const char *ns, const void *msg, size_t len,
                    char **armored, struct pa_err *err);
/* Checks an armored SSHSIG over msg in namespace ns (sha256 or sha512);
 * signer receives the public key it names. PA_EINVAL with err set when the
 * signature is malformed, for another namespace, or does not match. */
int pa__sshsig_verify(const char *armored, size_t alen, const char *ns, const void *msg, size_t len,
                      struct pa__sshkey *signer, struct pa_err *err);

/* Looks k up in an allowed_signers file (ssh-keygen(1) ALLOWED SIGNERS:
 * "principals [options] ssh-ed25519 BASE64 [comment]"). identity (may be
 * NULL: any principal) must match one of the line's comma-separated
 * principal patterns; a namespaces="..." option must allow ns;
 * cert-authority lines are skipped. 0 when found (*principal, when not
 * NULL, a malloc'ed copy of the matching principals field), PA_EINVAL with
 * err set when not, PA_EIO when the file cannot be read. */
int pa__allowed_signers_find(const char *path, const struct pa__sshkey *k, const char *identity,
                             const char *ns, char **principal, struct pa_err *err);
/* The key of an allowed_signers file whose fingerprint is fpr, if any. */
int pa__allowed_signers_by_fpr(const char *path, const char *fpr, struct pa__sshkey *k,
                               struct pa_err *err);

#endif

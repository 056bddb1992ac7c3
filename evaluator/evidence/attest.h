/* Private: in-toto attestations of run folders (attest.c): a Statement v1
 * about the sealed files, in a DSSE envelope signed with Ed25519. */
#ifndef PA_ATTEST_H
#define PA_ATTEST_H

#include <stdbool.h>

#include "evidence_int.h"
#include "sshsig.h"

#define PA_STATEMENT_TYPE    "https://in-toto.io/Statement/v1"
#define PA_DSSE_PAYLOAD_TYPE "application/vnd.in-toto+json"

enum pa__attested {
        PA_ATTEST_NONE,      /* no attestation.intoto.json */
        PA_ATTEST_VERIFIED,  /* subjects match and the signature checks */
        PA_ATTEST_UNCHECKED, /* subjects match; no key to check the signature with */
};

/* DSSE's pre-authentication encoding: "DSSEv1" SP LEN(type) SP type SP
 * LEN(body) SP body, lengths in ASCII decimal. Appends to out. */
int pa__dsse_pae(const char *type, const void *body, size_t len, struct pa_buf *out);

/* The Statement about a sealed manifest (its text and parsed form):
 * subjects manifest.json and every file of manifest.files. New reference. */
json_t *pa__attest_statement(const json_t *manifest, const char *mtext, size_t mlen);

/* Checks run_dir's attestation, when there is one: envelope, statement,
 * subjects against the files, and the signature with the allowed signers'
 * key or, failing that, sigkey (the key of a valid manifest.json.sig; may
 * be NULL). Findings go to f; *state says what was found. */
int pa__attest_check(struct pa__ev *e, const struct pa_verify_opts *o,
                     const struct pa__sshkey *sigkey, struct pa__findings *f, int *state,
                     struct pa_err *err);

#endif

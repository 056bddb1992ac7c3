/* parity: run folders as evidence (DESIGN §8, docs/evidence.md).
 *
 * A finished run folder is sealed: manifest.json lists the sha256 and size
 * of every file in the folder and is written in canonical JSON (sorted
 * keys, no insignificant white space, UTF-8, no floating-point numbers), so
 * its bytes are reproducible and can be signed. Thresholds given with
 * --thresholds are pre-registered: copied into the folder and hashed into
 * the manifest before the first request. `parity verify` recomputes every
 * hash, the results chain, the counts and the summary; `parity sign` and
 * `parity attest` sign the manifest with an OpenSSH Ed25519 key (SSHSIG,
 * in-toto/DSSE). */
#ifndef PARITY_EVIDENCE_H
#define PARITY_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "parity/common.h"
#include "parity/report.h"
#include "parity/suite.h"

#define PA_THRESHOLDS_VERSION 1
#define PA_AUDIT_VERSION      1
/* The in-toto predicate type of `parity attest` (docs/evidence.md). */
#define PA_PREDICATE_TYPE "https://parity.dev/evaluation/v1"
/* The SSHSIG namespace of `parity sign`. */
#define PA_SSHSIG_NAMESPACE "parity"

/* ---- canonical JSON ---- */

/* The shortest decimal that reads back as x ("%.17g" trimmed to the fewest
 * digits that round-trip, C locale): 0.05 -> "0.05", 1e-9 -> "1e-09". */
void pa_decimal(double x, char out[32]);

/* A deep copy of v with every real replaced: an integral real of magnitude
 * below 2^53 becomes an integer (0.0 -> 0), any other a pa_decimal string.
 * New reference; NULL on ENOMEM. */
json_t *pa_canonical_copy(const json_t *v);

/* v in canonical form: pa_canonical_copy, keys sorted bytewise, "," and ":"
 * without spaces, UTF-8 unescaped, no trailing newline. *out is
 * NUL-terminated and owned by the caller. */
int pa_canonical_dump(const json_t *v, char **out, size_t *len);

/* *out from a JSON number or a decimal string (as canonical manifests
 * hold reals); false, *out untouched, when v is neither. */
bool pa_json_number(const json_t *v, double *out);

/* ---- pre-registered thresholds (docs/formats.md, "Thresholds") ---- */

enum pa_correction {
        PA_CORRECTION_BH,
        PA_CORRECTION_HOLM,
        PA_CORRECTION_NONE,
};

struct pa_axis_threshold {
        const char *axis; /* points into root */
        double min_diff, min_impact_ratio;
};

struct pa_thresholds {
        bool set;   /* false: no thresholds were given */
        char *name; /* the path as given, for messages */
        char *text; /* the file's bytes, copied verbatim into runs */
        size_t len;
        char sha256[65];               /* of text */
        json_t *root;                  /* parsed text */
        double alpha;                  /* default 0.05 */
        enum pa_correction correction; /* default bh */
        double min_diff;               /* |rate - reference rate| that matters; default 0 */
        double min_impact_ratio;       /* default 0.8 (four-fifths rule) */
        double max_drop;               /* regression gate for diff; default 0 */
        json_t *outcomes;              /* array of outcome names, or NULL: all (borrowed) */
        size_t n_axes;
        struct pa_axis_threshold *axes; /* per-axis overrides, owned */
};

/* Reads and validates a thresholds file. On failure err holds one line
 * naming the file, the JSON pointer of the field and what was expected;
 * t is then empty. Release with pa_thresholds_release(). */
int pa_thresholds_load(struct pa_thresholds *t, const char *path, struct pa_err *err);
/* The same from bytes; name is used in messages. */
int pa_thresholds_parse(struct pa_thresholds *t, const char *name, const char *text, size_t len,
                        struct pa_err *err);
/* Checks that the axes and outcomes named exist in suite s. */
int pa_thresholds_check_suite(const struct pa_thresholds *t, const struct pa_suite *s,
                              struct pa_err *err);
/* The practical thresholds in force for an axis (overrides or defaults). */
void pa_thresholds_axis(const struct pa_thresholds *t, const char *axis, double *min_diff,
                        double *min_impact_ratio);
/* The resolved values, defaults filled in; new reference. */
json_t *pa_thresholds_resolved(const struct pa_thresholds *t);
void pa_thresholds_release(struct pa_thresholds *t);

/* ---- run provenance ---- */

/* What `parity run` records about who ran it and why. All borrowed. */
struct pa_provenance {
        const char *operator_org, *operator_person, *operator_role;
        const char *purpose, *data_source;
        const char *thresholds; /* --thresholds FILE, or NULL */
};

/* Before the run folder exists: loads p->thresholds (when set) into t and
 * checks it against the suite. PA_EINVAL with err set on bad input. */
int pa_evidence_prepare(const struct pa_provenance *p, const struct pa_suite *s,
                        struct pa_thresholds *t, struct pa_err *err);
/* Copies the thresholds verbatim into run_dir/thresholds.json before the
 * first request. When the folder already has one (--resume), t must be
 * the same file (PA_EINVAL otherwise) or unset, and then is loaded from
 * it, so a resumed run keeps its registration. */
int pa_evidence_register(struct pa_thresholds *t, const char *run_dir, struct pa_err *err);
/* Sets manifest's "operator", "purpose", "data_source" and "thresholds"
 * ({file, sha256, content, resolved} or null). 0 or PA_ENOMEM. */
int pa_evidence_annotate(json_t *manifest, const struct pa_provenance *p,
                         const struct pa_thresholds *t);

/* ---- sealing and verifying ---- */

/* Seals a finished run folder: checks that results.jsonl's chain matches
 * manifest.results, that the suite copy, thresholds and summary.json match
 * what the manifest and the records say (refusing with PA_EINVAL when not,
 * so a seal never blesses a tampered folder), writes audit.json, then
 * rewrites manifest.json canonically with "files" (every file but
 * manifest.json, manifest.json.sig and attestation.intoto.json: {sha256,
 * size}), "sealed_at" and "seal" (the sha256 of the canonical manifest
 * without "seal"). */
int pa_evidence_seal(const char *run_dir, struct pa_err *err);
/* The seal at the end of `parity run`, by the process that has just run
 * suite s into run_dir: the folder's suite copy is checked against s by its
 * hashes instead of being loaded a second time. With t, the chain (records,
 * errors, head) and the audit tallies come from the writer instead of
 * re-reading every record; with t NULL (a resumed run, whose earlier
 * records t lacks) they are read from results.jsonl. Everything else is
 * checked as pa_evidence_seal does. `parity verify` still re-reads it all. */
/* Called by pa_evidence_seal_written after audit.json is written and
 * before the manifest hashes the folder, with the audit (borrowed): the
 * run renders its reports' audit section there, so the seal covers them. */
typedef int (*pa_seal_audit_fn)(void *ud, const json_t *audit, struct pa_err *err);
int pa_evidence_seal_written(const char *run_dir, const struct pa_suite *s, uint64_t records,
                             uint64_t errors, const char *head, const struct pa_table *t,
                             pa_seal_audit_fn audit_fn, void *ud, struct pa_err *err);
/* After `parity score` rewrote results.jsonl: takes the new chain head and
 * record count from the file (the chain itself must be intact), records
 * "rescored_at" and "rescored_suite" (the sha256 of the suite copy it was
 * scored with, which may have been edited to add a scorer) and seals. */
int pa_evidence_reseal(const char *run_dir, struct pa_err *err);

struct pa_verify_opts {
        const char *allowed_signers; /* check manifest.json.sig against it */
        const char *identity;        /* principal the signer must match */
        bool no_signatures;          /* integrity only (used before signing) */
};

/* Re-checks a run folder (docs/evidence.md lists the checks). Writes one
 * line per finding to out (may be NULL) and their number to *findings.
 * Returns 0 when it could check (findings or not), PA_EINVAL/PA_EIO with
 * err set when the folder is unusable (no manifest, an unreadable key
 * file). */
int pa_evidence_verify(const char *run_dir, const struct pa_verify_opts *o, FILE *out,
                       size_t *findings, struct pa_err *err);

/* Writes run_dir/manifest.json.sig: an armored SSHSIG (namespace
 * "parity", sha512) of manifest.json by the unencrypted OpenSSH Ed25519
 * private key at key_path, which `ssh-keygen -Y verify` accepts. fpr
 * (may be NULL) receives the key's "SHA256:..." fingerprint. */
int pa_evidence_sign(const char *run_dir, const char *key_path, char fpr[64], struct pa_err *err);
/* Writes run_dir/attestation.intoto.json: an in-toto Statement v1 about the
 * folder's files in a DSSE envelope signed with the same kind of key. */
int pa_evidence_attest(const char *run_dir, const char *key_path, char fpr[64], struct pa_err *err);

/* ---- audit views (scorers/analysis/audit.c, docs/evidence.md "audit.json") ---- */

/* What the evidence module found about a folder, for the checklist. */
struct pa_audit_facts {
        bool chain_ok;      /* results chain intact and equal to the manifest's */
        bool sealed;        /* manifest lists the files and its seal holds */
        bool thresholds;    /* thresholds.json registered and its hash matches */
        bool signature;     /* manifest.json.sig present and valid */
        bool attestation;   /* attestation.intoto.json present and valid */
        const char *signer; /* key fingerprint, or NULL */
};

/* Verdicts of summary.json's groups against the thresholds: per outcome,
 * axis and group, |diff| >= min_diff and impact ratio (rate / highest rate
 * of the axis) < min_impact_ratio. The statistical flagging (corrected
 * p < alpha) replaces this function. *out: a new object {thresholds_sha256,
 * rule, flagged, groups: [...]}, or JSON null when no thresholds were
 * registered. */
int pa_audit_verdicts(const json_t *summary, const struct pa_thresholds *t, json_t **out,
                      struct pa_err *err);
/* The LL144 tables' counts, accumulated one record at a time so a run
 * of any size is audited in constant memory. s must outlive the tables. */
struct pa_audit_tables;
int pa_audit_tables_new(const struct pa_suite *s, struct pa_audit_tables **out);
void pa_audit_tables_add(struct pa_audit_tables *t, const json_t *record);
/* The same from a run's compact record table (report.h). */
void pa_audit_tables_add_table(struct pa_audit_tables *t, const struct pa_table *tb);
void pa_audit_tables_free(struct pa_audit_tables *t);

/* audit.json's object: the LL144 table per category and intersection
 * (from tables), the verdicts, the provenance block and the compliance
 * checklist. *out is a new reference. */
int pa_audit_build(const struct pa_suite *s, const struct pa_audit_tables *tables,
                   const json_t *manifest, const json_t *summary, const struct pa_thresholds *t,
                   const struct pa_audit_facts *facts, json_t **out, struct pa_err *err);
/* The audit as plain text. */
int pa_audit_print(const json_t *audit, FILE *f, struct pa_err *err);

#endif

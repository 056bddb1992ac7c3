/* evaluator/evidence/: what makes a folder evidence: seal, verify, signatures, attestations. */
/* Private: shared by the evidence modules (evidence*.c, canon.c, sshsig.c,
 * attest.c, cmd_evidence.c). The public API is include/parity/evidence.h. */
#ifndef PA_EVIDENCE_INT_H
#define PA_EVIDENCE_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "parity/evidence.h"
#include "evaluator/folder/run_dir.h"
#include "evaluator/util/util.h"

#define PA_SIG_FILE        "manifest.json.sig"
#define PA_ATTEST_FILE     "attestation.intoto.json"
#define PA_THRESHOLDS_FILE "thresholds.json"
#define PA_AUDIT_FILE      "audit.json"

/* base64 (RFC 4648): a malloc'ed NUL-terminated string, or NULL. */
char *pa__b64_encode(const unsigned char *p, size_t n);
/* Decodes, skipping white space; *out malloc'ed. PA_EINVAL on bad input. */
int pa__b64_decode(const char *s, size_t n, unsigned char **out, size_t *outlen);

/* What a check found: one line each, printed as they come (out may be
 * NULL); first keeps the first for error messages. */
struct pa__findings {
        FILE *out;
        size_t n;
        size_t n_audit; /* of them about audit.json, which `parity audit` rewrites */
        char first[1024];
};

void pa__finding(struct pa__findings *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The results chain of a results.jsonl as it is on disk. */
struct pa__chain {
        uint64_t records, errors;
        char head[65];
        bool intact; /* every seq and prev as written by pa_results_append */
        /* The whole file's sha256, when the scan read all of it and it had
         * not changed (size and mtime) by the end; known false otherwise. */
        struct {
                bool known;
                dev_t dev;
                ino_t ino;
                uint64_t size;
                struct timespec mtim;
                char sha256[65];
        } file;
};

/* True for the files the manifest never lists: itself and what signs it. */
bool pa__evidence_unlisted(const char *rel);
/* {"relative/path": {"sha256": hex, "size": n}} of every file under dir
 * (recursively, '/'-separated, unlisted names left out); new reference.
 * Symbolic links and special files are refused. */
int pa__evidence_files(const char *dir, json_t **files, struct pa_err *err);
/* The same, with results.jsonl's sha256 taken from c (may be NULL) when
 * c's scan read it whole and it is the same file, unchanged since. */
int pa__evidence_files_chain(const char *dir, const struct pa__chain *c, json_t **files,
                             struct pa_err *err);

/* Walks results.jsonl line by line, reporting breaks into f (may be NULL)
 * and passing each record that parses to each (may be NULL). */
int pa__chain_scan(const char *path, uint64_t max, struct pa__chain *c, struct pa__findings *f,
                   void (*each)(void *ud, json_t *rec), void *ud, struct pa_err *err);

/* The (case, sample) pairs of a folder's records, in chain order, to
 * check that they cover the plan (evidence_cover.c). */
struct pa__cover_pair {
        uint64_t id;
        uint32_t sample;
        uint32_t seq_ok; /* its place in the chain (the last of a pair counts) << 1 | 1 when
                            the record is an answer, not a failure: 16 bytes a record */
};
struct pa__dup {
        uint32_t line, first;
        uint64_t id;
        uint32_t sample;
};
struct pa__cover {
        struct pa__cover_pair *v; /* freed by pa__cover_index once counted */
        size_t n, cap, malformed;
        uint64_t seen; /* records added, malformed ones too: a record's line */
        bool scanned;  /* records were read (not the writer's own account) */
        bool oom;
        bool indexed;             /* pairs, answered and dups below are set */
        uint64_t pairs, answered; /* distinct pairs; those whose last record answers */
        struct pa__dup dups[10];  /* the first pairs recorded again after an answer */
        size_t n_dups;
};
void pa__cover_add(struct pa__cover *c, const json_t *rec);
/* Counts the pairs and finds the duplicates once every record is added,
 * then frees the pairs (so they are not held while the summary is
 * recomputed: memory is the larger of the two, not their sum). */
void pa__cover_index(struct pa__cover *c);
void pa__cover_release(struct pa__cover *c);
/* A (case, sample) pair recorded again after it was answered, one finding
 * a line in file order (at most ten). */
void pa__cover_duplicates(const struct pa__cover *c, struct pa__findings *f);

/* verify's checks over every record, made as they stream past
 * (evidence_records.c). */
struct pa__ev_scan;

/* A run folder opened for checking. Records are streamed through the audit
 * tables and the cover index; verify also streams them into the table
 * and re-scores them (scan), never holding their JSON. */
struct pa__ev {
        const char *dir;
        char *mtext; /* manifest.json's bytes */
        size_t mlen;
        json_t *manifest;
        struct pa_suite suite; /* the folder's suite copy, when suite_ok */
        bool suite_ok;
        bool suite_borrowed;   /* suite is the caller's (pa__ev_open_known) */
        bool records_ok;       /* opened with keep_records and results.jsonl read through */
        struct pa_table table; /* the records that count, when records_ok */
        struct pa__ev_scan *scan;
        struct pa_audit_tables *tables;
        struct pa_thresholds th;
        json_t *summary; /* summary.json, or NULL */
        struct pa__chain chain;
        struct pa__cover cover;
};

/* Opens dir: manifest.json must parse (PA_EINVAL otherwise); the rest is
 * loaded when it can be and reported into f when it cannot. */
int pa__ev_open(struct pa__ev *e, const char *dir, bool keep_records, struct pa__findings *f,
                struct pa_err *err);
/* The same, with what the process that wrote the folder already has: the
 * chain and the audit tallies (known, t; NULL: read from results.jsonl)
 * and the suite it ran (s, borrowed; NULL: load the folder's copy). A
 * borrowed suite stands for the copy when the copy's bytes hash the same. */
int pa__ev_open_known(struct pa__ev *e, const char *dir, bool keep_records,
                      const struct pa__chain *known, const struct pa_table *t,
                      const struct pa_suite *s, struct pa__findings *f, struct pa_err *err);
void pa__ev_release(struct pa__ev *e);
/* The checks a seal needs to pass: results chain against the manifest,
 * counts, suite copy, thresholds. */
void pa__ev_check_content(struct pa__ev *e, struct pa__findings *f);
/* Every planned (case, sample) pair has a record; a "complete" folder is
 * within its error budget (evidence_cover.c). */
void pa__cover_check(struct pa__ev *e, struct pa__findings *f);
/* summary.json against the summary recomputed from the kept records. */
void pa__ev_check_summary(struct pa__ev *e, struct pa__findings *f);
/* The streamed checks: begun once the suite copy loaded, fed each record,
 * ended after the last (e->table then holds the records that count). */
int pa__ev_scan_begin(struct pa__ev *e);
void pa__ev_scan_record(struct pa__ev *e, json_t *rec);
void pa__ev_scan_end(struct pa__ev *e);
void pa__ev_scan_free(struct pa__ev *e);
/* Why the table could not take a record, or NULL. */
const char *pa__ev_table_error(const struct pa__ev *e);
/* The scores in the records against the scores recomputed. */
void pa__ev_check_scores(struct pa__ev *e, struct pa__findings *f);
/* Builds the audit object of an opened folder. */
int pa__ev_audit(struct pa__ev *e, const struct pa_audit_facts *facts, json_t **out,
                 struct pa_err *err);

/* For `parity audit`: verifies run_dir (no allowed signers) and fills
 * facts; fpr receives the signer's fingerprint; *findings the number of
 * findings not about audit.json (which the audit rewrites). */
int pa__evidence_facts(const char *run_dir, struct pa_audit_facts *facts, char fpr[64],
                       size_t *findings, struct pa_err *err);
/* The audit object of run_dir with the given facts. */
int pa__evidence_audit(const char *run_dir, const struct pa_audit_facts *facts, json_t **out,
                       struct pa_err *err);

/* Reports where got (from a file) differs from want (recomputed), one
 * finding per differing JSON pointer; numbers equal within 1e-9. */
void pa__diff_json(const char *file, const json_t *got, const json_t *want, struct pa__findings *f);

/* diff.json's record of one input run folder (new reference): its dir,
 * run_id, status, the sha256 of its manifest.json and its chain head
 * (evidence_diff.c). manifest may be NULL (not read). */
int pa__diff_input(const char *dir, const json_t *manifest, json_t **out, struct pa_err *err);
/* `parity verify DIFF_DIR`: each input still hashes as diff.json recorded
 * and verifies; one line per finding to out, their number to *findings. */
int pa__verify_diff_dir(const char *dir, FILE *out, size_t *findings, struct pa_err *err);

/* Loads dir/name as JSON (NULL with a finding when missing or bad). */
json_t *pa__ev_load_json(const char *dir, const json_t *manifest, const char *name,
                         struct pa__findings *f);
/* The most bytes read of a folder's file: its size in manifest.files, or
 * PA_EV_MAX_BYTES for one not listed (0 for pa__chain_scan: no cap). */
/* Chain findings listed one by one before "N more differences". */
#define MAX_CHAIN_FINDINGS 10
#define PA_EV_MAX_BYTES    ((uint64_t)64 << 20)
uint64_t pa__ev_cap(const json_t *manifest, const char *name);

#endif

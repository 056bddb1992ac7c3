/* parity verify (evidence.h): everything in a sealed run folder against
 * the manifest, the records and, when given, the signers. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parity/result.h"
#include "attest.h"
#include "evidence_int.h"
#include "sshsig.h"
#include "evaluator/util/safe_file.h"

/* An SSHSIG armour is about 300 bytes. */
#define PA_SIG_MAX_BYTES 65536

int pa__ev_audit(struct pa__ev *e, const struct pa_audit_facts *facts, json_t **out,
                 struct pa_err *err)
{
        if (!e->suite_ok || !e->summary)
                return pa_errf(err, PA_EINVAL,
                               "run folder '%s': the audit needs the suite copy, "
                               "results.jsonl and summary.json",
                               e->dir);
        return pa_audit_build(&e->suite, e->tables, e->manifest, e->summary, &e->th, facts, out,
                              err);
}

/* The manifest must be canonical and its seal must hold. */
static void check_manifest(struct pa__ev *e, struct pa__findings *f)
{
        const json_t *seal = json_object_get(e->manifest, "seal");
        const char *want = json_string_value(json_object_get(seal, "sha256"));
        json_t *copy = json_copy(e->manifest);
        char *text = NULL, hex[PA_SHA256_HEX];
        size_t len = 0;

        if (!json_is_object(json_object_get(e->manifest, "files")) || !want) {
                pa__finding(f, "manifest.json: not sealed (no \"files\" or \"seal\")");
                json_decref(copy);
                return;
        }
        if (pa_canonical_dump(e->manifest, &text, &len) == 0 &&
            (len != e->mlen || memcmp(text, e->mtext, len)))
                pa__finding(f, "manifest.json: not in canonical form (edited after sealing)");
        free(text);
        text = NULL;
        if (copy && json_object_del(copy, "seal") == 0 &&
            pa_canonical_dump(copy, &text, &len) == 0) {
                pa__sha256_hex(text, len, hex);
                if (strcmp(hex, want))
                        pa__finding(f,
                                    "manifest.json: seal sha256 differs (the manifest was edited "
                                    "after sealing)");
        }
        free(text);
        json_decref(copy);
}

static void check_files(struct pa__ev *e, struct pa__findings *f, size_t *n_files)
{
        const json_t *listed = json_object_get(e->manifest, "files");
        struct pa_err err = {{0}};
        json_t *found = NULL, *v;
        const char *rel;

        if (!json_is_object(listed))
                return;
        if (pa__evidence_files_chain(e->dir, &e->chain, &found, &err)) {
                pa__finding(f, "%s", err.msg);
                return;
        }
        *n_files = json_object_size(listed);
        json_object_foreach((json_t *)listed, rel, v)
        {
                const json_t *got = json_object_get(found, rel);
                const char *want = json_string_value(json_object_get(v, "sha256"));

                if (!got)
                        pa__finding(f, "%s: listed in manifest.files but missing", rel);
                else if (!want || strcmp(want, json_string_value(json_object_get(got, "sha256"))))
                        pa__finding(
                            f, "%s: sha256 differs from manifest.files (edited or replaced)", rel);
                else if (!json_equal(json_object_get(v, "size"), json_object_get(got, "size")))
                        pa__finding(f, "%s: size differs from manifest.files", rel);
        }
        json_object_foreach(found, rel, v)
        {
                if (!json_object_get(listed, rel))
                        pa__finding(f, "%s: not listed in manifest.files (added after sealing)",
                                    rel);
        }
        json_decref(found);
}

static void check_audit(struct pa__ev *e, struct pa__findings *f)
{
        static const char *const parts[] = {"run_id", "data_source", "ll144", "verdicts"};
        struct pa_audit_facts facts = {0};
        struct pa_err err = {{0}};
        json_t *got = pa__ev_load_json(e->dir, e->manifest, PA_AUDIT_FILE, f), *want = NULL, *canon;
        char name[64];

        if (!got)
                return;
        if (pa__ev_audit(e, &facts, &want, &err)) {
                pa__finding(f, "%s: cannot be recomputed: %s", PA_AUDIT_FILE, err.msg);
        } else if ((canon = pa_canonical_copy(want))) {
                for (size_t i = 0; i < sizeof(parts) / sizeof(*parts); i++) {
                        snprintf(name, sizeof(name), "%s /%s", PA_AUDIT_FILE, parts[i]);
                        pa__diff_json(name, json_object_get(got, parts[i]),
                                      json_object_get(canon, parts[i]), f);
                }
                json_decref(canon);
        }
        json_decref(want);
        json_decref(got);
}

/* manifest.json.sig against manifest.json and, when given, the signers. */
static int check_signature(struct pa__ev *e, const struct pa_verify_opts *o, struct pa__findings *f,
                           struct pa__sshkey *key, bool *valid, char **who, struct pa_err *err)
{
        char *path = pa__path_join(e->dir, PA_SIG_FILE), *text = NULL;
        struct pa_err serr = {{0}};
        size_t len = 0;
        int rc = 0;

        if (!path)
                return PA_ENOMEM;
        if (access(path, F_OK) != 0) {
                if (o->allowed_signers)
                        pa__finding(f, "%s: missing (--allowed-signers was given)", PA_SIG_FILE);
        } else if (pa__read_regular(path, PA_SIG_FILE, 0, PA_SIG_MAX_BYTES, &text, &len, &serr)) {
                pa__finding(f, "%s", serr.msg);
        } else if (pa__sshsig_verify(text, len, PA_SSHSIG_NAMESPACE, e->mtext, e->mlen, key,
                                     &serr)) {
                pa__finding(f, "%s: %s (manifest.json edited after signing, or a bad signature)",
                            PA_SIG_FILE, serr.msg);
        } else {
                *valid = true;
                if (o->allowed_signers &&
                    (rc = pa__allowed_signers_find(o->allowed_signers, key, o->identity,
                                                   PA_SSHSIG_NAMESPACE, who, &serr)) == PA_EINVAL) {
                        pa__finding(f, "%s: %s", PA_SIG_FILE, serr.msg);
                        rc = 0;
                } else if (rc) {
                        rc = pa_errf(err, rc, "%s", serr.msg);
                }
        }
        free(text);
        free(path);
        return rc;
}

static void report_ok(struct pa__ev *e, FILE *out, size_t n_files, const char *fpr, const char *who,
                      int attested)
{
        const json_t *th = json_object_get(e->manifest, "thresholds");
        const char *sha = json_string_value(json_object_get(th, "sha256"));

        if (!out)
                return;
        fprintf(out, "OK %s: %zu files, %llu records, chain head %.16s, ", e->dir, n_files,
                (unsigned long long)e->chain.records, e->chain.head);
        if (sha)
                fprintf(out, "thresholds %.16s", sha);
        else
                fprintf(out, "no thresholds");
        if (fpr && who)
                fprintf(out, ", signed by %s (%s)", fpr, who);
        else if (fpr)
                fprintf(out, ", signed by %s (not checked against allowed signers)", fpr);
        else
                fprintf(out, ", not signed");
        if (attested == PA_ATTEST_VERIFIED)
                fprintf(out, ", attestation verified");
        else if (attested == PA_ATTEST_UNCHECKED)
                fprintf(out, ", attestation subjects match (signature not checked: no key)");
        fputc('\n', out);
}

/* Every check on an opened folder; facts (may be NULL) receives what the
 * checklist needs. */
static int verify_opened(struct pa__ev *e, const struct pa_verify_opts *o, struct pa__findings *f,
                         struct pa_audit_facts *facts, char fpr[PA_FPR_LEN], struct pa_err *err)
{
        struct pa__sshkey key = {0};
        const json_t *res = json_object_get(e->manifest, "results");
        const char *head = json_string_value(json_object_get(res, "chain_head"));
        size_t n_files = 0, before;
        char *who = NULL;
        int attested = PA_ATTEST_NONE, rc = 0;
        bool signed_ok = false;

        check_manifest(e, f);
        check_files(e, f, &n_files);
        pa__ev_check_content(e, f);
        pa__ev_check_summary(e, f);
        if (e->suite_ok && e->records_ok) {
                check_audit(e, f);
                pa__cover_duplicates(&e->cover, f);
                pa__ev_check_scores(e, f);
        }
        if (facts) {
                const char *tsha = json_string_value(
                    json_object_get(json_object_get(e->manifest, "thresholds"), "sha256"));

                facts->chain_ok = e->chain.intact && head && !strcmp(head, e->chain.head);
                facts->sealed = f->n == f->n_audit && json_object_get(e->manifest, "files");
                facts->thresholds = e->th.set && tsha && !strcmp(tsha, e->th.sha256);
        }
        before = f->n;
        if (rc == 0 && !o->no_signatures)
                rc = check_signature(e, o, f, &key, &signed_ok, &who, err);
        if (signed_ok)
                pa__sshkey_fingerprint(&key, fpr);
        if (rc == 0 && !o->no_signatures)
                rc = pa__attest_check(e, o, signed_ok ? &key : NULL, f, &attested, err);
        if (facts) {
                facts->signature = signed_ok && f->n == before;
                facts->attestation = attested != PA_ATTEST_NONE && f->n == before;
                facts->signer = signed_ok ? fpr : NULL;
        }
        if (rc == 0 && f->n == 0)
                report_ok(e, f->out, n_files, signed_ok ? fpr : NULL, who, attested);
        free(who);
        return rc;
}

int pa_evidence_verify(const char *run_dir, const struct pa_verify_opts *o, FILE *out,
                       size_t *findings, struct pa_err *err)
{
        struct pa__findings f = {.out = out};
        char fpr[PA_FPR_LEN] = "";
        struct pa__ev e;
        int rc = pa__ev_open(&e, run_dir, true, &f, err);

        if (rc == 0)
                rc = verify_opened(&e, o, &f, NULL, fpr, err);
        *findings = f.n;
        pa__ev_release(&e);
        return rc;
}

int pa__evidence_facts(const char *run_dir, struct pa_audit_facts *facts, char fpr[PA_FPR_LEN],
                       size_t *findings, struct pa_err *err)
{
        struct pa_verify_opts o = {0};
        struct pa__findings f = {0};
        struct pa__ev e;
        int rc = pa__ev_open(&e, run_dir, true, &f, err);

        memset(facts, 0, sizeof(*facts));
        if (rc == 0)
                rc = verify_opened(&e, &o, &f, facts, fpr, err);
        *findings = f.n - f.n_audit;
        pa__ev_release(&e);
        return rc;
}

int pa__evidence_audit(const char *run_dir, const struct pa_audit_facts *facts, json_t **out,
                       struct pa_err *err)
{
        struct pa__findings f = {0};
        struct pa__ev e;
        int rc = pa__ev_open(&e, run_dir, false, &f, err);

        if (rc == 0)
                rc = pa__ev_audit(&e, facts, out, err);
        pa__ev_release(&e);
        return rc;
}

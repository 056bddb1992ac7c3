/* parity attest (evidence.h, attest.h): an in-toto Statement v1
 * (https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md)
 * about a sealed run folder, in a DSSE envelope
 * (https://github.com/secure-systems-lab/dsse/blob/master/envelope.md)
 * signed with an OpenSSH Ed25519 key. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "attest.h"

int pa__dsse_pae(const char *type, const void *body, size_t len, struct pa_buf *out)
{
        char num[32];
        int n;

        n = snprintf(num, sizeof(num), "DSSEv1 %zu ", strlen(type));
        if (pa__buf_add(out, num, (size_t)n) || pa__buf_add(out, type, strlen(type)))
                return PA_ENOMEM;
        n = snprintf(num, sizeof(num), " %zu ", len);
        if (pa__buf_add(out, num, (size_t)n) || pa__buf_add(out, body, len))
                return PA_ENOMEM;
        return 0;
}

static json_t *subject(const char *name, const char *sha256)
{
        return json_pack("{s:s, s:{s:s}}", "name", name, "digest", "sha256", sha256);
}

/* What the statement says about the run: the manifest's provenance. */
static json_t *predicate(const json_t *m, const char *manifest_sha)
{
        static const char *const copied[] = {
            "run_id",  "tool",        "suite",      "engine",   "parameters", "counts", "operator",
            "purpose", "data_source", "started_at", "ended_at", "sealed_at",  "host"};
        const json_t *th = json_object_get(m, "thresholds");
        const json_t *res = json_object_get(m, "results");
        json_t *p = json_object();

        for (size_t i = 0; p && i < sizeof(copied) / sizeof(*copied); i++) {
                json_t *v = json_object_get(m, copied[i]);

                json_object_set_new(p, copied[i], v ? pa_canonical_copy(v) : json_null());
        }
        if (p &&
            json_object_set_new(p, "results",
                                json_pack("{s:O?, s:O?}", "chain_head",
                                          json_object_get(res, "chain_head"), "records",
                                          json_object_get(res, "records"))) == 0 &&
            json_object_set_new(p, "thresholds",
                                json_is_object(th)
                                    ? json_pack("{s:O?}", "sha256", json_object_get(th, "sha256"))
                                    : json_null()) == 0 &&
            json_object_set_new(p, "manifest_sha256", json_string(manifest_sha)) == 0)
                return p;
        json_decref(p);
        return NULL;
}

json_t *pa__attest_statement(const json_t *manifest, const char *mtext, size_t mlen)
{
        const json_t *files = json_object_get(manifest, "files"), *v;
        char msha[PA_SHA256_HEX];
        const char *name;
        json_t *subjects = json_array();

        pa__sha256_hex(mtext, mlen, msha);
        if (!subjects || json_array_append_new(subjects, subject("manifest.json", msha)))
                goto fail;
        /* jansson iterates in insertion order: the canonical manifest's is sorted. */
        json_object_foreach((json_t *)files, name, v)
        {
                if (json_array_append_new(
                        subjects, subject(name, json_string_value(json_object_get(v, "sha256")))))
                        goto fail;
        }
        return json_pack("{s:s, s:o, s:s, s:o}", "_type", PA_STATEMENT_TYPE, "subject", subjects,
                         "predicateType", PA_PREDICATE_TYPE, "predicate",
                         predicate(manifest, msha));
fail:
        json_decref(subjects);
        return NULL;
}

static int envelope(const struct pa__sshkey *k, const char *payload, size_t len, char **out,
                    struct pa_err *err)
{
        struct pa_buf pae;
        unsigned char sig[PA_ED25519_SIG];
        char fpr[PA_FPR_LEN], *b64p = NULL, *b64s = NULL;
        json_t *env = NULL;
        int rc;

        pa__buf_init(&pae, SIZE_MAX / 2);
        if ((rc = pa__dsse_pae(PA_DSSE_PAYLOAD_TYPE, payload, len, &pae)))
                goto out;
        if ((rc = pa__ed25519_sign(k, pae.p, pae.len, sig))) {
                rc = pa_errf(err, rc, "cannot sign: no usable Ed25519 private key");
                goto out;
        }
        pa__sshkey_fingerprint(k, fpr);
        rc = PA_ENOMEM;
        if (!(b64p = pa__b64_encode((const unsigned char *)payload, len)) ||
            !(b64s = pa__b64_encode(sig, sizeof(sig))))
                goto out;
        env = json_pack("{s:s, s:s, s:[{s:s, s:s}]}", "payloadType", PA_DSSE_PAYLOAD_TYPE,
                        "payload", b64p, "signatures", "keyid", fpr, "sig", b64s);
        if (env && pa_canonical_dump(env, out, NULL) == 0)
                rc = 0;
out:
        json_decref(env);
        free(b64p);
        free(b64s);
        pa__buf_release(&pae);
        return rc;
}

int pa_evidence_attest(const char *run_dir, const char *key_path, char fpr[64], struct pa_err *err)
{
        char *mpath = pa__path_join(run_dir, "manifest.json"), *apath = NULL, *mtext = NULL;
        char *payload = NULL, *text = NULL;
        struct pa__sshkey k = {0};
        json_t *m = NULL, *st = NULL;
        size_t mlen = 0, plen = 0;
        int rc = PA_ENOMEM;

        if (!mpath || !(apath = pa__path_join(run_dir, PA_ATTEST_FILE)))
                goto out;
        if ((rc = pa__sshkey_load(&k, key_path, err)) ||
            (rc = pa__read_file(mpath, &mtext, &mlen, err)))
                goto out;
        rc = PA_EINVAL;
        if (!(m = json_loadb(mtext, mlen, 0, NULL)) || !json_object_get(m, "files")) {
                rc = pa_errf(err, rc, "run folder '%s': manifest.json is not sealed", run_dir);
                goto out;
        }
        rc = PA_ENOMEM;
        if (!(st = pa__attest_statement(m, mtext, mlen)) || pa_canonical_dump(st, &payload, &plen))
                goto out;
        if ((rc = envelope(&k, payload, plen, &text, err)) == 0)
                rc = pa__write_file_atomic(apath, text, strlen(text), err);
        if (rc == 0 && fpr)
                pa__sshkey_fingerprint(&k, fpr);
out:
        pa__sshkey_wipe(&k);
        json_decref(m);
        json_decref(st);
        free(payload);
        free(text);
        free(mtext);
        free(mpath);
        free(apath);
        return rc;
}

int pa_evidence_sign(const char *run_dir, const char *key_path, char fpr[64], struct pa_err *err)
{
        char *mpath = pa__path_join(run_dir, "manifest.json"), *spath = NULL, *mtext = NULL;
        char *armored = NULL;
        struct pa__sshkey k = {0};
        size_t mlen = 0;
        int rc = PA_ENOMEM;

        if (!mpath || !(spath = pa__path_join(run_dir, PA_SIG_FILE)))
                goto out;
        if ((rc = pa__sshkey_load(&k, key_path, err)) ||
            (rc = pa__read_file(mpath, &mtext, &mlen, err)) ||
            (rc = pa__sshsig_sign(&k, PA_SSHSIG_NAMESPACE, mtext, mlen, &armored, err)))
                goto out;
        rc = pa__write_file_atomic(spath, armored, strlen(armored), err);
        if (rc == 0 && fpr)
                pa__sshkey_fingerprint(&k, fpr);
out:
        pa__sshkey_wipe(&k);
        free(armored);
        free(mtext);
        free(mpath);
        free(spath);
        return rc;
}

/* Checking a run folder's attestation.intoto.json (attest.h). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attest.h"

#define NAME PA_ATTEST_FILE

#define MAX_PREDICATE_FINDINGS 20

/* Where the predicate got and the one made from the manifest (want)
 * differ, key by key below path, two levels deep; *left caps the findings. */
static void diff_predicate(const json_t *want, const json_t *got, const char *path, int depth,
                           struct pa__findings *f, int *left)
{
        const char *key;
        json_t *v;
        char sub[256];

        json_object_foreach((json_t *)want, key, v)
        {
                const json_t *g = json_object_get(got, key);

                snprintf(sub, sizeof(sub), "%s/%s", path, key);
                if (*left <= 0 || (g && json_equal(v, (json_t *)g)))
                        continue;
                if (g && depth < 2 && json_is_object(v) && json_is_object(g)) {
                        diff_predicate(v, g, sub, depth + 1, f, left);
                        continue;
                }
                pa__finding(f, "%s: predicate %s %s manifest.json (a forged or stale predicate)",
                            NAME, sub, g ? "differs from" : "is missing, unlike");
                (*left)--;
        }
        json_object_foreach((json_t *)got, key, v)
        {
                if (*left <= 0 || json_object_get(want, key))
                        continue;
                snprintf(sub, sizeof(sub), "%s/%s", path, key);
                pa__finding(f, "%s: predicate %s is not in manifest.json (a forged predicate)",
                            NAME, sub);
                (*left)--;
        }
}

/* The predicate says what the manifest says: a statement signed by a
 * trusted key that claims another model, suite, operator or count is no
 * evidence for this folder, however good its signature. */
static void check_predicate(const json_t *want, const json_t *st, struct pa__findings *f)
{
        const json_t *got = json_object_get(st, "predicate");
        int left = MAX_PREDICATE_FINDINGS;

        if (!json_is_object(got)) {
                pa__finding(f, "%s: no predicate object", NAME);
                return;
        }
        diff_predicate(json_object_get(want, "predicate"), got, "", 0, f, &left);
}

/* The subjects name the files the manifest lists, with their digests. */
static void check_subjects(const json_t *want, const json_t *st, struct pa__findings *f)
{
        const json_t *gs = json_object_get(st, "subject");
        json_t *got = json_object(), *s;
        const char *name;
        size_t i;

        json_array_foreach(gs, i, s)
        {
                name = json_string_value(json_object_get(s, "name"));
                if (name && got)
                        json_object_set(got, name,
                                        json_object_get(json_object_get(s, "digest"), "sha256"));
        }
        json_array_foreach(json_object_get(want, "subject"), i, s)
        {
                const json_t *d;

                name = json_string_value(json_object_get(s, "name"));
                if (!(d = json_object_get(got, name)))
                        pa__finding(f, "%s: no subject for %s (added after attesting)", NAME, name);
                else if (!json_equal((json_t *)d,
                                     json_object_get(json_object_get(s, "digest"), "sha256")))
                        pa__finding(f,
                                    "%s: subject %s: sha256 differs from the folder (changed "
                                    "after attesting)",
                                    NAME, name);
                json_object_del(got, name);
        }
        json_object_foreach(got, name, s)
        {
                pa__finding(f,
                            "%s: subject %s is not in the folder's manifest (removed after "
                            "attesting)",
                            NAME, name);
        }
        json_decref(got);
}

/* The key a signature's keyid names: from the allowed signers when given
 * (1: found), else the manifest signature's key when it is the same. */
static int find_key(const char *keyid, const struct pa_verify_opts *o,
                    const struct pa__sshkey *sigkey, struct pa__sshkey *k, struct pa__findings *f,
                    struct pa_err *err)
{
        struct pa_err kerr = {{0}};
        char fpr[PA_FPR_LEN];
        int rc;

        if (o->allowed_signers) {
                rc = pa__allowed_signers_by_fpr(o->allowed_signers, keyid, k, &kerr);
                if (rc == 0)
                        rc = pa__allowed_signers_find(o->allowed_signers, k, o->identity,
                                                      PA_SSHSIG_NAMESPACE, NULL, &kerr);
                if (rc == PA_EINVAL)
                        pa__finding(f, "%s: %s", NAME, kerr.msg);
                else if (rc)
                        return pa_errf(err, rc, "%s", kerr.msg);
                return rc == 0;
        }
        if (sigkey) {
                pa__sshkey_fingerprint(sigkey, fpr);
                if (!strcmp(fpr, keyid)) {
                        *k = *sigkey;
                        return 1;
                }
        }
        return 0;
}

static int check_signatures(const json_t *env, const unsigned char *payload, size_t plen,
                            const struct pa_verify_opts *o, const struct pa__sshkey *sigkey,
                            struct pa__findings *f, int *state, struct pa_err *err)
{
        const json_t *sigs = json_object_get(env, "signatures"), *s;
        struct pa_buf pae;
        size_t i, before = f->n;
        int checked = 0, rc = 0;

        if (!json_array_size(sigs)) {
                pa__finding(f, "%s: no signatures", NAME);
                return 0;
        }
        pa__buf_init(&pae, SIZE_MAX / 2);
        if (pa__dsse_pae(PA_DSSE_PAYLOAD_TYPE, payload, plen, &pae))
                return PA_ENOMEM;
        json_array_foreach(sigs, i, s)
        {
                const char *keyid = json_string_value(json_object_get(s, "keyid"));
                const char *b64 = json_string_value(json_object_get(s, "sig"));
                unsigned char *raw = NULL;
                size_t n = 0;
                struct pa__sshkey k;
                int found;

                if (!keyid || !b64 || pa__b64_decode(b64, strlen(b64), &raw, &n) ||
                    n != PA_ED25519_SIG) {
                        pa__finding(f,
                                    "%s: /signatures/%zu: expected keyid and a base64 Ed25519 sig",
                                    NAME, i);
                } else if ((found = find_key(keyid, o, sigkey, &k, f, err)) < 0) {
                        rc = found;
                } else if (found && pa__ed25519_verify(k.pub, pae.p, pae.len, raw)) {
                        pa__finding(f,
                                    "%s: signature by %s does not match the payload (edited after "
                                    "signing)",
                                    NAME, keyid);
                } else {
                        checked += found;
                }
                free(raw);
                if (rc)
                        break;
        }
        pa__buf_release(&pae);
        if (f->n == before)
                *state = checked ? PA_ATTEST_VERIFIED : PA_ATTEST_UNCHECKED;
        return rc;
}

static bool string_is(const json_t *o, const char *key, const char *want)
{
        const char *s = json_string_value(json_object_get(o, key));

        return s && !strcmp(s, want);
}

/* The envelope's payload, decoded and parsed; NULL with a finding. */
static json_t *open_payload(const json_t *env, unsigned char **payload, size_t *plen,
                            struct pa__findings *f)
{
        const char *b64 = json_string_value(json_object_get(env, "payload"));
        json_t *st;

        if (!string_is(env, "payloadType", PA_DSSE_PAYLOAD_TYPE) || !b64 ||
            pa__b64_decode(b64, strlen(b64), payload, plen)) {
                pa__finding(f, "%s: not a DSSE envelope with payloadType %s", NAME,
                            PA_DSSE_PAYLOAD_TYPE);
                return NULL;
        }
        st = json_loadb((const char *)*payload, *plen, 0, NULL);
        if (!json_is_object(st) || !string_is(st, "_type", PA_STATEMENT_TYPE) ||
            !string_is(st, "predicateType", PA_PREDICATE_TYPE)) {
                pa__finding(f,
                            "%s: the payload is not an in-toto Statement v1 with predicateType %s",
                            NAME, PA_PREDICATE_TYPE);
                json_decref(st);
                return NULL;
        }
        return st;
}

int pa__attest_check(struct pa__ev *e, const struct pa_verify_opts *o,
                     const struct pa__sshkey *sigkey, struct pa__findings *f, int *state,
                     struct pa_err *err)
{
        char *path = pa__path_join(e->dir, NAME);
        unsigned char *payload = NULL;
        size_t plen = 0;
        json_t *env = NULL, *st = NULL, *want = NULL;
        int rc = 0;

        *state = PA_ATTEST_NONE;
        if (!path)
                return PA_ENOMEM;
        if (access(path, F_OK) != 0)
                goto out;
        if (!(env = pa__ev_load_json(e->dir, e->manifest, NAME, f)))
                goto out;
        if (!(st = open_payload(env, &payload, &plen, f)))
                goto out;
        if (!(want = pa__attest_statement(e->manifest, e->mtext, e->mlen))) {
                rc = PA_ENOMEM;
                goto out;
        }
        check_subjects(want, st, f);
        check_predicate(want, st, f);
        rc = check_signatures(env, payload, plen, o, sigkey, f, state, err);
out:
        json_decref(want);
        free(path);
        free(payload);
        json_decref(env);
        json_decref(st);
        return rc;
}

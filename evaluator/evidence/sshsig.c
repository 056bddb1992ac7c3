/* OpenSSH Ed25519 keys and SSHSIG signatures (sshsig.h).
 *
 * PROTOCOL.key: "openssh-key-v1\0", string cipher, string kdf, string
 * kdfoptions, uint32 nkeys, string pubkey, string private section (uint32
 * check, uint32 check, string type, string pub, string pub||seed... ,
 * string comment, padding). PROTOCOL.sshsig: the blob "SSHSIG", uint32 1,
 * string pubkey, string namespace, string reserved, string hash, string
 * signature; what is signed is "SSHSIG", string namespace, string
 * reserved, string hash, string H(message). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <errno.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "evidence_int.h"
#include "sshsig.h"

#define KEY_BEGIN "-----BEGIN OPENSSH PRIVATE KEY-----"
#define KEY_END   "-----END OPENSSH PRIVATE KEY-----"
#define SIG_BEGIN "-----BEGIN SSH SIGNATURE-----"
#define SIG_END   "-----END SSH SIGNATURE-----"
#define KEY_MAGIC "openssh-key-v1"

/* ---- SSH wire format: a reader over a byte range and a writer ---- */

struct rd {
        const unsigned char *p;
        size_t n;
        bool bad;
};

static uint32_t rd_u32(struct rd *r)
{
        uint32_t v;

        if (r->bad || r->n < 4) {
                r->bad = true;
                return 0;
        }
        v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 | (uint32_t)r->p[2] << 8 | r->p[3];
        r->p += 4;
        r->n -= 4;
        return v;
}

/* A string's bytes (not copied) and length. */
static const unsigned char *rd_str(struct rd *r, size_t *len)
{
        uint32_t n = rd_u32(r);
        const unsigned char *p = r->p;

        if (r->bad || n > r->n) {
                r->bad = true;
                *len = 0;
                return NULL;
        }
        r->p += n;
        r->n -= n;
        *len = n;
        return p;
}

static bool rd_str_is(struct rd *r, const char *want)
{
        size_t n;
        const unsigned char *p = rd_str(r, &n);

        return p && n == strlen(want) && !memcmp(p, want, n);
}

static int wr_raw(struct pa_buf *b, const void *p, size_t n)
{
        return pa__buf_add(b, p, n);
}

static int wr_str(struct pa_buf *b, const void *p, size_t n)
{
        unsigned char len[4] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16),
                                (unsigned char)(n >> 8), (unsigned char)n};

        return pa__buf_add(b, len, 4) || pa__buf_add(b, p, n) ? PA_ENOMEM : 0;
}

static int wr_cstr(struct pa_buf *b, const char *s)
{
        return wr_str(b, s, strlen(s));
}

/* The base64 body between an armor's BEGIN and END lines, decoded. */
static int unarmor(const char *text, size_t len, const char *begin, const char *end,
                   unsigned char **out, size_t *outlen)
{
        const char *b = memmem(text, len, begin, strlen(begin)), *e;

        if (!b)
                return PA_EINVAL;
        b += strlen(begin);
        e = memmem(b, len - (size_t)(b - text), end, strlen(end));
        if (!e)
                return PA_EINVAL;
        return pa__b64_decode(b, (size_t)(e - b), out, outlen);
}

/* A signature's armour as ssh-keygen -Y verify reads it (sshsig_dearmor),
 * only stricter: the BEGIN line and its "\n" first, then lines of base64
 * and "\n" (no CR, no spaces, no junk), the END line, at most one "\n". */
static int unarmor_sig(const char *text, size_t len, unsigned char **out, size_t *outlen)
{
        const size_t nb = strlen(SIG_BEGIN), ne = strlen(SIG_END);
        const char *b = text + nb + 1, *e;
        size_t tail;

        if (len < nb + 1 + ne || memcmp(text, SIG_BEGIN, nb) || text[nb] != '\n')
                return PA_EINVAL;
        if (!(e = memmem(b, len - nb - 1, SIG_END, ne)))
                return PA_EINVAL;
        tail = len - (size_t)(e - text) - ne;
        if (tail > 1 || (tail == 1 && e[ne] != '\n') || e == b || e[-1] != '\n')
                return PA_EINVAL;
        for (const char *p = b; p < e; p++)
                if (*p != '\n' && *p != '=' && *p != '+' && *p != '/' &&
                    !(*p >= 'A' && *p <= 'Z') && !(*p >= 'a' && *p <= 'z') &&
                    !(*p >= '0' && *p <= '9'))
                        return PA_EINVAL;
        return pa__b64_decode(b, (size_t)(e - b), out, outlen);
}

/* ---- keys ---- */

void pa__sshkey_blob(const struct pa__sshkey *k, unsigned char out[PA_SSHKEY_BLOB])
{
        static const unsigned char head[] = {0,   0,   0,   11,  's', 's', 'h', '-', 'e', 'd',
                                             '2', '5', '5', '1', '9', 0,   0,   0,   32};

        memcpy(out, head, sizeof(head));
        memcpy(out + sizeof(head), k->pub, PA_ED25519_PUB);
}

void pa__sshkey_fingerprint(const struct pa__sshkey *k, char out[PA_FPR_LEN])
{
        unsigned char blob[PA_SSHKEY_BLOB], md[32];
        unsigned n = 0;
        char *b;

        pa__sshkey_blob(k, blob);
        EVP_Digest(blob, sizeof(blob), md, &n, EVP_sha256(), NULL);
        b = pa__b64_encode(md, n);
        if (b)
                b[strcspn(b, "=")] = '\0';
        snprintf(out, PA_FPR_LEN, "SHA256:%s", b ? b : "?");
        free(b);
}

static int parse_blob(struct pa__sshkey *k, const unsigned char *p, size_t n)
{
        struct rd r = {p, n, false};
        size_t len;
        const unsigned char *pub;

        if (!rd_str_is(&r, "ssh-ed25519"))
                return PA_ENOTSUP;
        pub = rd_str(&r, &len);
        if (r.bad || len != PA_ED25519_PUB || r.n)
                return PA_EINVAL;
        memcpy(k->pub, pub, PA_ED25519_PUB);
        return 0;
}

int pa__sshkey_from_public(struct pa__sshkey *k, const char *type, const char *b64)
{
        unsigned char *blob = NULL;
        size_t n = 0;
        int rc;

        memset(k, 0, sizeof(*k));
        if (strcmp(type, "ssh-ed25519"))
                return PA_ENOTSUP;
        if ((rc = pa__b64_decode(b64, strlen(b64), &blob, &n)))
                return rc;
        rc = parse_blob(k, blob, n);
        free(blob);
        return rc;
}

/* The private section of an unencrypted key: checkints, then one key. */
static int parse_private(struct pa__sshkey *k, struct rd *r)
{
        const unsigned char *pub, *priv;
        size_t plen, slen;
        uint32_t check1 = rd_u32(r), check2 = rd_u32(r);

        if (check1 != check2 || r->bad || !rd_str_is(r, "ssh-ed25519"))
                return PA_EINVAL;
        pub = rd_str(r, &plen);
        priv = rd_str(r, &slen);
        if (r->bad || plen != 32 || slen != 64 || memcmp(pub, k->pub, 32) ||
            memcmp(priv + 32, pub, 32))
                return PA_EINVAL;
        memcpy(k->seed, priv, 32);
        k->has_private = true;
        return 0;
}

int pa__sshkey_parse(struct pa__sshkey *k, const char *name, const char *text, size_t len,
                     struct pa_err *err)
{
        unsigned char *raw = NULL;
        const unsigned char *blob, *sec;
        size_t n = 0, blen, slen;
        struct rd r, rs;
        int rc;

        memset(k, 0, sizeof(*k));
        if (unarmor(text, len, KEY_BEGIN, KEY_END, &raw, &n))
                return pa_errf(err, PA_EINVAL,
                               "key '%s': expected an OpenSSH private key (%s); make one with "
                               "ssh-keygen -t ed25519",
                               name, KEY_BEGIN);
        r = (struct rd){raw, n, false};
        rc = PA_EINVAL;
        if (n < sizeof(KEY_MAGIC) || memcmp(raw, KEY_MAGIC, sizeof(KEY_MAGIC)))
                goto fail;
        r.p += sizeof(KEY_MAGIC);
        r.n -= sizeof(KEY_MAGIC);
        if (!rd_str_is(&r, "none") || !rd_str_is(&r, "none")) {
                rc = pa_errf(err, PA_ENOTSUP,
                             "key '%s': the key is encrypted; parity reads unencrypted keys "
                             "only (remove the passphrase of a copy with ssh-keygen -p -N '')",
                             name);
                goto out;
        }
        rd_str(&r, &blen); /* kdf options: empty for "none" */
        if (rd_u32(&r) != 1)
                goto fail;
        blob = rd_str(&r, &blen);
        sec = rd_str(&r, &slen);
        if (r.bad)
                goto fail;
        if ((rc = parse_blob(k, blob, blen)) == PA_ENOTSUP) {
                rc = pa_errf(err, PA_ENOTSUP,
                             "key '%s': not an Ed25519 key (ssh-keygen -t ed25519)", name);
                goto out;
        }
        rs = (struct rd){sec, slen, false};
        if (rc == 0 && (rc = parse_private(k, &rs)) == 0)
                goto out;
fail:
        rc = pa_errf(err, PA_EINVAL, "key '%s': malformed openssh-key-v1 data", name);
out:
        OPENSSL_cleanse(raw, n);
        free(raw);
        if (rc)
                pa__sshkey_wipe(k);
        return rc;
}

/* A private key others can read is refused, as ssh-keygen refuses it
 * ("UNPROTECTED PRIVATE KEY FILE"): its owner's own, mode 600 or 400. */
static int key_private_enough(const char *path, const char *text, size_t len, struct pa_err *err)
{
        struct stat st;

        if (!memmem(text, len, KEY_BEGIN, strlen(KEY_BEGIN)))
                return 0; /* a public key: anyone may read it */
        if (stat(path, &st) != 0)
                return pa_errf(err, PA_EIO, "key '%s': %s", path, strerror(errno));
        if (st.st_uid == getuid() && (st.st_mode & 077))
                return pa_errf(err, PA_EINVAL,
                               "key '%s': permissions %04o are too open: a private key must not "
                               "be readable by others (chmod 600, as ssh-keygen requires)",
                               path, (unsigned)(st.st_mode & 07777));
        return 0;
}

int pa__sshkey_load(struct pa__sshkey *k, const char *path, struct pa_err *err)
{
        char *text = NULL;
        size_t len = 0;
        int rc = pa__read_file(path, &text, &len, err);

        if (rc == 0)
                rc = key_private_enough(path, text, len, err);
        if (rc == 0)
                rc = pa__sshkey_parse(k, path, text, len, err);
        if (text)
                OPENSSL_cleanse(text, len);
        free(text);
        return rc;
}

void pa__sshkey_wipe(struct pa__sshkey *k)
{
        OPENSSL_cleanse(k->seed, sizeof(k->seed));
        k->has_private = false;
}

/* ---- Ed25519 ---- */

int pa__ed25519_sign(const struct pa__sshkey *k, const void *msg, size_t len,
                     unsigned char sig[PA_ED25519_SIG])
{
        EVP_PKEY *pk = k->has_private
                           ? EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, k->seed, 32)
                           : NULL;
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        size_t siglen = PA_ED25519_SIG;
        int rc = PA_EINVAL;

        if (pk && ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, pk) == 1 &&
            EVP_DigestSign(ctx, sig, &siglen, msg, len) == 1 && siglen == PA_ED25519_SIG)
                rc = 0;
        EVP_MD_CTX_free(ctx);
        EVP_PKEY_free(pk);
        return rc;
}

int pa__ed25519_verify(const unsigned char pub[PA_ED25519_PUB], const void *msg, size_t len,
                       const unsigned char sig[PA_ED25519_SIG])
{
        EVP_PKEY *pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, PA_ED25519_PUB);
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        int rc = PA_EINVAL;

        if (pk && ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pk) == 1 &&
            EVP_DigestVerify(ctx, sig, PA_ED25519_SIG, msg, len) == 1)
                rc = 0;
        EVP_MD_CTX_free(ctx);
        EVP_PKEY_free(pk);
        return rc;
}

/* ---- SSHSIG ---- */

/* What is signed: the preamble, namespace, reserved, hash name, H(msg). */
static int signed_data(struct pa_buf *b, const char *ns, const char *hash, const void *msg,
                       size_t len)
{
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned n = 0;
        const EVP_MD *alg = !strcmp(hash, "sha512") ? EVP_sha512() : EVP_sha256();

        if (EVP_Digest(msg, len, md, &n, alg, NULL) != 1)
                return PA_ENOMEM;
        if (wr_raw(b, "SSHSIG", 6) || wr_cstr(b, ns) || wr_str(b, "", 0) || wr_cstr(b, hash) ||
            wr_str(b, md, n))
                return PA_ENOMEM;
        return 0;
}

/* base64 in lines of 70 between the armor lines, as OpenSSH's
 * sshbuf_dtob64(wrap) writes it. */
static int armor(const struct pa_buf *blob, char **out)
{
        char *b = pa__b64_encode((const unsigned char *)blob->p, blob->len);
        struct pa_buf o;
        size_t n = b ? strlen(b) : 0;
        int rc = b ? 0 : PA_ENOMEM;

        pa__buf_init(&o, SIZE_MAX / 2);
        rc = rc || pa__buf_add(&o, SIG_BEGIN "\n", strlen(SIG_BEGIN) + 1);
        for (size_t i = 0; rc == 0 && i < n; i += 70)
                rc = pa__buf_add(&o, b + i, n - i < 70 ? n - i : 70) || pa__buf_add(&o, "\n", 1);
        rc = rc || pa__buf_add(&o, SIG_END "\n", strlen(SIG_END) + 1);
        free(b);
        if (rc) {
                pa__buf_release(&o);
                return PA_ENOMEM;
        }
        *out = o.p;
        return 0;
}

int pa__sshsig_sign(const struct pa__sshkey *k, const char *ns, const void *msg, size_t len,
                    char **armored, struct pa_err *err)
{
        struct pa_buf data, blob, sig;
        unsigned char pub[PA_SSHKEY_BLOB], raw[PA_ED25519_SIG];
        int rc;

        pa__buf_init(&data, SIZE_MAX / 2);
        pa__buf_init(&blob, SIZE_MAX / 2);
        pa__buf_init(&sig, SIZE_MAX / 2);
        pa__sshkey_blob(k, pub);
        if ((rc = signed_data(&data, ns, "sha512", msg, len)))
                goto out;
        if ((rc = pa__ed25519_sign(k, data.p, data.len, raw))) {
                rc = pa_errf(err, PA_EINVAL, "cannot sign: no usable Ed25519 private key");
                goto out;
        }
        rc = PA_ENOMEM;
        if (wr_cstr(&sig, "ssh-ed25519") || wr_str(&sig, raw, sizeof(raw)) ||
            wr_raw(&blob, "SSHSIG\0\0\0\1", 10) || wr_str(&blob, pub, sizeof(pub)) ||
            wr_cstr(&blob, ns) || wr_str(&blob, "", 0) || wr_cstr(&blob, "sha512") ||
            wr_str(&blob, sig.p, sig.len))
                goto out;
        rc = armor(&blob, armored);
out:
        pa__buf_release(&data);
        pa__buf_release(&blob);
        pa__buf_release(&sig);
        return rc;
}

/* The signature string of an SSHSIG blob: "ssh-ed25519" and 64 bytes. */
static int parse_sig(const unsigned char *p, size_t n, unsigned char raw[PA_ED25519_SIG])
{
        struct rd r = {p, n, false};
        size_t len;
        const unsigned char *s;

        if (!rd_str_is(&r, "ssh-ed25519"))
                return PA_ENOTSUP;
        s = rd_str(&r, &len);
        if (r.bad || len != PA_ED25519_SIG || r.n)
                return PA_EINVAL;
        memcpy(raw, s, PA_ED25519_SIG);
        return 0;
}

int pa__sshsig_verify(const char *armored, size_t alen, const char *ns, const void *msg, size_t len,
                      struct pa__sshkey *signer, struct pa_err *err)
{
        unsigned char *raw = NULL, sig[PA_ED25519_SIG];
        const unsigned char *pub, *nsp, *hash, *sp;
        size_t n = 0, publen, nslen, hlen, slen, rlen;
        char hname[16] = "";
        struct pa_buf data;
        struct rd r;
        int rc = PA_EINVAL;

        pa__buf_init(&data, SIZE_MAX / 2);
        if (unarmor_sig(armored, alen, &raw, &n)) {
                pa_errf(err, rc,
                        "not an armored SSH signature as ssh-keygen writes it (%s, base64 "
                        "lines, the END line; no CR, no other bytes)",
                        SIG_BEGIN);
                goto out;
        }
        r = (struct rd){raw, n, false};
        if (n < 10 || memcmp(raw, "SSHSIG\0\0\0\1", 10)) {
                pa_errf(err, rc, "not an SSHSIG version 1 blob");
                goto out;
        }
        r.p += 10;
        r.n -= 10;
        pub = rd_str(&r, &publen);
        nsp = rd_str(&r, &nslen);
        rd_str(&r, &rlen);
        hash = rd_str(&r, &hlen);
        sp = rd_str(&r, &slen);
        if (r.bad || r.n || hlen >= sizeof(hname) || parse_blob(signer, pub, publen) ||
            parse_sig(sp, slen, sig)) {
                pa_errf(err, rc, "malformed SSHSIG blob (parity checks ssh-ed25519 signatures)");
                goto out;
        }
        memcpy(hname, hash, hlen);
        if (nslen != strlen(ns) || memcmp(nsp, ns, nslen)) {
                pa_errf(err, rc, "signature is for namespace '%.*s', expected '%s'", (int)nslen,
                        (const char *)nsp, ns);
                goto out;
        }
        if (strcmp(hname, "sha512") && strcmp(hname, "sha256")) {
                pa_errf(err, rc, "unsupported hash '%s' (expected sha512 or sha256)", hname);
                goto out;
        }
        if ((rc = signed_data(&data, ns, hname, msg, len)))
                goto out;
        if ((rc = pa__ed25519_verify(signer->pub, data.p, data.len, sig)))
                pa_errf(err, rc, "signature does not match the signed bytes");
out:
        free(raw);
        pa__buf_release(&data);
        return rc;
}

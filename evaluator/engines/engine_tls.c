/* TLS of every transfer to an HTTP engine (engine.h, docs/engines.md "TLS"):
 * which CAs are trusted, the --insecure escape hatch, and what the server's
 * TLS session was (version, cipher, the peer certificate's SHA-256), read
 * for the served-model identity.
 *
 * libcurl itself ignores CURL_CA_BUNDLE, SSL_CERT_FILE and SSL_CERT_DIR
 * (only the curl tool reads them), so parity reads them here, with the
 * curl tool's precedence: --cacert, CURL_CA_BUNDLE, SSL_CERT_FILE for the
 * bundle; --capath, SSL_CERT_DIR for the folder. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "parity/engine.h"
#include "engine_tls.h"

/* The first of the option and the variables that is set and not empty;
 * *from names where it came from. */
static const char *pick(const char *opt, const char *opt_name, const char *const vars[],
                        const char **from)
{
        *from = opt_name;
        if (opt)
                return opt;
        for (size_t i = 0; vars[i]; i++) {
                const char *v = getenv(vars[i]);

                if (v && *v) {
                        *from = vars[i];
                        return v;
                }
        }
        return NULL;
}

/* path must be what its source promises before any request: a missing
 * bundle would otherwise read as "certificate not trusted". */
static int check_path(const char *path, const char *from, bool dir, struct pa_err *err)
{
        struct stat st;

        if (!path)
                return 0;
        if (stat(path, &st) || (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)))
                return pa_errf(err, PA_EINVAL, "%s '%s': expected %s", from, path,
                               dir ? "a folder of CA certificates (c_rehash'ed)"
                                   : "a file of PEM CA certificates");
        return 0;
}

int pa__engine_tls(struct pa_engine *e, struct pa_err *err)
{
        static const char *const file_vars[] = {"CURL_CA_BUNDLE", "SSL_CERT_FILE", NULL};
        static const char *const dir_vars[] = {"SSL_CERT_DIR", NULL};
        const char *file_from, *dir_from;
        int rc;

        e->ca_file = pick(e->conf.cacert, "--cacert", file_vars, &file_from);
        e->ca_dir = pick(e->conf.capath, "--capath", dir_vars, &dir_from);
        if ((rc = check_path(e->ca_file, file_from, false, err)) ||
            (rc = check_path(e->ca_dir, dir_from, true, err)))
                return rc;
        if (e->conf.insecure)
                fputs("parity: WARNING: --insecure: the server's TLS certificate and host name "
                      "are NOT checked; anyone between parity and the server can answer in its "
                      "place. The manifest and every report say so.\n",
                      stderr);
        return 0;
}

void pa__engine_tls_setopt(const struct pa_engine *e, CURL *h)
{
        if (e->ca_file)
                curl_easy_setopt(h, CURLOPT_CAINFO, e->ca_file);
        if (e->ca_dir)
                curl_easy_setopt(h, CURLOPT_CAPATH, e->ca_dir);
        if (e->conf.insecure) {
                curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
                curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
        }
}

json_t *pa__engine_tls_json(const struct pa_engine *e)
{
        return json_pack("{s:b, s:s?, s:s?}", "insecure", e->conf.insecure, "cacert", e->ca_file,
                         "capath", e->ca_dir);
}

/* Lowercase hex of the DER certificate's SHA-256; false when none. */
static bool peer_sha256(SSL *ssl, char hex[65])
{
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        X509 *cert = SSL_get1_peer_certificate(ssl);
        bool ok = cert && X509_digest(cert, EVP_sha256(), md, &n) && n == 32;

        for (unsigned i = 0; ok && i < n; i++)
                snprintf(hex + 2 * i, 3, "%02x", md[i]);
        X509_free(cert);
        return ok;
}

void pa__tls_note(CURL *h, struct pa__tls *t)
{
        struct curl_tlssessioninfo *ti = NULL;
        const SSL_CIPHER *c;
        SSL *ssl;

        /* Only while the transfer runs is the session pointer valid, so a
         * callback asks; once is enough. */
        if (t->version[0] || curl_easy_getinfo(h, CURLINFO_TLS_SSL_PTR, &ti) != CURLE_OK || !ti ||
            ti->backend != CURLSSLBACKEND_OPENSSL || !ti->internals)
                return;
        ssl = ti->internals;
        if (!peer_sha256(ssl, t->peer_sha256))
                t->peer_sha256[0] = '\0';
        c = SSL_get_current_cipher(ssl);
        snprintf(t->cipher, sizeof(t->cipher), "%s", c ? SSL_CIPHER_get_name(c) : "");
        snprintf(t->version, sizeof(t->version), "%s", SSL_get_version(ssl));
}

void pa__tls_into(json_t *id, const struct pa__tls *t)
{
        if (!id || !t->version[0] || json_object_get(id, "tls"))
                return;
        json_object_set_new(id, "tls",
                            json_pack("{s:s, s:s, s:s?}", "version", t->version, "cipher",
                                      t->cipher, "peer_cert_sha256",
                                      t->peer_sha256[0] ? t->peer_sha256 : NULL));
}

/* Private: TLS of the transfers to HTTP engines (engine_tls.c). */
#ifndef PA_ENGINE_TLS_H
#define PA_ENGINE_TLS_H

#include <curl/curl.h>
#include <jansson.h>

#include "parity/engine.h"

/* Resolves the trusted CAs of e (--cacert/--capath, else CURL_CA_BUNDLE,
 * SSL_CERT_FILE, SSL_CERT_DIR) into e->ca_file/ca_dir (borrowed from conf
 * or the environment) and checks they exist; warns on stderr when
 * --insecure. PA_EINVAL with a message naming the option or variable. */
int pa__engine_tls(struct pa_engine *e, struct pa_err *err);

/* The TLS options of e on the easy handle h. */
void pa__engine_tls_setopt(const struct pa_engine *e, CURL *h);

/* The manifest's engine.tls: {"insecure", "cacert", "capath"} (new reference). */
json_t *pa__engine_tls_json(const struct pa_engine *e);

/* What one transfer's TLS session was; empty strings: no TLS (http://). */
struct pa__tls {
        char version[32];
        char cipher[96];
        char peer_sha256[65]; /* lowercase hex of the DER certificate's SHA-256 */
};

/* Fills t from h's live session, once; call from a transfer's callback. */
void pa__tls_note(CURL *h, struct pa__tls *t);

/* id["tls"] = {"version", "cipher", "peer_cert_sha256"} when t holds a
 * session and id has none yet. */
void pa__tls_into(json_t *id, const struct pa__tls *t);

#endif

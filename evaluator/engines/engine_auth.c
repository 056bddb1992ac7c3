/* Credentials out of the base URLs (engine.h): http://user:secret@host/v1
 * is used as http://host/v1 with "Authorization: Basic ..." and recorded
 * with its userinfo as ***, so the secret reaches no file, log or
 * attestation; --api-key-env becomes "Authorization: Bearer ...". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "parity/engine.h"
#include "evaluator/util/util.h"

/* "Authorization: Basic base64(user:password)" (owned), or NULL. */
static char *basic_header(const char *user, const char *password)
{
        size_t n = strlen(user) + 1 + strlen(password), cap = 4 * ((n + 2) / 3) + 1;
        char *plain = malloc(n + 1), *line = malloc(cap + 32);

        if (plain && line) {
                snprintf(plain, n + 1, "%s:%s", user, password);
                memcpy(line, "Authorization: Basic ", 21);
                EVP_EncodeBlock((unsigned char *)line + 21, (const unsigned char *)plain, (int)n);
                memset(plain, 0, n);
        }
        free(plain);
        if (!plain) {
                free(line);
                return NULL;
        }
        return line;
}

/* clean with its userinfo shown as three stars (owned). */
static char *shown_url(const char *clean)
{
        const char *rest = strstr(clean, "://");
        size_t n = strlen(clean) + 5;
        char *s = rest ? malloc(n) : NULL;

        if (s)
                snprintf(s, n, "%.*s://***@%s", (int)(rest - clean), clean, rest + 3);
        return s;
}

/* One base URL: its clean and shown forms, and its credential (the same
 * for every URL that has one). */
static int split_url(struct pa_engine *e, size_t i, const char *base, struct pa_err *err)
{
        CURLU *u = curl_url();
        char *user = NULL, *pass = NULL, *clean = NULL, *line = NULL;
        int rc = PA_ENOMEM;

        if (!u)
                goto out;
        if (curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK ||
            curl_url_get(u, CURLUPART_USER, &user, CURLU_URLDECODE) != CURLUE_OK) {
                /* no userinfo (or not a URL: endpoint_url says so) */
                rc = (e->clean[i] = strdup(base)) && (e->shown[i] = strdup(base)) ? 0 : PA_ENOMEM;
                goto out;
        }
        if (curl_url_get(u, CURLUPART_PASSWORD, &pass, CURLU_URLDECODE) != CURLUE_OK)
                pass = NULL;
        if (curl_url_set(u, CURLUPART_USER, NULL, 0) != CURLUE_OK ||
            curl_url_set(u, CURLUPART_PASSWORD, NULL, 0) != CURLUE_OK ||
            curl_url_get(u, CURLUPART_URL, &clean, 0) != CURLUE_OK ||
            !(line = basic_header(user, pass ? pass : "")))
                goto out;
        if (e->auth && strcmp(e->auth, line)) {
                rc = pa_errf(err, PA_EINVAL,
                             "--base-url: the URLs carry different credentials (one set for all)");
                goto out;
        }
        if (!e->auth) {
                e->auth = line;
                line = NULL;
        }
        rc = (e->clean[i] = strdup(clean)) && (e->shown[i] = shown_url(clean)) ? 0 : PA_ENOMEM;
out:
        if (line)
                memset(line, 0, strlen(line));
        free(line);
        if (pass)
                memset(pass, 0, strlen(pass));
        curl_free(pass);
        curl_free(user);
        curl_free(clean);
        curl_url_cleanup(u);
        return rc;
}

int pa__engine_auth(struct pa_engine *e, struct pa_err *err)
{
        size_t n = 1 + e->conf.n_more_urls;
        char line[4096];
        int rc = 0;

        if (!e->conf.base_url)
                return 0;
        if (!(e->clean = calloc(n, sizeof(*e->clean))) ||
            !(e->shown = calloc(n, sizeof(*e->shown))))
                return PA_ENOMEM;
        e->n_clean = n;
        for (size_t i = 0; rc == 0 && i < n; i++)
                rc = split_url(e, i, i ? e->conf.more_urls[i - 1] : e->conf.base_url, err);
        if (rc)
                return rc;
        e->conf.base_url = e->clean[0];
        e->conf.more_urls = (const char *const *)e->clean + 1;
        if (!e->api_key)
                return 0;
        if (e->auth)
                return pa_errf(err, PA_EINVAL,
                               "--base-url has credentials and --api-key-env names a key: give "
                               "one");
        if (snprintf(line, sizeof(line), "Authorization: Bearer %s", e->api_key) >=
            (int)sizeof(line))
                return pa_errf(err, PA_EINVAL, "API key too long");
        e->auth = strdup(line);
        memset(line, 0, sizeof(line));
        return e->auth ? 0 : PA_ENOMEM;
}

void pa__engine_auth_release(struct pa_engine *e)
{
        for (size_t i = 0; i < e->n_clean; i++) {
                free(e->clean ? e->clean[i] : NULL);
                free(e->shown ? e->shown[i] : NULL);
        }
        free(e->clean);
        free(e->shown);
        if (e->auth)
                memset(e->auth, 0, strlen(e->auth));
        free(e->auth);
        e->clean = e->shown = NULL;
        e->auth = NULL;
        e->n_clean = 0;
}

const char *pa_engine_shown_url(const struct pa_engine *e, size_t i)
{
        if (e->shown && i < e->n_clean)
                return e->shown[i];
        return i ? e->conf.more_urls[i - 1] : e->conf.base_url;
}

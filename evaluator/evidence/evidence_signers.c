/* allowed_signers files (sshsig.h), as ssh-keygen(1) "ALLOWED SIGNERS"
 * describes them: one key a line, "principals [options] keytype base64
 * [comment]", '#' comments; principals and namespaces are pattern lists
 * (ssh_config(5) PATTERNS: '*', '?', '!negation'). */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "evidence_int.h"
#include "sshsig.h"

struct signer_line {
        char *principals, *options, *type, *key; /* point into the line */
};

/* The next field: quoted ("..." kept with its quotes stripped) or up to
 * white space, with quoted parts inside (namespaces="a,b"). */
static char *next_field(char **pos)
{
        char *p = *pos + strspn(*pos, " \t"), *start = p;
        bool quoted = false;

        if (!*p)
                return NULL;
        if (*p == '"') {
                start = ++p;
                p += strcspn(p, "\"");
        } else {
                for (; *p && (quoted || (*p != ' ' && *p != '\t')); p++)
                        if (*p == '"')
                                quoted = !quoted;
        }
        if (*p)
                *p++ = '\0';
        *pos = p;
        return start;
}

static bool is_key_type(const char *s)
{
        return !strncmp(s, "ssh-", 4) || !strncmp(s, "ecdsa-", 6) || !strncmp(s, "sk-", 3) ||
               !strncmp(s, "rsa-", 4);
}

static int parse_line(char *line, struct signer_line *l)
{
        char *pos = line;

        line[strcspn(line, "\r\n")] = '\0';
        memset(l, 0, sizeof(*l));
        if (!(l->principals = next_field(&pos)) || l->principals[0] == '#')
                return 1;
        if (!(l->type = next_field(&pos)))
                return PA_EINVAL;
        if (!is_key_type(l->type)) {
                l->options = l->type;
                if (!(l->type = next_field(&pos)))
                        return PA_EINVAL;
        }
        return (l->key = next_field(&pos)) ? 0 : PA_EINVAL;
}

/* ssh_config(5) pattern list: a match of a negated pattern wins. */
static bool pattern_list_match(const char *list, const char *s)
{
        char pat[512];
        bool hit = false;

        for (const char *p = list; *p;) {
                size_t n = strcspn(p, ",");
                bool neg = *p == '!';

                snprintf(pat, sizeof(pat), "%.*s", (int)(n - neg), p + neg);
                if (fnmatch(pat, s, 0) == 0) {
                        if (neg)
                                return false;
                        hit = true;
                }
                p += n + (p[n] == ',');
        }
        return hit;
}

/* The value of option name in an options field ("a,namespaces=\"x,y\""). */
static bool option_value(const char *opts, const char *name, char *out, size_t n)
{
        size_t len = strlen(name);

        for (const char *p = opts; p && *p;) {
                if (!strncasecmp(p, name, len) && p[len] == '=') {
                        const char *v = p + len + 1, *e;

                        if (*v == '"')
                                e = strchr(++v, '"');
                        else
                                e = v + strcspn(v, ",");
                        if (!e)
                                return false;
                        snprintf(out, n, "%.*s", (int)(e - v), v);
                        return true;
                }
                if ((p = strchr(p, ',')))
                        p++;
        }
        return false;
}

/* valid-after / valid-before: YYYYMMDD[HHMM[SS]][Z], local time unless Z. */
static bool time_ok(const char *opts, const char *name, bool after)
{
        char v[32];
        struct tm tm = {0};
        size_t n;
        time_t t;

        if (!opts || !option_value(opts, name, v, sizeof(v)))
                return true;
        n = strlen(v);
        if (n && v[n - 1] == 'Z')
                n--;
        if ((n != 8 && n != 12 && n != 14) || strspn(v, "0123456789") < n)
                return false;
        sscanf(v, "%4d%2d%2d%2d%2d%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec);
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        tm.tm_isdst = -1;
        t = v[n] == 'Z' ? timegm(&tm) : mktime(&tm);
        return after ? time(NULL) >= t : time(NULL) < t;
}

static bool line_allows(const struct signer_line *l, const char *identity, const char *ns)
{
        char nss[512];

        if (l->options && strstr(l->options, "cert-authority"))
                return false;
        if (identity && !pattern_list_match(l->principals, identity))
                return false;
        if (l->options && ns && option_value(l->options, "namespaces", nss, sizeof(nss)) &&
            !pattern_list_match(nss, ns))
                return false;
        return time_ok(l->options, "valid-after", true) &&
               time_ok(l->options, "valid-before", false);
}

/* Calls fn on every Ed25519 line until it returns nonzero. */
static int each_line(const char *path,
                     int (*fn)(const struct signer_line *, struct pa__sshkey *, void *), void *ud,
                     struct pa_err *err)
{
        FILE *f = fopen(path, "r");
        char *line = NULL;
        size_t cap = 0, lineno = 0;
        int rc = 0;

        if (!f)
                return pa_errf(err, PA_EIO, "allowed signers '%s': %s", path, strerror(errno));
        while (rc == 0 && getline(&line, &cap, f) >= 0) {
                struct signer_line l;
                struct pa__sshkey k;
                int prc = parse_line(line, &l);

                lineno++;
                if (prc == PA_EINVAL) {
                        rc = pa_errf(err, PA_EINVAL,
                                     "allowed signers '%s': line %zu: expected \"principals "
                                     "[options] keytype base64-key\"",
                                     path, lineno);
                } else if (prc == 0 && pa__sshkey_from_public(&k, l.type, l.key) == 0) {
                        rc = fn(&l, &k, ud);
                }
        }
        free(line);
        fclose(f);
        return rc;
}

struct find {
        const struct pa__sshkey *want;
        const char *identity, *ns, *fpr;
        char *principal;
        struct pa__sshkey found;
};

static int match_key(const struct signer_line *l, struct pa__sshkey *k, void *ud)
{
        struct find *q = ud;

        if (memcmp(k->pub, q->want->pub, PA_ED25519_PUB) || !line_allows(l, q->identity, q->ns))
                return 0;
        q->principal = strdup(l->principals);
        return q->principal ? 1 : PA_ENOMEM;
}

int pa__allowed_signers_find(const char *path, const struct pa__sshkey *k, const char *identity,
                             const char *ns, char **principal, struct pa_err *err)
{
        struct find q = {.want = k, .identity = identity, .ns = ns};
        char fpr[PA_FPR_LEN];
        int rc = each_line(path, match_key, &q, err);

        if (rc < 0)
                return rc;
        if (!q.principal) {
                pa__sshkey_fingerprint(k, fpr);
                return pa_errf(err, PA_EINVAL, "key %s is not in allowed signers '%s'%s%s%s", fpr,
                               path, identity ? " for identity '" : "", identity ? identity : "",
                               identity ? "'" : "");
        }
        if (principal)
                *principal = q.principal;
        else
                free(q.principal);
        return 0;
}

static int match_fpr(const struct signer_line *l, struct pa__sshkey *k, void *ud)
{
        struct find *q = ud;
        char fpr[PA_FPR_LEN];

        (void)l;
        pa__sshkey_fingerprint(k, fpr);
        if (strcmp(fpr, q->fpr))
                return 0;
        q->found = *k;
        return 1;
}

int pa__allowed_signers_by_fpr(const char *path, const char *fpr, struct pa__sshkey *k,
                               struct pa_err *err)
{
        struct find q = {.fpr = fpr};
        int rc = each_line(path, match_fpr, &q, err);

        if (rc < 0)
                return rc;
        if (rc == 0)
                return pa_errf(err, PA_EINVAL, "no key %s in allowed signers '%s'", fpr, path);
        *k = q.found;
        return 0;
}

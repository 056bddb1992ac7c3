/* parity verify|sign|attest|audit RUN_DIR (docs/evidence.md). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "opt.h"
#include "evaluator/evidence/evidence_int.h"
#include "evaluator/run/resume.h"
#include "evaluator/util/util.h"

static const char verify_usage[] =
    "usage: parity verify RUN_DIR [--allowed-signers FILE [--identity PRINCIPAL]]\n"
    "                             [--require-signature]\n"
    "Re-checks a sealed run folder: every file's sha256 and size against the manifest,\n"
    "the results chain (seq, prev, head, count), the counts, the suite copy, the\n"
    "pre-registered thresholds, summary.json and audit.json recomputed from the\n"
    "records, the scores recomputed from the responses, manifest.json.sig and\n"
    "attestation.intoto.json. One line per finding on stdout.\n"
    "  --allowed-signers FILE  the signature must be by a key of this ssh-keygen(1)\n"
    "                          allowed_signers file (and is required)\n"
    "  --identity PRINCIPAL    ... for this principal\n"
    "  --require-signature     a folder without a signature by an allowed signer fails\n"
    "                          (needs --allowed-signers or PARITY_ALLOWED_SIGNERS)\n"
    "PARITY_ALLOWED_SIGNERS in the environment stands for --allowed-signers.\n"
    "Exit: 0 clean, 1 findings, 2 unusable input (no manifest, bad option),\n"
    "3 intact but signed and the signer not checked (no allowed signers given).\n";

static const char sign_usage[] =
    "usage: parity sign RUN_DIR --key FILE\n"
    "Signs manifest.json with an unencrypted OpenSSH Ed25519 private key into\n"
    "manifest.json.sig (SSHSIG, namespace \"parity\"), which\n"
    "  ssh-keygen -Y verify -f allowed_signers -I PRINCIPAL -n parity \\\n"
    "      -s RUN_DIR/manifest.json.sig < RUN_DIR/manifest.json\n"
    "accepts. Refuses (exit 1) when the folder does not verify.\n";

static const char attest_usage[] =
    "usage: parity attest RUN_DIR --key FILE\n"
    "Writes attestation.intoto.json: an in-toto Statement v1 (predicateType\n" PA_PREDICATE_TYPE
    ") about every file of the\n"
    "folder, in a DSSE envelope signed with an OpenSSH Ed25519 key. Refuses (exit 1)\n"
    "when the folder does not verify.\n";

static const char audit_usage[] =
    "usage: parity audit RUN_DIR [--json] [--no-write]\n"
    "Prints the audit view: selection rates and impact ratios per category and\n"
    "intersection (NYC Local Law 144 style), verdicts against the pre-registered\n"
    "thresholds, provenance, and the EU AI Act / NIST AI RMF checklist. Writes\n"
    "audit.json and re-seals the folder unless --no-write or the folder is signed.\n"
    "  --json       print audit.json's object instead of text\n"
    "  --no-write   leave the folder as it is\n";

enum { O_SIGNERS = 256, O_IDENTITY, O_KEY, O_JSON, O_NOWRITE, O_HELP, O_REQUIRE_SIG };

static const struct option options[] = {
    {"allowed-signers", required_argument, NULL, O_SIGNERS},
    {"identity", required_argument, NULL, O_IDENTITY},
    {"key", required_argument, NULL, O_KEY},
    {"json", no_argument, NULL, O_JSON},
    {"no-write", no_argument, NULL, O_NOWRITE},
    {"help", no_argument, NULL, O_HELP},
    {"require-signature", no_argument, NULL, O_REQUIRE_SIG},
    {NULL, 0, NULL, 0},
};

struct args {
        const char *dir, *signers, *identity, *key;
        bool json, no_write, require_sig;
};

static bool takes(const int *allowed, int val)
{
        for (size_t i = 0; allowed[i]; i++)
                if (allowed[i] == val)
                        return true;
        return val == O_HELP;
}

/* An option argv[0] does not take (opt, or '?' for none of ours), in one
 * line: the suggestion is one of the options it does take. */
static int bad_option(char **argv, int opt, const int *allowed)
{
        struct option mine[sizeof(options) / sizeof(options[0])] = {{0}};
        const char *names[sizeof(options) / sizeof(options[0])], *given = "?";
        char word[64];
        size_t n = 0;

        for (const struct option *o = options; o->name; o++) {
                if (o->val == opt)
                        given = o->name;
                if (takes(allowed, o->val)) {
                        names[n] = o->name;
                        mine[n++] = *o;
                }
        }
        if (opt == '?')
                return pa__opt_error(argv[0], argv, "", mine);
        snprintf(word, sizeof(word), "--%s", given);
        return pa__unknown_word(argv[0], "option", word, names, n);
}

/* Parses argv; returns -1 to go on, else the exit code. allowed is the
 * set of options the command takes. */
static int parse(int argc, char **argv, const char *usage, const int *allowed, struct args *a)
{
        int opt;

        memset(a, 0, sizeof(*a));
        optind = 1;
        while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
                if (opt == O_HELP) {
                        fputs(usage, stdout);
                        return 0;
                }
                if (!takes(allowed, opt))
                        return bad_option(argv, opt, allowed);
                switch (opt) {
                case O_SIGNERS:
                        a->signers = optarg;
                        break;
                case O_IDENTITY:
                        a->identity = optarg;
                        break;
                case O_KEY:
                        a->key = optarg;
                        break;
                case O_JSON:
                        a->json = true;
                        break;
                case O_NOWRITE:
                        a->no_write = true;
                        break;
                case O_REQUIRE_SIG:
                        a->require_sig = true;
                        break;
                }
        }
        if (optind != argc - 1) {
                fputs(usage, stderr);
                return 2;
        }
        a->dir = argv[optind];
        return -1;
}

/* Whether dir holds a signature or an attestation (whatever it is). */
static bool is_signed(const char *dir)
{
        const char *names[] = {PA_SIG_FILE, PA_ATTEST_FILE};
        bool any = false;

        for (size_t i = 0; i < 2; i++) {
                char *p = pa__path_join(dir, names[i]);
                struct stat st;

                any |= p && lstat(p, &st) == 0;
                free(p);
        }
        return any;
}

static int fail(int rc, const struct pa_err *err)
{
        return pa__fail(err->msg[0] ? err->msg : pa_strerror(rc));
}

/* A diff folder: diff.json and no manifest.json. */
static bool is_diff_dir(const char *dir)
{
        char *m = pa__path_join(dir, "manifest.json"), *d = pa__path_join(dir, "diff.json");
        bool yes = m && d && access(m, F_OK) != 0 && access(d, F_OK) == 0;

        free(m);
        free(d);
        return yes;
}

/* A folder that is not a finished, complete run is said to be so first:
 * verify may find it intact, but intact evidence of a run that is no pass. */
static bool say_incomplete(const char *dir)
{
        struct pa_err err = {{0}};
        json_t *m = pa__manifest_load(dir, &err);
        const char *status = json_string_value(json_object_get(m, "status"));
        const json_t *b = json_object_get(m, "error_budget");
        bool short_run = status && strcmp(status, "complete");

        if (short_run)
                printf("INCOMPLETE %s: status %s, %lld of %lld answers missing: not a pass\n", dir,
                       status, (long long)json_integer_value(json_object_get(b, "unanswered")),
                       (long long)json_integer_value(
                           json_object_get(json_object_get(m, "counts"), "planned")));
        json_decref(m);
        return short_run;
}

int pa__cmd_verify(int argc, char **argv)
{
        static const int allowed[] = {O_SIGNERS, O_IDENTITY, O_REQUIRE_SIG, 0};
        struct pa_verify_opts o = {0};
        struct pa_err err = {{0}};
        struct args a;
        size_t n = 0;
        bool short_run = false;
        const char *env;
        bool signed_ = false;
        int rc = parse(argc, argv, verify_usage, allowed, &a);

        if (rc >= 0)
                return rc;
        if (!a.signers && (env = getenv("PARITY_ALLOWED_SIGNERS")) && *env)
                a.signers = env;
        if (a.identity && !a.signers)
                return pa__fail("--identity needs --allowed-signers");
        if (a.require_sig && !a.signers)
                return pa__fail("--require-signature needs --allowed-signers or "
                                "PARITY_ALLOWED_SIGNERS: a signature is only worth the key "
                                "checked against");
        o.allowed_signers = a.signers;
        o.identity = a.identity;
        if (is_diff_dir(a.dir)) {
                rc = pa__verify_diff_dir(a.dir, stdout, &n, &err);
        } else {
                short_run = say_incomplete(a.dir);
                /* Said first, so no reader takes what follows for a verified signer. */
                if (!a.signers && (signed_ = is_signed(a.dir)))
                        printf("UNCHECKED SIGNER: '%s' is signed, but no --allowed-signers (or "
                               "PARITY_ALLOWED_SIGNERS) was given: only its integrity is "
                               "checked, not who signed it\n",
                               a.dir);
                rc = pa_evidence_verify(a.dir, &o, stdout, &n, &err);
        }
        if (rc)
                return fail(rc, &err);
        if (n)
                fprintf(stderr, "parity: verify '%s': %zu finding%s\n", a.dir, n,
                        n == 1 ? "" : "s");
        return n           ? PA_EXIT_GATE
               : short_run ? PA_EXIT_INCOMPLETE
               : signed_   ? PA_EXIT_UNCHECKED
                           : PA_EXIT_OK;
}

/* sign and attest first make sure there is nothing wrong to sign: the
 * findings go to stderr. */
static int guard(const char *dir, const char *what)
{
        struct pa_verify_opts o = {.no_signatures = true};
        struct pa_err err = {{0}};
        size_t n = 0;
        int rc = pa_evidence_verify(dir, &o, NULL, &n, &err);

        if (rc)
                return fail(rc, &err);
        if (n == 0)
                return -1;
        pa_evidence_verify(dir, &o, stderr, &n, &err);
        fprintf(stderr, "parity: refusing to %s '%s': %zu finding%s above\n", what, dir, n,
                n == 1 ? "" : "s");
        return 1;
}

static int sign_or_attest(int argc, char **argv, bool attest)
{
        static const int allowed[] = {O_KEY, 0};
        struct pa_err err = {{0}};
        char fpr[64] = "";
        struct args a;
        int rc = parse(argc, argv, attest ? attest_usage : sign_usage, allowed, &a);

        if (rc >= 0)
                return rc;
        if (!a.key)
                return pa__fail("--key FILE is required (an OpenSSH Ed25519 private key)");
        if ((rc = guard(a.dir, attest ? "attest" : "sign")) >= 0)
                return rc;
        rc = attest ? pa_evidence_attest(a.dir, a.key, fpr, &err)
                    : pa_evidence_sign(a.dir, a.key, fpr, &err);
        if (rc)
                return fail(rc, &err);
        printf("%s %s/%s with %s\n", attest ? "attested" : "signed", a.dir,
               attest ? PA_ATTEST_FILE : PA_SIG_FILE, fpr);
        return 0;
}

int pa__cmd_sign(int argc, char **argv)
{
        return sign_or_attest(argc, argv, false);
}

int pa__cmd_attest(int argc, char **argv)
{
        return sign_or_attest(argc, argv, true);
}

static int print_audit(const json_t *audit, bool as_json, struct pa_err *err)
{
        char *text = NULL;
        int rc;

        if (!as_json)
                return pa_audit_print(audit, stdout, err);
        if ((rc = pa_canonical_dump(audit, &text, NULL)) == 0)
                puts(text);
        free(text);
        return rc;
}

int pa__cmd_audit(int argc, char **argv)
{
        static const int allowed[] = {O_JSON, O_NOWRITE, 0};
        struct pa_audit_facts facts;
        struct pa_err err = {{0}};
        char fpr[64] = "";
        json_t *audit = NULL;
        size_t n = 0;
        struct args a;
        int rc = parse(argc, argv, audit_usage, allowed, &a);

        if (rc >= 0)
                return rc;
        if ((rc = pa__evidence_facts(a.dir, &facts, fpr, &n, &err)) ||
            (rc = pa__evidence_audit(a.dir, &facts, &audit, &err)) ||
            (rc = print_audit(audit, a.json, &err)))
                goto out;
        if (a.no_write)
                goto out;
        if (facts.signature || facts.attestation) {
                fprintf(stderr,
                        "parity: '%s' is signed: audit.json left as sealed (re-seal, then "
                        "sign again, to update it)\n",
                        a.dir);
        } else if (n) {
                fprintf(stderr,
                        "parity: '%s' does not verify (%zu findings): audit.json not "
                        "written; parity verify lists them\n",
                        a.dir, n);
                rc = 1;
        } else {
                rc = pa_evidence_seal(a.dir, &err);
        }
out:
        json_decref(audit);
        if (rc < 0)
                return fail(rc, &err);
        return rc;
}

/* Evidence: canonical JSON, decimals, thresholds, OpenSSH keys, SSHSIG
 * against ssh-keygen's own signatures, allowed_signers, DSSE. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "parity/evidence.h"
#include "evaluator/evidence/attest.h"
#include "evaluator/evidence/evidence_int.h"
#include "evaluator/run/run.h"
#include "evaluator/evidence/sshsig.h"
#include "test_util.h"

static char *slurp(const char *rel, size_t *len)
{
        char path[1024];
        char *data = NULL;
        size_t n = 0;

        assert_int_equal(pa__read_file(test_path(path, sizeof(path), rel), &data, &n, NULL), 0);
        if (len)
                *len = n;
        return data;
}

/* ---- canonical JSON ---- */

static void canonical_sorts_keys_and_compacts(void **state)
{
        json_t *v = json_loads("{\"b\": 1, \"a\": [true, null, \"\xc3\xa9\\n\"], \"c\": {\"z\": "
                               "{}, \"y\": []}}",
                               0, NULL);
        char *out = NULL;
        size_t len = 0;

        (void)state;
        assert_non_null(v);
        assert_int_equal(pa_canonical_dump(v, &out, &len), 0);
        assert_string_equal(
            out, "{\"a\":[true,null,\"\xc3\xa9\\n\"],\"b\":1,\"c\":{\"y\":[],\"z\":{}}}");
        assert_int_equal(len, strlen(out));
        free(out);
        json_decref(v);
}

static void reals_become_integers_or_decimal_strings(void **state)
{
        json_t *v =
            json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:I}", "a", 0.05, "b", 2.0, "c", -0.0,
                      "d", 0.1 + 0.2, "e", 1e-9, "f", 1e300, "g", -7.25, "n", (json_int_t)12);
        char *out = NULL;

        (void)state;
        assert_int_equal(pa_canonical_dump(v, &out, NULL), 0);
        assert_string_equal(out, "{\"a\":\"0.05\",\"b\":2,\"c\":0,\"d\":\"0.30000000000000004\","
                                 "\"e\":\"1e-09\",\"f\":\"1e+300\",\"g\":\"-7.25\",\"n\":12}");
        assert_null(strchr(out, '.') == NULL ? NULL : strstr(out, ".0,"));
        free(out);
        json_decref(v);
}

static void decimal_is_shortest_round_trip(void **state)
{
        static const struct {
                double x;
                const char *want;
        } cases[] = {
            {0.05, "0.05"},
            {0.1, "0.1"},
            {1.0 / 3, "0.3333333333333333"},
            {0.8, "0.8"},
            {123456.789, "123456.789"},
            {5e-324, "5e-324"},
            {1.7976931348623157e308, "1.7976931348623157e+308"},
            {0.6041666666666666, "0.6041666666666666"},
            {-1e-5, "-1e-05"},
            {0.1 + 0.2, "0.30000000000000004"},
        };
        char buf[32];

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
                pa_decimal(cases[i].x, buf);
                assert_string_equal(buf, cases[i].want);
                assert_true(strtod(buf, NULL) == cases[i].x);
        }
        /* any double reads back */
        for (uint64_t bits = 0x3ff0000000000001ull, i = 0; i < 2000; i++) {
                double x;

                bits = bits * 6364136223846793005ull + 1442695040888963407ull;
                memcpy(&x, &bits, sizeof(x));
                if (x != x || x - x != 0)
                        continue;
                pa_decimal(x, buf);
                assert_true(strtod(buf, NULL) == x);
        }
}

static void base64_round_trips_and_rejects(void **state)
{
        const unsigned char in[] = "any carnal pleas";
        unsigned char *out = NULL;
        size_t n = 0;
        char *b;

        (void)state;
        for (size_t len = 0; len <= 16; len++) {
                b = pa__b64_encode(in, len);
                assert_non_null(b);
                assert_int_equal(pa__b64_decode(b, strlen(b), &out, &n), 0);
                assert_int_equal(n, len);
                assert_memory_equal(out, in, len);
                free(out);
                free(b);
        }
        b = pa__b64_encode((const unsigned char *)"any carnal pleasure", 19);
        assert_string_equal(b, "YW55IGNhcm5hbCBwbGVhc3VyZQ==");
        free(b);
        assert_int_equal(pa__b64_decode("YW5*", 4, &out, &n), PA_EINVAL);
        assert_int_equal(pa__b64_decode("YW==5", 5, &out, &n), PA_EINVAL);
}

/* ---- thresholds ---- */

static void thresholds_parse_with_defaults_and_overrides(void **state)
{
        static const char text[] =
            "{\"parity_thresholds\": 1, \"alpha\": 0.01, \"correction\": \"holm\", "
            "\"min_diff\": 0.05, \"axes\": {\"gender\": {\"min_diff\": 0.03}}}";
        struct pa_thresholds t;
        struct pa_err err = {{0}};
        double md, mr;
        char sha[65];

        (void)state;
        assert_int_equal(pa_thresholds_parse(&t, "t.json", text, strlen(text), &err), 0);
        assert_true(t.set);
        assert_true(t.alpha == 0.01);
        assert_int_equal(t.correction, PA_CORRECTION_HOLM);
        assert_true(t.min_impact_ratio == 0.8); /* default */
        pa_thresholds_axis(&t, "gender", &md, &mr);
        assert_true(md == 0.03 && mr == 0.8);
        pa_thresholds_axis(&t, "race", &md, &mr);
        assert_true(md == 0.05);
        pa__sha256_hex(text, strlen(text), sha);
        assert_string_equal(t.sha256, sha);
        pa_thresholds_release(&t);
}

static void thresholds_errors_name_field_and_expectation(void **state)
{
        static const char *const cases[][2] = {
            {"{\"alpha\": 0.05}", "t.json': /parity_thresholds: expected 1"},
            {"{\"parity_thresholds\": 2}", "/parity_thresholds: expected 1"},
            {"[1]", "t.json': /: expected an object"},
            {"{\"parity_thresholds\": 1, \"alpha\": 0.7}", "/alpha: expected a number in (0, 0.5]"},
            {"{\"parity_thresholds\": 1, \"alpha\": \"0.05\"}", "/alpha: expected a number"},
            {"{\"parity_thresholds\": 1, \"correction\": \"fdr\"}",
             "/correction: expected \"bh\", \"holm\" or \"none\""},
            {"{\"parity_thresholds\": 1, \"min_diff\": -0.1}",
             "/min_diff: expected a number in [0, 1]"},
            {"{\"parity_thresholds\": 1, \"min_impact_ratio\": 0}",
             "/min_impact_ratio: expected a number in (0, 1]"},
            {"{\"parity_thresholds\": 1, \"alpah\": 0.05}", "/alpah: unknown field"},
            {"{\"parity_thresholds\": 1, \"axes\": {\"gender\": {\"min_dif\": 0.1}}}",
             "/axes/gender/min_dif: unknown field (expected min_diff, min_impact_ratio)"},
            {"{\"parity_thresholds\": 1, \"axes\": {\"gender\": 0.1}}",
             "/axes/gender: expected an object"},
            {"{\"parity_thresholds\": 1, \"axes\": {\"gender\": {\"min_diff\": 2}}}",
             "/axes/gender/min_diff: expected a number in [0, 1]"},
            {"{\"parity_thresholds\": 1, \"outcomes\": []}",
             "/outcomes: expected a non-empty array"},
            {"{\"parity_thresholds\": 1, \"outcomes\": [3]}", "/outcomes/0: expected a string"},
            {"{\"parity_thresholds\": 1,\n \"alpha\": }", "t.json': 2:11: "},
            {"{\"parity_thresholds\": 1, \"alpha\": 0.1, \"alpha\": 0.2}", "duplicate"},
        };
        struct pa_thresholds t;

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
                struct pa_err err = {{0}};
                int rc = pa_thresholds_parse(&t, "t.json", cases[i][0], strlen(cases[i][0]), &err);

                if (rc != PA_EINVAL || !strstr(err.msg, cases[i][1]))
                        fail_msg("case %zu: rc %d, message '%s', expected '%s'", i, rc, err.msg,
                                 cases[i][1]);
                assert_false(t.set);
        }
}

static void thresholds_checked_against_the_suite(void **state)
{
        static const char good[] = "{\"parity_thresholds\": 1, \"outcomes\": [\"yes\"], "
                                   "\"axes\": {\"age\": {\"min_impact_ratio\": 0.9}}}";
        static const char bad_axis[] = "{\"parity_thresholds\": 1, \"axes\": {\"gendr\": {}}}";
        static const char bad_outcome[] = "{\"parity_thresholds\": 1, \"outcomes\": [\"nope\"]}";
        struct pa_suite s;
        struct pa_thresholds t;
        struct pa_err err = {{0}};
        char path[1024];

        (void)state;
        assert_int_equal(pa_suite_load(&s, test_path(path, sizeof(path), "suites/good.json"), &err),
                         0);
        assert_int_equal(pa_thresholds_parse(&t, "t.json", good, strlen(good), &err), 0);
        assert_int_equal(pa_thresholds_check_suite(&t, &s, &err), 0);
        pa_thresholds_release(&t);
        assert_int_equal(pa_thresholds_parse(&t, "t.json", bad_axis, strlen(bad_axis), &err), 0);
        assert_int_equal(pa_thresholds_check_suite(&t, &s, &err), PA_EINVAL);
        assert_string_equal(err.msg,
                            "thresholds 't.json': /axes/gendr: not an axis of suite 'unit'");
        pa_thresholds_release(&t);
        assert_int_equal(pa_thresholds_parse(&t, "t.json", bad_outcome, strlen(bad_outcome), &err),
                         0);
        assert_int_equal(pa_thresholds_check_suite(&t, &s, &err), PA_EINVAL);
        assert_non_null(strstr(err.msg, "/outcomes/0: 'nope' is not a scorer of suite 'unit'"));
        pa_thresholds_release(&t);
        pa_suite_release(&s);
}

/* ---- OpenSSH keys and SSHSIG ---- */

/* A private key of tests/data at mode 600 in /tmp: parity refuses one
 * others can read, and a checkout's mode is 644. */
static const char *key_path(char *buf, size_t n, const char *rel)
{
        char src[1024], *data;
        size_t len = 0;
        FILE *f;

        data = slurp(rel, &len);
        snprintf(src, sizeof(src), "/tmp/parity-test-key-%ld-%s", (long)getpid(),
                 strrchr(rel, '/') + 1);
        snprintf(buf, n, "%s", src);
        unlink(buf);
        assert_non_null(f = fopen(buf, "wb"));
        assert_int_equal(fchmod(fileno(f), 0600), 0);
        assert_int_equal(fwrite(data, 1, len, f), len);
        assert_int_equal(fclose(f), 0);
        free(data);
        return buf;
}

static void refuses_a_private_key_others_can_read(void **state)
{
        struct pa__sshkey k;
        struct pa_err err = {{0}};
        char path[1024];

        (void)state;
        key_path(path, sizeof(path), "evidence/test-only-ed25519");
        assert_int_equal(chmod(path, 0644), 0);
        assert_int_equal(pa__sshkey_load(&k, path, &err), PA_EINVAL);
        assert_non_null(strstr(err.msg, "too open"));
        assert_int_equal(chmod(path, 0640), 0);
        assert_int_equal(pa__sshkey_load(&k, path, &err), PA_EINVAL);
        assert_int_equal(chmod(path, 0400), 0);
        assert_int_equal(pa__sshkey_load(&k, path, &err), 0);
        pa__sshkey_wipe(&k);
        unlink(path);
}

/* As strict as ssh-keygen -Y verify: junk around the armour, CRLF or
 * stray bytes in it are refused; the armour as written is accepted. */
static void sshsig_armour_is_parsed_strictly(void **state)
{
        struct pa__sshkey signer;
        struct pa_err err = {{0}};
        size_t mlen = 0, slen = 0;
        char *msg = slurp("evidence/message.json", &mlen),
             *sig = slurp("evidence/message.json.sig", &slen), buf[4096];
        const char *nl;
        size_t n;

        (void)state;
        assert_int_equal(pa__sshsig_verify(sig, slen, "parity", msg, mlen, &signer, &err), 0);
        n = (size_t)snprintf(buf, sizeof(buf), "junk\n%s", sig);
        assert_int_equal(pa__sshsig_verify(buf, n, "parity", msg, mlen, &signer, &err), PA_EINVAL);
        n = (size_t)snprintf(buf, sizeof(buf), "%sjunk\n", sig);
        assert_int_equal(pa__sshsig_verify(buf, n, "parity", msg, mlen, &signer, &err), PA_EINVAL);
        nl = strchr(sig, '\n'); /* the BEGIN line's newline as CRLF */
        n = (size_t)snprintf(buf, sizeof(buf), "%.*s\r%s", (int)(nl - sig), sig, nl);
        assert_int_equal(pa__sshsig_verify(buf, n, "parity", msg, mlen, &signer, &err), PA_EINVAL);
        nl = strchr(nl + 1, '\n'); /* a body line's newline as CRLF */
        n = (size_t)snprintf(buf, sizeof(buf), "%.*s\r%s", (int)(nl - sig), sig, nl);
        assert_int_equal(pa__sshsig_verify(buf, n, "parity", msg, mlen, &signer, &err), PA_EINVAL);
        n = (size_t)snprintf(buf, sizeof(buf), "%.*s!%s", (int)(nl - sig), sig, nl);
        assert_int_equal(pa__sshsig_verify(buf, n, "parity", msg, mlen, &signer, &err), PA_EINVAL);
        assert_non_null(strstr(err.msg, "no CR"));
        free(msg);
        free(sig);
}

static void loads_openssh_key_with_ssh_keygen_fingerprint(void **state)
{
        struct pa__sshkey k;
        struct pa_err err = {{0}};
        char path[1024], fpr[PA_FPR_LEN], *want = slurp("evidence/test-only-ed25519.fpr", NULL);

        (void)state;
        want[strcspn(want, "\n")] = '\0';
        assert_int_equal(
            pa__sshkey_load(&k, key_path(path, sizeof(path), "evidence/test-only-ed25519"), &err),
            0);
        assert_true(k.has_private);
        pa__sshkey_fingerprint(&k, fpr);
        assert_string_equal(fpr, want);
        pa__sshkey_wipe(&k);
        assert_false(k.has_private);
        free(want);
}

static void refuses_encrypted_and_foreign_keys(void **state)
{
        struct pa__sshkey k;
        struct pa_err err = {{0}};
        char path[1024];
        static const char junk[] = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n"
                                   "-----END OPENSSH PRIVATE KEY-----\n";

        (void)state;
        assert_int_equal(
            pa__sshkey_load(&k, key_path(path, sizeof(path), "evidence/test-only-encrypted"), &err),
            PA_ENOTSUP);
        assert_non_null(strstr(err.msg, "is encrypted"));
        assert_int_equal(
            pa__sshkey_load(&k, test_path(path, sizeof(path), "evidence/test-only-ed25519.pub"),
                            &err),
            PA_EINVAL);
        assert_non_null(strstr(err.msg, "expected an OpenSSH private key"));
        assert_int_equal(pa__sshkey_parse(&k, "junk", junk, strlen(junk), &err), PA_EINVAL);
        assert_non_null(strstr(err.msg, "key 'junk': malformed"));
}

/* Our signature of message.json is ssh-keygen's, byte for byte (Ed25519
 * is deterministic), and its blob has PROTOCOL.sshsig's layout. */
static void sshsig_equals_ssh_keygen_bytes(void **state)
{
        struct pa__sshkey k;
        struct pa_err err = {{0}};
        char path[1024], *armored = NULL;
        size_t mlen = 0, slen = 0, n = 0;
        char *msg = slurp("evidence/message.json", &mlen),
             *want = slurp("evidence/message.json.sig", &slen);
        unsigned char *blob = NULL, pub[PA_SSHKEY_BLOB];
        static const char head[] = "-----BEGIN SSH SIGNATURE-----\n";

        (void)state;
        assert_int_equal(
            pa__sshkey_load(&k, key_path(path, sizeof(path), "evidence/test-only-ed25519"), &err),
            0);
        assert_int_equal(pa__sshsig_sign(&k, "parity", msg, mlen, &armored, &err), 0);
        assert_string_equal(armored, want);
        /* layout: "SSHSIG" u32(1) string(pubkey) string(ns) string("") string(hash) string(sig) */
        assert_int_equal(pa__b64_decode(armored + strlen(head),
                                        strstr(armored, "-----END") - armored - strlen(head), &blob,
                                        &n),
                         0);
        pa__sshkey_blob(&k, pub);
        assert_int_equal(n, 6 + 4 + 4 + PA_SSHKEY_BLOB + 4 + 6 + 4 + 4 + 6 + 4 + 4 + 11 + 4 + 64);
        assert_memory_equal(blob, "SSHSIG\0\0\0\1\0\0\0\x33", 14);
        assert_memory_equal(blob + 14, pub, PA_SSHKEY_BLOB);
        assert_memory_equal(blob + 14 + PA_SSHKEY_BLOB, "\0\0\0\6parity\0\0\0\0\0\0\0\6sha512", 24);
        assert_memory_equal(blob + 38 + PA_SSHKEY_BLOB, "\0\0\0\x53\0\0\0\x0bssh-ed25519\0\0\0\x40",
                            23);
        pa__sshkey_wipe(&k);
        free(blob);
        free(armored);
        free(msg);
        free(want);
}

static void sshsig_verifies_and_rejects(void **state)
{
        struct pa__sshkey signer, other;
        struct pa_err err = {{0}};
        char path[1024], fpr[PA_FPR_LEN];
        size_t mlen = 0, slen = 0;
        char *msg = slurp("evidence/message.json", &mlen),
             *sig = slurp("evidence/message.json.sig", &slen);
        char *want = slurp("evidence/test-only-ed25519.fpr", NULL);

        (void)state;
        want[strcspn(want, "\n")] = '\0';
        assert_int_equal(pa__sshsig_verify(sig, slen, "parity", msg, mlen, &signer, &err), 0);
        pa__sshkey_fingerprint(&signer, fpr);
        assert_string_equal(fpr, want);
        assert_int_equal(pa__sshsig_verify(sig, slen, "git", msg, mlen, &signer, &err), PA_EINVAL);
        assert_non_null(strstr(err.msg, "namespace 'parity', expected 'git'"));
        msg[3] ^= 1;
        assert_int_equal(pa__sshsig_verify(sig, slen, "parity", msg, mlen, &signer, &err),
                         PA_EINVAL);
        assert_non_null(strstr(err.msg, "does not match"));
        assert_int_equal(pa__sshsig_verify("hello", 5, "parity", msg, mlen, &signer, &err),
                         PA_EINVAL);
        /* Signed by another key: valid, but another signer. */
        msg[3] ^= 1;
        assert_int_equal(
            pa__sshkey_load(&other, key_path(path, sizeof(path), "evidence/test-only-other"), &err),
            0);
        assert_memory_not_equal(other.pub, signer.pub, PA_ED25519_PUB);
        pa__sshkey_wipe(&other);
        free(msg);
        free(sig);
        free(want);
}

static void allowed_signers_match_key_identity_and_namespace(void **state)
{
        struct pa__sshkey k, other;
        struct pa_err err = {{0}};
        char path[1024], dir[] = "/tmp/parity-test-XXXXXX", file[1100], *who = NULL,
                         fpr[PA_FPR_LEN];
        char *pub = slurp("evidence/test-only-ed25519.pub", NULL);
        FILE *f;

        (void)state;
        pub[strcspn(pub, " ")] = ' ';
        *strrchr(pub, ' ') = '\0'; /* drop the comment */
        assert_non_null(mkdtemp(dir));
        snprintf(file, sizeof(file), "%s/allowed", dir);
        f = fopen(file, "w");
        fprintf(f, "# comment\n\nbob@x,!eve@x namespaces=\"git\" %s\n", pub);
        fprintf(f, "\"alice@x,*@ops.x\" namespaces=\"parity,file\" %s trailing comment\n", pub);
        fclose(f);
        assert_int_equal(
            pa__sshkey_load(&k, key_path(path, sizeof(path), "evidence/test-only-ed25519"), &err),
            0);
        assert_int_equal(pa__allowed_signers_find(file, &k, "alice@x", "parity", &who, &err), 0);
        assert_non_null(strstr(who, "alice@x"));
        free(who);
        assert_int_equal(pa__allowed_signers_find(file, &k, "carol@ops.x", "parity", NULL, &err),
                         0);
        assert_int_equal(pa__allowed_signers_find(file, &k, NULL, "parity", NULL, &err), 0);
        /* bob's line is for git signatures only */
        assert_int_equal(pa__allowed_signers_find(file, &k, "bob@x", "parity", NULL, &err),
                         PA_EINVAL);
        assert_non_null(strstr(err.msg, "for identity 'bob@x'"));
        assert_int_equal(pa__allowed_signers_find(file, &k, "bob@x", "git", NULL, &err), 0);
        assert_int_equal(pa__allowed_signers_find(file, &k, "eve@x", "git", NULL, &err), PA_EINVAL);
        assert_int_equal(
            pa__sshkey_load(&other, key_path(path, sizeof(path), "evidence/test-only-other"), &err),
            0);
        assert_int_equal(pa__allowed_signers_find(file, &other, NULL, "parity", NULL, &err),
                         PA_EINVAL);
        assert_non_null(strstr(err.msg, "is not in allowed signers"));
        pa__sshkey_fingerprint(&k, fpr);
        memset(&other, 0, sizeof(other));
        assert_int_equal(pa__allowed_signers_by_fpr(file, fpr, &other, &err), 0);
        assert_memory_equal(other.pub, k.pub, PA_ED25519_PUB);
        assert_int_equal(
            pa__allowed_signers_find("/nonexistent/allowed", &k, NULL, "parity", NULL, &err),
            PA_EIO);
        pa__sshkey_wipe(&k);
        unlink(file);
        rmdir(dir);
        free(pub);
}

/* A fresh key and signature from the ssh-keygen on this machine, when
 * there is one: the bytes must still agree. */
static void sshsig_equals_fresh_ssh_keygen_signature(void **state)
{
        char dir[] = "/tmp/parity-test-XXXXXX", cmd[1024], key[256], msg[256], sigp[256];
        struct pa__sshkey k;
        struct pa_err err = {{0}};
        char *sig = NULL, *mine = NULL, *text = NULL;
        size_t len = 0;
        FILE *f;

        (void)state;
        if (system("command -v ssh-keygen >/dev/null 2>&1") != 0)
                skip();
        assert_non_null(mkdtemp(dir));
        snprintf(key, sizeof(key), "%s/k", dir);
        snprintf(msg, sizeof(msg), "%s/m", dir);
        snprintf(sigp, sizeof(sigp), "%s/m.sig", dir);
        f = fopen(msg, "w");
        fputs("{\"fresh\":true}", f);
        fclose(f);
        snprintf(cmd, sizeof(cmd),
                 "ssh-keygen -q -t ed25519 -N '' -C t -f %s >/dev/null && "
                 "ssh-keygen -q -Y sign -f %s -n parity %s >/dev/null 2>&1",
                 key, key, msg);
        assert_int_equal(system(cmd), 0);
        assert_int_equal(pa__sshkey_load(&k, key, &err), 0);
        assert_int_equal(pa__read_file(msg, &text, &len, &err), 0);
        assert_int_equal(pa__read_file(sigp, &sig, NULL, &err), 0);
        assert_int_equal(pa__sshsig_sign(&k, "parity", text, len, &mine, &err), 0);
        assert_string_equal(mine, sig);
        pa__sshkey_wipe(&k);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        assert_int_equal(system(cmd), 0);
        free(sig);
        free(mine);
        free(text);
}

/* ---- DSSE ---- */

static void dsse_pae_matches_the_spec(void **state)
{
        struct pa_buf b;

        (void)state;
        pa__buf_init(&b, 1024);
        assert_int_equal(pa__dsse_pae("http://example.com/HelloWorld", "hello world", 11, &b), 0);
        assert_string_equal(b.p, "DSSEv1 29 http://example.com/HelloWorld 11 hello world");
        pa__buf_reset(&b);
        assert_int_equal(pa__dsse_pae("", "", 0, &b), 0);
        assert_string_equal(b.p, "DSSEv1 0  0 ");
        pa__buf_release(&b);
}

/* ---- the seal at the end of a run ---- */

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)st;
        (void)flag;
        (void)ftw;
        return remove(path);
}

/* It checks the folder's suite copy against the suite the run loaded, by
 * its bytes, instead of loading the copy a second time. */
static void run_seal_checks_the_copy_against_the_run_suite(void **state)
{
        struct pa_run_conf c = {0};
        struct pa_suite s;
        struct pa_err err = {{0}};
        char p[4096], dir[] = "/tmp/parity-test-seal-XXXXXX", run[64], items[128];
        FILE *f;

        (void)state;
        assert_non_null(mkdtemp(dir));
        snprintf(run, sizeof(run), "%s/run", dir);
        snprintf(items, sizeof(items), "%s/suite/items.jsonl", run);
        c.suite_path = test_path(p, sizeof(p), "suites/good.json");
        c.engine = (struct pa_engine_conf){.name = "sim", .max_tokens = -1, .timeout_s = 10};
        c.samples = c.concurrency = 1;
        c.alpha = 0.05;
        c.quiet = true;
        c.run_dir = run;
        assert_int_equal(pa_run(&c, NULL, &err), 0);
        assert_int_equal(pa_suite_load(&s, p, &err), 0);
        /* No table: the chain is read back; the copy is the suite's bytes. */
        assert_int_equal(pa_evidence_seal_written(run, &s, 0, 0, NULL, NULL, NULL, NULL, &err), 0);
        assert_non_null(f = fopen(items, "a"));
        fputs("\n", f);
        fclose(f);
        assert_int_equal(pa_evidence_seal_written(run, &s, 0, 0, NULL, NULL, NULL, NULL, &err),
                         PA_EINVAL);
        assert_non_null(strstr(err.msg, "differs from the suite the run loaded"));
        pa_suite_release(&s);
        nftw(dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(canonical_sorts_keys_and_compacts),
            cmocka_unit_test(reals_become_integers_or_decimal_strings),
            cmocka_unit_test(decimal_is_shortest_round_trip),
            cmocka_unit_test(base64_round_trips_and_rejects),
            cmocka_unit_test(thresholds_parse_with_defaults_and_overrides),
            cmocka_unit_test(thresholds_errors_name_field_and_expectation),
            cmocka_unit_test(thresholds_checked_against_the_suite),
            cmocka_unit_test(loads_openssh_key_with_ssh_keygen_fingerprint),
            cmocka_unit_test(refuses_encrypted_and_foreign_keys),
            cmocka_unit_test(sshsig_equals_ssh_keygen_bytes),
            cmocka_unit_test(sshsig_verifies_and_rejects),
            cmocka_unit_test(allowed_signers_match_key_identity_and_namespace),
            cmocka_unit_test(sshsig_equals_fresh_ssh_keygen_signature),
            cmocka_unit_test(dsse_pae_matches_the_spec),
            cmocka_unit_test(run_seal_checks_the_copy_against_the_run_suite),
            cmocka_unit_test(refuses_a_private_key_others_can_read),
            cmocka_unit_test(sshsig_armour_is_parsed_strictly),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

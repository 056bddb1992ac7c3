/* Evidence for a run (evidence.h): provenance and thresholds recorded when
 * the run starts, and the seal written when it ends. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evidence_int.h"
#include "evaluator/folder/lock.h"

int pa_evidence_prepare(const struct pa_provenance *p, const struct pa_suite *s,
                        struct pa_thresholds *t, struct pa_err *err)
{
        int rc;

        memset(t, 0, sizeof(*t));
        if (!p->thresholds)
                return 0;
        if ((rc = pa_thresholds_load(t, p->thresholds, err)) ||
            (rc = pa_thresholds_check_suite(t, s, err)))
                pa_thresholds_release(t);
        return rc;
}

int pa_evidence_register(struct pa_thresholds *t, const char *run_dir, struct pa_err *err)
{
        char *path = pa__path_join(run_dir, PA_THRESHOLDS_FILE);
        struct pa_thresholds had = {0};
        int rc;

        if (!path)
                return PA_ENOMEM;
        if (access(path, F_OK) != 0) {
                rc = t->set ? pa__write_file_atomic(path, t->text, t->len, err) : 0;
        } else if ((rc = pa_thresholds_load(&had, path, err)) == 0) {
                if (!t->set) {
                        *t = had; /* --resume: the folder's registration stands */
                        memset(&had, 0, sizeof(had));
                } else if (strcmp(had.sha256, t->sha256)) {
                        rc = pa_errf(err, PA_EINVAL,
                                     "thresholds '%s' differ from those registered in '%s' (sha256 "
                                     "%.12s...)",
                                     t->name, run_dir, had.sha256);
                }
        }
        pa_thresholds_release(&had);
        free(path);
        return rc;
}

static json_t *nullable(const char *s)
{
        return s ? json_string(s) : json_null();
}

int pa_evidence_annotate(json_t *m, const struct pa_provenance *p, const struct pa_thresholds *t)
{
        json_t *th = json_null();
        int rc = 0;

        if (t && t->set)
                th =
                    json_pack("{s:s, s:s, s:O, s:o}", "file", PA_THRESHOLDS_FILE, "sha256",
                              t->sha256, "content", t->root, "resolved", pa_thresholds_resolved(t));
        rc |= json_object_set_new(
            m, "operator",
            json_pack("{s:o, s:o, s:o}", "organisation", nullable(p->operator_org), "person",
                      nullable(p->operator_person), "role", nullable(p->operator_role)));
        rc |= json_object_set_new(m, "purpose", nullable(p->purpose));
        rc |= json_object_set_new(m, "data_source", nullable(p->data_source));
        rc |= json_object_set_new(m, "thresholds", th);
        return rc ? PA_ENOMEM : 0;
}

/* ---- the files of a folder ---- */

bool pa__evidence_unlisted(const char *rel)
{
        return !strcmp(rel, "manifest.json") || !strcmp(rel, PA_SIG_FILE) ||
               !strcmp(rel, PA_ATTEST_FILE) || !strcmp(rel, PA_LOCK_FILE);
}

/* Whether c's hash of results.jsonl stands for the file st is. */
static bool chain_hashed(const struct pa__chain *c, const char *rel, const struct stat *st)
{
        return c && c->file.known && !strcmp(rel, "results.jsonl") && st->st_dev == c->file.dev &&
               st->st_ino == c->file.ino && (uint64_t)st->st_size == c->file.size &&
               st->st_mtim.tv_sec == c->file.mtim.tv_sec &&
               st->st_mtim.tv_nsec == c->file.mtim.tv_nsec;
}

static int add_file(const char *path, const char *rel, const struct stat *st,
                    const struct pa__chain *c, json_t *files, struct pa_err *err)
{
        char hex[PA_SHA256_HEX];
        int rc = 0;

        if (chain_hashed(c, rel, st))
                memcpy(hex, c->file.sha256, sizeof(hex));
        else
                rc = pa__sha256_file(path, hex, err);
        if (rc == 0 && json_object_set_new(
                           files, rel,
                           json_pack("{s:s, s:I}", "sha256", hex, "size", (json_int_t)st->st_size)))
                rc = PA_ENOMEM;
        return rc;
}

/* A folder parity writes: suite/ and what is under it (a folder written
 * before suite/suite.json may keep its items file's own folders). */
static bool expected_dir(const char *rel)
{
        return !strcmp(rel, "suite") || !strncmp(rel, "suite/", 6);
}

static int walk(const char *dir, const char *prefix, const struct pa__chain *c, json_t *files,
                struct pa_err *err)
{
        DIR *d = opendir(dir);
        struct dirent *de;
        size_t entries = 0;
        int rc = 0;

        if (!d)
                return pa_errf(err, PA_EIO, "cannot read folder '%s': %s", dir, strerror(errno));
        while (rc == 0 && (de = readdir(d))) {
                char *path, *rel;
                struct stat st;

                if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                        continue;
                entries++;
                path = pa__path_join(dir, de->d_name);
                rel = prefix[0] ? pa__path_join(prefix, de->d_name) : strdup(de->d_name);
                if (!path || !rel)
                        rc = PA_ENOMEM;
                else if (lstat(path, &st) != 0)
                        rc = pa_errf(err, PA_EIO, "cannot read '%s': %s", path, strerror(errno));
                else if (S_ISDIR(st.st_mode) && !expected_dir(rel))
                        rc =
                            pa_errf(err, PA_EINVAL,
                                    "%s/: unexpected folder (a run folder holds only suite/)", rel);
                else if (S_ISDIR(st.st_mode))
                        rc = walk(path, rel, c, files, err);
                else if (!S_ISREG(st.st_mode))
                        rc = pa_errf(err, PA_EINVAL,
                                     "'%s': not a regular file (links and special files are not "
                                     "allowed in a run folder)",
                                     path);
                else if (!pa__evidence_unlisted(rel))
                        rc = add_file(path, rel, &st, c, files, err);
                free(path);
                free(rel);
        }
        closedir(d);
        /* An empty folder hashes as nothing: it could come and go unseen. */
        if (rc == 0 && prefix[0] && !entries)
                rc = pa_errf(err, PA_EINVAL, "%s/: empty folder", prefix);
        return rc;
}

int pa__evidence_files(const char *dir, json_t **files, struct pa_err *err)
{
        return pa__evidence_files_chain(dir, NULL, files, err);
}

int pa__evidence_files_chain(const char *dir, const struct pa__chain *c, json_t **files,
                             struct pa_err *err)
{
        int rc;

        if (!(*files = json_object()))
                return PA_ENOMEM;
        if ((rc = walk(dir, "", c, *files, err))) {
                json_decref(*files);
                *files = NULL;
        }
        return rc;
}

/* ---- sealing ---- */

/* Writes audit.json; *out (may be NULL) receives the audit, owned by the
 * caller. */
static int write_audit(struct pa__ev *e, json_t **out, struct pa_err *err)
{
        struct pa_audit_facts facts = {
            .chain_ok = e->chain.intact, .sealed = true, .thresholds = e->th.set};
        json_t *audit = NULL;
        char *text = NULL, *path = NULL;
        size_t len = 0;
        int rc = pa__ev_audit(e, &facts, &audit, err);

        if (rc == 0 && (rc = pa_canonical_dump(audit, &text, &len)) == 0)
                rc = (path = pa__path_join(e->dir, PA_AUDIT_FILE))
                         ? pa__write_file_atomic(path, text, len, err)
                         : PA_ENOMEM;
        if (rc == 0 && out)
                *out = json_incref(audit);
        json_decref(audit);
        free(text);
        free(path);
        return rc;
}

/* The canonical manifest with "files", "sealed_at" and "seal". */
static int write_manifest(struct pa__ev *e, struct pa_err *err)
{
        char now[32], hex[PA_SHA256_HEX], *text = NULL, *path = NULL;
        json_t *files = NULL, *m = e->manifest;
        size_t len = 0;
        int rc;

        if ((rc = pa__evidence_files(e->dir, &files, err)))
                return rc;
        pa__now_iso(now);
        json_object_del(m, "seal");
        if (json_object_set_new(m, "files", files) ||
            json_object_set_new(m, "sealed_at", json_string(now)) ||
            (rc = pa_canonical_dump(m, &text, &len)))
                return PA_ENOMEM;
        pa__sha256_hex(text, len, hex);
        free(text);
        text = NULL;
        if (json_object_set_new(m, "seal",
                                json_pack("{s:s, s:s}", "alg", "sha256", "sha256", hex)) ||
            (rc = pa_canonical_dump(m, &text, &len)) ||
            !(path = pa__path_join(e->dir, "manifest.json")))
                rc = PA_ENOMEM;
        else
                rc = pa__write_file_atomic(path, text, len, err);
        free(text);
        free(path);
        return rc;
}

static int seal_opened(struct pa__ev *e, pa_seal_audit_fn audit_fn, void *ud, struct pa_err *err)
{
        struct pa__findings f = {0};
        json_t *audit = NULL;
        int rc = 0;

        pa__ev_check_content(e, &f);
        if (f.n)
                rc = pa_errf(err, PA_EINVAL, "refusing to seal '%s': %s%s", e->dir, f.first,
                             f.n > 1 ? " (and more: parity verify lists them)" : "");
        if (rc == 0)
                rc = write_audit(e, audit_fn ? &audit : NULL, err);
        if (rc == 0 && audit_fn)
                rc = audit_fn(ud, audit, err);
        if (rc == 0)
                rc = write_manifest(e, err);
        json_decref(audit);
        return rc;
}

int pa_evidence_seal(const char *run_dir, struct pa_err *err)
{
        struct pa__ev e;
        struct pa__findings f = {0};
        int rc = pa__ev_open(&e, run_dir, false, &f, err);

        if (rc == 0 && f.n)
                rc = pa_errf(err, PA_EINVAL, "refusing to seal '%s': %s", run_dir, f.first);
        if (rc == 0)
                rc = seal_opened(&e, NULL, NULL, err);
        pa__ev_release(&e);
        return rc;
}

int pa_evidence_seal_written(const char *run_dir, const struct pa_suite *s, uint64_t records,
                             uint64_t errors, const char *head, const struct pa_table *t,
                             pa_seal_audit_fn audit_fn, void *ud, struct pa_err *err)
{
        struct pa__chain known = {.records = records, .errors = errors, .intact = true};
        struct pa__ev e;
        struct pa__findings f = {0};
        int rc;

        snprintf(known.head, sizeof(known.head), "%s", head ? head : "");
        rc = pa__ev_open_known(&e, run_dir, false, t ? &known : NULL, t, s, &f, err);
        if (rc == 0 && f.n)
                rc = pa_errf(err, PA_EINVAL, "refusing to seal '%s': %s", run_dir, f.first);
        if (rc == 0)
                rc = seal_opened(&e, audit_fn, ud, err);
        pa__ev_release(&e);
        return rc;
}

int pa_evidence_reseal(const char *run_dir, struct pa_err *err)
{
        struct pa__ev e;
        struct pa__findings f = {0};
        json_t *res;
        char now[32];
        int rc = pa__ev_open(&e, run_dir, false, &f, err);

        if (rc == 0 && (f.n || !e.chain.intact || !e.suite_ok))
                rc = pa_errf(err, PA_EINVAL, "refusing to seal '%s': %s", run_dir,
                             f.n ? f.first : "results.jsonl: broken chain");
        if (rc)
                goto out;
        pa__now_iso(now);
        res = json_pack("{s:s, s:I, s:s}", "file", "results.jsonl", "records",
                        (json_int_t)e.chain.records, "chain_head", e.chain.head);
        /* The suite copy it was scored with: the run's, or one edited since. */
        if (!res || json_object_set_new(e.manifest, "results", res) ||
            json_object_set_new(e.manifest, "rescored_at", json_string(now)) ||
            json_object_set_new(e.manifest, "rescored_suite",
                                json_pack("{s:s, s:s?}", "sha256", e.suite.sha256, "items_sha256",
                                          e.suite.items_path ? e.suite.items_sha256 : NULL)))
                rc = PA_ENOMEM;
        else
                rc = seal_opened(&e, NULL, NULL, err);
out:
        pa__ev_release(&e);
        return rc;
}

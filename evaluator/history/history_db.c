/* The history database file (history.h): opened in WAL mode with a busy
 * timeout, its schema versioned by PRAGMA user_version and migrated one
 * step at a time, every statement's failure named with the file. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "history.h"

/* A second CI job waits this long for the first one's transaction. */
#define BUSY_TIMEOUT_MS 60000

struct pa_history {
        sqlite3 *db;
        char *path;
};

/* migrations[v] takes a database from user_version v to v + 1. */
static const char *const migrations[PA_HISTORY_SCHEMA] = {
    "CREATE TABLE runs("
    " id INTEGER PRIMARY KEY,"
    " key TEXT NOT NULL UNIQUE," /* the results chain head: same records, one entry */
    " run_id TEXT NOT NULL, path TEXT NOT NULL, track TEXT NOT NULL,"
    " suite TEXT NOT NULL, suite_version TEXT, suite_sha256 TEXT,"
    " model TEXT, served TEXT, engine TEXT, base_url TEXT, fingerprint TEXT,"
    " started_at TEXT, ended_at TEXT, operator TEXT, status TEXT,"
    " planned INTEGER, records INTEGER, errors INTEGER, unanswered INTEGER,"
    " stopped_by TEXT, max_error_rate REAL, thresholds_sha256 TEXT,"
    " estimand TEXT, alpha REAL, correction TEXT, added_at TEXT NOT NULL);"
    "CREATE INDEX runs_suite ON runs(suite, track, started_at);"
    "CREATE INDEX runs_model ON runs(model, started_at);"
    "CREATE TABLE domains("
    " run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    " outcome TEXT NOT NULL, domain TEXT NOT NULL, n INTEGER, positive INTEGER,"
    " rate REAL, ci_lo REAL, ci_hi REAL, PRIMARY KEY(run, outcome, domain));"
    "CREATE TABLE comparisons("
    " run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    " outcome TEXT NOT NULL, axis TEXT NOT NULL, grp TEXT NOT NULL, reference TEXT,"
    " rate REAL, diff REAL, ci_lo REAL, ci_hi REAL, p REAL, p_adjusted REAL,"
    " testable INTEGER, flagged INTEGER NOT NULL,"
    " PRIMARY KEY(run, outcome, axis, grp));"
    "CREATE TABLE baselines("
    " suite TEXT NOT NULL, track TEXT NOT NULL,"
    " run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    " set_at TEXT NOT NULL, PRIMARY KEY(suite, track));",
};

/* Corruption and "not a database" get what to do; the rest sqlite's words. */
static int db_error(struct pa_history *h, int src, const char *what, struct pa_err *err)
{
        int code = src & 0xff;

        if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
                return pa_errf(err, PA_EINVAL,
                               "history '%s': not a readable parity history database (%s): "
                               "rebuild it from the run folders with parity history rebuild "
                               "'%s' RUN_DIR...",
                               h->path, sqlite3_errstr(src), h->path);
        if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
                return pa_errf(err, PA_EIO,
                               "history '%s': %s: still locked by another writer "
                               "after %d s",
                               h->path, what, BUSY_TIMEOUT_MS / 1000);
        return pa_errf(err, code == SQLITE_NOMEM ? PA_ENOMEM : PA_EIO, "history '%s': %s: %s",
                       h->path, what, h->db ? sqlite3_errmsg(h->db) : sqlite3_errstr(src));
}

static int exec(struct pa_history *h, const char *sql, const char *what, struct pa_err *err)
{
        int rc = sqlite3_exec(h->db, sql, NULL, NULL, NULL);

        return rc == SQLITE_OK ? 0 : db_error(h, rc, what, err);
}

/* WAL mode, waited for. Switching takes the file's exclusive lock, and
 * SQLite does not call the busy handler for it: a second writer opening a
 * new history while the first switches got SQLITE_BUSY at once
 * (test_history.py's four writers, once in a few dozen runs under load). */
static int wal_mode(struct pa_history *h, struct pa_err *err)
{
        const struct timespec pause = {0, 20 * 1000 * 1000};
        int rc = SQLITE_BUSY;

        for (long waited = 0; waited <= BUSY_TIMEOUT_MS; waited += 20) {
                rc = sqlite3_exec(h->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
                if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
                        break;
                nanosleep(&pause, NULL);
        }
        return rc == SQLITE_OK ? 0 : db_error(h, rc, "switching to WAL", err);
}

static int user_version(struct pa_history *h, long *v, struct pa_err *err)
{
        json_t *rows = NULL;
        int rc = pa__history_sql(h, "PRAGMA user_version", NULL, 0, &rows, err);

        if (rc == 0)
                *v = (long)json_integer_value(
                    json_object_get(json_array_get(rows, 0), "user_version"));
        json_decref(rows);
        return rc;
}

/* Each missing step in one transaction, with the version it reaches. */
static int migrate(struct pa_history *h, struct pa_err *err)
{
        long v = 0;
        int rc;

        if ((rc = pa__history_begin(h, err)) || (rc = user_version(h, &v, err)))
                goto fail;
        if (v > PA_HISTORY_SCHEMA) {
                rc = pa_errf(err, PA_EINVAL,
                             "history '%s': schema version %ld is newer than this parity's %d: "
                             "use a newer parity, or rebuild it with parity history rebuild",
                             h->path, v, PA_HISTORY_SCHEMA);
                goto fail;
        }
        for (; v < PA_HISTORY_SCHEMA; v++) {
                char pragma[64];

                snprintf(pragma, sizeof(pragma), "PRAGMA user_version=%ld", v + 1);
                if ((rc = exec(h, migrations[v], "migrating the schema", err)) ||
                    (rc = exec(h, pragma, "migrating the schema", err)))
                        goto fail;
        }
        return pa__history_commit(h, err);
fail:
        pa__history_rollback(h);
        return rc;
}

/* quick_check reads every page once: a damaged file is named at open, not
 * half-way through an add. Cheap for an index of summaries. */
static int check(struct pa_history *h, struct pa_err *err)
{
        json_t *rows = NULL;
        const char *ok;
        int rc = pa__history_sql(h, "PRAGMA quick_check", NULL, 0, &rows, err);

        if (rc)
                return rc;
        ok = json_string_value(json_object_get(json_array_get(rows, 0), "quick_check"));
        if (!ok || strcmp(ok, "ok"))
                rc = db_error(h, SQLITE_CORRUPT, "checking", err);
        json_decref(rows);
        return rc;
}

int pa__history_open(const char *path, bool create, struct pa_history **out, struct pa_err *err)
{
        struct pa_history *h = calloc(1, sizeof(*h));
        int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
        struct stat st;
        int rc;

        *out = NULL;
        if (!h || !(h->path = strdup(path))) {
                free(h);
                return pa_errf(err, PA_ENOMEM, "out of memory");
        }
        if (!create && stat(path, &st) != 0) {
                rc = pa_errf(err, PA_EIO, "history '%s': %s (parity history add creates it)", path,
                             strerror(errno));
                goto fail;
        }
        if ((rc = sqlite3_open_v2(path, &h->db, flags, NULL)) != SQLITE_OK) {
                rc = db_error(h, rc, "opening", err);
                goto fail;
        }
        sqlite3_extended_result_codes(h->db, 1);
        if ((rc = sqlite3_busy_timeout(h->db, BUSY_TIMEOUT_MS)) != SQLITE_OK) {
                rc = db_error(h, rc, "setting the busy timeout", err);
                goto fail;
        }
        if ((rc = check(h, err)) || (rc = wal_mode(h, err)) ||
            (rc = exec(h, "PRAGMA foreign_keys=ON", "enabling foreign keys", err)) ||
            (rc = migrate(h, err)))
                goto fail;
        *out = h;
        return 0;
fail:
        pa__history_close(h);
        return rc;
}

void pa__history_close(struct pa_history *h)
{
        if (!h)
                return;
        sqlite3_close(h->db);
        free(h->path);
        free(h);
}

const char *pa__history_path(const struct pa_history *h)
{
        return h->path;
}

static json_t *column(sqlite3_stmt *st, int i)
{
        switch (sqlite3_column_type(st, i)) {
        case SQLITE_INTEGER:
                return json_integer((json_int_t)sqlite3_column_int64(st, i));
        case SQLITE_FLOAT:
                return json_real(sqlite3_column_double(st, i));
        case SQLITE_NULL:
                return json_null();
        default:
                return json_stringn((const char *)sqlite3_column_text(st, i),
                                    (size_t)sqlite3_column_bytes(st, i));
        }
}

static int row_json(sqlite3_stmt *st, json_t *rows)
{
        json_t *row = json_object();
        int n = sqlite3_column_count(st);

        if (!row || json_array_append_new(rows, row))
                return PA_ENOMEM;
        for (int i = 0; i < n; i++)
                if (json_object_set_new(row, sqlite3_column_name(st, i), column(st, i)))
                        return PA_ENOMEM;
        return 0;
}

int pa__history_sql(struct pa_history *h, const char *sql, const char *const *args, size_t nargs,
                    json_t **rows, struct pa_err *err)
{
        sqlite3_stmt *st = NULL;
        json_t *all = rows ? json_array() : NULL;
        int rc = sqlite3_prepare_v2(h->db, sql, -1, &st, NULL);

        if (rows)
                *rows = NULL;
        if (rc != SQLITE_OK) {
                rc = db_error(h, rc, "preparing a query", err);
                goto out;
        }
        if (rows && !all) {
                rc = pa_errf(err, PA_ENOMEM, "out of memory");
                goto out;
        }
        /* Parameters past the statement's last are not bound: callers pass
         * one argument list to queries that use part of it. */
        for (size_t i = 0; i < nargs && (int)i < sqlite3_bind_parameter_count(st); i++) {
                rc = args[i] ? sqlite3_bind_text(st, (int)i + 1, args[i], -1, SQLITE_TRANSIENT)
                             : sqlite3_bind_null(st, (int)i + 1);
                if (rc != SQLITE_OK) {
                        rc = db_error(h, rc, "binding a value", err);
                        goto out;
                }
        }
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
                if (all && row_json(st, all)) {
                        rc = pa_errf(err, PA_ENOMEM, "out of memory");
                        goto out;
                }
        rc = rc == SQLITE_DONE ? 0 : db_error(h, rc, "running a query", err);
out:
        sqlite3_finalize(st);
        if (rc == 0 && rows)
                *rows = all;
        else
                json_decref(all);
        return rc;
}

int pa__history_begin(struct pa_history *h, struct pa_err *err)
{
        /* IMMEDIATE takes the write lock now: two writers queue on the busy
         * timeout instead of one failing at its first write. */
        return exec(h, "BEGIN IMMEDIATE", "starting a transaction", err);
}

int pa__history_commit(struct pa_history *h, struct pa_err *err)
{
        return exec(h, "COMMIT", "committing", err);
}

void pa__history_rollback(struct pa_history *h)
{
        if (!sqlite3_get_autocommit(h->db))
                sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
}

long long pa__history_last_id(struct pa_history *h)
{
        return (long long)sqlite3_last_insert_rowid(h->db);
}

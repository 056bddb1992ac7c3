/* Private: --shard i/n, a deterministic split of a suite's cases.
 *
 * A case belongs to shard (its id read as a 64-bit hexadecimal number) mod
 * n. Case ids are sha256 prefixes, so shards are even in size, stable
 * across parity versions and machines, and every sample of a case lands in
 * the same shard (docs/shards.md). */
#ifndef PA_SHARD_H
#define PA_SHARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "parity/suite.h"

#define PA_SHARD_MAX 1000000u

struct pa__shard {
        unsigned index, count; /* count 0: no sharding, the whole suite */
};

/* Parses "i/n" (0 <= i < n <= PA_SHARD_MAX), or "auto/n": i from the
 * environment (pa__shard_env_index()). 0, or PA_EINVAL with what was
 * expected in msg. */
int pa__shard_parse(const char *s, struct pa__shard *sh, char *msg, size_t msg_size);
/* The shard index of a batch job's task: $SLURM_ARRAY_TASK_ID or
 * $JOB_COMPLETION_INDEX (both may be set when equal), 0 <= index < n. 0,
 * or PA_EINVAL with the reason in msg. */
int pa__shard_env_index(unsigned n, unsigned *index, char *msg, size_t msg_size);
/* Whether case_id (16 hex digits) belongs to sh; always true unsharded. */
bool pa__shard_has(const struct pa__shard *sh, const char *case_id);
/* Number of the suite's cases in sh (builds every case once). */
int pa__shard_cases(const struct pa__shard *sh, const struct pa_suite *s, uint64_t *n,
                    struct pa_err *err);
/* {"index": i, "count": n} (new reference), or NULL unsharded. */
json_t *pa__shard_json(const struct pa__shard *sh);
/* The manifest's "shard" member into sh: 0, or PA_EINVAL when absent or
 * malformed. */
int pa__shard_from_json(const json_t *v, struct pa__shard *sh);

/* The cases a run folder plans, for checks of its counts.planned (which is
 * these x parameters.samples): the suite's, or those of the manifest's
 * "shard". */
uint64_t pa__manifest_cases(const json_t *manifest, const struct pa_suite *s);

/* A case id (16 hex digits) as a number; false when malformed. */
bool pa__case_id_u64(const char *id, uint64_t *out);

#endif

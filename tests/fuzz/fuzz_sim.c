/* The sim profile (docs/formats.md, "Sim profile"): loaded against a real
 * suite and asked for every variant of its first items, never a crash,
 * a leak or an answer outside the profile's three texts. */
#include <stdlib.h>
#include <string.h>

#include "parity/engine.h"
#include "fuzz.h"

static struct pa_suite suite;
static bool loaded;

static void ask(struct pa_engine *e)
{
        struct pa_err err = {{0}};

        for (size_t i = 0; i < suite.n_items && i < 3; i++)
                for (uint64_t v = 0; v < 4; v++) {
                        struct pa_job job = {0};
                        struct pa_reply r = {0};

                        if (pa_case_build(&suite, i, v, &job.c, &err))
                                break;
                        if (pa_job_init(&job, e, (unsigned)v) == 0 &&
                            e->ops->answer(e, &job, &r, &err) == 0 && !r.text)
                                abort(); /* an answer without text */
                        pa_reply_release(&r);
                        pa_job_release(&job);
                }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct pa_engine_conf conf = {
            .name = "sim", .max_tokens = -1, .has_seed = true, .seed = 1, .suite = &suite};
        struct pa_engine e;
        struct pa_err err = {{0}};
        const char *path;

        if (!loaded && pa_suite_load(&suite, FUZZ_DATA "/report/base/suite/suite.json", &err))
                abort(); /* the fixture suite must load */
        loaded = true;
        if (!(path = fuzz_tmp(data, size, "profile.json")))
                return 0;
        conf.sim_profile = path;
        if (pa_engine_open(&e, &conf, &err) == 0)
                ask(&e);
        pa_engine_close(&e);
        fuzz_tmp_done();
        return 0;
}

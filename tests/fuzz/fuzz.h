/* The fuzz targets (tests/fuzz/README.md): each file defines
 * LLVMFuzzerTestOneInput over one parser of untrusted input. Built with
 * libFuzzer (-Dfuzz=true, clang) or with replay.c, which feeds it every
 * file of the corpus and the past crashes as an ordinary test. */
#ifndef PA_FUZZ_H
#define PA_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* data written to a new temporary file whose path (owned, static buffer)
 * is returned, NULL on failure; fuzz_tmp_done removes it. */
const char *fuzz_tmp(const uint8_t *data, size_t size, const char *name);
void fuzz_tmp_done(void);

#endif

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

/* The per-process temporary folder (created on first use, removed at
 * exit with all it holds), NULL on failure. */
const char *fuzz_tmp_dir(void);
/* dir/rel (folders made as needed) holds data, or the bytes of the file
 * from; 0 or -1. */
int fuzz_write(const char *dir, const char *rel, const uint8_t *data, size_t size);
int fuzz_copy(const char *from, const char *dir, const char *rel);
void fuzz_remove(const char *dir, const char *rel);

/* tests/data in the source tree, for fixtures (set by meson). */
#ifndef FUZZ_DATA
#define FUZZ_DATA "tests/data"
#endif

#endif

/* Process-wide allocator settings (util.h). */
#include <stdlib.h> /* defines __GLIBC__ on glibc */
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "util.h"

/* The folder readers hold a few arrays that grow with the records (the
 * record table, the pair and item indexes) and free some before others
 * grow. glibc raises its mmap threshold when a mapped block is freed, up to
 * 32 MiB, after which such arrays come from the heap and a freed one stays
 * resident under the next: peak RSS becomes their sum, not their largest
 * moment (verify, 1,000,000 cases: 82 MiB, 64 MiB with the threshold
 * fixed). Fixed at glibc's own default, blocks above 128 KiB are mapped
 * and unmapped as they come and go, and grow by mremap without a copy. */
void pa__memory_setup(void)
{
#ifdef __GLIBC__
        (void)mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
}

void pa__memory_trim(void)
{
#ifdef __GLIBC__
        (void)malloc_trim(0);
#endif
}

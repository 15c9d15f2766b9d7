/* The checks the C test programs share: EXPECT(condition, printf-style message) counts a pass or prints the
 * failure with its place; each program ends with "NAME: N passed, M failed" (the line CI reads). */
#ifndef LSTREAM_TESTS_EXPECT_H
#define LSTREAM_TESTS_EXPECT_H

#include <stdio.h>

static int passed, failed;
#define EXPECT(cond, ...)                                                                                              \
    do {                                                                                                               \
        if (cond)                                                                                                      \
            passed++;                                                                                                  \
        else {                                                                                                         \
            failed++;                                                                                                  \
            printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                                                     \
            printf(__VA_ARGS__);                                                                                       \
            printf("\n");                                                                                              \
            fflush(stdout);                                                                                            \
        }                                                                                                              \
    } while (0)

#endif

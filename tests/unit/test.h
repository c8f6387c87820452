/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A minimal TAP unit-test harness. Each test binary defines tests with TEST(name) and runs them
 * with RUN_TESTS(); output is TAP ("ok 1 - name" / "not ok 2 - name"), counted by tests/run-all.
 */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct test_case {
        const char *name;
        void (*fn)(int *failed);
};

#define TEST(name)                                                                    \
        static void test_##name(int *failed_);                                        \
        static const struct test_case tc_##name                                       \
                __attribute__((used, section("husk_tests"), aligned(sizeof(void *)))) \
                = { #name, test_##name };                                             \
        static void test_##name(int *failed_)

#define CHECK(cond)                                                                         \
        do {                                                                                \
                if (!(cond)) {                                                              \
                        printf("#   %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
                        *failed_ = 1;                                                       \
                        return;                                                             \
                }                                                                           \
        } while (0)

#define CHECK_STR_EQ(a, b)                                                                          \
        do {                                                                                        \
                const char *a_ = (a), *b_ = (b);                                                    \
                if (!a_ || !b_ || strcmp(a_, b_) != 0) {                                            \
                        printf("#   %s:%d: \"%s\" != \"%s\"\n", __FILE__, __LINE__, a_ ? a_ : "(null)", \
                               b_ ? b_ : "(null)");                                                 \
                        *failed_ = 1;                                                               \
                        return;                                                                     \
                }                                                                                   \
        } while (0)

/* The string contains the substring. */
#define CHECK_CONTAINS(s, sub)                                                                             \
        do {                                                                                               \
                const char *s_ = (s), *sub_ = (sub);                                                       \
                if (!s_ || !strstr(s_, sub_)) {                                                            \
                        printf("#   %s:%d: \"%s\" does not contain \"%s\"\n", __FILE__, __LINE__, s_ ? s_ : "(null)", sub_); \
                        *failed_ = 1;                                                                      \
                        return;                                                                            \
                }                                                                                          \
        } while (0)

extern const struct test_case __start_husk_tests[], __stop_husk_tests[];

#define RUN_TESTS()                                                                       \
        int main(void)                                                                    \
        {                                                                                 \
                int n = (int) (__stop_husk_tests - __start_husk_tests), bad = 0;          \
                printf("1..%d\n", n);                                                     \
                for (int i = 0; i < n; i++) {                                             \
                        int failed = 0;                                                   \
                        __start_husk_tests[i].fn(&failed);                                \
                        printf("%sok %d - %s\n", failed ? "not " : "", i + 1,             \
                               __start_husk_tests[i].name);                               \
                        bad += failed;                                                    \
                }                                                                         \
                return bad ? 1 : 0;                                                       \
        }

/* SPDX-License-Identifier: Apache-2.0 */
/* Capability names and numbers (hand-written table: no libcap on the start path). Part of the spec
 * model because the parser turns names into bit masks. */
#pragma once

#include <stdint.h>

/* "CAP_CHOWN" -> 0 ...; -1 when unknown. */
int husk_cap_from_name(const char *name);
/* 0 -> "CAP_CHOWN"; NULL when unknown. */
const char *husk_cap_to_name(int cap);
/* The highest capability number this build knows (CAP_LAST_CAP of its table). */
int husk_cap_last_known(void);
/* The highest capability the running kernel supports (/proc/sys/kernel/cap_last_cap). */
int husk_cap_last_kernel(void);

/* SPDX-License-Identifier: Apache-2.0 */
/* --platform os[/arch[/variant]] of load and import (Docker's spelling). */
#pragma once

#include "image/transfer.h"
#include "util/error.h"

/* Fills ret's fields pointing into *ret_buf (the caller frees it); an empty part is an error. */
int husk_platform_flag_parse(const char *s, struct husk_platform *ret, char **ret_buf, struct husk_error *err);

/* SPDX-License-Identifier: Apache-2.0 */
/* Resource-release attributes and ownership transfer (LXC's move_ptr, systemd's TAKE_PTR). */
#pragma once

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void husk_freep(void *p)
{
        free(*(void **) p);
}

static inline void husk_closep(int *fd)
{
        if (*fd >= 0) {
                int saved = errno;
                (void) close(*fd);
                errno = saved;
        }
}

static inline void husk_fclosep(FILE **f)
{
        if (*f)
                (void) fclose(*f);
}

static inline void husk_closedirp(DIR **d)
{
        if (*d)
                (void) closedir(*d);
}

/* A NULL-terminated vector of strings. */
static inline void husk_strv_free(char **v)
{
        if (!v)
                return;
        for (char **p = v; *p; p++)
                free(*p);
        free(v);
}

static inline void husk_strv_freep(char ***v)
{
        husk_strv_free(*v);
}

#define _cleanup_(f)       __attribute__((cleanup(f)))
#define _cleanup_free_     _cleanup_(husk_freep)
#define _cleanup_close_    _cleanup_(husk_closep)
#define _cleanup_fclose_   _cleanup_(husk_fclosep)
#define _cleanup_closedir_ _cleanup_(husk_closedirp)
#define _cleanup_strv_     _cleanup_(husk_strv_freep)

/* Hand ownership on: returns the value and leaves NULL behind, so the cleanup attribute frees nothing. */
#define steal_ptr(p)                         \
        ({                                   \
                __typeof__(p) _tmp_ = (p);   \
                (p) = NULL;                  \
                _tmp_;                       \
        })

#define steal_fd(fd)                         \
        ({                                   \
                int _tmp_ = (fd);            \
                (fd) = -1;                   \
                _tmp_;                       \
        })

#define HUSK_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every command of `husk`, one line each. To add a command:
 *   1. write cmd_foo.c defining `const struct husk_cmd husk_cmd_foo = { .names = { "foo", "group foo" }, ... }`
 *      (see cmd_version.c for the smallest one),
 *   2. add 'cmd_foo.c' to husk_cmd_sources in src/cli/husk/meson.build,
 *   3. add X(foo) below, in its owner's section (kept apart so parallel additions do not collide).
 * The order here is irrelevant: help sorts by name.
 */
#pragma once

#define HUSK_COMMANDS(X)                                                                               \
        /* general (cli) */                                                                            \
        X(version)                                                                                     \
        /* images (cli) */                                                                             \
        X(images)                                                                                      \
        X(image_inspect)                                                                               \
        X(rmi)                                                                                         \
        X(tag)                                                                                         \
        X(image_prune)                                                                                 \
        X(system_df)                                                                                   \
        /* containers (engine) */                                                                      \
        X(run) X(create) X(start) X(stop) X(kill) X(rm) X(ps) X(logs) X(inspect) X(wait) X(cleanup)   \
        /* lifecycle: restart, rename, container prune (life) */                                     \
        X(restart) X(rename) X(container_prune) X(healthcheck)                                         \
        /* exec, top, pause, unpause (exec) */                                                         \
        X(exec) X(pause) X(unpause) X(top)                                                             \
        /* resources: stats, update (res) */                                                           \
        X(stats) X(update)                                                                             \
        /* containers: interactive sessions (tty) */                                                   \
        X(attach)                                                                                      \
        /* transfer: load, save, import (transfer) */                                                  \
        X(load)                                                                                        \
        X(save)                                                                                        \
        X(import)                                                                                      \
        /* networks (network) */                                                                       \
        X(network_create) X(network_ls) X(network_inspect) X(network_rm) X(network_connect)            \
        X(network_disconnect)                                                                          \
        /* a container's filesystem (fs) */                                                           \
        X(diff) X(commit) X(export) X(cp)                                                              \
        /* volumes (vol) */                                                                            \
        X(volume_create) X(volume_ls) X(volume_inspect) X(volume_rm) X(volume_prune)                   \
        /* registry: pull, push, login (registry) */                                                   \
        X(pull) X(push) X(login) X(logout)

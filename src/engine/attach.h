/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The attach endpoint of a running container: <container dir>/attach, an AF_UNIX SOCK_SEQPACKET
 * socket its monitor (husk-monitor) listens on for its whole life (conmon has the same), and the
 * same protocol over the socketpair a foreground `run -it` / `start -a` hands the monitor at start
 * (so nothing the container prints before an attach could connect is lost).
 *
 * Every packet is one byte of type and its payload (SEQPACKET keeps the boundaries):
 *   monitor -> caller  HUSK_ATTACH_STDOUT data | HUSK_ATTACH_STDERR data   the container's output
 *                      (a tty's is all stdout), at most HUSK_ATTACH_DATA_MAX bytes each
 *                      HUSK_ATTACH_EXIT int32                               the init's exit code,
 *                      the last packet (the record is written after it: wait for the monitor)
 *   caller -> monitor  HUSK_ATTACH_STDIN data        keys for the container's stdin
 *                      HUSK_ATTACH_STDIN_EOF         the caller's stdin ended: the container's stdin
 *                      is closed when its Config.StdinOnce says so (run -i, create -i), else kept
 *                      for the next attach (run -d -i); a tty ignores it
 *                      HUSK_ATTACH_RESIZE u16 rows, u16 cols (host order)   TIOCSWINSZ on the pty
 * Every caller gets all output; what any caller types goes to the container. A caller that does not
 * take its output for HUSK_ATTACH_SEND_TIMEOUT_MS is dropped, so one stuck attach cannot stop the
 * container (its output still goes to the log).
 */
#pragma once

#define HUSK_ATTACH_SOCKET "attach"

enum husk_attach_type {
        HUSK_ATTACH_STDOUT = 1,
        HUSK_ATTACH_STDERR = 2,
        HUSK_ATTACH_EXIT = 'x',
        HUSK_ATTACH_STDIN = 'i',
        HUSK_ATTACH_STDIN_EOF = 'e',
        HUSK_ATTACH_RESIZE = 'w',
};

#define HUSK_ATTACH_DATA_MAX 8192
#define HUSK_ATTACH_CLIENTS_MAX 16
#define HUSK_ATTACH_SEND_TIMEOUT_MS 5000

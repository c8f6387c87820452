/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The caller's side of an interactive container session (run -it, start -a -i, attach, exec -it):
 * the terminal in raw mode and back, its size, Docker's detach keys, and the relay loop that carries
 * keys to the container and its output back until the output ends or the detach keys are typed.
 * What the keys and output travel over is the caller's business (a pty master, the monitor's attach
 * socket): struct husk_relay_peer.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <termios.h>

#include "util/error.h"

/* ---- the terminal ---- */
struct husk_term {
        bool raw;               /* saved holds the attributes to restore */
        int fd;
        struct termios saved;
};

/* Put fd (a terminal) in raw mode (cfmakeraw: what moby/term's MakeRaw does), saving its attributes
 * in t. Not a terminal: 0 and t->raw false. */
int husk_term_make_raw(int fd, struct husk_term *t, struct husk_error *err);
/* Restore what husk_term_make_raw saved (idempotent); for every exit path: _cleanup_(husk_term_restore). */
void husk_term_restore(struct husk_term *t);
/* The window size of the terminal fd; -ENOTTY when it is none. */
int husk_term_size(int fd, unsigned short *ret_rows, unsigned short *ret_cols);

/* ---- detach keys (Docker's --detach-keys: "ctrl-p,ctrl-q", "ctrl-x,y") ---- */
#define HUSK_DETACH_KEYS_MAX 16
#define HUSK_DETACH_KEYS_DEFAULT "ctrl-p,ctrl-q"

struct husk_detach_keys {
        unsigned char seq[HUSK_DETACH_KEYS_MAX];
        size_t n;               /* 0: detaching is off */
        size_t matched;         /* how much of seq the input has typed so far (held back) */
};

/* Parse Docker's syntax: comma-separated keys, each one character or "ctrl-" followed by one of
 * a-z @ [ \ ] ^ _. NULL or "" give the default (ctrl-p,ctrl-q). */
int husk_detach_keys_parse(const char *s, struct husk_detach_keys *ret, struct husk_error *err);

/*
 * Feed input through the detach matcher (moby's EscapeProxy): bytes that could start the sequence
 * are held back until it is known whether they do; a sequence broken off is passed on whole. out
 * needs n + HUSK_DETACH_KEYS_MAX bytes. Returns true when the sequence was typed (what followed it
 * in `in` is dropped, as Docker).
 */
bool husk_detach_feed(struct husk_detach_keys *k, const char *in, size_t n, char *out, size_t *ret_n);

/* ---- the relay loop ---- */
/* The container's side of a relay. */
struct husk_relay_peer {
        int fd;                 /* polled for POLLIN: output (or the end of it) is there */
        void *ud;
        /* Read what fd has: *ret_stream 1 (stdout) or 2 (stderr). 0 at the end of the output, -EAGAIN
         * for nothing to show (a control message), -errno on failure. */
        ssize_t (*recv)(void *ud, char *buf, size_t size, int *ret_stream);
        /* Keys (stdin bytes) for the container. */
        int (*send)(void *ud, const char *buf, size_t n);
        /* The caller's stdin ended. May be NULL. */
        int (*send_eof)(void *ud);
        /* The caller's terminal has this size now. May be NULL. */
        int (*resize)(void *ud, unsigned short rows, unsigned short cols);
        /* A signal other than SIGWINCH came to the caller (sig-proxy). May be NULL: ignored. */
        void (*signal)(void *ud, int sig);
};

struct husk_relay {
        int in_fd;              /* the caller's stdin, -1: none attached */
        int out_fd, err_fd;     /* where streams 1 and 2 go */
        int sig_fd;             /* a signalfd (SIGWINCH and the forwarded signals), -1: none */
        int size_fd;            /* the terminal whose size the container follows (SIGWINCH), -1: none */
        struct husk_detach_keys *keys;  /* NULL or n == 0: no detaching */
};

enum husk_relay_end {
        HUSK_RELAY_ENDED = 0,   /* the peer's output ended */
        HUSK_RELAY_DETACHED = 1,/* the detach keys were typed */
};

/* Relay until the peer's output ends or the caller detaches. Returns enum husk_relay_end, or -errno
 * (err filled) when the peer failed. */
int husk_relay_run(const struct husk_relay *r, const struct husk_relay_peer *p, struct husk_error *err);

/* A peer over plain fds (exec -it: the pty master for both; exec -i: a pipe each way): output read
 * from out_fd (EIO from a pty master whose slave is gone is the end), keys written to in_fd (which is
 * closed at the caller's EOF unless it is out_fd too), resize by TIOCSWINSZ on out_fd when is_pty. */
struct husk_relay_fd {
        int out_fd, in_fd;
        bool is_pty;
};
void husk_relay_peer_fd(struct husk_relay_fd *fds, struct husk_relay_peer *ret);

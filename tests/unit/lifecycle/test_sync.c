/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/sync.h"
#include "test.h"

TEST(encode_decode_round_trip)
{
        uint8_t buf[HUSK_SYNC_MSG_MAX];
        int n = husk_sync_encode(HUSK_SYNC_PID, 4242, NULL, buf, sizeof(buf));
        CHECK(n == HUSK_SYNC_HEADER_SIZE);
        struct husk_sync_msg m;
        CHECK(husk_sync_decode(buf, (size_t) n, &m) == 0);
        CHECK(m.type == HUSK_SYNC_PID);
        CHECK(m.value == 4242);
        CHECK_STR_EQ(m.text, "");
}

TEST(error_carries_errno_and_text)
{
        uint8_t buf[HUSK_SYNC_MSG_MAX];
        const char *text = "mount \"proc\" on \"/proc\": Permission denied";
        int n = husk_sync_encode(HUSK_SYNC_ERROR, EACCES, text, buf, sizeof(buf));
        CHECK(n == (int) (HUSK_SYNC_HEADER_SIZE + strlen(text)));
        struct husk_sync_msg m;
        CHECK(husk_sync_decode(buf, (size_t) n, &m) == 0);
        CHECK(m.type == HUSK_SYNC_ERROR);
        CHECK(m.value == EACCES);
        CHECK_STR_EQ(m.text, text);
}

TEST(long_text_is_truncated_not_overflowed)
{
        char text[HUSK_ERROR_MSG_MAX * 2];
        memset(text, 'x', sizeof(text) - 1);
        text[sizeof(text) - 1] = '\0';
        uint8_t buf[HUSK_SYNC_MSG_MAX];
        int n = husk_sync_encode(HUSK_SYNC_ERROR, EIO, text, buf, sizeof(buf));
        CHECK(n > 0 && n <= HUSK_SYNC_MSG_MAX);
        struct husk_sync_msg m;
        CHECK(husk_sync_decode(buf, (size_t) n, &m) == 0);
        CHECK(strlen(m.text) == HUSK_ERROR_MSG_MAX - 1);
}

TEST(decode_rejects_malformed)
{
        uint8_t buf[HUSK_SYNC_MSG_MAX] = { 0 };
        struct husk_sync_msg m;
        CHECK(husk_sync_decode(buf, 4, &m) == -EPROTO);          /* short */
        CHECK(husk_sync_decode(buf, 8, &m) == -EPROTO);          /* type 0 */
        uint32_t t = 99;
        memcpy(buf, &t, 4);
        CHECK(husk_sync_decode(buf, 8, &m) == -EPROTO);          /* unknown type */
        int n = husk_sync_encode(HUSK_SYNC_CREATED, 0, NULL, buf, sizeof(buf));
        CHECK(n == 8);
        t = HUSK_SYNC_ERROR;
        memcpy(buf, &t, 4);
        CHECK(husk_sync_decode(buf, 8, &m) == -EPROTO);          /* error without errno */
        CHECK(husk_sync_encode((enum husk_sync_type) 0, 0, NULL, buf, sizeof(buf)) == -EINVAL);
}

TEST(socket_error_becomes_husk_error)
{
        int sv[2];
        CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
        struct husk_error child = { 0 };
        husk_error_errno(&child, EPERM, "sethostname \"%s\"", "box");
        husk_sync_send_error(sv[1], &child);
        struct husk_error err = { 0 };
        int r = husk_sync_expect(sv[0], "container init", HUSK_SYNC_CREATED, NULL, NULL, &err);
        close(sv[0]);
        close(sv[1]);
        CHECK(r == -EPERM);
        CHECK(err.code == EPERM);
        CHECK_STR_EQ(err.msg, "sethostname \"box\": Operation not permitted");
}

TEST(end_of_stream_and_wrong_type)
{
        int sv[2];
        CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
        struct husk_error err = { 0 };
        CHECK(husk_sync_send(sv[1], HUSK_SYNC_HOOKS_READY, 0, NULL, -1, &err) == 0);
        int r = husk_sync_expect(sv[0], "container init", HUSK_SYNC_CREATED, NULL, NULL, &err);
        CHECK(r == -EPROTO);
        CHECK_CONTAINS(err.msg, "expected created from container init, got hooks-ready");
        close(sv[1]);
        r = husk_sync_expect(sv[0], "container init", HUSK_SYNC_CREATED, NULL, NULL, &err);
        close(sv[0]);
        CHECK(r == -EPIPE);
        CHECK_STR_EQ(err.msg, "container init exited unexpectedly");
}

TEST(pid_message_passes_fd)
{
        int sv[2];
        CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        CHECK(fd >= 0);
        struct husk_error err = { 0 };
        CHECK(husk_sync_send(sv[1], HUSK_SYNC_PID, 77, NULL, fd, &err) == 0);
        int32_t v = 0;
        int got = -1;
        int r = husk_sync_expect(sv[0], "x", HUSK_SYNC_PID, &v, &got, &err);
        struct stat a, b;
        CHECK(r == 0);
        CHECK(v == 77);
        CHECK(got >= 0 && got != fd);
        CHECK(fstat(fd, &a) == 0 && fstat(got, &b) == 0);
        CHECK(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
        CHECK(fcntl(got, F_GETFD) & FD_CLOEXEC);
        close(got);
        close(fd);
        close(sv[0]);
        close(sv[1]);
}

RUN_TESTS()

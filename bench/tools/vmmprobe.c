/*
 * vmmprobe — times and inspects one VMM process at a time for bench/run.sh, so that no shell, interpreter or
 * pipe utility sits between the clock and the VMM.
 *
 *   vmmprobe run [options] -- VMM ARGS...
 *       Spawns the VMM (posix_spawn, no shell) with stdin = /dev/null and stdout = a pipe, and prints one line:
 *         ok <marker_us> <exit_us> <status> <bytes_before_marker>
 *       marker_us  µs from just before posix_spawn to the read() that delivered the last byte of the marker;
 *       exit_us    µs from the same point to waitpid() returning (with --wait-exit; else to the kill);
 *       status     the exit status (0-255), or 128+signal;
 *       bytes_before_marker  stdout bytes that came before the marker (a VMM should print none of its own).
 *       On failure (no marker before the timeout, or EOF first) it prints "fail <reason>" and the captured stdout
 *       tail on stderr, and exits 1.
 *   vmmprobe rss [options] -- VMM ARGS...
 *       Spawns as above, waits for the marker, waits --settle-ms, reads VmRSS and VmHWM (kB) from
 *       /proc/PID/status, optionally asks the control API for metrics, kills the VMM (SIGKILL) and prints:
 *         ok <vmrss_kb> <vmhwm_kb>
 *       and, with --api-socket, a second line: api <one-line JSON reply> (or "api none <reason>").
 *
 * Options: --marker STR (default "S"), --timeout-ms N (default 10000), --wait-exit (run: let the VMM exit by
 * itself and record its status; otherwise SIGKILL it once the marker is seen), --expect-output STR (run: fail
 * unless the whole stdout contains STR), --stderr PATH (append the VMM's stderr there; default /dev/null),
 * --settle-ms N (rss, default 200), --api-socket PATH (rss: send {"id":1,"command":"metrics"} there).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define CAPTURE_MAX (1 << 20)

struct options {
    const char *marker;
    const char *expect_output;
    const char *stderr_path;
    const char *api_socket;
    long timeout_ms;
    long settle_ms;
    int wait_exit;
    char **argv;
};

struct child {
    pid_t pid;
    int out;            /* read end of the child's stdout */
    int64_t start_ns;
    char *captured;     /* all stdout read so far (bounded by CAPTURE_MAX) */
    size_t captured_len;
    int eof;
};

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(const char *what)
{
    printf("fail %s: %s\n", what, strerror(errno));
    exit(1);
}

static void usage(void)
{
    fprintf(stderr, "usage: vmmprobe run|rss [--marker STR] [--timeout-ms N] [--wait-exit] [--expect-output STR]\n"
                    "                [--stderr PATH] [--settle-ms N] [--api-socket PATH] -- VMM ARGS...\n");
    exit(2);
}

static void spawn_child(const struct options *o, struct child *c)
{
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) != 0)
        die("pipe2");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, o->stderr_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    /* Own process group, so a kill reaches anything the VMM forks and the terminal's ^C does not race us. */
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);

    c->captured = malloc(CAPTURE_MAX + 1);
    if (c->captured == NULL)
        die("malloc");
    c->captured_len = 0;
    c->eof = 0;
    c->start_ns = now_ns();
    int rc = posix_spawnp(&c->pid, o->argv[0], &fa, &attr, o->argv, environ);
    if (rc != 0) {
        errno = rc;
        die(o->argv[0]);
    }
    close(pipefd[1]);
    c->out = pipefd[0];
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
}

/* Reads what is available within the deadline. Returns 1 when data arrived, 0 on timeout, -1 on EOF. */
static int read_some(struct child *c, int64_t deadline_ns)
{
    int64_t left_ns = deadline_ns - now_ns();
    if (left_ns <= 0)
        return 0;
    struct pollfd p = {.fd = c->out, .events = POLLIN};
    int n = poll(&p, 1, (int)((left_ns + 999999) / 1000000));
    if (n < 0) {
        if (errno == EINTR)
            return 1;
        die("poll");
    }
    if (n == 0)
        return 0;
    char buf[65536];
    ssize_t got = read(c->out, buf, sizeof buf);
    if (got < 0) {
        if (errno == EINTR)
            return 1;
        die("read");
    }
    if (got == 0) {
        c->eof = 1;
        return -1;
    }
    size_t room = CAPTURE_MAX - c->captured_len;
    size_t keep = (size_t)got < room ? (size_t)got : room;
    memcpy(c->captured + c->captured_len, buf, keep);
    c->captured_len += keep;
    c->captured[c->captured_len] = '\0';
    return 1;
}

static const char *find_marker(const struct child *c, const char *marker)
{
    return memmem(c->captured, c->captured_len, marker, strlen(marker));
}

static void print_tail(const struct child *c)
{
    size_t from = c->captured_len > 2000 ? c->captured_len - 2000 : 0;
    fprintf(stderr, "--- last %zu bytes of the VMM's stdout ---\n", c->captured_len - from);
    fwrite(c->captured + from, 1, c->captured_len - from, stderr);
    fprintf(stderr, "\n--- end ---\n");
}

static int status_code(int wstatus)
{
    if (WIFEXITED(wstatus))
        return WEXITSTATUS(wstatus);
    if (WIFSIGNALED(wstatus))
        return 128 + WTERMSIG(wstatus);
    return 255;
}

static int kill_and_reap(struct child *c)
{
    kill(-c->pid, SIGKILL);
    kill(c->pid, SIGKILL);
    int wstatus = 0;
    while (waitpid(c->pid, &wstatus, 0) < 0 && errno == EINTR) {
    }
    return status_code(wstatus);
}

/* Waits for the marker; returns its µs offset, or -1 after printing the failure and killing the child. */
static int64_t wait_marker(const struct options *o, struct child *c, size_t *before)
{
    int64_t deadline = c->start_ns + (int64_t)o->timeout_ms * 1000000;
    for (;;) {
        int r = read_some(c, deadline);
        int64_t t = now_ns();
        const char *m = find_marker(c, o->marker);
        if (m != NULL) {
            *before = (size_t)(m - c->captured);
            return (t - c->start_ns) / 1000;
        }
        if (r == 0 || r < 0) {
            int status = kill_and_reap(c);
            printf("fail %s before the marker \"%s\" (status %d, %zu stdout bytes)\n",
                   r == 0 ? "timeout" : "stdout closed", o->marker, status, c->captured_len);
            print_tail(c);
            return -1;
        }
    }
}

static int cmd_run(const struct options *o)
{
    struct child c;
    size_t before = 0;
    spawn_child(o, &c);
    int64_t marker_us = wait_marker(o, &c, &before);
    if (marker_us < 0)
        return 1;
    int status;
    if (o->wait_exit) {
        int64_t deadline = c.start_ns + (int64_t)o->timeout_ms * 1000000;
        int r = 1;
        while (!c.eof && (r = read_some(&c, deadline)) != 0) {
        }
        if (!c.eof) {
            status = kill_and_reap(&c);
            printf("fail timeout: the VMM did not exit within %ld ms (killed, status %d)\n", o->timeout_ms, status);
            print_tail(&c);
            return 1;
        }
        /* stdout closed: the VMM is exiting (or closed it early); wait for it, still bounded by the deadline. */
        int wstatus = 0;
        for (;;) {
            pid_t w = waitpid(c.pid, &wstatus, WNOHANG);
            if (w == c.pid)
                break;
            if (now_ns() > deadline) {
                status = kill_and_reap(&c);
                printf("fail timeout: stdout closed but the VMM did not exit within %ld ms\n", o->timeout_ms);
                return 1;
            }
            usleep(100);
        }
        status = status_code(wstatus);
    } else {
        status = kill_and_reap(&c);
    }
    int64_t exit_us = (now_ns() - c.start_ns) / 1000;
    if (o->expect_output != NULL && memmem(c.captured, c.captured_len, o->expect_output,
                                           strlen(o->expect_output)) == NULL) {
        printf("fail the VMM's stdout lacks \"%s\" (status %d)\n", o->expect_output, status);
        print_tail(&c);
        return 1;
    }
    printf("ok %lld %lld %d %zu\n", (long long)marker_us, (long long)exit_us, status, before);
    return 0;
}

static void read_status_kb(pid_t pid, long *rss, long *hwm)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    *rss = *hwm = -1;
    if (f == NULL)
        return;
    char line[256];
    while (fgets(line, sizeof line, f) != NULL) {
        sscanf(line, "VmRSS: %ld kB", rss);
        sscanf(line, "VmHWM: %ld kB", hwm);
    }
    fclose(f);
}

/* One request line, one reply line (newline-delimited JSON control API), bounded to 2 s. */
static void query_api(const char *socket_path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (fd < 0 || strlen(socket_path) >= sizeof sa.sun_path) {
        printf("api none cannot open a socket for %s\n", socket_path);
        return;
    }
    strcpy(sa.sun_path, socket_path);
    int64_t deadline = now_ns() + 2000000000LL;
    while (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        if (now_ns() > deadline) {
            printf("api none connect %s: %s\n", socket_path, strerror(errno));
            close(fd);
            return;
        }
        usleep(10000);
    }
    const char req[] = "{\"id\":1,\"command\":\"metrics\"}\n";
    if (write(fd, req, sizeof req - 1) != (ssize_t)(sizeof req - 1)) {
        printf("api none write: %s\n", strerror(errno));
        close(fd);
        return;
    }
    char reply[65536];
    size_t len = 0;
    while (len < sizeof reply - 1 && memchr(reply, '\n', len) == NULL) {
        int64_t left = deadline - now_ns();
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (left <= 0 || poll(&p, 1, (int)(left / 1000000) + 1) <= 0)
            break;
        ssize_t got = read(fd, reply + len, sizeof reply - 1 - len);
        if (got <= 0)
            break;
        len += (size_t)got;
    }
    reply[len] = '\0';
    char *nl = strchr(reply, '\n');
    if (nl != NULL)
        *nl = '\0';
    if (len == 0)
        printf("api none no reply within 2 s\n");
    else
        printf("api %s\n", reply);
    close(fd);
}

static int cmd_rss(const struct options *o)
{
    struct child c;
    size_t before = 0;
    spawn_child(o, &c);
    if (wait_marker(o, &c, &before) < 0)
        return 1;
    /* Keep draining stdout while settling so a chatty VMM never blocks on a full pipe. */
    int64_t settle_end = now_ns() + (int64_t)o->settle_ms * 1000000;
    while (!c.eof && read_some(&c, settle_end) != 0) {
    }
    int wstatus;
    if (waitpid(c.pid, &wstatus, WNOHANG) == c.pid) {
        printf("fail the VMM exited (status %d) while it should be running the halting guest\n",
               status_code(wstatus));
        print_tail(&c);
        return 1;
    }
    long rss, hwm;
    read_status_kb(c.pid, &rss, &hwm);
    printf("ok %ld %ld\n", rss, hwm);
    if (o->api_socket != NULL)
        query_api(o->api_socket);
    kill_and_reap(&c);
    return rss < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        usage();
    struct options o = {.marker = "S", .stderr_path = "/dev/null", .timeout_ms = 10000, .settle_ms = 200};
    int i = 2;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (strcmp(a, "--wait-exit") == 0) {
            o.wait_exit = 1;
            continue;
        }
        if (i + 1 >= argc)
            usage();
        const char *v = argv[++i];
        if (strcmp(a, "--marker") == 0)
            o.marker = v;
        else if (strcmp(a, "--timeout-ms") == 0)
            o.timeout_ms = atol(v);
        else if (strcmp(a, "--expect-output") == 0)
            o.expect_output = v;
        else if (strcmp(a, "--stderr") == 0)
            o.stderr_path = v;
        else if (strcmp(a, "--settle-ms") == 0)
            o.settle_ms = atol(v);
        else if (strcmp(a, "--api-socket") == 0)
            o.api_socket = v;
        else
            usage();
    }
    if (i >= argc || o.marker[0] == '\0')
        usage();
    o.argv = argv + i;
    /* A VMM killed mid-write must not take the probe down with it. */
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (strcmp(argv[1], "run") == 0)
        return cmd_run(&o);
    if (strcmp(argv[1], "rss") == 0)
        return cmd_rss(&o);
    usage();
    return 2;
}

/*
 * The C driver of the shared scenarios (issue 9): reads the mobile driver protocol's script on
 * stdin, calls the C ABI, and prints what the API gives it. It parses no scenario and no JSON.
 * `cargo xtask replay-c` builds it with gcc against libclient_session_ios.a and runs it.
 *
 * Script, one command a line, fields split by one space; the last field of `create` and
 * `track` is the rest of the line:
 *   begin <stem> | create <dir> <namespace> <config> | time <unix-ms> | step <index> <at_ms>
 *   track <event-json> | foreground | background | new_session | pause | resume
 *   clear_user_data | anonymous true|false | flush | close
 * Output, one whole line each, under one lock shared with the callbacks:
 *   begin <stem> | step <index> <at_ms> | session <json> | event <json>
 *   error <command> <message>   (a failed call; the script goes on)
 *   error unknown <line>        (a line that is no command)
 * At end of input every tracker still open is closed and freed, and the exit status is 0.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client_session.h"

/* How long flush and close wait for the library's thread. */
#define WAIT_MS 120000

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

/* Writes `<kind> <text>` as one line, whole, and flushes it. A newline or carriage return in
 * text (an error message could hold one) is written as a space, so a line stays a line. */
static void print_line(const char *kind, const char *text, size_t len) {
    pthread_mutex_lock(&out_lock);
    fputs(kind, stdout);
    fputc(' ', stdout);
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        fputc(c == '\n' || c == '\r' ? ' ' : c, stdout);
    }
    fputc('\n', stdout);
    fflush(stdout);
    pthread_mutex_unlock(&out_lock);
}

/* `error <command> <STATUS>: <last error>` */
static void print_error(const char *command, CsStatus status) {
    const char *name = cs_status_name((int)status);
    const char *message = cs_last_error();
    size_t len = strlen(command) + strlen(name) + strlen(message) + 4;
    char *text = malloc(len);
    if (text == NULL) {
        perror("driver: malloc");
        exit(1);
    }
    snprintf(text, len, "%s %s: %s", command, name, message);
    print_line("error", text, strlen(text));
    free(text);
}

static void print_misuse(const char *command, const char *message) {
    size_t len = strlen(command) + strlen(message) + 2;
    char *text = malloc(len);
    if (text == NULL) {
        perror("driver: malloc");
        exit(1);
    }
    snprintf(text, len, "%s %s", command, message);
    print_line("error", text, strlen(text));
    free(text);
}

static void on_event(void *user_data, const char *json, size_t len) {
    (void)user_data;
    print_line("event", json, len);
}

static void on_session(void *user_data, const char *json, size_t len) {
    (void)user_data;
    print_line("session", json, len);
}

/* Every tracker created and not yet freed; the last one created is the current one (NULL after
 * `close`). */
static CsTracker **trackers;
static size_t tracker_count;
static CsTracker *current;

static void keep(CsTracker *tracker) {
    CsTracker **grown = realloc(trackers, (tracker_count + 1) * sizeof *trackers);
    if (grown == NULL) {
        perror("driver: realloc");
        exit(1);
    }
    trackers = grown;
    trackers[tracker_count++] = tracker;
}

static void forget(CsTracker *tracker) {
    for (size_t i = 0; i < tracker_count; i++) {
        if (trackers[i] == tracker) {
            trackers[i] = trackers[--tracker_count];
            return;
        }
    }
}

/* Splits off the first field of *rest (up to one space), advancing *rest past the space;
 * NULL when *rest is empty. */
static char *field(char **rest) {
    char *start = *rest;
    if (start == NULL || *start == '\0') {
        return NULL;
    }
    char *space = strchr(start, ' ');
    if (space == NULL) {
        *rest = start + strlen(start);
    } else {
        *space = '\0';
        *rest = space + 1;
    }
    return start;
}

static int parse_i64(const char *text, int64_t *out) {
    if (text == NULL || *text == '\0') {
        return 0;
    }
    char *end = NULL;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (errno != 0 || *end != '\0') {
        return 0;
    }
    *out = (int64_t)value;
    return 1;
}

/* A call on the current tracker: an error line when there is none or the call fails. */
#define ON_CURRENT(command, call)                                                            \
    do {                                                                                     \
        if (current == NULL) {                                                               \
            print_misuse(command, "no tracker: `create` one first");                         \
        } else {                                                                             \
            CsStatus status_ = (call);                                                       \
            if (status_ != CS_STATUS_OK) {                                                   \
                print_error(command, status_);                                               \
            }                                                                                \
        }                                                                                    \
    } while (0)

static void run_line(char *line) {
    char *whole = strdup(line); /* for `error unknown <line>` */
    if (whole == NULL) {
        perror("driver: strdup");
        exit(1);
    }
    char *rest = line;
    char *command = field(&rest);
    if (command == NULL) {
        print_line("error unknown", whole, strlen(whole));
    } else if (strcmp(command, "begin") == 0 && *rest != '\0' && strchr(rest, ' ') == NULL) {
        print_line("begin", rest, strlen(rest));
    } else if (strcmp(command, "step") == 0) {
        char *index = field(&rest);
        char *at_ms = field(&rest);
        int64_t a, b;
        if (*rest != '\0' || !parse_i64(index, &a) || !parse_i64(at_ms, &b)) {
            print_line("error unknown", whole, strlen(whole));
        } else {
            char text[64];
            snprintf(text, sizeof text, "%" PRId64 " %" PRId64, a, b);
            print_line("step", text, strlen(text));
        }
    } else if (strcmp(command, "create") == 0) {
        char *dir = field(&rest);
        char *namespace = field(&rest);
        if (dir == NULL || namespace == NULL) {
            print_misuse("create", "usage: create <dir> <namespace> <config>");
        } else {
            CsTracker *tracker = NULL;
            CsStatus status =
                cs_tracker_create(namespace, dir, rest, on_event, NULL, on_session, NULL, &tracker);
            if (status != CS_STATUS_OK) {
                print_error("create", status);
            } else {
                keep(tracker);
                current = tracker;
            }
        }
    } else if (strcmp(command, "time") == 0) {
        int64_t ms;
        if (!parse_i64(rest, &ms)) {
            print_misuse("time", "usage: time <unix-ms>");
        } else {
            ON_CURRENT("time", cs_tracker_set_test_time(current, ms));
        }
    } else if (strcmp(command, "track") == 0) {
        char id[CS_EVENT_ID_SIZE];
        ON_CURRENT("track", cs_tracker_track(current, rest, id));
    } else if (strcmp(command, "anonymous") == 0 &&
               (strcmp(rest, "true") == 0 || strcmp(rest, "false") == 0)) {
        ON_CURRENT("anonymous", cs_tracker_set_anonymous(current, strcmp(rest, "true") == 0));
    } else if (*rest != '\0' || strchr(whole, ' ') != NULL) {
        /* Every command below takes no argument. */
        print_line("error unknown", whole, strlen(whole));
    } else if (strcmp(command, "foreground") == 0) {
        ON_CURRENT("foreground", cs_tracker_foreground(current));
    } else if (strcmp(command, "background") == 0) {
        ON_CURRENT("background", cs_tracker_background(current));
    } else if (strcmp(command, "new_session") == 0) {
        ON_CURRENT("new_session", cs_tracker_start_new_session(current));
    } else if (strcmp(command, "clear_user_data") == 0) {
        ON_CURRENT("clear_user_data", cs_tracker_clear_user_data(current));
    } else if (strcmp(command, "pause") == 0) {
        ON_CURRENT("pause", cs_tracker_pause(current));
    } else if (strcmp(command, "resume") == 0) {
        ON_CURRENT("resume", cs_tracker_resume(current));
    } else if (strcmp(command, "flush") == 0) {
        ON_CURRENT("flush", cs_tracker_flush(current, WAIT_MS));
    } else if (strcmp(command, "close") == 0) {
        /* Closes, waits until the library's thread ended (the store is released), frees. */
        if (current == NULL) {
            print_misuse("close", "no tracker: `create` one first");
        } else {
            CsStatus status = cs_tracker_free(current, WAIT_MS);
            if (status == CS_STATUS_OK) {
                forget(current);
            } else {
                /* Its thread did not end: it stays listed, to be freed at the end. */
                print_error("close", status);
            }
            current = NULL;
        }
    } else {
        print_line("error unknown", whole, strlen(whole));
    }
    free(whole);
}

int main(void) {
    char *line = NULL;
    size_t capacity = 0;
    ssize_t len;
    while ((len = getline(&line, &capacity, stdin)) != -1) {
        if (len > 0 && line[len - 1] == '\n') {
            line[len - 1] = '\0';
        }
        run_line(line);
    }
    int failed = ferror(stdin);
    free(line);
    for (size_t i = 0; i < tracker_count; i++) {
        CsStatus status = cs_tracker_free(trackers[i], WAIT_MS);
        if (status != CS_STATUS_OK) {
            print_error("close", status);
        }
    }
    free(trackers);
    if (failed) {
        perror("driver: reading stdin");
        return 1;
    }
    return 0;
}

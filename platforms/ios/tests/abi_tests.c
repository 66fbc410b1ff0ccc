/*
 * Tests of the C ABI from C (issue 9), run by `cargo xtask c-test [--valgrind]`: every status on
 * bad input, 8 threads tracking at once, calls after close, callbacks that call back in or are
 * slow, calls on the UI thread while the store is slow, and screens (issue 11): a screen view's
 * `screen_end` with its summary, list item views and scrolls folded into it, bad screen input. Exit status 0 only when every
 * check passed; each failed check prints its file, line and the library's last error.
 *
 * CS_STATUS_PANIC and CS_STATUS_INTERNAL cannot be caused from C on purpose; the crate's Rust
 * tests check that a panic in an entry point's body becomes CS_STATUS_PANIC.
 */
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client_session.h"

/* Under valgrind every thread runs in turn on one core, many times slower: a call can wait for
 * another thread's time slice. The bound on a call is then 250 ms, still under the slow store's
 * 300 ms, so a call that waited on the store still fails. */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif
#define CALL_BOUND_US (RUNNING_ON_VALGRIND ? 250000.0 : 50000.0)

/* A bound on waiting for storage, not a speed check: right after CI's build has written
 * gigabytes, an fsync can wait for the file system's whole writeback, and under valgrind a
 * store's first open took over 30 s once. */
#define WAIT_MS 120000
/* A screen view: the tests that track more than one event track STRUCTURED or LIKE instead, as
 * every screen view after the first also sends a `screen_end`. */
#define SCREEN "{\"type\":\"screen_view\",\"name\":\"home\"}"
#define STRUCTURED "{\"type\":\"structured\",\"category\":\"c\",\"action\":\"a\"}"
#define LIKE                                                                                 \
    "{\"type\":\"self_describing\",\"schema\":\"iglu:com.acme/like/jsonschema/1-0-0\","       \
    "\"data\":{\"id\":1}}"
#define TEST_CLOCK "{\"test\":{\"clockMs\":1700000000000}}"

static int failures;
static int checks;

#define CHECK(cond, ...)                                                                     \
    do {                                                                                     \
        __atomic_add_fetch(&checks, 1, __ATOMIC_SEQ_CST);                                    \
        if (!(cond)) {                                                                       \
            __atomic_add_fetch(&failures, 1, __ATOMIC_SEQ_CST);                              \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                  \
            fprintf(stderr, __VA_ARGS__);                                                    \
            fputc('\n', stderr);                                                             \
        }                                                                                    \
    } while (0)

#define CHECK_STATUS(call, expected)                                                         \
    do {                                                                                     \
        CsStatus got_ = (call);                                                              \
        CHECK(got_ == (expected), "%s returned %s, expected %s (last error: %s)", #call,     \
              cs_status_name((int)got_), cs_status_name((int)(expected)), cs_last_error());  \
    } while (0)

/* The library's last error mentions `part`. */
#define CHECK_ERROR_MENTIONS(part)                                                           \
    CHECK(strstr(cs_last_error(), (part)) != NULL, "last error \"%s\" does not mention \"%s\"", \
          cs_last_error(), (part))

static void *checked_malloc(size_t size) {
    void *p = malloc(size);
    if (p == NULL) {
        perror("malloc");
        exit(2);
    }
    return p;
}

static char *copy_text(const char *text, size_t len) {
    char *copy = checked_malloc(len + 1);
    memcpy(copy, text, len);
    copy[len] = '\0';
    return copy;
}

/* ---- time ---- */

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
    }
}

/* ---- a scratch directory per run ---- */

static char root[256];
static int dir_count;

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* A new data directory path under the run's scratch directory (not created). */
static void new_dir(char *out, size_t size) {
    snprintf(out, size, "%s/d%d", root, ++dir_count);
}

/* ---- what the callbacks heard ---- */

typedef struct {
    pthread_mutex_t lock;
    char **items;
    size_t len;
    size_t cap;
} Heard;

static void heard_init(Heard *h) {
    pthread_mutex_init(&h->lock, NULL);
    h->items = NULL;
    h->len = 0;
    h->cap = 0;
}

static void heard_push(Heard *h, const char *json, size_t len) {
    char *copy = copy_text(json, len);
    pthread_mutex_lock(&h->lock);
    if (h->len == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 16;
        char **grown = realloc(h->items, h->cap * sizeof *grown);
        if (grown == NULL) {
            perror("realloc");
            exit(2);
        }
        h->items = grown;
    }
    h->items[h->len++] = copy;
    pthread_mutex_unlock(&h->lock);
}

static size_t heard_len(Heard *h) {
    pthread_mutex_lock(&h->lock);
    size_t len = h->len;
    pthread_mutex_unlock(&h->lock);
    return len;
}

static void heard_free(Heard *h) {
    for (size_t i = 0; i < h->len; i++) {
        free(h->items[i]);
    }
    free(h->items);
    pthread_mutex_destroy(&h->lock);
}

static void record(void *user_data, const char *json, size_t len) {
    CHECK(strlen(json) == len, "the JSON is NUL-terminated at len (%zu, %zu)", strlen(json), len);
    heard_push((Heard *)user_data, json, len);
}

/* ---- reading a few fields out of the event JSON (enough for these tests) ---- */

/* The number after `"<key>":`, or -1. */
static long json_number(const char *json, const char *key) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    const char *at = strstr(json, pattern);
    return at == NULL ? -1 : strtol(at + strlen(pattern), NULL, 10);
}

/* The string after `"<key>":"` into out (size CS_EVENT_ID_SIZE at least); "" when absent. */
static void json_string(const char *json, const char *key, char *out, size_t size) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    const char *at = strstr(json, pattern);
    out[0] = '\0';
    if (at == NULL) {
        return;
    }
    at += strlen(pattern);
    const char *end = strchr(at, '"');
    size_t len = end == NULL ? 0 : (size_t)(end - at);
    if (len >= size) {
        len = size - 1;
    }
    memcpy(out, at, len);
    out[len] = '\0';
}

static int is_event_id(const char *id) {
    if (strlen(id) != 36) {
        return 0;
    }
    for (int i = 0; i < 36; i++) {
        int dash = i == 8 || i == 13 || i == 18 || i == 23;
        char c = id[i];
        if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return 0;
        }
    }
    return 1;
}

/* A tracker on a fresh data directory, hearing events and sessions. */
static CsTracker *create(const char *config, Heard *events, Heard *sessions) {
    char dir[512];
    new_dir(dir, sizeof dir);
    CsTracker *t = NULL;
    CsStatus status = cs_tracker_create("app", dir, config, record, events, record, sessions, &t);
    CHECK(status == CS_STATUS_OK && t != NULL, "create: %s: %s", cs_status_name((int)status),
          cs_last_error());
    if (t == NULL) {
        fprintf(stderr, "cannot go on without a tracker\n");
        exit(1);
    }
    return t;
}

/* ---- the tests ---- */

static void bad_input_gives_its_status(void) {
    char dir[512];
    new_dir(dir, sizeof dir);
    const char bad_utf8[] = {'a', (char)0xff, (char)0xfe, '\0'};
    CsTracker *t = (CsTracker *)&t; /* not NULL, so we see the library set it to NULL */

    CHECK_STATUS(cs_tracker_create(NULL, dir, "", NULL, NULL, NULL, NULL, &t),
                 CS_STATUS_NULL_POINTER);
    CHECK_ERROR_MENTIONS("tracker_namespace");
    CHECK(t == NULL, "out_tracker is NULL after a failure");
    CHECK_STATUS(cs_tracker_create("app", NULL, "", NULL, NULL, NULL, NULL, &t),
                 CS_STATUS_NULL_POINTER);
    CHECK_ERROR_MENTIONS("data_dir");
    CHECK_STATUS(cs_tracker_create("app", dir, NULL, NULL, NULL, NULL, NULL, &t),
                 CS_STATUS_NULL_POINTER);
    CHECK_ERROR_MENTIONS("config_json");
    CHECK_STATUS(cs_tracker_create("app", dir, "", NULL, NULL, NULL, NULL, NULL),
                 CS_STATUS_NULL_POINTER);
    CHECK_ERROR_MENTIONS("out_tracker");
    CHECK_ERROR_MENTIONS("cs_tracker_create");

    CHECK_STATUS(cs_tracker_create(bad_utf8, dir, "", NULL, NULL, NULL, NULL, &t),
                 CS_STATUS_INVALID_UTF8);
    CHECK_ERROR_MENTIONS("tracker_namespace");
    CHECK_STATUS(cs_tracker_create("app", bad_utf8, "", NULL, NULL, NULL, NULL, &t),
                 CS_STATUS_INVALID_UTF8);
    CHECK_STATUS(cs_tracker_create("app", dir, bad_utf8, NULL, NULL, NULL, NULL, &t),
                 CS_STATUS_INVALID_UTF8);
    CHECK(t == NULL, "out_tracker is NULL after a failure");

    const char *bad_configs[] = {"{", "[]", "{\"foregroundTimeOut\":10}",
                                 "{\"foregroundTimeout\":-1}", "{\"test\":{\"clock\":1}}"};
    for (size_t i = 0; i < sizeof bad_configs / sizeof *bad_configs; i++) {
        CHECK_STATUS(cs_tracker_create("app", dir, bad_configs[i], NULL, NULL, NULL, NULL, &t),
                     CS_STATUS_INVALID_CONFIG);
        CHECK(t == NULL, "out_tracker is NULL after a failure");
    }
    CHECK_ERROR_MENTIONS("invalid configuration");

    /* Every call taking a tracker, with NULL. */
    char id[CS_EVENT_ID_SIZE] = "x";
    char *json = (char *)&json;
    CHECK_STATUS(cs_tracker_track(NULL, SCREEN, id), CS_STATUS_NULL_POINTER);
    CHECK_ERROR_MENTIONS("tracker");
    CHECK(id[0] == '\0', "out_id is empty after a failure");
    CHECK_STATUS(cs_tracker_foreground(NULL), CS_STATUS_NULL_POINTER);
    CHECK_STATUS(cs_tracker_background(NULL), CS_STATUS_NULL_POINTER);
    CHECK_STATUS(cs_tracker_start_new_session(NULL), CS_STATUS_NULL_POINTER);
    CHECK_STATUS(cs_tracker_clear_user_data(NULL), CS_STATUS_NULL_POINTER);
    CHECK_STATUS(cs_tracker_pause(NULL), CS_STATUS_NULL_POINTER);
    CHECK_STATUS(cs_tracker_resume(NULL), CS_STATUS_NULL_POINTER);
    CHECK_STATUS(cs_tracker_set_anonymous(NULL, true), CS_STATUS_NULL_POINTER);
    CHECK_STATUS(cs_tracker_session(NULL, &json), CS_STATUS_NULL_POINTER);
    CHECK(json == NULL, "out_json is NULL after a failure");
    CHECK_STATUS(cs_tracker_set_test_time(NULL, 1), CS_STATUS_NULL_POINTER);
    CHECK_STATUS(cs_tracker_flush(NULL, 10), CS_STATUS_NULL_POINTER);
    CHECK_STATUS(cs_tracker_close(NULL), CS_STATUS_NULL_POINTER);
    CHECK_STATUS(cs_tracker_free(NULL, 10), CS_STATUS_OK); /* as free(NULL) */
    cs_string_free(NULL);

    Heard events, sessions;
    heard_init(&events);
    heard_init(&sessions);
    t = create("", &events, &sessions);
    strcpy(id, "x");
    CHECK_STATUS(cs_tracker_track(t, NULL, id), CS_STATUS_NULL_POINTER);
    CHECK_ERROR_MENTIONS("event_json");
    CHECK(id[0] == '\0', "out_id is empty after a failure");
    CHECK_STATUS(cs_tracker_track(t, bad_utf8, id), CS_STATUS_INVALID_UTF8);
    CHECK_ERROR_MENTIONS("event_json");
    const char *bad_events[] = {"", "{", "null", "{\"name\":\"home\"}",
                                "{\"type\":\"page_vue\",\"url\":\"x\"}",
                                "{\"type\":\"screen_view\"}", STRUCTURED "x",
                                "{\"type\":\"screen_view\",\"name\":\"a\",\"eventId\":\"nope\"}"};
    for (size_t i = 0; i < sizeof bad_events / sizeof *bad_events; i++) {
        CHECK_STATUS(cs_tracker_track(t, bad_events[i], id), CS_STATUS_INVALID_EVENT);
        CHECK(id[0] == '\0', "out_id is empty after a failure");
    }
    CHECK_ERROR_MENTIONS("cs_tracker_track: invalid event");
    CHECK_STATUS(cs_tracker_session(t, NULL), CS_STATUS_NULL_POINTER);
    CHECK_ERROR_MENTIONS("out_json");
    CHECK_STATUS(cs_tracker_set_test_time(t, 1700000000000), CS_STATUS_NO_TEST_CLOCK);
    CHECK_ERROR_MENTIONS("test clock");
    /* A success leaves the last error as it was. */
    CHECK_STATUS(cs_tracker_track(t, SCREEN, NULL), CS_STATUS_OK);
    CHECK_ERROR_MENTIONS("test clock");
    /* Nothing bad was tracked: only the one good event arrives. */
    CHECK_STATUS(cs_tracker_flush(t, WAIT_MS), CS_STATUS_OK);
    CHECK(heard_len(&events) == 1, "%zu events", heard_len(&events));
    CHECK_STATUS(cs_tracker_free(t, WAIT_MS), CS_STATUS_OK);
    heard_free(&events);
    heard_free(&sessions);

    /* A data directory that cannot be made: the calls after the store failed say so. */
    char file[512], under_file[600];
    new_dir(file, sizeof file);
    FILE *f = fopen(file, "w");
    CHECK(f != NULL, "cannot write %s", file);
    if (f != NULL) {
        fclose(f);
    }
    snprintf(under_file, sizeof under_file, "%s/data", file);
    t = NULL;
    CHECK_STATUS(cs_tracker_create("app", under_file, "", NULL, NULL, NULL, NULL, &t),
                 CS_STATUS_OK);
    CHECK_STATUS(cs_tracker_flush(t, WAIT_MS), CS_STATUS_SESSION);
    CHECK_STATUS(cs_tracker_track(t, SCREEN, id), CS_STATUS_SESSION);
    CHECK_STATUS(cs_tracker_background(t), CS_STATUS_SESSION);
    CHECK_STATUS(cs_tracker_free(t, WAIT_MS), CS_STATUS_OK);

    /* Timeouts: a store that takes 400 ms for each operation. */
    heard_init(&events);
    heard_init(&sessions);
    t = create("{\"test\":{\"storeDelayMs\":400}}", &events, &sessions);
    CHECK_STATUS(cs_tracker_track(t, SCREEN, id), CS_STATUS_OK);
    CHECK_STATUS(cs_tracker_flush(t, 1), CS_STATUS_THREAD);
    CHECK_ERROR_MENTIONS("timed out");
    CHECK_STATUS(cs_tracker_free(t, 1), CS_STATUS_THREAD); /* nothing freed: t still works */
    CHECK_ERROR_MENTIONS("did not end");
    CHECK_STATUS(cs_tracker_track(t, SCREEN, id), CS_STATUS_CLOSED);
    CHECK_STATUS(cs_tracker_free(t, WAIT_MS), CS_STATUS_OK);
    CHECK(heard_len(&events) == 1, "the event tracked before close arrived: %zu",
          heard_len(&events));
    heard_free(&events);
    heard_free(&sessions);

    /* Every status has its name. */
    const char *names[] = {"CS_STATUS_OK",          "CS_STATUS_NULL_POINTER",
                           "CS_STATUS_INVALID_UTF8", "CS_STATUS_INVALID_CONFIG",
                           "CS_STATUS_INVALID_EVENT", "CS_STATUS_CLOSED",
                           "CS_STATUS_SESSION",      "CS_STATUS_NO_TEST_CLOCK",
                           "CS_STATUS_THREAD",       "CS_STATUS_IN_CALLBACK",
                           "CS_STATUS_PANIC",        "CS_STATUS_INTERNAL"};
    CsStatus codes[] = {CS_STATUS_OK,           CS_STATUS_NULL_POINTER, CS_STATUS_INVALID_UTF8,
                        CS_STATUS_INVALID_CONFIG, CS_STATUS_INVALID_EVENT, CS_STATUS_CLOSED,
                        CS_STATUS_SESSION,      CS_STATUS_NO_TEST_CLOCK, CS_STATUS_THREAD,
                        CS_STATUS_IN_CALLBACK,  CS_STATUS_PANIC,        CS_STATUS_INTERNAL};
    for (int i = 0; i < 12; i++) {
        CHECK((int)codes[i] == i, "%s is %d", names[i], (int)codes[i]);
        CHECK(strcmp(cs_status_name(i), names[i]) == 0, "%d is %s", i, cs_status_name(i));
    }
    CHECK(strcmp(cs_status_name(12), "CS_STATUS_UNKNOWN") == 0, "12: %s", cs_status_name(12));
    CHECK(strcmp(cs_status_name(-1), "CS_STATUS_UNKNOWN") == 0, "-1: %s", cs_status_name(-1));
}

/* The last error is the calling thread's own. */
static void *fail_once(void *arg) {
    (void)arg;
    char *before = strdup(cs_last_error());
    cs_tracker_pause(NULL);
    char *after = strdup(cs_last_error());
    int ok = before != NULL && after != NULL && before[0] == '\0' &&
             strstr(after, "cs_tracker_pause") != NULL;
    free(before);
    free(after);
    return ok ? (void *)1 : NULL;
}

static void last_error_is_per_thread(void) {
    cs_tracker_resume(NULL);
    pthread_t thread;
    void *ok = NULL;
    pthread_create(&thread, NULL, fail_once, NULL);
    pthread_join(thread, &ok);
    CHECK(ok != NULL, "another thread starts without an error and sees its own");
    CHECK_ERROR_MENTIONS("cs_tracker_resume");
}

#define THREADS 8
#define PER_THREAD 250

typedef struct {
    CsTracker *t;
    char ids[PER_THREAD][CS_EVENT_ID_SIZE];
    int failed;
} Worker;

static void *track_many(void *arg) {
    Worker *w = arg;
    for (int n = 0; n < PER_THREAD; n++) {
        if (n % 50 == 0 && (cs_tracker_pause(w->t) != CS_STATUS_OK ||
                            cs_tracker_resume(w->t) != CS_STATUS_OK)) {
            w->failed++;
        }
        if (cs_tracker_track(w->t, STRUCTURED, w->ids[n]) != CS_STATUS_OK) {
            w->failed++;
        }
    }
    return NULL;
}

static int compare_ids(const void *a, const void *b) {
    return strcmp((const char *)a, (const char *)b);
}

static void eight_threads_get_every_event_once_in_order(void) {
    Heard events, sessions;
    heard_init(&events);
    heard_init(&sessions);
    CsTracker *t = create("", &events, &sessions);
    static Worker workers[THREADS];
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++) {
        workers[i].t = t;
        workers[i].failed = 0;
        pthread_create(&threads[i], NULL, track_many, &workers[i]);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
        CHECK(workers[i].failed == 0, "thread %d: %d calls failed", i, workers[i].failed);
    }
    CHECK_STATUS(cs_tracker_flush(t, WAIT_MS), CS_STATUS_OK);
    size_t total = THREADS * PER_THREAD;
    CHECK(heard_len(&events) == total, "%zu events, expected %zu", heard_len(&events), total);
    CHECK(heard_len(&sessions) == 1, "%zu sessions", heard_len(&sessions));
    if (heard_len(&events) == total) {
        static char returned[THREADS * PER_THREAD][CS_EVENT_ID_SIZE];
        static char delivered[THREADS * PER_THREAD][CS_EVENT_ID_SIZE];
        int in_order = 1;
        for (size_t i = 0; i < total; i++) {
            long index = json_number(events.items[i], "eventIndex");
            if (index != (long)i + 1 && in_order) {
                in_order = 0;
                CHECK(0, "event %zu has eventIndex %ld", i, index);
            }
            json_string(events.items[i], "eventId", delivered[i], CS_EVENT_ID_SIZE);
            memcpy(returned[i], workers[i / PER_THREAD].ids[i % PER_THREAD], CS_EVENT_ID_SIZE);
        }
        qsort(returned, total, CS_EVENT_ID_SIZE, compare_ids);
        qsort(delivered, total, CS_EVENT_ID_SIZE, compare_ids);
        int same = 1, distinct = 1;
        for (size_t i = 0; i < total; i++) {
            same &= strcmp(returned[i], delivered[i]) == 0 && is_event_id(returned[i]);
            distinct &= i == 0 || strcmp(delivered[i - 1], delivered[i]) != 0;
        }
        CHECK(same, "the ids returned are the ids delivered");
        CHECK(distinct, "every event delivered once");
    }
    CHECK_STATUS(cs_tracker_free(t, WAIT_MS), CS_STATUS_OK);
    heard_free(&events);
    heard_free(&sessions);
}

static void calls_after_close_say_closed(void) {
    Heard events, sessions;
    heard_init(&events);
    heard_init(&sessions);
    CsTracker *t = create(TEST_CLOCK, &events, &sessions);
    char id[CS_EVENT_ID_SIZE];
    char *json = NULL;
    CHECK_STATUS(cs_tracker_track(t, SCREEN, id), CS_STATUS_OK);
    CHECK_STATUS(cs_tracker_close(t), CS_STATUS_OK);
    CHECK_STATUS(cs_tracker_close(t), CS_STATUS_CLOSED);
    CHECK_ERROR_MENTIONS("closed");
    CHECK_STATUS(cs_tracker_track(t, SCREEN, id), CS_STATUS_CLOSED);
    CHECK(id[0] == '\0', "no id after a failure");
    CHECK_STATUS(cs_tracker_foreground(t), CS_STATUS_CLOSED);
    CHECK_STATUS(cs_tracker_background(t), CS_STATUS_CLOSED);
    CHECK_STATUS(cs_tracker_start_new_session(t), CS_STATUS_CLOSED);
    CHECK_STATUS(cs_tracker_clear_user_data(t), CS_STATUS_CLOSED);
    CHECK_STATUS(cs_tracker_pause(t), CS_STATUS_CLOSED);
    CHECK_STATUS(cs_tracker_resume(t), CS_STATUS_CLOSED);
    CHECK_STATUS(cs_tracker_set_anonymous(t, false), CS_STATUS_CLOSED);
    CHECK_STATUS(cs_tracker_session(t, &json), CS_STATUS_CLOSED);
    CHECK(json == NULL, "no session after a failure");
    CHECK_STATUS(cs_tracker_flush(t, WAIT_MS), CS_STATUS_CLOSED);
    CHECK_STATUS(cs_tracker_set_test_time(t, 1700000001000), CS_STATUS_CLOSED);
    CHECK_STATUS(cs_tracker_free(t, WAIT_MS), CS_STATUS_OK);
    /* What was called before close was still delivered. */
    CHECK(heard_len(&events) == 1, "%zu events", heard_len(&events));
    heard_free(&events);
    heard_free(&sessions);
}

/* The event ids returned are the ones delivered, the session getter gives what the session
 * callback gave, and a new tracker on the same directory continues the session. */
static void ids_sessions_and_a_restart(void) {
    Heard events, sessions;
    heard_init(&events);
    heard_init(&sessions);
    char dir[512];
    new_dir(dir, sizeof dir);
    const char *config =
        "{\"continueSessionOnRestart\":true,\"test\":{\"clockMs\":1700000000000}}";
    CsTracker *t = NULL;
    CHECK_STATUS(cs_tracker_create("app", dir, config, record, &events, record, &sessions, &t),
                 CS_STATUS_OK);
    char *json = NULL;
    CHECK_STATUS(cs_tracker_session(t, &json), CS_STATUS_OK);
    CHECK(json != NULL && strcmp(json, "null") == 0, "no session yet: %s", json);
    cs_string_free(json);
    char first[CS_EVENT_ID_SIZE], second[CS_EVENT_ID_SIZE];
    CHECK_STATUS(cs_tracker_track(t, SCREEN, first), CS_STATUS_OK);
    CHECK(is_event_id(first), "an event id: %s", first);
    CHECK_STATUS(cs_tracker_set_test_time(t, 1700000001000), CS_STATUS_OK);
    CHECK_STATUS(cs_tracker_track(t, LIKE, second), CS_STATUS_OK);
    CHECK_STATUS(cs_tracker_flush(t, WAIT_MS), CS_STATUS_OK);
    CHECK(heard_len(&events) == 2 && heard_len(&sessions) == 1, "%zu events, %zu sessions",
          heard_len(&events), heard_len(&sessions));
    char session_id[CS_EVENT_ID_SIZE] = "";
    if (heard_len(&events) == 2 && heard_len(&sessions) == 1) {
        char id[CS_EVENT_ID_SIZE];
        json_string(events.items[0], "eventId", id, sizeof id);
        CHECK(strcmp(id, first) == 0, "first id %s delivered as %s", first, id);
        json_string(events.items[1], "eventId", id, sizeof id);
        CHECK(strcmp(id, second) == 0, "second id %s delivered as %s", second, id);
        CHECK(json_number(events.items[1], "dtm") == 1700000001000L, "the test clock: %s",
              events.items[1]);
        CHECK(strstr(events.items[1], "\"event\":\"self_describing\"") != NULL, "%s",
              events.items[1]);
        json_string(sessions.items[0], "sessionId", session_id, sizeof session_id);
        CHECK(is_event_id(session_id), "a session id: %s", session_id);
        CHECK_STATUS(cs_tracker_session(t, &json), CS_STATUS_OK);
        CHECK(json != NULL && strcmp(json, sessions.items[0]) == 0,
              "the getter gives what the callback gave: %s", json);
        cs_string_free(json);
    }
    CHECK_STATUS(cs_tracker_free(t, WAIT_MS), CS_STATUS_OK);

    /* Restart on the same directory, a second later (a clock gone back would rotate). */
    const char *later =
        "{\"continueSessionOnRestart\":true,\"test\":{\"clockMs\":1700000002000}}";
    t = NULL;
    CHECK_STATUS(cs_tracker_create("app", dir, later, record, &events, record, &sessions, &t),
                 CS_STATUS_OK);
    CHECK_STATUS(cs_tracker_track(t, STRUCTURED, NULL), CS_STATUS_OK);
    CHECK_STATUS(cs_tracker_flush(t, WAIT_MS), CS_STATUS_OK);
    CHECK(heard_len(&events) == 3, "%zu events", heard_len(&events));
    if (heard_len(&events) == 3) {
        char id[CS_EVENT_ID_SIZE];
        json_string(events.items[2], "sessionId", id, sizeof id);
        CHECK(strcmp(id, session_id) == 0, "the session continues: %s, %s", id, session_id);
        CHECK(json_number(events.items[2], "eventIndex") == 3, "%s", events.items[2]);
    }
    CHECK_STATUS(cs_tracker_free(t, WAIT_MS), CS_STATUS_OK);
    heard_free(&events);
    heard_free(&sessions);
}

/* ---- callbacks that misbehave ---- */

typedef struct {
    CsTracker *t;
    Heard heard;
    int reentered;
    int track_failed;
    CsStatus flush_status;
    CsStatus free_status;
    CsStatus session_status;
    double blocking_us;
} Reentrant;

/* On every self-describing event, tracks a structured event from inside the callback, and
 * tries the blocking calls there, which must refuse at once. */
static void reenter(void *user_data, const char *json, size_t len) {
    Reentrant *r = user_data;
    heard_push(&r->heard, json, len);
    if (strstr(json, "\"event\":\"self_describing\"") == NULL) {
        return;
    }
    r->reentered++;
    char id[CS_EVENT_ID_SIZE];
    if (cs_tracker_track(r->t, STRUCTURED, id) != CS_STATUS_OK || !is_event_id(id)) {
        r->track_failed++;
    }
    double start = now_us();
    r->flush_status = cs_tracker_flush(r->t, WAIT_MS);
    r->free_status = cs_tracker_free(r->t, WAIT_MS);
    r->blocking_us = now_us() - start;
    char *session = NULL;
    r->session_status = cs_tracker_session(r->t, &session);
    cs_string_free(session);
}

static void a_callback_that_calls_back_in(void) {
    Reentrant r = {0};
    heard_init(&r.heard);
    char dir[512];
    new_dir(dir, sizeof dir);
    CHECK_STATUS(cs_tracker_create("app", dir, "", reenter, &r, NULL, NULL, &r.t), CS_STATUS_OK);
    for (int i = 0; i < 3; i++) {
        CHECK_STATUS(cs_tracker_track(r.t, LIKE, NULL), CS_STATUS_OK);
    }
    /* The first flush returns once the three self-describing events were delivered, by when
     * their callbacks had queued the structured events; the second waits for those. */
    CHECK_STATUS(cs_tracker_flush(r.t, WAIT_MS), CS_STATUS_OK);
    CHECK_STATUS(cs_tracker_flush(r.t, WAIT_MS), CS_STATUS_OK);
    CHECK(r.reentered == 3 && r.track_failed == 0, "reentered %d, failed %d", r.reentered,
          r.track_failed);
    CHECK(r.flush_status == CS_STATUS_IN_CALLBACK, "flush in a callback: %s",
          cs_status_name((int)r.flush_status));
    CHECK(r.free_status == CS_STATUS_IN_CALLBACK, "free in a callback: %s",
          cs_status_name((int)r.free_status));
    CHECK(r.blocking_us < 1e6, "refused at once: %.0f us", r.blocking_us);
    CHECK(r.session_status == CS_STATUS_OK, "session in a callback: %s",
          cs_status_name((int)r.session_status));
    CHECK(heard_len(&r.heard) == 6, "%zu events", heard_len(&r.heard));
    if (heard_len(&r.heard) == 6) {
        for (size_t i = 0; i < 6; i++) {
            const char *kind =
                i < 3 ? "\"event\":\"self_describing\"" : "\"event\":\"structured\"";
            CHECK(strstr(r.heard.items[i], kind) != NULL, "event %zu: %s", i, r.heard.items[i]);
            CHECK(json_number(r.heard.items[i], "eventIndex") == (long)i + 1, "event %zu: %s", i,
                  r.heard.items[i]);
        }
    }
    CHECK_STATUS(cs_tracker_free(r.t, WAIT_MS), CS_STATUS_OK);
    heard_free(&r.heard);
}

typedef struct {
    CsTracker *t;
    Heard heard;
    volatile int closed;
    CsStatus close_status;
} Closer;

/* Closes its tracker from inside the callback, at the first event. */
static void close_from_callback(void *user_data, const char *json, size_t len) {
    Closer *c = user_data;
    heard_push(&c->heard, json, len);
    if (!c->closed) {
        c->close_status = cs_tracker_close(c->t);
        __atomic_store_n(&c->closed, 1, __ATOMIC_SEQ_CST);
    }
}

static void a_callback_that_closes_the_tracker(void) {
    Closer c = {0};
    heard_init(&c.heard);
    char dir[512];
    new_dir(dir, sizeof dir);
    CHECK_STATUS(cs_tracker_create("app", dir, "", close_from_callback, &c, NULL, NULL, &c.t),
                 CS_STATUS_OK);
    CHECK_STATUS(cs_tracker_track(c.t, SCREEN, NULL), CS_STATUS_OK);
    for (int waited = 0; !__atomic_load_n(&c.closed, __ATOMIC_SEQ_CST) && waited < WAIT_MS;
         waited += 5) {
        sleep_ms(5);
    }
    CHECK(c.closed && c.close_status == CS_STATUS_OK, "closed from the callback: %s",
          cs_status_name((int)c.close_status));
    CHECK_STATUS(cs_tracker_track(c.t, SCREEN, NULL), CS_STATUS_CLOSED);
    CHECK_STATUS(cs_tracker_free(c.t, WAIT_MS), CS_STATUS_OK);
    CHECK(heard_len(&c.heard) == 1, "%zu events", heard_len(&c.heard));
    heard_free(&c.heard);
}

#define SLOW_CALLBACK_MS 100

static void slow(void *user_data, const char *json, size_t len) {
    sleep_ms(SLOW_CALLBACK_MS);
    heard_push((Heard *)user_data, json, len);
}

static void a_slow_callback_does_not_slow_the_caller(void) {
    Heard heard;
    heard_init(&heard);
    char dir[512];
    new_dir(dir, sizeof dir);
    CsTracker *t = NULL;
    CHECK_STATUS(cs_tracker_create("app", dir, "", slow, &heard, NULL, NULL, &t), CS_STATUS_OK);
    double slowest = 0;
    for (int i = 0; i < 5; i++) {
        double start = now_us();
        CsStatus status = cs_tracker_track(t, STRUCTURED, NULL);
        double took = now_us() - start;
        slowest = took > slowest ? took : slowest;
        CHECK_STATUS(status, CS_STATUS_OK);
    }
    printf("  slowest track while the callback takes %d ms an event: %.1f us\n",
           SLOW_CALLBACK_MS, slowest);
    CHECK(slowest < CALL_BOUND_US, "a track call took %.0f us", slowest);
    CHECK_STATUS(cs_tracker_flush(t, WAIT_MS), CS_STATUS_OK);
    CHECK(heard_len(&heard) == 5, "%zu events", heard_len(&heard));
    for (size_t i = 0; i < heard_len(&heard); i++) {
        CHECK(json_number(heard.items[i], "eventIndex") == (long)i + 1, "%s", heard.items[i]);
    }
    CHECK_STATUS(cs_tracker_free(t, WAIT_MS), CS_STATUS_OK);
    heard_free(&heard);
}

/* ---- the UI thread while the store is slow ---- */

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#define ROUNDS 50
#define STORE_DELAY_MS 300

static void ui_thread_calls_return_at_once_while_the_store_is_slow(void) {
    Heard events, sessions;
    heard_init(&events);
    heard_init(&sessions);
    char dir[512];
    new_dir(dir, sizeof dir);
    char config[64];
    snprintf(config, sizeof config, "{\"test\":{\"storeDelayMs\":%d}}", STORE_DELAY_MS);
    CsTracker *t = NULL;
    double start = now_us();
    CHECK_STATUS(cs_tracker_create("app", dir, config, record, &events, record, &sessions, &t),
                 CS_STATUS_OK);
    double create_us = now_us() - start;
    /* The first calls are made while the store is still opening (300 ms). */
    static double took[ROUNDS * 4];
    size_t n = 0;
    char id[CS_EVENT_ID_SIZE];
    char *json = NULL;
    for (int i = 0; i < ROUNDS; i++) {
        start = now_us();
        CHECK_STATUS(cs_tracker_track(t, STRUCTURED, id), CS_STATUS_OK);
        took[n++] = now_us() - start;
        start = now_us();
        CHECK_STATUS(cs_tracker_background(t), CS_STATUS_OK);
        took[n++] = now_us() - start;
        start = now_us();
        CHECK_STATUS(cs_tracker_foreground(t), CS_STATUS_OK);
        took[n++] = now_us() - start;
        start = now_us();
        CHECK_STATUS(cs_tracker_session(t, &json), CS_STATUS_OK);
        took[n++] = now_us() - start;
        cs_string_free(json);
    }
    qsort(took, n, sizeof *took, compare_doubles);
    double median = took[n / 2], slowest = took[n - 1];
    printf("  store %d ms an operation: create %.1f us; %zu calls (track, background, "
           "foreground, session): median %.1f us, slowest %.1f us (bound %.0f us%s)\n",
           STORE_DELAY_MS, create_us, n, median, slowest, CALL_BOUND_US,
           RUNNING_ON_VALGRIND ? ", under valgrind" : "");
    CHECK(create_us < CALL_BOUND_US, "create took %.0f us", create_us);
    CHECK(slowest < CALL_BOUND_US, "the slowest call took %.0f us", slowest);
    CHECK_STATUS(cs_tracker_flush(t, WAIT_MS), CS_STATUS_OK);
    CHECK(heard_len(&events) == ROUNDS * 3, "%zu events", heard_len(&events));
    CHECK_STATUS(cs_tracker_free(t, WAIT_MS), CS_STATUS_OK);
    heard_free(&events);
    heard_free(&sessions);
}

/* ---- screens ---- */

#define HOME_ID "6f9619ff-8b86-d011-b42d-00c04fc964ff"
/* The screen entity of the first screen, as every event on it carries it. */
#define HOME_SCREEN                                                                          \
    "{\"schema\":\"iglu:com.snowplowanalytics.mobile/screen/jsonschema/1-0-0\",\"data\":"      \
    "{\"name\":\"home\",\"id\":\"" HOME_ID "\",\"type\":\"feed\"}}"

/* Whether `json` contains `part`, reported when not. */
#define CHECK_HAS(json, part)                                                                \
    CHECK(strstr((json), (part)) != NULL, "%s does not hold %s", (json), (part))

/* Screen views, list item views and scrolls through the C ABI: the second screen view reaches
 * the callback after the first screen's `screen_end`, which carries the summary the list item
 * view and the scroll were folded into (they reach the callback as nothing), and a screen_end
 * after the session timed out is the event that starts the new session. One Heard takes
 * sessions and events, to check their order. */
static void screens_end_with_their_summary(void) {
    Heard heard;
    heard_init(&heard);
    char dir[512];
    new_dir(dir, sizeof dir);
    const char *config = "{\"foregroundTimeout\":5,\"test\":{\"clockMs\":1700000000000}}";
    CsTracker *t = NULL;
    CHECK_STATUS(cs_tracker_create("app", dir, config, record, &heard, record, &heard, &t),
                 CS_STATUS_OK);
    if (t == NULL) {
        heard_free(&heard);
        return;
    }
    char first[CS_EVENT_ID_SIZE], item[CS_EVENT_ID_SIZE], second[CS_EVENT_ID_SIZE],
        third[CS_EVENT_ID_SIZE];
    /* The id in upper case: the library writes it in lower case. */
    CHECK_STATUS(cs_tracker_track(t,
                                  "{\"type\":\"screen_view\",\"name\":\"home\",\"id\":"
                                  "\"6F9619FF-8B86-D011-B42D-00C04FC964FF\",\"screenType\":\"feed\"}",
                                  first),
                 CS_STATUS_OK);
    /* Each step is processed at its own time: the tracker's clock when it processes a call
     * times the screen. */
    CHECK_STATUS(cs_tracker_flush(t, WAIT_MS), CS_STATUS_OK);
    CHECK_STATUS(cs_tracker_set_test_time(t, 1700000001500), CS_STATUS_OK);
    CHECK_STATUS(
        cs_tracker_track(t, "{\"type\":\"list_item_view\",\"index\":3,\"itemsCount\":40}", item),
        CS_STATUS_OK);
    CHECK(is_event_id(item), "a folded event still gets an id: %s", item);
    CHECK_STATUS(cs_tracker_track(t,
                                  "{\"type\":\"scroll_changed\",\"xOffset\":0,\"yOffset\":100,"
                                  "\"viewWidth\":400,\"viewHeight\":800,\"contentWidth\":400,"
                                  "\"contentHeight\":9000}",
                                  NULL),
                 CS_STATUS_OK);
    CHECK_STATUS(cs_tracker_flush(t, WAIT_MS), CS_STATUS_OK);
    CHECK(heard_len(&heard) == 2, "the list item view and the scroll reach no callback: %zu",
          heard_len(&heard));
    CHECK_STATUS(cs_tracker_set_test_time(t, 1700000002500), CS_STATUS_OK);
    CHECK_STATUS(cs_tracker_track(
                     t, "{\"type\":\"screen_view\",\"name\":\"cart\",\"transitionType\":\"push\"}",
                     second),
                 CS_STATUS_OK);
    CHECK_STATUS(cs_tracker_flush(t, WAIT_MS), CS_STATUS_OK);
    /* 10 s later, over the 5 s timeout: the screen_end starts the new session. */
    CHECK_STATUS(cs_tracker_set_test_time(t, 1700000012500), CS_STATUS_OK);
    CHECK_STATUS(cs_tracker_track(t, "{\"type\":\"screen_view\",\"name\":\"pay\"}", third),
                 CS_STATUS_OK);
    CHECK_STATUS(cs_tracker_flush(t, WAIT_MS), CS_STATUS_OK);

    /* session, home, end of home, cart, session, end of cart, pay */
    CHECK(heard_len(&heard) == 7, "%zu items heard", heard_len(&heard));
    if (heard_len(&heard) == 7) {
        char **h = heard.items;
        char id[CS_EVENT_ID_SIZE];
        CHECK(strstr(h[0], "\"event\"") == NULL && json_number(h[0], "eventIndex") == 1,
              "a session first: %s", h[0]);

        CHECK_HAS(h[1], "\"event\":\"screen_view\"");
        json_string(h[1], "eventId", id, sizeof id);
        CHECK(strcmp(id, first) == 0, "the first screen view's id %s delivered as %s", first, id);
        CHECK_HAS(h[1], "\"ue_pr\":{\"schema\":\"iglu:com.snowplowanalytics.mobile/screen_view/"
                        "jsonschema/1-0-0\",\"data\":{\"name\":\"home\",\"id\":\"" HOME_ID
                        "\",\"type\":\"feed\"}}");
        CHECK_HAS(h[1], HOME_SCREEN);
        CHECK(strstr(h[1], "screen_summary") == NULL, "no summary on a screen view: %s", h[1]);

        CHECK_HAS(h[2], "\"event\":\"screen_end\"");
        json_string(h[2], "eventId", id, sizeof id);
        CHECK(is_event_id(id) && strcmp(id, first) != 0 && strcmp(id, second) != 0,
              "the screen_end has an id of its own: %s", id);
        CHECK(json_number(h[2], "dtm") == 1700000002500L, "the screen view's dtm: %s", h[2]);
        CHECK_HAS(h[2], "\"ue_pr\":{\"schema\":\"iglu:com.snowplowanalytics.mobile/screen_end/"
                        "jsonschema/1-0-0\",\"data\":{}}");
        CHECK_HAS(h[2], HOME_SCREEN);
        CHECK_HAS(h[2], "{\"schema\":\"iglu:com.snowplowanalytics.mobile/screen_summary/"
                        "jsonschema/1-0-0\",\"data\":{\"foreground_sec\":2.5,\"background_sec\":0,"
                        "\"last_item_index\":3,\"items_count\":40,\"min_x_offset\":0,"
                        "\"max_x_offset\":400,\"min_y_offset\":100,\"max_y_offset\":900,"
                        "\"content_width\":400,\"content_height\":9000}}");
        CHECK(json_number(h[2], "eventIndex") == 2, "%s", h[2]);

        CHECK_HAS(h[3], "\"event\":\"screen_view\"");
        json_string(h[3], "eventId", id, sizeof id);
        CHECK(strcmp(id, second) == 0, "the second screen view's id %s delivered as %s", second,
              id);
        CHECK_HAS(h[3], "\"previousName\":\"home\",\"previousId\":\"" HOME_ID
                        "\",\"previousType\":\"feed\",\"transitionType\":\"push\"}");
        CHECK(json_number(h[3], "eventIndex") == 3, "%s", h[3]);

        CHECK(strstr(h[4], "\"event\"") == NULL && json_number(h[4], "eventIndex") == 1,
              "the new session before the screen_end that starts it: %s", h[4]);
        char session[CS_EVENT_ID_SIZE], first_event[CS_EVENT_ID_SIZE];
        json_string(h[4], "firstEventId", first_event, sizeof first_event);
        CHECK_HAS(h[5], "\"event\":\"screen_end\"");
        json_string(h[5], "eventId", id, sizeof id);
        CHECK(strcmp(id, first_event) == 0, "the screen_end %s is the session's first event %s",
              id, first_event);
        CHECK(json_number(h[5], "eventIndex") == 1, "%s", h[5]);
        CHECK_HAS(h[5], "\"name\":\"cart\"");
        CHECK_HAS(h[6], "\"event\":\"screen_view\"");
        json_string(h[6], "eventId", id, sizeof id);
        CHECK(strcmp(id, third) == 0, "the third screen view's id %s delivered as %s", third, id);
        CHECK(json_number(h[6], "eventIndex") == 2, "%s", h[6]);
        json_string(h[6], "sessionId", session, sizeof session);
        json_string(h[4], "sessionId", id, sizeof id);
        CHECK(strcmp(id, session) == 0, "the screen view is in the new session: %s, %s", id,
              session);
    }
    CHECK_STATUS(cs_tracker_free(t, WAIT_MS), CS_STATUS_OK);
    heard_free(&heard);
}

/* With `screenContext` and `screenEngagementAutotracking` off, list item views and scrolls are
 * events of their own, no `screen_end` is sent, and no event carries a screen entity. */
static void screen_engagement_off_sends_lists_and_scrolls(void) {
    Heard events, sessions;
    heard_init(&events);
    heard_init(&sessions);
    CsTracker *t = create("{\"screenContext\":false,\"screenEngagementAutotracking\":false,"
                          "\"test\":{\"clockMs\":1700000000000}}",
                          &events, &sessions);
    const char *tracked[] = {SCREEN, "{\"type\":\"list_item_view\",\"index\":7}",
                             "{\"type\":\"scroll_changed\",\"yOffset\":-3}",
                             "{\"type\":\"screen_view\",\"name\":\"cart\"}"};
    const char *kinds[] = {"\"event\":\"screen_view\"", "\"event\":\"list_item_view\"",
                           "\"event\":\"scroll_changed\"", "\"event\":\"screen_view\""};
    const char *data[] = {"\"data\":{\"name\":\"home\",", "\"data\":{\"index\":7}",
                          "\"data\":{\"y_offset\":-3}", "\"previousName\":\"home\""};
    for (size_t i = 0; i < 4; i++) {
        CHECK_STATUS(cs_tracker_track(t, tracked[i], NULL), CS_STATUS_OK);
    }
    CHECK_STATUS(cs_tracker_flush(t, WAIT_MS), CS_STATUS_OK);
    CHECK(heard_len(&events) == 4, "%zu events", heard_len(&events));
    for (size_t i = 0; i < heard_len(&events) && i < 4; i++) {
        CHECK_HAS(events.items[i], kinds[i]);
        CHECK_HAS(events.items[i], data[i]);
        CHECK(strstr(events.items[i], "mobile/screen/") == NULL &&
                  strstr(events.items[i], "screen_summary") == NULL,
              "no screen entity: %s", events.items[i]);
        CHECK(json_number(events.items[i], "eventIndex") == (long)i + 1, "%s", events.items[i]);
    }
    CHECK_STATUS(cs_tracker_free(t, WAIT_MS), CS_STATUS_OK);
    heard_free(&events);
    heard_free(&sessions);
}

/* Bad screen input is CS_STATUS_INVALID_EVENT with the reason, and tracks nothing. */
static void bad_screen_input_is_an_invalid_event(void) {
    Heard events, sessions;
    heard_init(&events);
    heard_init(&sessions);
    CsTracker *t = create(TEST_CLOCK, &events, &sessions);
    const struct {
        const char *json;
        const char *reason;
    } bad[] = {
        {"{\"type\":\"screen_view\",\"name\":\"\"}", "non-empty name"},
        {"{\"type\":\"screen_view\",\"name\":\"a\",\"id\":\"nope\"}", "`id` must be a UUID"},
        {"{\"type\":\"screen_view\",\"name\":\"a\",\"id\":\"6f9619ff8b86d011b42d00c04fc964ff\"}",
         "`id` must be a UUID"},
        {"{\"type\":\"screen_view\",\"name\":\"a\",\"previousId\":\"x\"}",
         "`previousId` must be a UUID"},
        {"{\"type\":\"screen_view\",\"screenType\":\"feed\"}", "needs `name`"},
        {"{\"type\":\"screen_view\",\"name\":\"a\",\"type\":\"feed\"}", "duplicate field"},
        {"{\"type\":\"list_item_view\",\"index\":65536}", "`index` must be from 0 to 65535"},
        {"{\"type\":\"list_item_view\",\"index\":-1}", "`index` must be from 0 to 65535"},
        {"{\"type\":\"list_item_view\",\"index\":1,\"itemsCount\":70000}",
         "`items_count` must be from 0 to 65535"},
        {"{\"type\":\"list_item_view\",\"itemsCount\":1}", "needs `index`"},
        {"{\"type\":\"scroll_changed\",\"xOffset\":2147483648}",
         "`x_offset` must be from -2147483647 to 2147483647"},
        {"{\"type\":\"scroll_changed\",\"viewWidth\":-1}", "`view_width` must be from 0"},
        {"{\"type\":\"scroll_changed\",\"contentHeight\":1.5}", "invalid type"},
        {"{\"type\":\"structured\",\"category\":\"c\",\"action\":\"a\",\"screenType\":\"x\"}",
         "`screenType` is not a field of a structured event"},
        {"{\"type\":\"screen_view\",\"name\":\"a\",\"index\":1}",
         "`index` is not a field of a screen_view event"},
        {"{\"type\":\"screen_end\"}", "unknown variant"},
    };
    char id[CS_EVENT_ID_SIZE];
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        strcpy(id, "x");
        CHECK_STATUS(cs_tracker_track(t, bad[i].json, id), CS_STATUS_INVALID_EVENT);
        CHECK(id[0] == '\0', "out_id is empty after a failure");
        CHECK(strstr(cs_last_error(), bad[i].reason) != NULL, "%s: \"%s\" does not say \"%s\"",
              bad[i].json, cs_last_error(), bad[i].reason);
    }
    CHECK_STATUS(cs_tracker_track(t, SCREEN, NULL), CS_STATUS_OK);
    CHECK_STATUS(cs_tracker_flush(t, WAIT_MS), CS_STATUS_OK);
    CHECK(heard_len(&events) == 1, "only the good screen view was tracked: %zu events",
          heard_len(&events));
    if (heard_len(&events) == 1) {
        CHECK(json_number(events.items[0], "eventIndex") == 1, "%s", events.items[0]);
        CHECK(strstr(events.items[0], "previousName") == NULL,
              "no earlier screen was made current: %s", events.items[0]);
    }
    CHECK_STATUS(cs_tracker_free(t, WAIT_MS), CS_STATUS_OK);
    heard_free(&events);
    heard_free(&sessions);
}

typedef struct {
    const char *name;
    void (*run)(void);
} Test;

int main(void) {
    const char *tmp = getenv("TMPDIR");
    snprintf(root, sizeof root, "%s/cs-abi-XXXXXX", tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
    if (mkdtemp(root) == NULL) {
        perror("mkdtemp");
        return 2;
    }
    const Test tests[] = {
        {"bad_input_gives_its_status", bad_input_gives_its_status},
        {"last_error_is_per_thread", last_error_is_per_thread},
        {"eight_threads_get_every_event_once_in_order",
         eight_threads_get_every_event_once_in_order},
        {"calls_after_close_say_closed", calls_after_close_say_closed},
        {"ids_sessions_and_a_restart", ids_sessions_and_a_restart},
        {"a_callback_that_calls_back_in", a_callback_that_calls_back_in},
        {"a_callback_that_closes_the_tracker", a_callback_that_closes_the_tracker},
        {"a_slow_callback_does_not_slow_the_caller", a_slow_callback_does_not_slow_the_caller},
        {"ui_thread_calls_return_at_once_while_the_store_is_slow",
         ui_thread_calls_return_at_once_while_the_store_is_slow},
        {"screens_end_with_their_summary", screens_end_with_their_summary},
        {"screen_engagement_off_sends_lists_and_scrolls",
         screen_engagement_off_sends_lists_and_scrolls},
        {"bad_screen_input_is_an_invalid_event", bad_screen_input_is_an_invalid_event},
    };
    int failed_tests = 0;
    size_t count = sizeof tests / sizeof *tests;
    for (size_t i = 0; i < count; i++) {
        int before = failures;
        printf("test %s ...\n", tests[i].name);
        fflush(stdout);
        tests[i].run();
        printf("test %s ... %s\n", tests[i].name, failures == before ? "ok" : "FAILED");
        fflush(stdout);
        failed_tests += failures != before;
    }
    nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    printf("%zu tests, %d checks: %d failed checks in %d tests\n", count, checks, failures,
           failed_tests);
    return failures == 0 ? 0 : 1;
}

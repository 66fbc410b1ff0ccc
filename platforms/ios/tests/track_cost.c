/*
 * The cost of one cs_tracker_track call on the caller's thread through the C ABI (issue 9,
 * "Measured"), beside baselines measured in the same run: `cargo xtask c-bench`, on a release
 * build linked statically, as an iOS app links it. Prints the figures; asserts nothing but that
 * every call succeeded and every event arrived (speed is never asserted, see docs/BENCHMARKS.md).
 *
 * Two regimes:
 * - burst: calls back to back, ROUNDS rounds of BURST_CALLS calls each kind, the kinds taking
 *   turns so drift (the library's thread writing, the machine) touches all of them; a round's
 *   time over its calls, the best and the median round reported. Baseline: an empty C call,
 *   cs_status_name(CS_STATUS_OK), which crosses into Rust and returns a static string.
 * - sparse: one call every GAP_NS, spinning in between (a UI thread busy with its own work), so
 *   the library's thread has processed the last event and is parked when the next call comes;
 *   each call timed alone (two clock reads), the median and the 99th percentile reported.
 *   Baselines: the empty C call timed the same way, and a bare send to a parked thread (a
 *   pthread condvar signal to a thread waiting on it, the mutex taken and released around it).
 *   The kinds take turns call by call.
 *
 * Usage: track_cost [BURST_CALLS [SPARSE_CALLS]] (defaults 200000 and 10000).
 */
#define _XOPEN_SOURCE 700

#include <ftw.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client_session.h"

#define ROUNDS 5
#define WARMUP 50000
#define GAP_NS 200000LL
#define WAIT_MS 120000

static const char *const SCREEN = "{\"type\":\"screen_view\",\"name\":\"home\"}";
static const char *const STRUCTURED =
    "{\"type\":\"structured\",\"category\":\"shop\",\"action\":\"add\",\"label\":\"sku-1\","
    "\"value\":2.5}";

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *what) {
    fprintf(stderr, "track_cost: %s (last error: %s)\n", what, cs_last_error());
    exit(1);
}

/* ---- the event callback: counts, so the run can check that every event arrived ---- */

static uint64_t delivered;

static void on_event(void *user_data, const char *json, size_t len) {
    (void)user_data;
    (void)json;
    (void)len;
    __atomic_add_fetch(&delivered, 1, __ATOMIC_RELAXED);
}

/* ---- what is timed ---- */

static CsTracker *tracker;
static uint64_t tracked;
/* Written by the empty call, so the compiler cannot drop it. */
static const char *volatile sink;

static void empty_call(void) { sink = cs_status_name(CS_STATUS_OK); }

static void track(const char *json) {
    char id[CS_EVENT_ID_SIZE];
    if (cs_tracker_track(tracker, json, id) != CS_STATUS_OK) {
        die("cs_tracker_track failed");
    }
    tracked++;
}

static void track_screen(void) { track(SCREEN); }
static void track_structured(void) { track(STRUCTURED); }

/* A thread waiting on a condvar, woken by `signal_parked`. */
static pthread_mutex_t parked_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t parked_cond = PTHREAD_COND_INITIALIZER;
static uint64_t parked_sent;
static int parked_stop;

static void *parked_thread(void *arg) {
    (void)arg;
    uint64_t seen = 0;
    pthread_mutex_lock(&parked_lock);
    while (!parked_stop) {
        while (parked_sent == seen && !parked_stop) {
            pthread_cond_wait(&parked_cond, &parked_lock);
        }
        seen = parked_sent;
    }
    pthread_mutex_unlock(&parked_lock);
    return NULL;
}

static void signal_parked(void) {
    pthread_mutex_lock(&parked_lock);
    parked_sent++;
    pthread_cond_signal(&parked_cond);
    pthread_mutex_unlock(&parked_lock);
}

typedef struct {
    const char *name;
    void (*call)(void);
    /* Whether it tracks (the tracker is flushed after its burst rounds). */
    int tracks;
} Kind;

static void flush(void) {
    if (cs_tracker_flush(tracker, WAIT_MS) != CS_STATUS_OK) {
        die("cs_tracker_flush failed");
    }
}

static int compare_double(const void *a, const void *b) {
    double x = *(const double *)a;
    double y = *(const double *)b;
    return (x > y) - (x < y);
}

static int compare_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a;
    int64_t y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* ---- burst ---- */

static void burst(const Kind *kinds, size_t count, long calls) {
    double per_call[8][ROUNDS];
    for (int round = 0; round < ROUNDS; round++) {
        for (size_t k = 0; k < count; k++) {
            int64_t start = now_ns();
            for (long i = 0; i < calls; i++) {
                kinds[k].call();
            }
            per_call[k][round] = (double)(now_ns() - start) / (double)calls;
            if (kinds[k].tracks) {
                /* The next round starts with the library's thread idle, as the first did. */
                flush();
            }
        }
    }
    printf("burst: calls back to back, %d rounds of %ld calls each, ns per call "
           "(best round, median round; ratio of the best to the empty call's best)\n",
           ROUNDS, calls);
    double empty_best = 0;
    for (size_t k = 0; k < count; k++) {
        qsort(per_call[k], ROUNDS, sizeof(double), compare_double);
        double best = per_call[k][0];
        if (k == 0) {
            empty_best = best;
        }
        printf("  %-40s %9.1f %9.1f", kinds[k].name, best, per_call[k][ROUNDS / 2]);
        if (k > 0 && empty_best > 0) {
            printf("   %7.1fx", best / empty_best);
        }
        printf("\n");
    }
}

/* ---- sparse ---- */

static void spin_until(int64_t deadline) {
    while (now_ns() < deadline) {
    }
}

static void sparse(const Kind *kinds, size_t count, long calls) {
    int64_t *times[8];
    for (size_t k = 0; k < count; k++) {
        times[k] = malloc((size_t)calls * sizeof(int64_t));
        if (times[k] == NULL) {
            die("out of memory");
        }
    }
    int64_t next = now_ns() + GAP_NS;
    for (long i = 0; i < calls; i++) {
        for (size_t k = 0; k < count; k++) {
            spin_until(next);
            int64_t start = now_ns();
            kinds[k].call();
            int64_t end = now_ns();
            times[k][i] = end - start;
            next = end + GAP_NS;
        }
    }
    printf("sparse: one call every %lld us (the caller spinning in between), %ld calls each, "
           "each timed alone, ns per call (median, 99th percentile; ratio of the median to the "
           "condvar signal's)\n",
           GAP_NS / 1000, calls);
    int64_t signal_median = 0;
    for (size_t k = 0; k < count; k++) {
        qsort(times[k], (size_t)calls, sizeof(int64_t), compare_i64);
        int64_t median = times[k][calls / 2];
        int64_t p99 = times[k][calls * 99 / 100];
        if (kinds[k].call == signal_parked) {
            signal_median = median;
        }
        printf("  %-40s %9lld %9lld", kinds[k].name, (long long)median, (long long)p99);
        if (kinds[k].tracks && signal_median > 0) {
            printf("   %7.2fx", (double)median / (double)signal_median);
        }
        printf("\n");
        free(times[k]);
    }
}

/* ---- the run ---- */

static char root[256];

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static long arg_or(int argc, char **argv, int index, long fallback) {
    if (argc <= index) {
        return fallback;
    }
    char *end = NULL;
    long value = strtol(argv[index], &end, 10);
    if (end == argv[index] || *end != '\0' || value <= 0) {
        fprintf(stderr, "track_cost: not a positive count: %s\n", argv[index]);
        exit(2);
    }
    return value;
}

int main(int argc, char **argv) {
    long burst_calls = arg_or(argc, argv, 1, 200000);
    long sparse_calls = arg_or(argc, argv, 2, 10000);
    const char *tmp = getenv("TMPDIR");
    snprintf(root, sizeof root, "%s/cs-bench-XXXXXX", tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
    if (mkdtemp(root) == NULL) {
        perror("mkdtemp");
        return 2;
    }
    if (cs_tracker_create("bench", root, "", on_event, NULL, NULL, NULL, &tracker) !=
        CS_STATUS_OK) {
        die("cs_tracker_create failed");
    }
    pthread_t waiter;
    if (pthread_create(&waiter, NULL, parked_thread, NULL) != 0) {
        die("pthread_create failed");
    }
    for (long i = 0; i < WARMUP; i++) {
        empty_call();
        track_screen();
        track_structured();
        signal_parked();
    }
    flush();

    const Kind burst_kinds[] = {
        {"empty C call (cs_status_name)", empty_call, 0},
        {"cs_tracker_track, screen_view", track_screen, 1},
        {"cs_tracker_track, structured", track_structured, 1},
    };
    burst(burst_kinds, sizeof burst_kinds / sizeof *burst_kinds, burst_calls);

    const Kind sparse_kinds[] = {
        {"empty C call (cs_status_name)", empty_call, 0},
        {"condvar signal to a parked thread", signal_parked, 0},
        {"cs_tracker_track, screen_view", track_screen, 1},
        {"cs_tracker_track, structured", track_structured, 1},
    };
    sparse(sparse_kinds, sizeof sparse_kinds / sizeof *sparse_kinds, sparse_calls);

    flush();
    pthread_mutex_lock(&parked_lock);
    parked_stop = 1;
    pthread_cond_signal(&parked_cond);
    pthread_mutex_unlock(&parked_lock);
    pthread_join(waiter, NULL);
    if (cs_tracker_free(tracker, WAIT_MS) != CS_STATUS_OK) {
        die("cs_tracker_free failed");
    }
    uint64_t got = __atomic_load_n(&delivered, __ATOMIC_RELAXED);
    /* Lifecycle events the tracker emits itself would come on top; none are expected here. */
    if (got < tracked) {
        fprintf(stderr, "track_cost: %llu events tracked, %llu delivered\n",
                (unsigned long long)tracked, (unsigned long long)got);
        return 1;
    }
    printf("%llu events tracked, %llu delivered to the callback\n", (unsigned long long)tracked,
           (unsigned long long)got);
    nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

package dev.clientsession;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * The cost of one {@code track} call on the caller's thread through JNI (the event's JSON
 * written in Java, moved across, parsed and queued by the library), beside baselines measured
 * in the same run: {@code cargo xtask jvm-bench}, on a release build. Prints the figures;
 * asserts nothing (the test program bounds a call that waits).
 *
 * <p>Two regimes, as {@code platforms/ios/tests/track_cost.c} measures the C ABI:
 *
 * <ul>
 *   <li>burst: calls back to back, rounds in which the kinds take turns so drift (the library's
 *       thread writing, JIT, the machine) touches all of them; the best and the median round
 *       reported. Baseline: an empty JNI call. Beside them, the part of a call spent in Java:
 *       writing the event's JSON ({@code toJson}) alone.
 *   <li>sparse: one call every 200 µs, spinning in between (a UI thread busy with its own work),
 *       so the library's thread is parked when the call comes; each call timed alone, the median
 *       and the 99th percentile reported. Baselines: the empty JNI call timed the same way, and
 *       two bare wake-ups of a parked thread: {@code LockSupport.unpark} and a {@code
 *       LinkedBlockingQueue.offer} to a thread waiting in {@code take}. The kinds take turns
 *       call by call.
 * </ul>
 */
public final class TrackCost {
    private static final int WARMUP = 50_000;
    private static final int BURST_CALLS = 200_000;
    private static final int SPARSE_CALLS = 10_000;
    private static final int ROUNDS = 5;
    private static final long GAP_NS = 200_000;
    private static final long WAIT_MS = 120_000;

    private static final int EMPTY = 0;
    private static final int SCREEN = 1;
    private static final int STRUCTURED = 2;
    private static final int UNPARK = 3;
    private static final int OFFER = 4;
    private static final int SCREEN_JSON = 5;
    private static final int STRUCTURED_JSON = 6;
    private static final String[] NAMES = {
        "empty JNI call",
        "track(ScreenView)",
        "track(Structured)",
        "LockSupport.unpark of a parked thread",
        "BlockingQueue.offer to a waiting take",
        "ScreenView.toJson() alone (Java)",
        "Structured.toJson() alone (Java)",
    };

    private final Tracker tracker;
    private final ScreenView screen = new ScreenView("home");
    private final Structured structured = new Structured("shop", "add").label("sku-1").value(2.5);
    private final Thread parked;
    private final LinkedBlockingQueue<Integer> queue = new LinkedBlockingQueue<>();
    private final Thread taker;
    private volatile boolean stop;
    /** What the calls return, read at the end so the JIT cannot drop them. */
    private int sink;

    private TrackCost(Tracker tracker) {
        this.tracker = tracker;
        parked =
                new Thread(
                        () -> {
                            while (!stop) {
                                LockSupport.park(this);
                            }
                        },
                        "parked");
        taker =
                new Thread(
                        () -> {
                            try {
                                while (queue.take() >= 0) {
                                    // Each element is one wake-up; a negative one ends it.
                                }
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        },
                        "taker");
        parked.setDaemon(true);
        taker.setDaemon(true);
        parked.start();
        taker.start();
    }

    private void call(int kind) {
        switch (kind) {
            case EMPTY:
                Tracker.nativeEmpty();
                break;
            case SCREEN:
                sink += tracker.track(screen).length();
                break;
            case STRUCTURED:
                sink += tracker.track(structured).length();
                break;
            case UNPARK:
                LockSupport.unpark(parked);
                break;
            case OFFER:
                queue.offer(1);
                break;
            case SCREEN_JSON:
                sink += screen.toJson().length();
                break;
            case STRUCTURED_JSON:
                sink += structured.toJson().length();
                break;
            default:
                throw new IllegalArgumentException("no kind " + kind);
        }
    }

    private static boolean tracks(int kind) {
        return kind == SCREEN || kind == STRUCTURED;
    }

    private void burst(int[] kinds) {
        double[][] perCall = new double[kinds.length][ROUNDS];
        for (int round = 0; round < ROUNDS; round++) {
            for (int k = 0; k < kinds.length; k++) {
                int kind = kinds[k];
                long t = System.nanoTime();
                for (int i = 0; i < BURST_CALLS; i++) {
                    call(kind);
                }
                perCall[k][round] = (System.nanoTime() - t) / (double) BURST_CALLS;
                if (tracks(kind)) {
                    // The next round starts with the library's thread idle, as the first did.
                    tracker.flush(WAIT_MS);
                }
            }
        }
        System.out.printf(
                "burst: calls back to back, %d rounds of %d calls each, ns per call (best round,"
                        + " median round; ratio of the best to the empty call's best)%n",
                ROUNDS, BURST_CALLS);
        double empty = 0;
        for (int k = 0; k < kinds.length; k++) {
            Arrays.sort(perCall[k]);
            double best = perCall[k][0];
            System.out.printf(
                    "  %-40s %9.1f %9.1f", NAMES[kinds[k]], best, perCall[k][ROUNDS / 2]);
            if (kinds[k] == EMPTY) {
                empty = best;
            } else if (tracks(kinds[k]) && empty > 0) {
                System.out.printf("   %7.1fx", best / empty);
            }
            System.out.println();
        }
    }

    private void sparse(int[] kinds) {
        long[][] times = new long[kinds.length][SPARSE_CALLS];
        long next = System.nanoTime() + GAP_NS;
        for (int i = 0; i < SPARSE_CALLS; i++) {
            for (int k = 0; k < kinds.length; k++) {
                while (System.nanoTime() < next) {
                    Thread.onSpinWait();
                }
                long start = System.nanoTime();
                call(kinds[k]);
                long end = System.nanoTime();
                times[k][i] = end - start;
                next = end + GAP_NS;
            }
        }
        System.out.printf(
                "sparse: one call every %d us (the caller spinning in between), %d calls each,"
                        + " each timed alone, ns per call (median, 99th percentile; ratio of the"
                        + " median to the unpark's)%n",
                GAP_NS / 1000, SPARSE_CALLS);
        long unpark = 0;
        for (int k = 0; k < kinds.length; k++) {
            Arrays.sort(times[k]);
            long median = times[k][SPARSE_CALLS / 2];
            long p99 = times[k][SPARSE_CALLS * 99 / 100];
            System.out.printf("  %-40s %9d %9d", NAMES[kinds[k]], median, p99);
            if (kinds[k] == UNPARK) {
                unpark = median;
            } else if (tracks(kinds[k]) && unpark > 0) {
                System.out.printf("   %7.2fx", median / (double) unpark);
            }
            System.out.println();
        }
    }

    private void end() throws InterruptedException {
        stop = true;
        LockSupport.unpark(parked);
        queue.offer(-1);
        parked.join();
        taker.join();
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("client-session-jvm-bench");
        Tracker tracker = Tracker.create("app", dir.toString(), "", null, null);
        TrackCost cost = new TrackCost(tracker);
        for (int i = 0; i < WARMUP; i++) {
            for (int kind = EMPTY; kind <= STRUCTURED_JSON; kind++) {
                cost.call(kind);
            }
        }
        tracker.flush(WAIT_MS);
        cost.burst(new int[] {EMPTY, SCREEN, STRUCTURED, SCREEN_JSON, STRUCTURED_JSON});
        cost.sparse(new int[] {EMPTY, UNPARK, OFFER, SCREEN, STRUCTURED});
        tracker.flush(WAIT_MS);
        cost.end();
        System.out.printf("(%d characters of event ids returned)%n", cost.sink);
        tracker.close();
        tracker.awaitClosed(WAIT_MS);
        TrackerTest.delete(dir);
    }
}

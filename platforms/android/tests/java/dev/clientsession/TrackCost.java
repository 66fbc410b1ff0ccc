package dev.clientsession;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The cost of one {@code track} call on the caller's thread through JNI (the event's JSON
 * written in Java, moved across, parsed and queued by the library), beside an empty JNI call
 * measured in the same run: {@code cargo xtask jvm-bench}, on a release build. Prints the
 * figures; asserts nothing (the test program bounds a call that waits).
 */
public final class TrackCost {
    private static final int WARMUP = 50_000;
    private static final int CALLS = 200_000;
    private static final int ROUNDS = 5;

    private TrackCost() {}

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("client-session-jvm-bench");
        Tracker tracker = Tracker.create("app", dir.toString(), "", null, null);
        ScreenView event = new ScreenView("home");
        for (int i = 0; i < WARMUP; i++) {
            Tracker.nativeEmpty();
            tracker.track(event);
        }
        // Rounds alternate so drift (the library's thread writing, JIT, the machine) touches
        // both; the best round of each is reported, as the least disturbed.
        double empty = Double.MAX_VALUE;
        double track = Double.MAX_VALUE;
        for (int round = 0; round < ROUNDS; round++) {
            long t = System.nanoTime();
            for (int i = 0; i < CALLS; i++) {
                Tracker.nativeEmpty();
            }
            empty = Math.min(empty, (System.nanoTime() - t) / (double) CALLS);
            tracker.flush(120_000);
            t = System.nanoTime();
            for (int i = 0; i < CALLS; i++) {
                tracker.track(event);
            }
            track = Math.min(track, (System.nanoTime() - t) / (double) CALLS);
            tracker.flush(120_000);
        }
        System.out.printf(
                "per call on the caller's thread, best of %d rounds of %d calls: track(ScreenView) %.0f ns,"
                        + " an empty JNI call %.0f ns%n",
                ROUNDS, CALLS, track, empty);
        tracker.close();
        tracker.awaitClosed(120_000);
        TrackerTest.delete(dir);
    }
}

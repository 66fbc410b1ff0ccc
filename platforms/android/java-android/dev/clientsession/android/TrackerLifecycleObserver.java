package dev.clientsession.android;

import androidx.annotation.NonNull;
import androidx.lifecycle.DefaultLifecycleObserver;
import androidx.lifecycle.LifecycleOwner;
import androidx.lifecycle.ProcessLifecycleOwner;

import dev.clientsession.Tracker;

/**
 * Tells a {@link Tracker} when the app comes to the foreground and goes to the background,
 * from {@link ProcessLifecycleOwner}: {@code ON_START} (the first activity started) is
 * {@link Tracker#foreground}, {@code ON_STOP} (the last activity stopped, after a short delay
 * so a rotation does not count) is {@link Tracker#background}.
 *
 * <p>Needs the Android SDK and {@code androidx.lifecycle:lifecycle-process}; this is why it
 * lives outside {@code platforms/android/java/}, which the JVM tests compile. Hook it up once,
 * on the main thread, in {@code Application.onCreate}:
 *
 * <pre>{@code
 * public final class App extends Application {
 *     private Tracker tracker;
 *
 *     @Override
 *     public void onCreate() {
 *         super.onCreate();
 *         String dataDir = new File(getNoBackupFilesDir(), "client-session").getPath();
 *         tracker = Tracker.create("app", dataDir, new TrackerConfiguration(),
 *                 new SessionConfiguration(1800, 1800), emitter::add, null);
 *         TrackerLifecycleObserver.register(tracker);
 *     }
 * }
 * }</pre>
 *
 * <p>Each callback returns at once (the tracker never waits on storage), so it is safe on the
 * main thread. A tracker that is closed meanwhile makes the calls throw
 * {@link IllegalStateException}; the observer catches it and stops observing.
 */
public final class TrackerLifecycleObserver implements DefaultLifecycleObserver {
    private final Tracker tracker;

    /** @param tracker the tracker to tell */
    public TrackerLifecycleObserver(@NonNull Tracker tracker) {
        this.tracker = tracker;
    }

    /**
     * Observes the process's lifecycle for {@code tracker}. Call it on the main thread
     * ({@code Lifecycle.addObserver} requires it). If the process is already started, the
     * observer gets {@code ON_START} at once.
     *
     * @param tracker the tracker to tell
     * @return the observer, to remove with {@code ProcessLifecycleOwner.get().getLifecycle()
     *     .removeObserver(observer)} before closing the tracker
     */
    @NonNull
    public static TrackerLifecycleObserver register(@NonNull Tracker tracker) {
        TrackerLifecycleObserver observer = new TrackerLifecycleObserver(tracker);
        ProcessLifecycleOwner.get().getLifecycle().addObserver(observer);
        return observer;
    }

    @Override
    public void onStart(@NonNull LifecycleOwner owner) {
        try {
            tracker.foreground();
        } catch (IllegalStateException closed) {
            owner.getLifecycle().removeObserver(this);
        }
    }

    @Override
    public void onStop(@NonNull LifecycleOwner owner) {
        try {
            tracker.background();
        } catch (IllegalStateException closed) {
            owner.getLifecycle().removeObserver(this);
        }
    }
}

package dev.clientsession;

import java.util.Objects;

/**
 * A session tracker: the {@code client_session} entity of Snowplow's mobile trackers for every
 * event, decided by the Rust library {@code libclient_session_android.so} on a thread of its own
 * and kept with sled in the app's data directory.
 *
 * <p>Every method may be called from any thread, and every method but {@link #flush} and
 * {@link #awaitClosed} returns at once, without waiting on storage: the calls are queued in one
 * ordered queue, processed on the library's thread, and the tracked events reach the
 * {@link EventListener} there, in order, once persisted. {@link #track} still returns the event
 * id at once.
 *
 * <p>Errors are exceptions carrying the library's message: {@link NullPointerException} for a
 * null argument, {@link IllegalArgumentException} for bad input (configuration, event JSON, a
 * negative timeout), {@link IllegalStateException} for a closed tracker, one whose store could
 * not be opened, or {@link #setTestTime} without a test clock, and {@link TrackerException} for
 * the rest (a timeout, a thread that could not start).
 *
 * <pre>{@code
 * Tracker tracker = Tracker.create("app", new File(context.getNoBackupFilesDir(), "client-session").getPath(),
 *         new TrackerConfiguration(), new SessionConfiguration(1800, 1800),
 *         eventJson -> emitter.add(eventJson), session -> Log.i("app", "session " + session.getSessionId()));
 * String eventId = tracker.track(new ScreenView("home"));
 * }</pre>
 */
public final class Tracker implements AutoCloseable {
    static {
        System.loadLibrary("client_session_android");
    }

    /** The library's name for this tracker; never reused, never a pointer. */
    private final long id;
    private final String namespace;

    private Tracker(long id, String namespace) {
        this.id = id;
        this.namespace = namespace;
    }

    /**
     * Starts a tracker. Returns at once: the library opens the store on its own thread, and
     * calls made meanwhile are processed in order once it is open. A tracker created while
     * another on the same directory and namespace is still closing opens once that one has
     * released the store (a restart).
     *
     * @param namespace the tracker's namespace (one session state per namespace)
     * @param dataDir the directory the library keeps its state in (created if needed); on Android,
     *     a folder under {@code Context.getNoBackupFilesDir()}, so a backup restored on another
     *     device does not clone the user id
     * @param trackerConfiguration {@code lifecycleAutotracking}, {@code userAnonymisation},
     *     {@code screenContext}, {@code screenEngagementAutotracking}
     * @param sessionConfiguration the timeouts and {@code continueSessionOnRestart}
     * @param eventListener gets every tracked event's JSON, in order, on the library's thread;
     *     may be null
     * @param sessionListener gets each new session, on the library's thread, just before the
     *     event that started it; may be null
     * @return the tracker
     * @throws IllegalArgumentException for a configuration the library refuses
     */
    public static Tracker create(
            String namespace,
            String dataDir,
            TrackerConfiguration trackerConfiguration,
            SessionConfiguration sessionConfiguration,
            EventListener eventListener,
            SessionListener sessionListener) {
        Objects.requireNonNull(trackerConfiguration, "trackerConfiguration");
        Objects.requireNonNull(sessionConfiguration, "sessionConfiguration");
        return create(
                namespace,
                dataDir,
                Json.configuration(trackerConfiguration, sessionConfiguration),
                eventListener,
                sessionListener);
    }

    /**
     * Starts a tracker configured by JSON: the keys of {@link SessionConfiguration} and
     * {@link TrackerConfiguration} in one object ({@code {"foregroundTimeout": 600,
     * "lifecycleAutotracking": false}}), plus, for tests only, {@code "test": {"clockMs": ...,
     * "storeDelayMs": ...}} (a test clock starting at that Unix time in ms, moved with
     * {@link #setTestTime}; a store that waits that long on every write). An unknown key is an
     * error.
     *
     * @param namespace as {@link #create(String, String, TrackerConfiguration, SessionConfiguration,
     *     EventListener, SessionListener)}
     * @param dataDir as there
     * @param configurationJson the configuration as JSON; an empty string is the default one
     * @param eventListener as there; may be null
     * @param sessionListener as there; may be null
     * @return the tracker
     * @throws IllegalArgumentException for malformed JSON, an unknown key or a value out of range
     */
    public static Tracker create(
            String namespace,
            String dataDir,
            String configurationJson,
            EventListener eventListener,
            SessionListener sessionListener) {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(configurationJson, "configurationJson");
        long id =
                nativeCreate(
                        namespace,
                        dataDir,
                        configurationJson,
                        new Callbacks(eventListener, sessionListener));
        return new Tracker(id, namespace);
    }

    /** @return the namespace this tracker was created with */
    public String getNamespace() {
        return namespace;
    }

    /**
     * Tracks an event. Returns its event id at once; the event, with its contexts, reaches the
     * {@link EventListener} once persisted. With screen engagement on, a {@link ScreenView} that
     * replaces a current screen reaches it as two events, the old screen's {@code screen_end}
     * (an id of its own) then the screen view, and a {@link ListItemView} or
     * {@link ScrollChanged} reaches it as nothing (it goes into the screen's summary).
     *
     * @param event a {@link ScreenView}, {@link ListItemView}, {@link ScrollChanged},
     *     {@link Structured} or {@link SelfDescribing} event
     * @return the event id (a lower-case UUID); for a list item or scroll event folded into the
     *     summary, an id no delivered event carries
     * @throws IllegalArgumentException when the library refuses the event
     * @throws IllegalStateException when the tracker is closed
     */
    public String track(Event event) {
        Objects.requireNonNull(event, "event");
        return nativeTrack(id, event.toJson());
    }

    /** The app came to the foreground ({@code ProcessLifecycleOwner}'s {@code ON_START}). */
    public void foreground() {
        nativeForeground(id);
    }

    /** The app went to the background ({@code ProcessLifecycleOwner}'s {@code ON_STOP}). */
    public void background() {
        nativeBackground(id);
    }

    /** Starts a new session at the next event. */
    public void startNewSession() {
        nativeStartNewSession(id);
    }

    /**
     * Forgets the user, as the JavaScript tracker's {@code clearUserData()} does: the user id,
     * every namespace's stored session and checkpoint, and every copy kept aside after damage
     * are deleted from the data directory, and a new user id is made; the next event starts
     * session 1 of the new user with no previous session. Pending requests, pause, anonymisation
     * and the lifecycle state are kept. Returns at once: the deletion happens on the library's
     * thread, in order with every other call.
     *
     * @throws IllegalStateException when the tracker is closed
     */
    public void clearUserData() {
        nativeClearUserData(id);
    }

    /** Suspends the session timeout checks until {@link #resume}. */
    public void pause() {
        nativePause(id);
    }

    /** Resumes the session timeout checks. */
    public void resume() {
        nativeResume(id);
    }

    /**
     * Turns user anonymisation on or off ({@code TrackerConfiguration.userAnonymisation}): the
     * user and previous session ids are then masked in every entity.
     *
     * @param userAnonymisation whether to anonymise
     */
    public void setUserAnonymisation(boolean userAnonymisation) {
        nativeSetUserAnonymisation(id, userAnonymisation);
    }

    /**
     * The current session as of its start, as the {@link SessionListener} got it. Never waits:
     * it reads what the library's thread last published.
     *
     * @return the session, or null before the first one
     * @throws IllegalStateException when the tracker is closed
     */
    public Session getSession() {
        String json = nativeSession(id);
        return json == null ? null : new Session(json);
    }

    /**
     * Blocks until every call made before it is processed, persisted and delivered to the
     * listeners, or the timeout passes. It waits on storage: never call it on the UI thread.
     *
     * @param timeoutMs how long to wait at most, in milliseconds
     * @throws TrackerException on timeout
     * @throws IllegalStateException when the tracker is closed or its store could not be opened
     */
    public void flush(long timeoutMs) {
        nativeFlush(id, timeoutMs);
    }

    /**
     * Closes the tracker without waiting: what was called before is still processed, persisted
     * and delivered, then the store is closed cleanly on the library's thread. Every later call
     * but {@link #awaitClosed} throws {@link IllegalStateException}. Closing a closed tracker
     * does nothing.
     */
    @Override
    public void close() {
        nativeClose(id);
    }

    /**
     * Blocks until the library's thread of this closed tracker has ended and released its
     * store, or the timeout passes. Not for the UI thread. A tracker that is never awaited is
     * released all the same.
     *
     * @param timeoutMs how long to wait at most, in milliseconds
     * @throws IllegalStateException when {@link #close} was not called first
     * @throws TrackerException on timeout
     */
    public void awaitClosed(long timeoutMs) {
        nativeAwaitClosed(id, timeoutMs);
    }

    /**
     * TEST ONLY: sets the test clock, in Unix ms, of a tracker created with
     * {@code "test": {"clockMs": ...}} in its configuration JSON. An app never calls it.
     *
     * @param unixMs the time the tracker reads from now on
     * @throws IllegalStateException when the tracker has no test clock, or is closed
     */
    public void setTestTime(long unixMs) {
        nativeSetTestTime(id, unixMs);
    }

    @Override
    public String toString() {
        return "Tracker(" + namespace + ")";
    }

    // The library registers these in JNI_OnLoad (platforms/android/src/lib.rs keeps the table).
    private static native long nativeCreate(
            String namespace, String dataDir, String configurationJson, Callbacks callbacks);

    private static native String nativeTrack(long id, String eventJson);

    private static native void nativeForeground(long id);

    private static native void nativeBackground(long id);

    private static native void nativeStartNewSession(long id);

    private static native void nativeClearUserData(long id);

    private static native void nativePause(long id);

    private static native void nativeResume(long id);

    private static native void nativeSetUserAnonymisation(long id, boolean userAnonymisation);

    private static native String nativeSession(long id);

    private static native void nativeSetTestTime(long id, long unixMs);

    private static native void nativeFlush(long id, long timeoutMs);

    private static native boolean nativeClose(long id);

    private static native void nativeAwaitClosed(long id, long timeoutMs);

    /** Does nothing: the cost of a JNI call itself, for the measurements of the tests. */
    static native void nativeEmpty();
}

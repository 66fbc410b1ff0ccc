package dev.clientsession.driver;

import dev.clientsession.Event;
import dev.clientsession.Tracker;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The JVM driver of {@code cargo xtask replay-jvm}: reads the line script of the mobile driver
 * protocol on stdin (one JVM for every scenario file), calls the Java API for each command and
 * prints what the API gives (see the protocol in the lead's brief and
 * {@code xtask/src/mobile_driver.rs}). It parses no scenario and no JSON.
 */
public final class Driver {
    /** How long {@code flush} and {@code close} wait, in ms. */
    private static final long WAIT_MS = 120_000;

    /** Held by every line written: the main thread and the library's threads both print. */
    private static final Object OUT = new Object();

    private static PrintStream out;

    private final List<Tracker> open = new ArrayList<>();
    private Tracker current;

    private Driver() {}

    public static void main(String[] args) throws IOException {
        out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, "UTF-8");
        BufferedReader in =
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        Driver driver = new Driver();
        String line;
        while ((line = in.readLine()) != null) {
            driver.run(line);
        }
        driver.closeAll();
        synchronized (OUT) {
            out.flush();
        }
        System.exit(0);
    }

    /** Writes one whole line and flushes it. */
    private static void emit(String line) {
        synchronized (OUT) {
            out.print(line);
            out.print('\n');
            out.flush();
        }
    }

    private void run(String line) {
        int space = line.indexOf(' ');
        String command = space < 0 ? line : line.substring(0, space);
        String rest = space < 0 ? "" : line.substring(space + 1);
        try {
            switch (command) {
                case "begin":
                case "step":
                    emit(line);
                    break;
                case "create":
                    create(rest);
                    break;
                case "time":
                    tracker(command).setTestTime(Long.parseLong(rest));
                    break;
                case "track":
                    tracker(command).track(Event.fromJson(rest));
                    break;
                case "foreground":
                    tracker(command).foreground();
                    break;
                case "background":
                    tracker(command).background();
                    break;
                case "new_session":
                    tracker(command).startNewSession();
                    break;
                case "clear_user_data":
                    tracker(command).clearUserData();
                    break;
                case "pause":
                    tracker(command).pause();
                    break;
                case "resume":
                    tracker(command).resume();
                    break;
                case "anonymous":
                    tracker(command).setUserAnonymisation(bool(rest));
                    break;
                case "flush":
                    tracker(command).flush(WAIT_MS);
                    break;
                case "close":
                    Tracker closing = tracker(command);
                    closing.close();
                    open.remove(closing);
                    closing.awaitClosed(WAIT_MS);
                    break;
                default:
                    emit("error unknown " + line);
            }
        } catch (RuntimeException e) {
            emit("error " + command + " " + message(e));
        }
    }

    private void create(String rest) {
        String[] fields = rest.split(" ", 3);
        if (fields.length < 3) {
            throw new IllegalArgumentException("expected `create <dir> <namespace> <config>`");
        }
        current =
                Tracker.create(
                        fields[1],
                        fields[0],
                        fields[2],
                        eventJson -> emit("event " + eventJson),
                        session -> emit("session " + session.toJson()));
        open.add(current);
    }

    private Tracker tracker(String command) {
        if (current == null) {
            throw new IllegalStateException("no tracker was created before `" + command + "`");
        }
        return current;
    }

    private static boolean bool(String text) {
        switch (text) {
            case "true":
                return true;
            case "false":
                return false;
            default:
                throw new IllegalArgumentException("expected true or false, got `" + text + "`");
        }
    }

    /** The exception's message on one line (its class when it has none). */
    private static String message(RuntimeException e) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        return message.replace('\r', ' ').replace('\n', ' ');
    }

    /** At the end of the script: close what is still open, and wait for it. */
    private void closeAll() {
        for (Tracker tracker : open) {
            try {
                tracker.close();
                tracker.awaitClosed(WAIT_MS);
            } catch (RuntimeException e) {
                emit("error close " + message(e));
            }
        }
        open.clear();
    }
}

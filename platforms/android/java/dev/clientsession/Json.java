package dev.clientsession;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The little JSON this package writes (strings, the configuration) and reads (a session, a flat
 * object). Events are written by their classes; the library parses and checks everything.
 */
final class Json {
    private Json() {}

    /** Appends {@code text} as a JSON string. */
    static void string(StringBuilder out, String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"':
                    out.append("\\\"");
                    break;
                case '\\':
                    out.append("\\\\");
                    break;
                case '\n':
                    out.append("\\n");
                    break;
                case '\r':
                    out.append("\\r");
                    break;
                case '\t':
                    out.append("\\t");
                    break;
                default:
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
            }
        }
        out.append('"');
    }

    /** Appends {@code ,"key":"value"} to an object already holding a member; nothing for null. */
    static void optional(StringBuilder out, String key, String value) {
        if (value != null) {
            out.append(",\"").append(key).append("\":");
            string(out, value);
        }
    }

    /** Appends {@code ,"key":value} to an object already holding a member; nothing for null. */
    static void optional(StringBuilder out, String key, Integer value) {
        if (value != null) {
            out.append(",\"").append(key).append("\":").append(value.intValue());
        }
    }

    /** Both configurations as the library's one configuration object; unset keys left out. */
    static String configuration(TrackerConfiguration tracker, SessionConfiguration session) {
        StringBuilder json = new StringBuilder("{");
        member(json, "foregroundTimeout", session.getForegroundTimeout());
        member(json, "backgroundTimeout", session.getBackgroundTimeout());
        member(json, "continueSessionOnRestart", session.getContinueSessionOnRestart());
        member(json, "lifecycleAutotracking", tracker.getLifecycleAutotracking());
        member(json, "userAnonymisation", tracker.getUserAnonymisation());
        member(json, "screenContext", tracker.getScreenContext());
        member(json, "screenEngagementAutotracking", tracker.getScreenEngagementAutotracking());
        return json.append('}').toString();
    }

    private static void member(StringBuilder json, String key, Object value) {
        if (value == null) {
            return;
        }
        if (json.length() > 1) {
            json.append(',');
        }
        json.append('"').append(key).append("\":").append(value);
    }

    /**
     * Reads a JSON object whose values are strings, numbers, booleans or null (a session):
     * strings as {@code String}, whole numbers as {@code Long}, other numbers as {@code Double}.
     *
     * @throws IllegalArgumentException for anything else
     */
    static Map<String, Object> flatObject(String json) {
        Reader reader = new Reader(json);
        Map<String, Object> fields = new LinkedHashMap<>();
        reader.expect('{');
        if (reader.peek() == '}') {
            reader.next();
        } else {
            while (true) {
                String key = reader.string();
                reader.expect(':');
                fields.put(key, reader.scalar());
                char c = reader.next();
                if (c == '}') {
                    break;
                }
                if (c != ',') {
                    throw reader.error("expected ',' or '}'");
                }
            }
        }
        if (reader.peek() != Reader.END) {
            throw reader.error("text after the object");
        }
        return fields;
    }

    /** A cursor over JSON text that skips whitespace before each token. */
    private static final class Reader {
        static final char END = '\uffff';
        private final String text;
        private int at;

        Reader(String text) {
            this.text = text;
        }

        char peek() {
            while (at < text.length() && " \t\r\n".indexOf(text.charAt(at)) >= 0) {
                at++;
            }
            return at < text.length() ? text.charAt(at) : END;
        }

        char next() {
            char c = peek();
            if (c == END) {
                throw error("unexpected end");
            }
            at++;
            return c;
        }

        void expect(char wanted) {
            if (next() != wanted) {
                at--;
                throw error("expected '" + wanted + "'");
            }
        }

        Object scalar() {
            char c = peek();
            if (c == '"') {
                return string();
            }
            for (String word : new String[] {"true", "false", "null"}) {
                if (text.startsWith(word, at)) {
                    at += word.length();
                    return word.equals("null") ? null : Boolean.valueOf(word);
                }
            }
            int start = at;
            while (at < text.length() && "+-0123456789.eE".indexOf(text.charAt(at)) >= 0) {
                at++;
            }
            String number = text.substring(start, at);
            try {
                if (number.matches("-?[0-9]+")) {
                    return Long.valueOf(number);
                }
                return Double.valueOf(number);
            } catch (NumberFormatException e) {
                at = start;
                throw error("expected a string, number, boolean or null");
            }
        }

        String string() {
            expect('"');
            StringBuilder out = new StringBuilder();
            while (true) {
                if (at >= text.length()) {
                    throw error("unterminated string");
                }
                char c = text.charAt(at++);
                if (c == '"') {
                    return out.toString();
                }
                if (c != '\\') {
                    out.append(c);
                    continue;
                }
                if (at >= text.length()) {
                    throw error("unterminated escape");
                }
                char e = text.charAt(at++);
                switch (e) {
                    case '"':
                    case '\\':
                    case '/':
                        out.append(e);
                        break;
                    case 'b':
                        out.append('\b');
                        break;
                    case 'f':
                        out.append('\f');
                        break;
                    case 'n':
                        out.append('\n');
                        break;
                    case 'r':
                        out.append('\r');
                        break;
                    case 't':
                        out.append('\t');
                        break;
                    case 'u':
                        if (at + 4 > text.length()) {
                            throw error("short \\u escape");
                        }
                        try {
                            out.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
                        } catch (NumberFormatException x) {
                            throw error("bad \\u escape");
                        }
                        at += 4;
                        break;
                    default:
                        throw error("bad escape");
                }
            }
        }

        IllegalArgumentException error(String what) {
            return new IllegalArgumentException(
                    "not a flat JSON object (" + what + " at " + at + "): " + text);
        }
    }
}

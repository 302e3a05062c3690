package io.atomixoperator.agent;

import java.util.Collection;
import java.util.Iterator;
import java.util.Map;

/** Writes response bodies; the launcher only ever produces maps, lists, strings, numbers and booleans. */
final class Json {
  private Json() {
  }

  static String write(Object value) {
    StringBuilder out = new StringBuilder();
    append(out, value);
    return out.toString();
  }

  private static void append(StringBuilder out, Object value) {
    if (value == null) {
      out.append("null");
    } else if (value instanceof Number || value instanceof Boolean) {
      out.append(value);
    } else if (value instanceof Map<?, ?> map) {
      out.append('{');
      appendEntries(out, map.entrySet().iterator());
      out.append('}');
    } else if (value instanceof Collection<?> items) {
      out.append('[');
      for (Iterator<?> it = items.iterator(); it.hasNext(); ) {
        append(out, it.next());
        if (it.hasNext()) {
          out.append(',');
        }
      }
      out.append(']');
    } else {
      appendString(out, value.toString());
    }
  }

  private static void appendEntries(StringBuilder out, Iterator<? extends Map.Entry<?, ?>> entries) {
    while (entries.hasNext()) {
      Map.Entry<?, ?> entry = entries.next();
      appendString(out, String.valueOf(entry.getKey()));
      out.append(':');
      append(out, entry.getValue());
      if (entries.hasNext()) {
        out.append(',');
      }
    }
  }

  private static void appendString(StringBuilder out, String text) {
    out.append('"');
    for (char c : text.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}

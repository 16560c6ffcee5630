package io.switchboard.orchestration;

/**
 * The analyzer's vocabulary: each word with what it scores per task kind and the languages it is a
 * stopword of. Looked up by a word's characters as the scanner lowercases them into a buffer, so a
 * scan allocates nothing per word (open addressing over a power-of-two table).
 */
final class WordTable {
  /** One word: its weight per task kind (by ordinal, null when it scores for none) and a bit per language. */
  static final class Entry {
    final String word;
    final char[] chars;
    double[] kindWeights;
    long languages;

    Entry(String word) {
      this.word = word;
      this.chars = word.toCharArray();
    }
  }

  private final Entry[] slots;
  private final int mask;

  WordTable(int expectedWords) {
    int size = Integer.highestOneBit(Math.max(16, expectedWords * 4) - 1) << 1;
    slots = new Entry[size];
    mask = size - 1;
  }

  /** The entry of {@code word} (lower case), created when missing. */
  Entry entry(String word) {
    char[] chars = word.toCharArray();
    int i = hash(chars, chars.length) & mask;
    while (slots[i] != null) {
      if (slots[i].word.equals(word)) return slots[i];
      i = (i + 1) & mask;
    }
    slots[i] = new Entry(word);
    return slots[i];
  }

  /** The entry of the word in {@code buffer[0, length)}, or null. */
  Entry find(char[] buffer, int length, int hash) {
    int i = hash & mask;
    while (true) {
      Entry e = slots[i];
      if (e == null) return null;
      if (e.chars.length == length && same(e.chars, buffer, length)) return e;
      i = (i + 1) & mask;
    }
  }

  private static boolean same(char[] a, char[] b, int length) {
    for (int k = 0; k < length; k++) {
      if (a[k] != b[k]) return false;
    }
    return true;
  }

  /** The hash the scanner computes as it reads a word: {@code h = 31 * h + c}, spread. */
  static int hash(char[] chars, int length) {
    int h = 0;
    for (int k = 0; k < length; k++) h = 31 * h + chars[k];
    return spread(h);
  }

  static int spread(int h) {
    return h ^ (h >>> 16);
  }
}

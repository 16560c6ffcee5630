package io.switchboard.usage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.persistence.DataDirectory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The usage ledger's write-ahead spool: an append-only file of usage records under the node's data
 * directory, one JSON line each, every record with an increasing sequence number. Appending a record
 * costs a few microseconds where a database commit (on H2 with its {@code CHECKPOINT}) costs hundreds;
 * neither {@code fsync}s, so both survive a {@code kill -9} of the node (the operating system has the
 * bytes) and neither survives a power cut.
 *
 * <p>Exactly once without a record id in the table: the spool has an id of its own (random, kept in the
 * file {@value #ID_FILE}), and the transaction that inserts a batch also sets the spool's {@code
 * applied_seq} ({@link UsageStore#markApplied}). Replay at start inserts only the records past it. The
 * spool is cut into segments of {@code segmentRecords} records, named by their first sequence number; a
 * segment whose records are all applied is deleted, so the spool stays small. A segment is written only
 * by the run that created it: a torn last line left by a crash is skipped with a warning, never appended
 * to. Every run starts a new (empty) segment named by its next sequence number, so the directory always
 * tells where numbering goes on, even when every record before is applied and deleted.
 *
 * <p>Not thread-safe beyond its own lock: the ledger appends one group at a time from the blocking
 * dispatcher, and deletes applied segments from there too.
 *
 * <pre>{@code
 * UsageSpool.Opened opened = UsageSpool.at(dataDir.resolve(UsageSpool.DIRECTORY), mapper).open();
 * opened.spool().append(List.of(new UsageSpool.Line(opened.spool().nextSeq(), record)));
 * }</pre>
 */
public final class UsageSpool implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(UsageSpool.class);

  /** The spool's directory inside {@code switchboard.persistence.data-dir}. */
  public static final String DIRECTORY = "usage-spool";
  static final String ID_FILE = "spool-id";
  static final String SUFFIX = ".jsonl";
  /** A new segment every this many records: about 2 MB of ~200-byte records. */
  static final int DEFAULT_SEGMENT_RECORDS = 10_000;

  /** One spooled record: what a line of a segment holds. */
  public record Line(long seq, UsageRecord record) {}

  /** A spool opened, and every record its segments still hold (applied or not), by sequence number. */
  public record Opened(UsageSpool spool, List<Line> held) {}

  /** Where a spool lives, not opened yet: opening reads its files ({@link #open}). */
  public record Location(Path dir, ObjectMapper mapper, int segmentRecords) {
    public Location {
      Objects.requireNonNull(dir, "dir");
      Objects.requireNonNull(mapper, "mapper");
      if (segmentRecords < 1) throw new IllegalArgumentException("segmentRecords = " + segmentRecords);
    }

    /** Creates the directory and its id if missing, reads what its segments hold, starts a new segment. */
    public Opened open() throws IOException {
      return UsageSpool.open(this);
    }
  }

  private record Segment(Path file, long lastSeq) {}

  private final Location location;
  private final String id;
  private final List<Segment> closed;
  private Path currentFile;
  private FileChannel current;
  private long currentLastSeq;
  private int currentRecords;
  private final long firstSeq;

  private UsageSpool(Location location, String id, List<Segment> closed, long firstSeq) {
    this.location = location;
    this.id = id;
    this.closed = closed;
    this.firstSeq = firstSeq;
    this.currentLastSeq = firstSeq - 1;
  }

  /** A spool in {@code dir}, with segments of the default size. */
  public static Location at(Path dir, ObjectMapper mapper) {
    return new Location(dir, mapper, DEFAULT_SEGMENT_RECORDS);
  }

  /** The spool's id: its row in the database's applied sequence numbers. */
  public String id() {
    return id;
  }

  /** The first sequence number this run may give: past everything any run before it gave. */
  public long firstSeq() {
    return firstSeq;
  }

  /**
   * Appends {@code lines} (in increasing sequence) in one write; once it returns, the operating system
   * has them. When it throws, the current segment is closed and the next append starts a new one, so a
   * part written of this group is never followed on the same line.
   */
  public synchronized void append(List<Line> lines) throws IOException {
    if (lines.isEmpty()) return;
    long last = lines.get(lines.size() - 1).seq();
    try {
      if (current == null || currentRecords >= location.segmentRecords()) startSegment(lines.get(0).seq());
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(lines.size() * 256);
      for (Line line : lines) {
        bytes.write(location.mapper().writeValueAsBytes(line));
        bytes.write('\n');
      }
      ByteBuffer buffer = ByteBuffer.wrap(bytes.toByteArray());
      while (buffer.hasRemaining()) current.write(buffer);
      currentRecords += lines.size();
      currentLastSeq = last;
    } catch (IOException | RuntimeException e) {
      // Its records may be partly in the file: the segment is kept until they are applied.
      currentLastSeq = Math.max(currentLastSeq, last);
      closeCurrent();
      throw e instanceof IOException io ? io : new IOException(e);
    }
  }

  /** Whether a segment holds only records at or below {@code appliedSeq}, and would be deleted. */
  public synchronized boolean hasApplied(long appliedSeq) {
    return closed.stream().anyMatch(segment -> segment.lastSeq() <= appliedSeq);
  }

  /**
   * Deletes every segment whose records are all at or below {@code appliedSeq}. Call only once the
   * database holds them durably (on H2, after a {@code CHECKPOINT}): the spool was their only copy.
   */
  public synchronized void deleteApplied(long appliedSeq) {
    closed.removeIf(segment -> {
      if (segment.lastSeq() > appliedSeq) return false;
      try {
        Files.deleteIfExists(segment.file());
        return true;
      } catch (IOException e) {
        log.warn("usage spool: could not delete the applied segment {}: {}", segment.file(), e.toString());
        return false;
      }
    });
  }

  @Override
  public synchronized void close() {
    if (current == null) return;
    try {
      current.close();
    } catch (IOException e) {
      log.warn("usage spool: could not close {}: {}", currentFile, e.toString());
    }
    current = null;
  }

  private void startSegment(long seq) throws IOException {
    closeCurrent();
    Path file = location.dir().resolve(segmentName(seq));
    DataDirectory.prepare(location.dir(), file);
    // A file of this name holds no record (numbering goes on past every record found at open): empty it.
    current = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
    currentFile = file;
    currentRecords = 0;
    currentLastSeq = seq - 1;
  }

  private void closeCurrent() {
    if (current == null) return;
    close();
    closed.add(new Segment(currentFile, currentLastSeq));
  }

  static String segmentName(long firstSeq) {
    return String.format("%020d", firstSeq) + SUFFIX;
  }

  private static Opened open(Location location) throws IOException {
    Path dir = location.dir();
    DataDirectory.prepare(dir);
    DataDirectory.narrow(dir); // files an older start left readable
    String id = readOrCreateId(dir);
    List<Path> files;
    try (Stream<Path> listing = Files.list(dir)) {
      files = listing.filter(f -> f.getFileName().toString().endsWith(SUFFIX) && firstSeqOf(f) > 0)
          .sorted(Comparator.comparingLong(UsageSpool::firstSeqOf)).toList();
    }
    List<Line> held = new ArrayList<>();
    List<Segment> closed = new ArrayList<>();
    long last = 0;
    for (Path file : files) {
      long segmentLast = firstSeqOf(file) - 1;
      for (Line line : read(file, location.mapper())) {
        held.add(line);
        segmentLast = Math.max(segmentLast, line.seq());
      }
      closed.add(new Segment(file, segmentLast));
      last = Math.max(last, segmentLast);
    }
    held.sort(Comparator.comparingLong(Line::seq));
    UsageSpool spool = new UsageSpool(location, id, closed, last + 1);
    // Started now, though empty: its name keeps the numbering should every segment before it be deleted.
    spool.startSegment(last + 1);
    return new Opened(spool, List.copyOf(held));
  }

  /** The records of {@code file}; a line that cannot be read (torn by a crash) is skipped with a warning. */
  private static List<Line> read(Path file, ObjectMapper mapper) throws IOException {
    // Decoded leniently: a line torn inside a character must not make the whole segment unreadable.
    String text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    List<Line> lines = new ArrayList<>();
    int start = 0;
    while (start < text.length()) {
      int end = text.indexOf('\n', start);
      if (end < 0) {
        log.warn("usage spool: {} ends in a partial line ({} characters, written when the node stopped); skipped",
            file, text.length() - start);
        break;
      }
      String json = text.substring(start, end);
      start = end + 1;
      if (json.isBlank()) continue;
      try {
        Line line = mapper.readValue(json, Line.class);
        if (line.seq() > 0 && line.record() != null) lines.add(line);
        else log.warn("usage spool: a line of {} holds no record; skipped", file);
      } catch (JsonProcessingException e) {
        log.warn("usage spool: a line of {} cannot be read ({}); skipped", file, e.getOriginalMessage());
      }
    }
    return lines;
  }

  private static String readOrCreateId(Path dir) throws IOException {
    Path file = dir.resolve(ID_FILE);
    if (Files.exists(file)) {
      String id = Files.readString(file, StandardCharsets.UTF_8).trim();
      if (!id.isEmpty()) return id;
    }
    String id = UUID.randomUUID().toString();
    Path written = dir.resolve(ID_FILE + ".new");
    DataDirectory.prepare(dir, written);
    Files.writeString(written, id + "\n", StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.WRITE);
    Files.move(written, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    return id;
  }

  private static long firstSeqOf(Path file) {
    String name = file.getFileName().toString();
    try {
      return Long.parseLong(name.substring(0, name.length() - SUFFIX.length()));
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}

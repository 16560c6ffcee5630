package io.switchboard;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Every log event while it is open, Switchboard's own loggers at DEBUG: what an operator's log file
 * would hold, to search for what must never be there (a secret) or must be (a failure).
 *
 * <pre>{@code
 * try (LogCapture log = LogCapture.start()) {
 *   ... requests ...
 *   assertTrue(log.lines().stream().noneMatch(line -> line.contains(SECRET)));
 * }
 * }</pre>
 */
public final class LogCapture implements AutoCloseable {
  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  private final Logger own = (Logger) LoggerFactory.getLogger("io.switchboard");
  private final Level ownLevel = own.getLevel();
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  private LogCapture() {
    appender.start();
    root.addAppender(appender);
    own.setLevel(Level.DEBUG);
  }

  public static LogCapture start() {
    return new LogCapture();
  }

  /** Each event as one line: its message, its exception with stack trace, its MDC (the request id). */
  public List<String> lines() {
    return List.copyOf(appender.list).stream().map(event -> event.getLevel() + " " + event.getLoggerName() + " "
        + event.getFormattedMessage()
        + (event.getThrowableProxy() == null ? "" : "\n" + ThrowableProxyUtil.asString(event.getThrowableProxy()))
        + " " + event.getMDCPropertyMap()).toList();
  }

  @Override
  public void close() {
    root.detachAppender(appender);
    own.setLevel(ownLevel);
  }
}

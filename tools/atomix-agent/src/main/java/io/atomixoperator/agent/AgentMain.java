package io.atomixoperator.agent;

import io.atomix.core.Atomix;
import io.atomix.core.AtomixBuilder;
import io.atomix.utils.net.Address;
import io.atomixoperator.agent.AgentCommandLine.Dialect;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stands in for io.atomix.agent.AtomixAgent, the main class of the atomix/atomix 3.1 images:
 * parse the command line, load the configuration, start Atomix (which blocks until the node has
 * joined its groups), and only then serve HTTP, so {@code GET /v1/status} answering means the
 * node is fully started.
 */
public final class AgentMain {
  private AgentMain() {
  }

  public static void main(String[] args) throws InterruptedException {
    AgentCommandLine commandLine = AgentCommandLine.parse(args, Dialect.AGENT);
    commandLine.publishLoggingProperties();
    run(commandLine, UnaryOperator.identity());
  }

  /** Starts the node, with {@code customize} applied to its builder, and keeps the JVM running. */
  static void run(AgentCommandLine commandLine, UnaryOperator<AtomixBuilder> customize) throws InterruptedException {
    Logger logger = LoggerFactory.getLogger(AgentMain.class);
    try {
      start(commandLine, customize, logger);
    } catch (Throwable e) {
      // The real agent would leave a process without HTTP behind (Atomix threads are not
      // daemons); exiting makes a bad configuration or failed start visible at once.
      logger.error("Atomix agent failed to start", e);
      System.exit(1);
    }
    // Atomix and the HTTP server run on their own threads; the shutdown hook stops Atomix.
    Thread.currentThread().join();
  }

  private static void start(AgentCommandLine commandLine, UnaryOperator<AtomixBuilder> customize, Logger logger) throws Exception {
    long startedAt = System.nanoTime();
    Atomix atomix = customize.apply(Atomix.builder(commandLine.toAtomixConfig()).withShutdownHookEnabled()).build();
    atomix.start().join();
    logger.info("Atomix listening at {} after {} ms", atomix.getMembershipService().getLocalMember().address(), elapsedMillis(startedAt));

    Address httpAddress = commandLine.httpAddress();
    HttpRoutes routes = new HttpRoutes();
    new AgentResources(atomix).register(routes);
    new LauncherResources(atomix).register(routes);
    routes.listen(httpAddress);
    logger.info("HTTP server listening at {}", httpAddress);
  }

  private static long elapsedMillis(long since) {
    return (System.nanoTime() - since) / 1_000_000;
  }
}

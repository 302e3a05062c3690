package io.atomixoperator.agent;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.atomix.utils.net.Address;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A minimal router on the JDK HTTP server whose handlers answer asynchronously. */
final class HttpRoutes {
  private static final Logger LOGGER = LoggerFactory.getLogger(HttpRoutes.class);
  private static final int WORKER_THREADS = 8;

  record Request(List<String> pathParams, String body) {
    String param(int index) {
      return pathParams.get(index);
    }
  }

  record Reply(int status, String contentType, String body) {
    static Reply ok() {
      return new Reply(200, null, "");
    }

    static CompletableFuture<Reply> now(Reply reply) {
      return CompletableFuture.completedFuture(reply);
    }

    static Reply json(Object value) {
      return value == null ? ok() : new Reply(200, "application/json", Json.write(value));
    }

    static Reply text(int status, String message) {
      return new Reply(status, "text/plain; charset=utf-8", message);
    }
  }

  /** A request the client got wrong; answered 400 like the real agent's body and parameter binding errors. */
  static final class BadRequestException extends RuntimeException {
    BadRequestException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  @FunctionalInterface
  interface Handler {
    CompletableFuture<Reply> handle(Request request) throws Exception;
  }

  private record Route(String method, Pattern path, Handler handler) {
  }

  private final List<Route> routes = new ArrayList<>();

  /**
   * Adds a route. {@code {name}} matches one path segment. Routes match in the order they were
   * added, so add literal paths ({@code /{name}/keys}) before templated ones ({@code /{name}/{key}}),
   * which is the precedence JAX-RS gives them in the real agent.
   */
  HttpRoutes add(String method, String template, Handler handler) {
    String regex = Pattern.quote(template).replaceAll("\\{[^}/]+}", "\\\\E([^/]+)\\\\Q");
    routes.add(new Route(method, Pattern.compile(regex), handler));
    return this;
  }

  HttpServer listen(Address address) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(address.host(), address.port()), 0);
    ExecutorService workers = Executors.newFixedThreadPool(WORKER_THREADS);
    server.setExecutor(workers);
    server.createContext("/", this::dispatch);
    server.start();
    return server;
  }

  private void dispatch(HttpExchange exchange) {
    CompletableFuture<Reply> reply;
    try {
      reply = route(exchange);
    } catch (Exception e) {
      reply = CompletableFuture.failedFuture(e);
    }
    reply.exceptionally(HttpRoutes::errorReply).thenAccept(r -> send(exchange, r));
  }

  private CompletableFuture<Reply> route(HttpExchange exchange) throws Exception {
    String path = exchange.getRequestURI().getRawPath();
    boolean pathKnown = false;
    for (Route route : routes) {
      Matcher matcher = route.path().matcher(path);
      if (!matcher.matches()) {
        continue;
      }
      pathKnown = true;
      if (route.method().equals(exchange.getRequestMethod())) {
        return route.handler().handle(new Request(decodedGroups(matcher), readBody(exchange)));
      }
    }
    return CompletableFuture.completedFuture(pathKnown ? Reply.text(405, "method not allowed") : Reply.text(404, "not found"));
  }

  private static List<String> decodedGroups(Matcher matcher) {
    List<String> params = new ArrayList<>();
    for (int i = 1; i <= matcher.groupCount(); i++) {
      params.add(URLDecoder.decode(matcher.group(i), StandardCharsets.UTF_8));
    }
    return params;
  }

  private static String readBody(HttpExchange exchange) throws IOException {
    try (InputStream in = exchange.getRequestBody()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /**
   * Any failure of Atomix itself is a 500, as in the real agent, including configuration errors
   * Atomix raises while creating a primitive. The message is returned to help diagnosis.
   */
  private static Reply errorReply(Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    LOGGER.warn("request failed", cause);
    if (cause instanceof BadRequestException badRequest) {
      return Reply.text(400, badRequest.getMessage() + ": " + badRequest.getCause());
    }
    return Reply.text(500, String.valueOf(cause));
  }

  private static void send(HttpExchange exchange, Reply reply) {
    byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
    try (exchange; OutputStream out = exchange.getResponseBody()) {
      if (reply.contentType() != null) {
        exchange.getResponseHeaders().set("Content-Type", reply.contentType());
      }
      exchange.sendResponseHeaders(reply.status(), body.length == 0 ? -1 : body.length);
      out.write(body);
    } catch (IOException e) {
      LOGGER.debug("client went away", e);
    }
  }
}

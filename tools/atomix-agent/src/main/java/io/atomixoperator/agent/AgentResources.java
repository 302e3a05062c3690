package io.atomixoperator.agent;

import io.atomix.cluster.Member;
import io.atomix.cluster.MemberId;
import io.atomix.core.Atomix;
import io.atomix.core.counter.AsyncAtomicCounter;
import io.atomix.core.counter.AtomicCounterConfig;
import io.atomix.core.counter.AtomicCounterType;
import io.atomix.core.map.AsyncAtomicMap;
import io.atomix.core.map.AtomicMapConfig;
import io.atomix.core.map.AtomicMapType;
import io.atomix.primitive.PrimitiveInfo;
import io.atomix.primitive.PrimitiveType;
import io.atomix.primitive.config.PrimitiveConfig;
import io.atomix.utils.time.Versioned;
import io.atomixoperator.agent.HttpRoutes.Reply;
import io.atomixoperator.agent.HttpRoutes.Request;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The subset of the real agent's REST API (atomix-rest 3.1, prefix /v1) the operator and its
 * tests rely on, with the same paths, methods, bodies and status codes.
 */
final class AgentResources {
  private final Atomix atomix;
  private final PrimitiveConfigReader configReader;

  AgentResources(Atomix atomix) {
    this.atomix = atomix;
    this.configReader = new PrimitiveConfigReader(atomix.getRegistry());
  }

  void register(HttpRoutes routes) {
    routes.add("GET", "/v1/status", request -> Reply.now(Reply.ok()))
        .add("GET", "/v1/cluster/node", request -> Reply.now(Reply.json(describe(atomix.getMembershipService().getLocalMember()))))
        .add("GET", "/v1/cluster/nodes", request -> Reply.now(Reply.json(members())))
        .add("GET", "/v1/cluster/nodes/{node}", this::member)
        .add("GET", "/v1/primitives", request -> Reply.now(Reply.json(primitives(atomix.getPrimitives()))))
        .add("POST", "/v1/atomic-counter/{name}", request -> create(request, AtomicCounterType.instance(), AtomicCounterConfig.class))
        .add("GET", "/v1/atomic-counter/{name}", request -> counter(request).thenCompose(AsyncAtomicCounter::get).thenApply(Reply::json))
        .add("PUT", "/v1/atomic-counter/{name}", this::setCounter)
        .add("POST", "/v1/atomic-counter/{name}/inc", request -> counter(request).thenCompose(AsyncAtomicCounter::incrementAndGet).thenApply(Reply::json))
        .add("POST", "/v1/atomic-map/{name}", request -> create(request, AtomicMapType.instance(), AtomicMapConfig.class))
        .add("GET", "/v1/atomic-map/{name}/{key}", request -> map(request).thenCompose(m -> m.get(request.param(1))).thenApply(AgentResources::versioned))
        .add("PUT", "/v1/atomic-map/{name}/{key}", request -> map(request).thenCompose(m -> m.put(request.param(1), request.body())).thenApply(AgentResources::versioned))
        .add("DELETE", "/v1/atomic-map/{name}/{key}", request -> map(request).thenCompose(m -> m.remove(request.param(1))).thenApply(AgentResources::versioned));
  }

  /**
   * Creates (or looks up) the primitive with the posted configuration and caches it on this
   * node only; later requests by name on this node use that configuration.
   */
  private <C extends PrimitiveConfig<C>> CompletableFuture<Reply> create(
      Request request, PrimitiveType<?, C, ?> type, Class<C> configClass) {
    C config = configReader.read(request.body(), configClass);
    return atomix.getPrimitiveAsync(request.param(0), type, config).thenApply(primitive -> Reply.ok());
  }

  private CompletableFuture<AsyncAtomicCounter> counter(Request request) {
    return atomix.getPrimitiveAsync(request.param(0), AtomicCounterType.instance()).thenApply(counter -> counter.async());
  }

  private CompletableFuture<AsyncAtomicMap<String, String>> map(Request request) {
    return atomix.getPrimitiveAsync(request.param(0), AtomicMapType.<String, String>instance())
        .thenApply(map -> map.async());
  }

  private CompletableFuture<Reply> setCounter(Request request) {
    long value;
    try {
      value = Long.parseLong(request.body().trim());
    } catch (NumberFormatException e) {
      throw new HttpRoutes.BadRequestException("counter value must be a long", e);
    }
    return counter(request).thenCompose(counter -> counter.set(value)).thenApply(nothing -> Reply.ok());
  }

  private CompletableFuture<Reply> member(Request request) {
    Member member = atomix.getMembershipService().getMember(MemberId.from(request.param(0)));
    return Reply.now(member == null ? Reply.text(404, "no such member") : Reply.json(describe(member)));
  }

  private List<Map<String, Object>> members() {
    return atomix.getMembershipService().getMembers().stream()
        .sorted((a, b) -> a.id().id().compareTo(b.id().id()))
        .map(AgentResources::describe)
        .toList();
  }

  private static Map<String, Object> describe(Member member) {
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("id", member.id().id());
    info.put("host", member.address().host());
    info.put("port", member.address().port());
    return info;
  }

  private static Map<String, Object> primitives(Collection<PrimitiveInfo> infos) {
    Map<String, Object> byName = new LinkedHashMap<>();
    for (PrimitiveInfo info : infos) {
      byName.put(info.name(), Map.of("name", info.name(), "type", info.type().name()));
    }
    return byName;
  }

  private static Reply versioned(Versioned<String> value) {
    if (value == null) {
      return Reply.ok();
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("value", value.value());
    body.put("version", value.version());
    return Reply.json(body);
  }
}

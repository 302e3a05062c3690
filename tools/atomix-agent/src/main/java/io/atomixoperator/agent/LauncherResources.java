package io.atomixoperator.agent;

import io.atomix.cluster.MemberId;
import io.atomix.core.Atomix;
import io.atomix.core.log.AsyncDistributedLog;
import io.atomix.core.log.AsyncDistributedLogPartition;
import io.atomix.core.log.DistributedLogConfig;
import io.atomix.core.log.DistributedLogType;
import io.atomix.core.log.Record;
import io.atomix.primitive.partition.Partition;
import io.atomix.primitive.partition.PartitionGroup;
import io.atomixoperator.agent.HttpRoutes.Reply;
import io.atomixoperator.agent.HttpRoutes.Request;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Endpoints the real agent does not have, under /launcher/v1 so they cannot be mistaken for its
 * API: partition group state, which shows whether each group formed, and the distributed log
 * primitive, the only primitive built for log partition groups, which has no REST resource in 3.1.
 */
final class LauncherResources {
  private final Atomix atomix;
  private final PrimitiveConfigReader configReader;
  /** Records each log created on this node has consumed so far, by log name. */
  private final Map<String, List<Map<String, Object>>> consumedRecords = new ConcurrentHashMap<>();

  LauncherResources(Atomix atomix) {
    this.atomix = atomix;
    this.configReader = new PrimitiveConfigReader(atomix.getRegistry());
  }

  void register(HttpRoutes routes) {
    routes.add("GET", "/launcher/v1/partition-groups", request -> Reply.now(Reply.json(partitionGroups())))
        .add("POST", "/launcher/v1/log/{name}", this::createLog)
        .add("POST", "/launcher/v1/log/{name}/produce", request -> log(request).thenCompose(log -> log.produce(request.body())).thenApply(nothing -> Reply.ok()))
        .add("GET", "/launcher/v1/log/{name}/records", this::records);
  }

  private List<Map<String, Object>> partitionGroups() {
    var partitions = atomix.getPartitionService();
    return Stream.concat(Stream.of(partitions.getSystemPartitionGroup()), partitions.getPartitionGroups().stream())
        .filter(Objects::nonNull)
        .map(group -> describe(group, group == partitions.getSystemPartitionGroup()))
        .toList();
  }

  private static Map<String, Object> describe(PartitionGroup group, boolean system) {
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("name", group.name());
    info.put("type", group.type().name());
    info.put("system", system);
    info.put("partitions", group.getPartitions().stream()
        .sorted((a, b) -> Integer.compare(a.id().id(), b.id().id()))
        .map(LauncherResources::describe)
        .toList());
    return info;
  }

  private static Map<String, Object> describe(Partition partition) {
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("id", partition.id().id());
    info.put("term", orNull(partition::term));
    MemberId primary = orNull(partition::primary);
    info.put("primary", primary == null ? null : primary.id());
    Collection<MemberId> members = orNull(partition::members);
    info.put("members", members == null ? null : members.stream().map(MemberId::id).sorted().toList());
    return info;
  }

  /** Primary-backup and log partitions answer from their primary election, which throws until a primary exists. */
  private static <T> T orNull(Supplier<T> query) {
    try {
      return query.get();
    } catch (RuntimeException e) {
      return null;
    }
  }

  /**
   * Creates the log with the posted configuration; the first creation on this node also starts
   * consuming every partition from its first record.
   */
  private CompletableFuture<Reply> createLog(Request request) {
    String name = request.param(0);
    DistributedLogConfig config = configReader.read(request.body(), DistributedLogConfig.class);
    List<Map<String, Object>> records = new ArrayList<>();
    boolean firstCreation = consumedRecords.putIfAbsent(name, records) == null;
    return atomix.getPrimitiveAsync(name, DistributedLogType.<String>instance(), config)
        .thenCompose(log -> firstCreation ? consumeAll(log.async(), records) : CompletableFuture.completedFuture(null))
        .thenApply(nothing -> Reply.ok());
  }

  private static CompletableFuture<Void> consumeAll(AsyncDistributedLog<String> log, List<Map<String, Object>> records) {
    return CompletableFuture.allOf(log.getPartitions().stream()
        .map(partition -> partition.consume(record -> collect(records, partition, record)))
        .toArray(CompletableFuture[]::new));
  }

  private static void collect(List<Map<String, Object>> records, AsyncDistributedLogPartition<String> partition, Record<String> record) {
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("partition", partition.id());
    info.put("offset", record.offset());
    info.put("value", record.value());
    synchronized (records) {
      records.add(info);
    }
  }

  private CompletableFuture<AsyncDistributedLog<String>> log(Request request) {
    return atomix.getPrimitiveAsync(request.param(0), DistributedLogType.<String>instance()).thenApply(log -> log.async());
  }

  private CompletableFuture<Reply> records(Request request) {
    List<Map<String, Object>> records = consumedRecords.get(request.param(0));
    if (records == null) {
      return Reply.now(Reply.text(404, "no log of that name was created on this node"));
    }
    synchronized (records) {
      return Reply.now(Reply.json(List.copyOf(records)));
    }
  }
}

package io.atomixoperator.agent;

import io.atomix.cluster.MemberConfig;
import io.atomix.cluster.MemberId;
import io.atomix.cluster.NodeConfig;
import io.atomix.cluster.discovery.BootstrapDiscoveryConfig;
import io.atomix.cluster.discovery.MulticastDiscoveryConfig;
import io.atomix.core.Atomix;
import io.atomix.core.AtomixConfig;
import io.atomix.utils.net.Address;
import io.atomix.utils.net.MalformedAddressException;
import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.sourceforge.argparse4j.ArgumentParsers;
import net.sourceforge.argparse4j.impl.Arguments;
import net.sourceforge.argparse4j.inf.ArgumentParser;
import net.sourceforge.argparse4j.inf.ArgumentParserException;
import net.sourceforge.argparse4j.inf.ArgumentType;
import net.sourceforge.argparse4j.inf.Namespace;

/**
 * The command line of io.atomix.agent.AtomixAgent 3.1: the same options (argparse4j 0.7.0, like
 * the real agent, so abbreviations and unknown-option handling behave identically), the same
 * system properties, and the same order of configuration overrides. The atomix-bench node
 * (io.atomix.bench.AtomixBenchmark) parses a subset of the same options the same way.
 */
final class AgentCommandLine {
  /** Whose command line: the agent's, or atomix-bench's subset of it. */
  enum Dialect {
    AGENT,
    /** No --host/--rack/--zone, --ignore-resources or logging options; those become system properties. */
    BENCH
  }

  private static final List<String> LOG_LEVELS = List.of("ALL", "OFF", "ERROR", "WARN", "INFO", "DEBUG", "TRACE");
  private static final int DEFAULT_HTTP_PORT = 5678;

  private final Namespace options;

  private AgentCommandLine(Namespace options) {
    this.options = options;
  }

  /**
   * Parses the arguments. Options the agent does not declare become system properties
   * ({@code --cluster.node.id x} or {@code --cluster.node.id=x}), which is how the real agent
   * lets any configuration key be overridden from the command line.
   */
  static AgentCommandLine parse(String[] args, Dialect dialect) {
    ArgumentParser parser = createParser(dialect);
    List<String> unknown = new ArrayList<>();
    try {
      Namespace options = parser.parseKnownArgs(args, unknown);
      unknownOptionsAsProperties(unknown).forEach(System::setProperty);
      return new AgentCommandLine(options);
    } catch (ArgumentParserException e) {
      parser.handleError(e);
      System.exit(1);
      throw new IllegalStateException(e);
    }
  }

  static Map<String, String> unknownOptionsAsProperties(List<String> unknown) {
    Map<String, String> properties = new LinkedHashMap<>();
    String pendingKey = null;
    for (String arg : unknown) {
      if (arg.startsWith("--")) {
        int equals = arg.indexOf('=');
        if (equals < 0) {
          pendingKey = arg.substring(2);
        } else {
          properties.put(arg.substring(2, equals), arg.substring(equals + 1));
          pendingKey = null;
        }
      } else if (pendingKey != null) {
        properties.put(pendingKey, arg);
        pendingKey = null;
      }
    }
    return properties;
  }

  private static ArgumentParser createParser(Dialect dialect) {
    ArgumentType<Address> address = (parser, argument, value) -> Address.from(value);
    ArgumentType<NodeConfig> bootstrapNode = (parser, argument, value) ->
        new NodeConfig().setId(bootstrapMemberId(value)).setAddress(bootstrapAddress(value));

    ArgumentParser parser = ArgumentParsers.newArgumentParser("AtomixServer").defaultHelp(true)
        .description("Stand-in for the Atomix 3.1 agent. Any configuration key can be overridden with --<path> <value>.");
    parser.addArgument("--member", "-m").nargs("?").help("local member id");
    parser.addArgument("--address", "-a").type(address).metavar("HOST:PORT").nargs("?").help("address peers use to reach this member");
    parser.addArgument("--config", "-c").type(File.class).nargs("*").metavar("CONF|JSON|PROPERTIES")
        .setDefault(defaultConfigFiles()).help("configuration files; earlier files take precedence");
    if (dialect == Dialect.AGENT) {
      addAgentOnlyOptions(parser);
    }
    parser.addArgument("--data-dir").nargs("?").metavar("FILE").setDefault(System.getProperty("atomix.data", ".data")).help("default data directory");
    parser.addArgument("--bootstrap", "-b").type(bootstrapNode).nargs("*").metavar("NAME@HOST:PORT").help("static members to join; replaces the configured discovery");
    parser.addArgument("--multicast").action(Arguments.storeTrue()).help("enable multicast discovery");
    parser.addArgument("--multicast-group").metavar("IP").help("multicast group");
    parser.addArgument("--multicast-port").type(Integer.class).metavar("PORT").help("multicast port");
    parser.addArgument("--http-host").metavar("HOST").setDefault("0.0.0.0").help("HTTP bind address");
    parser.addArgument("--http-port", "-p").type(Integer.class).metavar("PORT").setDefault(DEFAULT_HTTP_PORT).help("HTTP port");
    return parser;
  }

  private static void addAgentOnlyOptions(ArgumentParser parser) {
    parser.addArgument("--host").nargs("?").help("host id, for host-aware partitioning");
    parser.addArgument("--rack").nargs("?").help("rack id, for rack-aware partitioning");
    parser.addArgument("--zone").nargs("?").help("zone id, for zone-aware partitioning");
    parser.addArgument("--ignore-resources").action(Arguments.storeTrue()).help("accepted for compatibility; has no effect, as in the real agent");
    parser.addArgument("--log-config").nargs("?").metavar("FILE").setDefault(System.getProperty("atomix.logback")).help("logback configuration file");
    parser.addArgument("--log-dir").nargs("?").metavar("FILE")
        .setDefault(System.getProperty("atomix.log.directory", new File(System.getProperty("user.dir"), "logs").getPath())).help("log directory");
    addLogLevel(parser, "--log-level", "atomix.log.level", "DEBUG");
    addLogLevel(parser, "--file-log-level", "atomix.log.file.level", "DEBUG");
    addLogLevel(parser, "--console-log-level", "atomix.log.console.level", "INFO");
  }

  private static void addLogLevel(ArgumentParser parser, String option, String property, String fallback) {
    parser.addArgument(option).nargs("?").metavar("LEVEL").choices(LOG_LEVELS)
        .setDefault(System.getProperty(property, fallback)).help("log level (" + property + ")");
  }

  private static List<File> defaultConfigFiles() {
    String files = System.getProperty("atomix.config.files");
    return files == null ? List.of() : Arrays.stream(files.split(",")).map(File::new).toList();
  }

  private static MemberId bootstrapMemberId(String value) {
    int at = value.indexOf('@');
    return at > 0 ? MemberId.from(value.substring(0, at)) : null;
  }

  private static Address bootstrapAddress(String value) {
    int at = value.indexOf('@');
    if (at >= 0) {
      return Address.from(value.substring(at + 1));
    }
    try {
      return Address.from(value);
    } catch (MalformedAddressException e) {
      return Address.local();
    }
  }

  /**
   * Publishes the logging options as the system properties the real agent sets. Besides
   * configuring logback, they matter to configuration loading: Atomix tolerates an unknown
   * configuration key when it names or prefixes a system property, so {@code atomix.*} helper
   * keys in a config file are accepted only because these properties exist.
   */
  void publishLoggingProperties() {
    String logConfig = options.getString("log_config");
    if (logConfig != null) {
      System.setProperty("logback.configurationFile", logConfig);
    }
    System.setProperty("atomix.log.directory", options.getString("log_dir"));
    System.setProperty("atomix.log.level", options.getString("log_level"));
    System.setProperty("atomix.log.console.level", options.getString("console_log_level"));
    System.setProperty("atomix.log.file.level", options.getString("file_log_level"));
  }

  /**
   * Loads the configuration with Atomix's own loader (system properties, then each file in
   * order, with strict key checking) and applies the identity and discovery options on top.
   */
  AtomixConfig toAtomixConfig() {
    System.setProperty("atomix.data", options.getString("data_dir"));
    List<File> files = options.getList("config");
    AtomixConfig config;
    if (files != null && !files.isEmpty()) {
      System.setProperty("atomix.config.resources", "");
      config = Atomix.config(files);
    } else {
      config = Atomix.config();
    }
    applyNodeOptions(config);
    applyDiscoveryOptions(config);
    return config;
  }

  private void applyNodeOptions(AtomixConfig config) {
    MemberConfig node = config.getClusterConfig().getNodeConfig();
    String member = options.getString("member");
    if (member != null) {
      node.setId(member);
    }
    Address address = options.get("address");
    if (address != null) {
      node.setAddress(address);
    }
    String host = options.getString("host");
    if (host != null) {
      node.setHostId(host);
    }
    String rack = options.getString("rack");
    if (rack != null) {
      node.setRackId(rack);
    }
    String zone = options.getString("zone");
    if (zone != null) {
      node.setZoneId(zone);
    }
  }

  private void applyDiscoveryOptions(AtomixConfig config) {
    List<NodeConfig> bootstrap = options.getList("bootstrap");
    boolean hasBootstrap = bootstrap != null && !bootstrap.isEmpty();
    if (hasBootstrap) {
      config.getClusterConfig().setDiscoveryConfig(new BootstrapDiscoveryConfig().setNodes(bootstrap));
    }
    if (options.getBoolean("multicast")) {
      var multicast = config.getClusterConfig().getMulticastConfig().setEnabled(true);
      String group = options.getString("multicast_group");
      if (group != null) {
        multicast.setGroup(group);
      }
      Integer port = options.getInt("multicast_port");
      if (port != null) {
        multicast.setPort(port);
      }
      if (!hasBootstrap) {
        config.getClusterConfig().setDiscoveryConfig(new MulticastDiscoveryConfig());
      }
    }
  }

  Address httpAddress() {
    return Address.from(options.getString("http_host"), options.getInt("http_port"));
  }
}

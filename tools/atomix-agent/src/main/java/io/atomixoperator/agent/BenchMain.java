package io.atomixoperator.agent;

import io.atomixoperator.agent.AgentCommandLine.Dialect;

/**
 * Stands in for io.atomix.bench.AtomixBenchmark, the node the atomix/atomix-bench image runs
 * with its {@code agent} command: a member with no partition groups of its own (a client of the
 * cluster) that parses atomix-bench's subset of the agent's options and announces itself as a
 * benchmark node with the member property {@code bench=true}. The script passes the word
 * {@code agent} through; like atomix-bench's parser, this one ignores a stray positional word.
 * Benchmark runs themselves ({@code /v1/bench}) are not implemented.
 */
public final class BenchMain {
  private BenchMain() {
  }

  public static void main(String[] args) throws InterruptedException {
    AgentMain.run(AgentCommandLine.parse(args, Dialect.BENCH), builder -> builder.withProperty("bench", Boolean.TRUE.toString()));
  }
}

namespace Mesh.Bench;

/// <summary>The workflows the benchmark runs: steps that call nothing, so what is measured is the engine and its store.</summary>
public static class Workloads
{
    /// <summary>A loop of two no-op steps (a set and a branch) until <c>n</c> reaches the input.</summary>
    public static string Loop(string name) => $$$"""
        name: {{{name}}}
        inputs: { type: object, properties: { n: { type: number } } }
        limits: { maxSteps: 100000, deadline: 1h }
        steps:
          - { id: tick, kind: set, values: { n: "{{ default(state.n, 0) + 1 }}" }, next: again, maxVisits: 50000 }
          - id: again
            kind: branch
            cases: [ { when: "state.n < inputs.n", next: tick } ]
        """;

    /// <summary>Ten no-op steps in a row.</summary>
    public static string Ten(string name) => $$$"""
        name: {{{name}}}
        steps:
        {{{string.Join("\n", Enumerable.Range(1, 10).Select(i => $"  - {{ id: s{i}, kind: set, values: {{ v{i}: {i} }}{(i < 10 ? $", next: s{i + 1}" : "")} }}"))}}}
        """;
}

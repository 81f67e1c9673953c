using System.Text.Json.Nodes;
using Mesh.Agents.Workflows.Expressions;

namespace Mesh.Agents.Workflows.Definitions;

/// <summary>
/// The step kinds and what each needs: its fields, the steps it can go to, the tools and models
/// it calls. The engine runs them; this is what registration checks.
/// </summary>
public static class StepKinds
{
    public const string Generate = "generate";
    public const string Embed = "embed";
    public const string Retrieve = "retrieve";
    public const string Tool = "tool";
    public const string Branch = "branch";
    public const string Parallel = "parallel";
    public const string Wait = "wait";
    public const string Subworkflow = "subworkflow";
    public const string Agent = "agent";
    public const string Set = "set";

    public static IReadOnlyList<string> All { get; } = [Generate, Embed, Retrieve, Tool, Branch, Parallel, Wait, Subworkflow, Agent, Set];

    /// <summary>Kinds a fan-out can run per item, and a compensation can be.</summary>
    public static IReadOnlyList<string> Activities { get; } = [Generate, Embed, Retrieve, Tool, Set, Subworkflow];

    /// <summary>Fields every step may have; the kinds add their own.</summary>
    public static readonly string[] CommonFields = ["id", "kind", "next", "output", "retry", "timeout", "compensate", "maxVisits", "description", "onError"];

    private static readonly Dictionary<string, string[]> Fields = new(StringComparer.Ordinal)
    {
        [Generate] = ["model", "prompt", "maxTokens", "temperature", "seed", "stop", "topK", "topP"],
        [Embed] = ["model", "input"],
        [Retrieve] = ["knowledge", "query", "vector", "top"],
        [Tool] = ["tool", "version", "arguments"],
        [Branch] = ["cases", "default"],
        [Parallel] = ["over", "concurrency", "step"],
        [Wait] = ["signal", "onTimeout"],
        [Subworkflow] = ["workflow", "version", "inputs"],
        [Agent] = ["model", "prompt", "tools", "maxIterations", "maxTokens"],
        [Set] = ["values"],
    };

    public static bool IsKnown(string kind) => Fields.ContainsKey(kind);

    public static IReadOnlyList<string> FieldsOf(string kind) => [.. CommonFields, .. Fields[kind]];

    /// <summary>The steps a step can go to besides <see cref="StepDefinition.Next"/>.</summary>
    public static IEnumerable<(string Target, string Path)> Edges(StepDefinition step)
    {
        ArgumentNullException.ThrowIfNull(step);
        if (step.Kind == Branch)
        {
            if (step.Node("cases") is JsonArray cases)
            {
                for (var i = 0; i < cases.Count; i++)
                {
                    if (cases[i] is JsonObject c && c["next"] is JsonValue n && n.TryGetValue<string>(out var target))
                    {
                        yield return (target, $"{step.Path}.cases[{i}].next");
                    }
                }
            }

            if (step.String("default") is { } fallback)
            {
                yield return (fallback, $"{step.Path}.default");
            }
        }

        if (step.Kind == Wait && step.Node("onTimeout") is JsonObject onTimeout && onTimeout["next"] is JsonValue next && next.TryGetValue<string>(out var timeoutTarget))
        {
            yield return (timeoutTarget, $"{step.Path}.onTimeout.next");
        }
    }

    /// <summary>Checks the kind's own fields; adds what it calls to <paramref name="uses"/>.</summary>
    public static void Validate(StepDefinition step, DefinitionProblems problems, Uses uses)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(problems);
        ArgumentNullException.ThrowIfNull(uses);
        var p = step.Path;
        foreach (var (key, _) in step.Spec)
        {
            if (!FieldsOf(step.Kind).Contains(key))
            {
                problems.Add($"{p}.{key}", $"is not a field of a {step.Kind} step; its fields: {string.Join(", ", FieldsOf(step.Kind))}");
            }
        }

        switch (step.Kind)
        {
            case Generate:
                RequireName(step, "model", problems, uses.Models);
                RequireTemplate(step, "prompt", problems);
                RangeCheck(step, "maxTokens", 1, 4096, problems);
                RangeCheck(step, "temperature", 0, 2, problems);
                break;
            case Embed:
                RequireName(step, "model", problems, uses.Models);
                RequireTemplate(step, "input", problems);
                break;
            case Retrieve:
                RequireName(step, "knowledge", problems, null);
                if (step.Node("query") is null && step.Node("vector") is null)
                {
                    problems.Add($"{p}.query", "a retrieve step needs a query (text) or a vector");
                }

                OptionalTemplate(step, "query", problems);
                OptionalTemplate(step, "vector", problems);
                RangeCheck(step, "top", 1, 50, problems);
                break;
            case Tool:
                RequireName(step, "tool", problems, uses.Tools);
                if (step.Node("arguments") is { } arguments and not JsonObject)
                {
                    problems.Add($"{p}.arguments", "must be an object (the tool's arguments; strings may hold {{ expressions }})");
                }

                foreach (var (path, problem) in Template.Problems(step.Node("arguments"), $"{p}.arguments"))
                {
                    problems.Add(path, problem);
                }

                break;
            case Branch:
                ValidateBranch(step, problems);
                break;
            case Wait:
                RequireName(step, "signal", problems, null);
                ValidateOnTimeout(step, problems);
                break;
            case Subworkflow:
                RequireName(step, "workflow", problems, null);
                if (step.String("workflow") is { } workflow)
                {
                    uses.Subworkflows.Add((workflow, step.Integer("version") ?? 0));
                }

                ValidateInputs(step, problems);
                break;
            case Set:
                if (step.Node("values") is not JsonObject { Count: > 0 } values)
                {
                    problems.Add($"{p}.values", "a set step needs values: an object of state keys and {{ expressions }}");
                }
                else
                {
                    foreach (var (path, problem) in Template.Problems(values, $"{p}.values"))
                    {
                        problems.Add(path, problem);
                    }
                }

                break;
            case Agent:
                RequireName(step, "model", problems, uses.Models);
                RequireTemplate(step, "prompt", problems);
                RangeCheck(step, "maxIterations", 1, 50, problems);
                RangeCheck(step, "maxTokens", 16, 4096, problems);
                if (step.Node("tools") is JsonArray tools)
                {
                    foreach (var tool in tools)
                    {
                        if (tool is JsonValue t && t.TryGetValue<string>(out var name))
                        {
                            uses.Tools.Add(name);
                        }
                    }
                }
                else
                {
                    problems.Add($"{p}.tools", "an agent step needs tools: the list of tools the model may choose from");
                }

                break;
        }
    }

    private static void ValidateBranch(StepDefinition step, DefinitionProblems problems)
    {
        if (step.Node("cases") is not JsonArray { Count: > 0 } cases)
        {
            problems.Add($"{step.Path}.cases", "a branch step needs cases: a list of { when: <expression>, next: <step id> }");
        }
        else
        {
            for (var i = 0; i < cases.Count; i++)
            {
                var path = $"{step.Path}.cases[{i}]";
                if (cases[i] is not JsonObject c)
                {
                    problems.Add(path, "must be { when: <expression>, next: <step id> }");
                    continue;
                }

                if (c["when"] is JsonValue w && w.TryGetValue<string>(out var when))
                {
                    ExpressionCheck(when, $"{path}.when", problems);
                }
                else
                {
                    problems.Add($"{path}.when", "is missing: the condition, an expression over inputs and state");
                }

                if (c["next"] is not JsonValue n || !n.TryGetValue<string>(out _))
                {
                    problems.Add($"{path}.next", "is missing: the step to go to when the condition holds");
                }
            }
        }

        if (step.Next is not null)
        {
            problems.Add($"{step.Path}.next", "a branch step goes where its cases say: use default for the step when no case holds");
        }
    }

    private static void ValidateOnTimeout(StepDefinition step, DefinitionProblems problems)
    {
        switch (step.Node("onTimeout"))
        {
            case null:
                break;
            case JsonValue v when v.TryGetValue<string>(out var s) && s is "fail" or "continue":
                break;
            case JsonObject o:
                foreach (var (key, _) in o)
                {
                    if (key is not ("next" or "value"))
                    {
                        problems.Add($"{step.Path}.onTimeout.{key}", "onTimeout takes next (a step id) and value (the result to use)");
                    }
                }

                break;
            default:
                problems.Add($"{step.Path}.onTimeout", "must be fail, continue, or { next: <step id>, value: <result> }");
                break;
        }

        if (step.Timeout is null && step.Node("onTimeout") is not null)
        {
            problems.Add($"{step.Path}.timeout", "onTimeout needs a timeout: how long to wait for the signal");
        }
    }

    private static void ValidateInputs(StepDefinition step, DefinitionProblems problems)
    {
        if (step.Node("inputs") is { } inputs and not JsonObject)
        {
            problems.Add($"{step.Path}.inputs", "must be an object: the subworkflow's inputs");
        }

        foreach (var (path, problem) in Template.Problems(step.Node("inputs"), $"{step.Path}.inputs"))
        {
            problems.Add(path, problem);
        }
    }

    private static void RequireName(StepDefinition step, string field, DefinitionProblems problems, ICollection<string>? uses)
    {
        var value = step.String(field);
        if (string.IsNullOrWhiteSpace(value))
        {
            problems.Add($"{step.Path}.{field}", $"is missing: a {step.Kind} step names its {field}");
            return;
        }

        uses?.Add(value);
    }

    private static void RequireTemplate(StepDefinition step, string field, DefinitionProblems problems)
    {
        if (step.Node(field) is null)
        {
            problems.Add($"{step.Path}.{field}", $"is missing: a {step.Kind} step needs its {field}");
            return;
        }

        OptionalTemplate(step, field, problems);
    }

    private static void OptionalTemplate(StepDefinition step, string field, DefinitionProblems problems)
    {
        foreach (var (path, problem) in Template.Problems(step.Node(field), $"{step.Path}.{field}"))
        {
            problems.Add(path, problem);
        }
    }

    private static void RangeCheck(StepDefinition step, string field, double min, double max, DefinitionProblems problems)
    {
        if (step.Node(field) is null)
        {
            return;
        }

        if (step.Number(field) is not { } value || value < min || value > max)
        {
            problems.Add($"{step.Path}.{field}", $"must be a number from {min} to {max}");
        }
    }

    public static void ExpressionCheck(string text, string path, DefinitionProblems problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        try
        {
            Parser.Parse(text);
        }
        catch (ExpressionException ex)
        {
            problems.Add(path, $"does not parse: {ex.Message}");
        }
    }
}

/// <summary>What a definition calls: tools, models and subworkflows.</summary>
public sealed class Uses
{
    public SortedSet<string> Tools { get; } = new(StringComparer.Ordinal);

    public SortedSet<string> Models { get; } = new(StringComparer.Ordinal);

    public List<(string Name, int Version)> Subworkflows { get; } = [];
}

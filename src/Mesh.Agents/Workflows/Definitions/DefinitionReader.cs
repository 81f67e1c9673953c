using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;
using Mesh.Agents.Workflows.Expressions;

namespace Mesh.Agents.Workflows.Definitions;

/// <summary>
/// Reads a definition document into a <see cref="WorkflowDefinition"/>, reporting every problem
/// with its path: unknown fields and step kinds, missing fields, expressions that do not parse,
/// dangling edges, unreachable steps and cycles without a bound. Whether the tools, models and
/// subworkflows it names exist is checked by the catalog, which knows the caller.
/// </summary>
public static partial class DefinitionReader
{
    private static readonly string[] TopFields = ["name", "version", "description", "inputs", "state", "limits", "start", "steps", "output"];

    public static WorkflowDefinition? Read(JsonNode? document, DefinitionProblems problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        if (document is not JsonObject root)
        {
            problems.Add("$", "a workflow definition is an object with name, inputs and steps");
            return null;
        }

        foreach (var (key, _) in root)
        {
            if (!TopFields.Contains(key))
            {
                problems.Add(key, $"is not a field of a workflow; its fields: {string.Join(", ", TopFields)}");
            }
        }

        var name = Text(root, "name", "name", problems, required: true);
        if (name is not null && !WorkflowName().IsMatch(name))
        {
            problems.Add("name", $"'{name}' must be 1-64 lower-case letters, digits, '-' or '_', starting with a letter");
        }

        var description = Text(root, "description", "description", problems, required: false) ?? "";
        var inputs = Schema(root["inputs"], "inputs", problems) ?? new JsonObject { ["type"] = "object" };
        var state = root["state"] is null ? null : Schema(root["state"], "state", problems);
        var limits = Limits(root["limits"], problems);
        var steps = Steps(root["steps"], problems);
        var start = Text(root, "start", "start", problems, required: false) ?? steps.FirstOrDefault()?.Id ?? "";
        if (root["output"] is { } output)
        {
            foreach (var (path, problem) in Template.Problems(output, "output"))
            {
                problems.Add(path, problem);
            }
        }

        var uses = new Uses();
        foreach (var step in steps)
        {
            ValidateStep(step, problems, uses);
        }

        CheckGraph(steps, start, problems);
        return name is null ? null : new WorkflowDefinition(name, description, inputs, state, limits, start, steps, root["output"]?.DeepClone())
        {
            Tools = [.. uses.Tools],
            Models = [.. uses.Models],
            Subworkflows = [.. uses.Subworkflows.Distinct()],
        };
    }

    private static void ValidateStep(StepDefinition step, DefinitionProblems problems, Uses uses)
    {
        StepKinds.Validate(step, problems, uses);
        if (step.Kind == StepKinds.Parallel)
        {
            if (step.String("over") is { } over)
            {
                StepKinds.ExpressionCheck(over, $"{step.Path}.over", problems);
            }
            else
            {
                problems.Add($"{step.Path}.over", "a parallel step needs over: an expression giving the list to fan out over");
            }

            if (step.Node("concurrency") is not null && step.Integer("concurrency") is not (>= 1 and <= 64))
            {
                problems.Add($"{step.Path}.concurrency", "must be a whole number from 1 to 64");
            }

            var body = step.Node("step") is JsonObject inner ? ReadStep(inner, $"{step.Path}.step", problems, inline: true) : null;
            if (body is null)
            {
                problems.Add($"{step.Path}.step", $"a parallel step needs step: the step to run for each item ({string.Join(", ", StepKinds.Activities)})");
            }
            else
            {
                ValidateStep(body, problems, uses);
            }
        }

        if (step.Compensate is { } compensation)
        {
            ValidateStep(compensation, problems, uses);
        }
    }

    /// <summary>The fan-out body of a parallel step.</summary>
    public static StepDefinition ParallelBody(StepDefinition step)
    {
        ArgumentNullException.ThrowIfNull(step);
        var problems = new DefinitionProblems();
        return ReadStep((JsonObject)step.Node("step")!, $"{step.Path}.step", problems, inline: true)
            ?? throw new InvalidOperationException($"{step.Path}.step: {problems}");
    }

    private static List<StepDefinition> Steps(JsonNode? node, DefinitionProblems problems)
    {
        if (node is not JsonArray { Count: > 0 } list)
        {
            problems.Add("steps", "a workflow needs steps: a list of at least one step");
            return [];
        }

        var steps = new List<StepDefinition>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < list.Count; i++)
        {
            var path = $"steps[{i}]";
            if (list[i] is not JsonObject obj)
            {
                problems.Add(path, "a step is an object with id and kind");
                continue;
            }

            var step = ReadStep(obj, path, problems, inline: false);
            if (step is null)
            {
                continue;
            }

            if (!ids.Add(step.Id))
            {
                problems.Add($"{path}.id", $"'{step.Id}' is the id of an earlier step; ids must be unique");
                continue;
            }

            steps.Add(step);
        }

        return steps;
    }

    private static StepDefinition? ReadStep(JsonObject obj, string path, DefinitionProblems problems, bool inline)
    {
        var id = Text(obj, "id", $"{path}.id", problems, required: !inline) ?? (inline ? "item" : null);
        if (id is not null && !StepId().IsMatch(id))
        {
            problems.Add($"{path}.id", $"'{id}' must be 1-64 letters, digits, '-' or '_'");
            id = null;
        }

        var kind = Text(obj, "kind", $"{path}.kind", problems, required: true);
        if (kind is not null && !StepKinds.IsKnown(kind))
        {
            problems.Add($"{path}.kind", $"'{kind}' is not a step kind; use one of {string.Join(", ", StepKinds.All)}");
            kind = null;
        }

        if (kind is not null && inline && !StepKinds.Activities.Contains(kind))
        {
            problems.Add($"{path}.kind", $"'{kind}' cannot run here; use one of {string.Join(", ", StepKinds.Activities)}");
            kind = null;
        }

        var output = Text(obj, "output", $"{path}.output", problems, required: false);
        if (output is not null && !StateKey().IsMatch(output))
        {
            problems.Add($"{path}.output", $"'{output}' must be a state key: letters, digits and '_', starting with a letter");
        }

        TimeSpan? timeout = null;
        if (obj["timeout"] is { } timeoutNode)
        {
            if (Durations.TryParse(timeoutNode, out var parsed))
            {
                timeout = parsed;
            }
            else
            {
                problems.Add($"{path}.timeout", "must be a duration such as 500ms, 30s, 10m, 2h or 7d");
            }
        }

        int? maxVisits = null;
        if (obj["maxVisits"] is { } visitsNode)
        {
            if (visitsNode is JsonValue v && v.TryGetValue<double>(out var visits) && visits >= 1 && visits <= WorkflowLimits.MostSteps && visits == Math.Floor(visits))
            {
                maxVisits = (int)visits;
            }
            else
            {
                problems.Add($"{path}.maxVisits", $"must be a whole number from 1 to {WorkflowLimits.MostSteps}");
            }
        }

        StepDefinition? compensate = null;
        if (obj["compensate"] is { } compensateNode)
        {
            compensate = compensateNode is JsonObject c
                ? ReadStep(c, $"{path}.compensate", problems, inline: true)
                : null;
            if (compensateNode is not JsonObject)
            {
                problems.Add($"{path}.compensate", "must be a step: { kind: tool, tool: ..., arguments: ... }");
            }
        }

        var onError = Text(obj, "onError", $"{path}.onError", problems, required: false);
        if (onError is not null and not ("fail" or "continue"))
        {
            problems.Add($"{path}.onError", "must be fail (the run fails) or continue (the step's result is the error and the run goes on)");
        }

        if (id is null || kind is null)
        {
            return null;
        }

        return new StepDefinition(id, kind, obj, path)
        {
            Next = Text(obj, "next", $"{path}.next", problems, required: false),
            Output = output,
            Retry = Retry(obj["retry"], $"{path}.retry", problems),
            Timeout = timeout,
            Compensate = compensate,
            MaxVisits = maxVisits,
            ContinueOnError = onError == "continue",
        };
    }

    private static RetryPolicy Retry(JsonNode? node, string path, DefinitionProblems problems)
    {
        if (node is null)
        {
            return RetryPolicy.Default;
        }

        if (node is not JsonObject obj)
        {
            problems.Add(path, "must be { attempts, backoff, multiplier, maxBackoff }");
            return RetryPolicy.Default;
        }

        var policy = RetryPolicy.Default;
        foreach (var (key, value) in obj)
        {
            switch (key)
            {
                case "attempts" when value is JsonValue a && a.TryGetValue<double>(out var attempts) && attempts is >= 1 and <= 20 && attempts == Math.Floor(attempts):
                    policy = policy with { Attempts = (int)attempts };
                    break;
                case "backoff" when Durations.TryParse(value, out var backoff):
                    policy = policy with { Backoff = backoff };
                    break;
                case "maxBackoff" when Durations.TryParse(value, out var maxBackoff):
                    policy = policy with { MaxBackoff = maxBackoff };
                    break;
                case "multiplier" when value is JsonValue m && m.TryGetValue<double>(out var multiplier) && multiplier is >= 1 and <= 10:
                    policy = policy with { Multiplier = multiplier };
                    break;
                case "attempts":
                    problems.Add($"{path}.attempts", "must be a whole number from 1 to 20");
                    break;
                case "backoff" or "maxBackoff":
                    problems.Add($"{path}.{key}", "must be a duration such as 200ms or 5s");
                    break;
                case "multiplier":
                    problems.Add($"{path}.multiplier", "must be a number from 1 to 10");
                    break;
                default:
                    problems.Add($"{path}.{key}", "retry takes attempts, backoff, multiplier and maxBackoff");
                    break;
            }
        }

        return policy;
    }

    private static WorkflowLimits Limits(JsonNode? node, DefinitionProblems problems)
    {
        var limits = WorkflowLimits.Default;
        if (node is null)
        {
            return limits;
        }

        if (node is not JsonObject obj)
        {
            problems.Add("limits", "must be { maxSteps, deadline }");
            return limits;
        }

        foreach (var (key, value) in obj)
        {
            switch (key)
            {
                case "maxSteps" when value is JsonValue v && v.TryGetValue<double>(out var steps) && steps >= 1 && steps <= WorkflowLimits.MostSteps && steps == Math.Floor(steps):
                    limits = limits with { MaxSteps = (int)steps };
                    break;
                case "deadline" when Durations.TryParse(value, out var deadline) && deadline <= WorkflowLimits.LongestDeadline:
                    limits = limits with { Deadline = deadline };
                    break;
                case "maxSteps":
                    problems.Add("limits.maxSteps", $"must be a whole number from 1 to {WorkflowLimits.MostSteps}");
                    break;
                case "deadline":
                    problems.Add("limits.deadline", "must be a duration up to 30d, such as 10m or 2h");
                    break;
                default:
                    problems.Add($"limits.{key}", "limits take maxSteps and deadline");
                    break;
            }
        }

        return limits;
    }

    private static JsonObject? Schema(JsonNode? node, string path, DefinitionProblems problems)
    {
        if (node is null)
        {
            return null;
        }

        if (node is not JsonObject schema)
        {
            problems.Add(path, "must be a JSON Schema object ({ type: object, properties: ... })");
            return null;
        }

        if (schema["type"] is JsonValue t && t.TryGetValue<string>(out var type) && type != "object")
        {
            problems.Add($"{path}.type", $"is '{type}'; {path} is an object of named values, so its type is object");
        }

        try
        {
            JsonSchema.FromText(schema.ToJsonString());
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException or JsonSchemaException)
        {
            problems.Add(path, $"is not a valid JSON Schema: {ex.Message}");
            return null;
        }

        return (JsonObject)schema.DeepClone();
    }

    private static void CheckGraph(List<StepDefinition> steps, string start, DefinitionProblems problems)
    {
        var byId = steps.ToDictionary(s => s.Id, StringComparer.Ordinal);
        if (steps.Count == 0)
        {
            return;
        }

        if (!byId.ContainsKey(start))
        {
            problems.Add("start", $"names step '{start}', which does not exist; steps: {string.Join(", ", byId.Keys)}");
            return;
        }

        var edges = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var step in steps)
        {
            var targets = new List<string>();
            var all = StepKinds.Edges(step).ToList();
            if (step.Next is not null)
            {
                all.Add((step.Next, $"{step.Path}.next"));
            }

            foreach (var (target, path) in all)
            {
                if (byId.ContainsKey(target))
                {
                    targets.Add(target);
                }
                else
                {
                    problems.Add(path, $"names step '{target}', which does not exist; steps: {string.Join(", ", byId.Keys)}");
                }
            }

            edges[step.Id] = targets;
        }

        var reached = new HashSet<string>(StringComparer.Ordinal) { start };
        var queue = new Queue<string>([start]);
        while (queue.TryDequeue(out var id))
        {
            foreach (var next in edges[id].Where(reached.Add))
            {
                queue.Enqueue(next);
            }
        }

        foreach (var step in steps.Where(s => !reached.Contains(s.Id)))
        {
            problems.Add(step.Path, $"step '{step.Id}' is unreachable from '{start}': no next, case or default leads to it");
        }

        foreach (var cycle in Cycles.Find(steps.Select(s => s.Id).ToList(), edges))
        {
            if (!cycle.Any(id => byId[id].MaxVisits is not null))
            {
                var first = byId[cycle[0]];
                problems.Add(first.Path, $"is in a cycle without a bound ({string.Join(" -> ", cycle.Append(cycle[0]))}): give one of its steps maxVisits");
            }
        }
    }

    private static string? Text(JsonObject obj, string field, string path, DefinitionProblems problems, bool required)
    {
        switch (obj[field])
        {
            case null when required:
                problems.Add(path, "is missing");
                return null;
            case null:
                return null;
            case JsonValue v when v.TryGetValue<string>(out var s) && s.Trim().Length > 0:
                return s.Trim();
            default:
                problems.Add(path, "must be a non-empty string");
                return null;
        }
    }

    [GeneratedRegex("^[a-z][a-z0-9_-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex WorkflowName();

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex StepId();

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex StateKey();
}

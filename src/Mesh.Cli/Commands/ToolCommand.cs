using System.CommandLine;
using System.Text.Json;
using Mesh.Cli.Configuration;
using Mesh.Cli.Output;
using Mesh.Tools.V1;
using Spectre.Console;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh tool name '{json}'</c>: invokes one tool and prints its result.</summary>
public static class ToolCommand
{
    private static readonly JsonSerializerOptions Pretty = new() { WriteIndented = true };

    public static Command Create(CommandRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var name = new Argument<string>("name") { Description = "The tool to invoke (see mesh tools)" };
        var arguments = new Argument<string>("arguments")
        {
            Description = "The arguments as a JSON object, e.g. '{\"expression\":\"2+2\"}'; default: {}",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var version = new Option<string?>("--tool-version") { Description = "The tool version; default: the latest", HelpName = "version" };
        var key = new Option<string?>("--idempotency-key")
        {
            Description = "Run the call at most once for this key: a repeat answers the stored result",
            HelpName = "key",
        };
        var command = new Command("tool", "Invoke a tool with JSON arguments and print its result") { name, arguments, version, key };
        runner.SetAction(command, async (context, cancellationToken) =>
        {
            var request = new InvokeToolRequest
            {
                Tool = context.Parse.GetValue(name) ?? string.Empty,
                Version = context.Parse.GetValue(version) ?? string.Empty,
                ArgumentsJson = RequireObject(context.Parse.GetValue(arguments)),
                IdempotencyKey = context.Parse.GetValue(key) ?? string.Empty,
            };
            var response = await context.Output.WithStatusAsync($"Running {request.Tool}…", async _ =>
                await context.Clients.Tools.InvokeToolAsync(request, context.Clients.Options(cancellationToken)));
            if (context.Output.Json)
            {
                context.Output.WriteJson(response);
                return ExitCodes.Success;
            }

            context.Output.Console.WriteLine(Indent(response.ResultJson));
            var stats = response.Stats is { } s
                ? $" · exit {s.ExitCode}{(s.KilledBy.Length > 0 ? $" (killed: {s.KilledBy})" : "")} · CPU {Formatting.Duration(s.CpuMs)} · peak {s.PeakMemoryBytes / (1024 * 1024)} MiB"
                : "";
            var replayed = response.Replayed ? " · replayed (the stored result of the first call with this key)" : "";
            context.Output.Console.MarkupLine($"[grey]{Markup.Escape($"{response.Tool} {response.Version} · {Formatting.Duration(response.DurationMs)}{stats}{replayed}")}[/]");
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Checks the arguments are a JSON object before sending them, so mistakes are caught here.</summary>
    public static string RequireObject(string? json)
    {
        var text = string.IsNullOrWhiteSpace(json) ? "{}" : json;
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? text
                : throw new CliUsageException($"the arguments must be a JSON object, not {document.RootElement.ValueKind}; e.g. '{{\"x\": 1}}'");
        }
        catch (JsonException e)
        {
            throw new CliUsageException($"the arguments are not valid JSON ({e.Message}); quote them, e.g. '{{\"x\": 1}}'", e);
        }
    }

    /// <summary>Pretty-prints JSON; text that is not JSON is returned unchanged.</summary>
    public static string Indent(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return JsonSerializer.Serialize(document.RootElement, Pretty);
        }
        catch (JsonException)
        {
            return json;
        }
    }
}

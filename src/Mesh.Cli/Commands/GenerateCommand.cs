using System.CommandLine;
using System.Globalization;
using Grpc.Core;
using Mesh.Cli.Configuration;
using Mesh.Inference.V1;
using Spectre.Console;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh generate "prompt"</c>: streams a causal LM's text as it is produced, then its totals.</summary>
public static class GenerateCommand
{
    public const string DefaultModel = "kjv-gpt";

    public static Command Create(CommandRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var prompt = new Argument<string>("prompt") { Description = "The text to continue" };
        var model = new Option<string>("--model", "-m") { Description = "The causal language model", HelpName = "model", DefaultValueFactory = _ => DefaultModel };
        var maxTokens = new Option<int>("--max-tokens", "-n") { Description = "Most tokens to generate (0: the server's default)", HelpName = "count" };
        var temperature = new Option<float>("--temperature", "-t") { Description = "0 for greedy; higher samples more freely", HelpName = "t" };
        var topK = new Option<int>("--top-k") { Description = "Sample among the k most likely tokens (0: off)", HelpName = "k" };
        var topP = new Option<float>("--top-p") { Description = "Sample among the most likely tokens covering p of the probability (0: off)", HelpName = "p" };
        var seed = new Option<ulong?>("--seed") { Description = "Sampling seed: same seed, same text", HelpName = "n" };
        var stop = new Option<string[]>("--stop") { Description = "Stop sequence (repeatable)", HelpName = "text", AllowMultipleArgumentsPerToken = false };
        var schema = new Option<string>("--schema") { Description = "A JSON Schema the text must match (structured output)", HelpName = "json" };
        var command = new Command("generate", "Generate text with a causal language model, streamed as it is produced")
        {
            prompt, model, maxTokens, temperature, topK, topP, seed, stop, schema,
        };
        runner.SetAction(command, async (context, cancellationToken) =>
        {
            var parse = context.Parse;
            var text = parse.GetValue(prompt);
            if (string.IsNullOrWhiteSpace(text))
            {
                throw new CliUsageException("the prompt is empty; e.g. mesh generate \"And the king said\"");
            }

            var request = new GenerateRequest
            {
                Model = parse.GetValue(model) ?? DefaultModel,
                Prompt = text,
                MaxTokens = parse.GetValue(maxTokens),
                Temperature = parse.GetValue(temperature),
                TopK = parse.GetValue(topK),
                TopP = parse.GetValue(topP),
                JsonSchema = parse.GetValue(schema) ?? "",
            };
            if (parse.GetValue(seed) is { } chosen)
            {
                request.Seed = chosen;
            }

            request.Stop.AddRange(parse.GetValue(stop) ?? []);
            using var call = context.Clients.Inference.Generate(request, context.Clients.Options(cancellationToken));
            GenerateResponse? last = null;
            await foreach (var response in call.ResponseStream.ReadAllAsync(cancellationToken))
            {
                if (context.Output.Json)
                {
                    context.Output.WriteJsonLine(response);
                }
                else
                {
                    context.Output.Console.Write(new Text(response.Text));
                }

                last = response;
            }

            if (!context.Output.Json && last?.Summary is { } summary)
            {
                context.Output.Console.WriteLine();
                context.Output.Console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                    $"[grey]{Markup.Escape(summary.Model)} on {Markup.Escape(summary.Upstream.Length > 0 ? summary.Upstream : summary.Device)}: {summary.InputTokens} in, {summary.OutputTokens} out ({Markup.Escape(last.FinishReason)}), queued {summary.QueueMs:0.0} ms, compute {summary.ComputeMs:0.0} ms, batch up to {summary.MaxBatchSize}[/]"));
            }

            return ExitCodes.Success;
        });
        return command;
    }
}

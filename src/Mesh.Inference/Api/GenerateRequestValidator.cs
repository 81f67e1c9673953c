using Mesh.Inference.Generation;
using Mesh.Inference.Models;
using Mesh.Inference.V1;
using Mesh.ServiceDefaults.Errors;
using Microsoft.Extensions.Options;

namespace Mesh.Inference.Api;

/// <summary>Rejects a bad Generate request, naming the field to fix; turns a good one into a <see cref="GenerationSpec"/>.</summary>
public sealed class GenerateRequestValidator(ModelResolver resolver, IOptions<InferenceOptions> options)
{
    public const int DefaultMaxTokens = 64;
    public const int MaxStops = 4;
    public const int MaxStopLength = 64;

    public ModelDescriptor FindModel(GenerateRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var model = resolver.Find(request.Model, request.ModelVersion, ModelKinds.CausalLm, "Generate");
        ValidateInput(request);

        if (request.MaxTokens < 0)
        {
            throw MeshErrors.InvalidArgument("max_tokens", $"is {request.MaxTokens}; give 1 to {model.MaxInputTokens - 1}, or 0 for {DefaultMaxTokens}");
        }

        if (!float.IsFinite(request.Temperature) || request.Temperature is < 0 or > 5)
        {
            throw MeshErrors.InvalidArgument("temperature", $"is {request.Temperature}; give 0 (greedy) to 5");
        }

        if (request.TopK < 0)
        {
            throw MeshErrors.InvalidArgument("top_k", $"is {request.TopK}; give 0 (off) or a positive count");
        }

        if (!float.IsFinite(request.TopP) || request.TopP is < 0 or > 1)
        {
            throw MeshErrors.InvalidArgument("top_p", $"is {request.TopP}; give 0 or 1 (off) or a probability in between");
        }

        if (request.Stop.Count > MaxStops || request.Stop.Any(s => s.Length is 0 or > MaxStopLength))
        {
            throw MeshErrors.InvalidArgument("stop", $"give at most {MaxStops} stop sequences of 1 to {MaxStopLength} characters");
        }

        return model;
    }

    private void ValidateInput(GenerateRequest request)
    {
        if (request.Messages.Count > 0 && request.Prompt.Length > 0)
        {
            throw MeshErrors.InvalidArgument("messages", "give either a prompt or chat messages, not both");
        }

        if (request.Messages.Count == 0 && string.IsNullOrWhiteSpace(request.Prompt))
        {
            throw MeshErrors.InvalidArgument("prompt", "is empty; give the text to continue (or chat messages)");
        }

        var characters = request.Prompt.Length + request.Messages.Sum(m => m.Content.Length + m.ToolCalls.Sum(c => c.ArgumentsJson.Length));
        if (characters > options.Value.MaxPromptCharacters)
        {
            throw MeshErrors.InvalidArgument(request.Messages.Count > 0 ? "messages" : "prompt", $"has {characters} characters; at most {options.Value.MaxPromptCharacters} are accepted");
        }

        for (var i = 0; i < request.Messages.Count; i++)
        {
            if (request.Messages[i].Role is not ("system" or "user" or "assistant" or "tool"))
            {
                throw MeshErrors.InvalidArgument($"messages[{i}].role", $"'{request.Messages[i].Role}' is not one of system, user, assistant, tool");
            }
        }

        if (request.Tools.Count > 0 && request.Messages.Count == 0)
        {
            throw MeshErrors.InvalidArgument("tools", "tools need chat messages (a prompt cannot call tools)");
        }

        if (request.Tools.Select(t => t.Name).Distinct(StringComparer.Ordinal).Count() != request.Tools.Count || request.Tools.Any(t => string.IsNullOrWhiteSpace(t.Name)))
        {
            throw MeshErrors.InvalidArgument("tools", "every tool needs a name of its own");
        }

        if (request.ToolChoice is not ("" or "auto" or "none" or "required") && request.Tools.All(t => t.Name != request.ToolChoice))
        {
            throw MeshErrors.InvalidArgument("tool_choice", $"'{request.ToolChoice}' is none, auto, required or the name of a tool of the request");
        }

        if (request.JsonSchema.Length > 0 && Structured.StructuredOutput.ForcesTool(request))
        {
            throw MeshErrors.InvalidArgument("json_schema", "a forced tool call is already JSON of the tool's schema; give json_schema or tool_choice, not both");
        }
    }

    /// <summary>The spec once the prompt is tokenized: checks the prompt and max_tokens against the context.</summary>
    public static GenerationSpec Spec(GenerateRequest request, ModelDescriptor model, int[] promptTokens)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(promptTokens);
        var context = model.MaxInputTokens;
        if (promptTokens.Length == 0)
        {
            throw MeshErrors.InvalidArgument("prompt", "has no tokens; give the text to continue");
        }

        var field = request.Messages.Count > 0 ? "messages" : "prompt";
        if (promptTokens.Length >= context)
        {
            throw MeshErrors.InvalidArgument(field, $"{(field == "messages" ? "have" : "has")} {promptTokens.Length} tokens; model '{model.Name}' has a context of {context} tokens, leave room for at least one generated token");
        }

        var room = context - promptTokens.Length;
        var maxTokens = request.MaxTokens == 0 ? Math.Min(DefaultMaxTokens, room) : request.MaxTokens;
        if (maxTokens > room)
        {
            throw MeshErrors.InvalidArgument("max_tokens", $"is {request.MaxTokens}; with a {promptTokens.Length}-token prompt, at most {room} fit the {context}-token context");
        }

        var seed = request.HasSeed ? request.Seed : (ulong)Random.Shared.NextInt64();
        var sampling = new SamplingSettings(request.Temperature, request.TopK, request.TopP, seed);
        var stops = request.Messages.Count > 0 ? [.. request.Stop, .. model.ChatTemplate.Stops] : request.Stop.ToList();
        return new GenerationSpec(promptTokens, maxTokens, sampling, stops, request.IgnoreEos);
    }
}

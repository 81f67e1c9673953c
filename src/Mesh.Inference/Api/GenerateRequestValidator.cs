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
        if (string.IsNullOrWhiteSpace(request.Prompt))
        {
            throw MeshErrors.InvalidArgument("prompt", "is empty; give the text to continue");
        }

        if (request.Prompt.Length > options.Value.MaxPromptCharacters)
        {
            throw MeshErrors.InvalidArgument("prompt", $"has {request.Prompt.Length} characters; at most {options.Value.MaxPromptCharacters} are accepted");
        }

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

        if (promptTokens.Length >= context)
        {
            throw MeshErrors.InvalidArgument("prompt", $"has {promptTokens.Length} tokens; model '{model.Name}' has a context of {context}, leave room for at least one generated token");
        }

        var room = context - promptTokens.Length;
        var maxTokens = request.MaxTokens == 0 ? Math.Min(DefaultMaxTokens, room) : request.MaxTokens;
        if (maxTokens > room)
        {
            throw MeshErrors.InvalidArgument("max_tokens", $"is {request.MaxTokens}; with a {promptTokens.Length}-token prompt, at most {room} fit the {context}-token context");
        }

        var seed = request.HasSeed ? request.Seed : (ulong)Random.Shared.NextInt64();
        var sampling = new SamplingSettings(request.Temperature, request.TopK, request.TopP, seed);
        return new GenerationSpec(promptTokens, maxTokens, sampling, [.. request.Stop], request.IgnoreEos);
    }
}

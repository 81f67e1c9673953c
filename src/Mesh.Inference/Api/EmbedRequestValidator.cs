using Mesh.Inference.Models;
using Mesh.Inference.V1;
using Mesh.ServiceDefaults.Errors;
using Microsoft.Extensions.Options;

namespace Mesh.Inference.Api;

/// <summary>Rejects a bad Embed request before any work starts, naming the field to fix.</summary>
public sealed class EmbedRequestValidator(ModelResolver resolver, IOptions<InferenceOptions> options)
{
    /// <summary>The model the request names; throws InvalidArgument or NotFound.</summary>
    public ModelDescriptor Validate(EmbedRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var model = resolver.Find(request.Model, request.ModelVersion, ModelKinds.Embedding, "Embed");
        var limits = options.Value;
        if (request.Inputs.Count == 0)
        {
            throw MeshErrors.InvalidArgument("inputs", "no inputs given; send 1 to " + limits.MaxInputs + " texts to embed");
        }

        if (request.Inputs.Count > limits.MaxInputs)
        {
            throw MeshErrors.InvalidArgument("inputs", $"{request.Inputs.Count} inputs given; at most {limits.MaxInputs} per request, split them across calls");
        }

        for (var i = 0; i < request.Inputs.Count; i++)
        {
            var input = request.Inputs[i];
            if (string.IsNullOrWhiteSpace(input))
            {
                throw MeshErrors.InvalidArgument($"inputs[{i}]", "is empty or whitespace; every input needs text to embed");
            }

            if (input.Length > limits.MaxInputCharacters)
            {
                throw MeshErrors.InvalidArgument(
                    $"inputs[{i}]", $"has {input.Length} characters; at most {limits.MaxInputCharacters} are accepted, split the text into chunks");
            }
        }

        return model;
    }
}

using Mesh.Inference.Models;
using Mesh.Inference.Structured;
using Mesh.Inference.V1;

namespace Mesh.Inference.Api;

/// <summary>The text a local decoder continues: the prompt, or the chat messages through the model's chat template.</summary>
public static class PromptText
{
    public static string Of(GenerateRequest request, ModelDescriptor model)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(model);
        return request.Messages.Count == 0
            ? request.Prompt
            : model.ChatTemplate.Render(request.Messages, StructuredOutput.UsesTools(request) ? request.Tools : []);
    }
}

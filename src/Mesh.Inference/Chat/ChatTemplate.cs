using System.Text;
using System.Text.Json;
using Mesh.Inference.V1;

namespace Mesh.Inference.Chat;

/// <summary>
/// Renders a conversation into the prompt a local causal LM continues: each message through its
/// role's format (<c>{content}</c> is replaced), then the generation prompt; the stops end the
/// assistant's turn. A model's <c>model.json</c> names a built-in template (<c>plain</c>, the default,
/// or <c>chatml</c>) or gives its own formats. Tools, when given, are described in a system message.
/// </summary>
public sealed record ChatTemplate(string Name, string System, string User, string Assistant, string Tool, string Generation, IReadOnlyList<string> Stops)
{
    public const string Content = "{content}";

    /// <summary>Plain dialogue text, which any model trained on prose continues sensibly.</summary>
    public static ChatTemplate Plain { get; } = new("plain", "{content}\n\n", "User: {content}\n", "Assistant: {content}\n", "Tool: {content}\n", "Assistant:", ["\nUser:", "\nAssistant:"]);

    /// <summary>ChatML, as many instruction-tuned models are trained.</summary>
    public static ChatTemplate ChatMl { get; } = new(
        "chatml", "<|im_start|>system\n{content}<|im_end|>\n", "<|im_start|>user\n{content}<|im_end|>\n", "<|im_start|>assistant\n{content}<|im_end|>\n",
        "<|im_start|>tool\n{content}<|im_end|>\n", "<|im_start|>assistant\n", ["<|im_end|>"]);

    public static IReadOnlyList<ChatTemplate> BuiltIn { get; } = [Plain, ChatMl];

    public string Render(IReadOnlyList<ChatMessage> messages, IReadOnlyList<ToolDefinition> tools)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(tools);
        var prompt = new StringBuilder();
        if (tools.Count > 0)
        {
            prompt.Append(System.Replace(Content, ToolsText(tools), StringComparison.Ordinal));
        }

        foreach (var message in messages)
        {
            var format = message.Role switch
            {
                "system" => System,
                "assistant" => Assistant,
                "tool" => Tool,
                _ => User,
            };
            var content = message.ToolCalls.Count > 0
                ? string.Join("\n", message.ToolCalls.Select(c => $"{{\"name\":{JsonSerializer.Serialize(c.Name)},\"arguments\":{c.ArgumentsJson}}}"))
                : message.Content;
            prompt.Append(format.Replace(Content, content, StringComparison.Ordinal));
        }

        return prompt.Append(Generation).ToString();
    }

    /// <summary>Every problem with a custom template.</summary>
    public IEnumerable<string> Problems()
    {
        foreach (var (role, format) in new[] { ("system", System), ("user", User), ("assistant", Assistant), ("tool", Tool) })
        {
            if (!format.Contains(Content, StringComparison.Ordinal))
            {
                yield return $"chatTemplate.{role} must contain {Content}";
            }
        }
    }

    private static string ToolsText(IReadOnlyList<ToolDefinition> tools)
    {
        var text = new StringBuilder("To call a tool, answer with one JSON object {\"name\": <tool>, \"arguments\": <arguments>}. Tools:");
        foreach (var tool in tools)
        {
            text.Append("\n- ").Append(tool.Name);
            if (tool.Description.Length > 0)
            {
                text.Append(": ").Append(tool.Description);
            }

            if (tool.ParametersJson.Length > 0)
            {
                text.Append(" Arguments: ").Append(tool.ParametersJson);
            }
        }

        return text.ToString();
    }
}

using Mesh.Inference.Chat;
using Mesh.Inference.Models;
using Mesh.Inference.V1;

namespace Mesh.Inference.Tests.Structured;

public sealed class ChatTemplateTests
{
    private static readonly ChatMessage[] Conversation =
    [
        new() { Role = "system", Content = "Be brief." },
        new() { Role = "user", Content = "Hi" },
        new() { Role = "assistant", ToolCalls = { new ToolCall { Id = "call_1", Name = "clock", ArgumentsJson = "{}" } } },
        new() { Role = "tool", ToolCallId = "call_1", Content = "12:00" },
    ];

    [Fact]
    public void Plain_Conversation_RendersEachRoleThenTheAssistantPrompt()
    {
        var prompt = ChatTemplate.Plain.Render(Conversation, []);

        Assert.Equal("Be brief.\n\nUser: Hi\nAssistant: {\"name\":\"clock\",\"arguments\":{}}\nTool: 12:00\nAssistant:", prompt);
    }

    [Fact]
    public void ChatMl_WithTools_DescribesThemInASystemMessage()
    {
        var prompt = ChatTemplate.ChatMl.Render([Conversation[1]], [new ToolDefinition { Name = "clock", Description = "tells the time" }]);

        Assert.StartsWith("<|im_start|>system\nTo call a tool", prompt, StringComparison.Ordinal);
        Assert.Contains("- clock: tells the time", prompt, StringComparison.Ordinal);
        Assert.EndsWith("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", prompt, StringComparison.Ordinal);
    }

    [Fact]
    public void ModelConfig_CustomTemplate_ReadWithItsStopsAndBadOnesRefused()
    {
        var folder = Directory.CreateTempSubdirectory("mesh-template-").FullName;
        try
        {
            var path = Path.Combine(folder, ModelConfigFile.FileName);
            File.WriteAllText(path, """{ "kind": "causal-lm", "chatTemplate": { "user": "Q: {content}\n", "assistant": "A: {content}\n", "generation": "A:", "stop": ["\nQ:"] } }""");
            var descriptor = ModelConfigFile.Read(path).ToDescriptor("custom", null);
            File.WriteAllText(path, """{ "kind": "causal-lm", "chatTemplate": "llama-9" }""");
            var error = Assert.Throws<InvalidDataException>(() => ModelConfigFile.Read(path).ToDescriptor("custom", null));

            Assert.Equal("Q: Hi\nA:", descriptor.ChatTemplate.Render([new ChatMessage { Role = "user", Content = "Hi" }], []));
            Assert.Equal(["\nQ:"], descriptor.ChatTemplate.Stops);
            Assert.Contains("chatTemplate 'llama-9' is not one of plain, chatml", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}

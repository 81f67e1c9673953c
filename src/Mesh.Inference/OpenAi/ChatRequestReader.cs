using System.Text;
using System.Text.Json;
using Mesh.Inference.V1;

namespace Mesh.Inference.OpenAi;

/// <summary>Reads a chat request's messages, tools, tool choice and response format onto a Generate request.</summary>
public static class ChatRequestReader
{
    private static readonly string[] Roles = ["system", "developer", "user", "assistant", "tool"];

    public static void Read(JsonBody body, GenerateRequest request)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(request);
        var messages = body.Get("messages") ?? throw new OpenAiRequestException("messages", "you must provide 'messages'", "missing_required_parameter");
        if (messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
        {
            throw OpenAiRequestException.Invalid("messages", "expected a non-empty array of messages");
        }

        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            request.Messages.Add(Message(message, $"messages[{index++}]"));
        }

        ReadTools(body, request);
        ReadResponseFormat(body, request);
    }

    private static ChatMessage Message(JsonElement message, string path)
    {
        if (message.ValueKind != JsonValueKind.Object)
        {
            throw OpenAiRequestException.Invalid(path, $"expected a message object, got {JsonBody.Kind(message)}");
        }

        var result = new ChatMessage();
        foreach (var property in message.EnumerateObject())
        {
            var field = $"{path}.{property.Name}";
            var value = property.Value;
            switch (property.Name)
            {
                case "role":
                    var role = value.ValueKind == JsonValueKind.String ? value.GetString()! : "";
                    result.Role = Roles.Contains(role) ? (role == "developer" ? "system" : role)
                        : throw OpenAiRequestException.Invalid(field, $"'{role}' is not one of {string.Join(", ", Roles)}");
                    break;
                case "content":
                    result.Content = Content(value, field);
                    break;
                case "name":
                    result.Name = value.ValueKind == JsonValueKind.String ? value.GetString()! : throw OpenAiRequestException.Invalid(field, "expected a string");
                    break;
                case "tool_call_id":
                    result.ToolCallId = value.ValueKind == JsonValueKind.String ? value.GetString()! : throw OpenAiRequestException.Invalid(field, "expected a string");
                    break;
                case "tool_calls":
                    result.ToolCalls.AddRange(ToolCalls(value, field));
                    break;
                case "refusal":
                    break;
                default:
                    throw OpenAiRequestException.Unsupported(field, "is not supported in a message");
            }
        }

        if (result.Role.Length == 0)
        {
            throw new OpenAiRequestException($"{path}.role", $"you must provide '{path}.role'", "missing_required_parameter");
        }

        if (result.Role == "tool" && result.ToolCallId.Length == 0)
        {
            throw new OpenAiRequestException($"{path}.tool_call_id", "a tool message must say which call it answers", "missing_required_parameter");
        }

        return result;
    }

    private static string Content(JsonElement value, string field)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return "";
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            return value.GetString()!;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw OpenAiRequestException.Invalid(field, $"expected a string or an array of content parts, got {JsonBody.Kind(value)}");
        }

        var text = new StringBuilder();
        var i = 0;
        foreach (var part in value.EnumerateArray())
        {
            var type = part.ValueKind == JsonValueKind.Object && part.TryGetProperty("type", out var t) ? t.GetString() : null;
            if (type != "text" || !part.TryGetProperty("text", out var partText) || partText.ValueKind != JsonValueKind.String)
            {
                throw OpenAiRequestException.Unsupported($"{field}[{i}]", $"is a '{type}' part; only text parts are supported");
            }

            text.Append(partText.GetString());
            i++;
        }

        return text.ToString();
    }

    private static IEnumerable<ToolCall> ToolCalls(JsonElement value, string field)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw OpenAiRequestException.Invalid(field, "expected an array of tool calls");
        }

        var i = 0;
        foreach (var call in value.EnumerateArray())
        {
            var path = $"{field}[{i++}]";
            if (call.ValueKind != JsonValueKind.Object || !call.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object
                || !function.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
            {
                throw OpenAiRequestException.Invalid(path, "expected {\"id\", \"type\": \"function\", \"function\": {\"name\", \"arguments\"}}");
            }

            yield return new ToolCall
            {
                Id = call.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString()! : "",
                Name = name.GetString()!,
                ArgumentsJson = function.TryGetProperty("arguments", out var arguments) && arguments.ValueKind == JsonValueKind.String ? arguments.GetString()! : "{}",
            };
        }
    }

    private static void ReadTools(JsonBody body, GenerateRequest request)
    {
        if (body.Get("tools") is { } tools)
        {
            if (tools.ValueKind != JsonValueKind.Array)
            {
                throw OpenAiRequestException.Invalid("tools", "expected an array of tools");
            }

            var i = 0;
            foreach (var tool in tools.EnumerateArray())
            {
                var path = $"tools[{i++}]";
                if (tool.ValueKind != JsonValueKind.Object || !tool.TryGetProperty("type", out var type) || type.GetString() != "function")
                {
                    throw OpenAiRequestException.Unsupported(path, "must be a tool of type 'function'");
                }

                if (!tool.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object
                    || !function.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || name.GetString()!.Length == 0)
                {
                    throw new OpenAiRequestException($"{path}.function.name", "every tool needs a function name", "missing_required_parameter");
                }

                request.Tools.Add(new ToolDefinition
                {
                    Name = name.GetString()!,
                    Description = function.TryGetProperty("description", out var description) && description.ValueKind == JsonValueKind.String ? description.GetString()! : "",
                    ParametersJson = function.TryGetProperty("parameters", out var parameters) && parameters.ValueKind == JsonValueKind.Object ? parameters.GetRawText() : "",
                });
            }
        }

        if (body.Get("tool_choice") is { } choice)
        {
            request.ToolChoice = choice.ValueKind switch
            {
                JsonValueKind.String when choice.GetString() is "none" or "auto" or "required" => choice.GetString()!,
                JsonValueKind.Object when choice.TryGetProperty("function", out var f) && f.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String => n.GetString()!,
                _ => throw OpenAiRequestException.Invalid("tool_choice", "expected none, auto, required or {\"type\": \"function\", \"function\": {\"name\": ...}}"),
            };
            if (request.ToolChoice is not ("none" or "auto" or "required") && request.Tools.All(t => t.Name != request.ToolChoice))
            {
                throw OpenAiRequestException.Invalid("tool_choice", $"names tool '{request.ToolChoice}', which is not in 'tools'");
            }
        }

        body.Bool("parallel_tool_calls", true);
    }

    private static void ReadResponseFormat(JsonBody body, GenerateRequest request)
    {
        if (body.Get("response_format") is not { } format)
        {
            return;
        }

        var type = format.ValueKind == JsonValueKind.Object && format.TryGetProperty("type", out var t) ? t.GetString() : null;
        switch (type)
        {
            case "text":
                return;
            case "json_object":
                request.JsonSchema = "{\"type\":\"object\"}";
                return;
            case "json_schema":
                if (!format.TryGetProperty("json_schema", out var spec) || spec.ValueKind != JsonValueKind.Object
                    || !spec.TryGetProperty("schema", out var schema) || schema.ValueKind is not (JsonValueKind.Object or JsonValueKind.True))
                {
                    throw new OpenAiRequestException("response_format.json_schema.schema", "give the JSON Schema the answer must match", "missing_required_parameter");
                }

                request.JsonSchema = schema.GetRawText();
                return;
            default:
                throw OpenAiRequestException.Invalid("response_format.type", $"'{type}' is not one of text, json_object, json_schema");
        }
    }
}

using System.ClientModel;
using System.Text;
using Grpc.Core;
using Mesh.Inference.Api;
using Mesh.Inference.Scheduling;
using Mesh.Inference.V1;
using Mesh.ServiceDefaults.Errors;
using OpenAI.Chat;
using ChatMessage = OpenAI.Chat.ChatMessage;
using ToolCall = Mesh.Inference.V1.ToolCall;

namespace Mesh.Inference.Hosted;

/// <summary>
/// Generate on a hosted model: waits its turn in the model's fair queue, streams the upstream's
/// chat completion through as it comes, and meters the call from the upstream's usage block
/// (streamed with <c>include_usage</c>). Upstream failures become the status that says what to do:
/// Unavailable (retry later) once the client's own retries are spent, DeadlineExceeded when it did
/// not answer in time, InvalidArgument when it refused the request as invalid.
/// </summary>
public sealed class HostedGenerator(InferenceTelemetry telemetry, TimeProvider time)
{
    public async Task GenerateAsync(HostedChatModel model, GenerateRequest request, IServerStreamWriter<GenerateResponse> stream, long started, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(stream);
        var priority = WorkPriorities.From(request.Priority);
        var estimate = (PromptText.Of(request, model.Descriptor).Length / 4.0) + Math.Max(1, request.MaxTokens);
        using var activity = telemetry.StartActivity(GenerateHandler.Operation, model);
        var ticket = new HostedCallTicket(CallTenant.Current, priority, estimate, time.GetTimestamp());
        var (input, output, queue, text) = (0L, 0L, TimeSpan.Zero, new StringBuilder());
        try
        {
            using var slot = await model.EnterAsync(ticket, cancellationToken);
            queue = time.GetElapsedTime(ticket.EnqueuedAt);
            var calls = new Dictionary<int, (string Id, string Name, StringBuilder Arguments)>();
            string? finish = null;
            var withTools = Structured.StructuredOutput.UsesTools(request);
            await foreach (var update in model.Client.CompleteChatStreamingAsync(Messages(request), Options(request), cancellationToken))
            {
                var delta = string.Concat(update.ContentUpdate.Select(p => p.Text));
                text.Append(delta);
                foreach (var call in update.ToolCallUpdates)
                {
                    var known = calls.TryGetValue(call.Index, out var c) ? c : (Id: call.ToolCallId ?? "", Name: call.FunctionName ?? "", Arguments: new StringBuilder());
                    known.Arguments.Append(call.FunctionArgumentsUpdate?.ToString());
                    calls[call.Index] = (known.Id.Length > 0 ? known.Id : call.ToolCallId ?? "", known.Name.Length > 0 ? known.Name : call.FunctionName ?? "", known.Arguments);
                }

                finish = update.FinishReason is { } reason ? Finish(reason) : finish;
                if (update.Usage is { } usage)
                {
                    (input, output) = (usage.InputTokenCount, usage.OutputTokenCount);
                }

                if (delta.Length > 0 && !withTools)
                {
                    await stream.WriteAsync(new GenerateResponse { Text = delta }, cancellationToken);
                }
            }

            var last = new GenerateResponse { FinishReason = finish ?? "stop", Text = withTools && calls.Count == 0 ? text.ToString() : "" };
            last.ToolCalls.AddRange(calls.OrderBy(c => c.Key).Select(c => new ToolCall
            {
                Id = c.Value.Id.Length > 0 ? c.Value.Id : Structured.StructuredOutput.NewCallId(),
                Name = c.Value.Name,
                ArgumentsJson = c.Value.Arguments.Length > 0 ? c.Value.Arguments.ToString() : "{}",
            }));
            var compute = time.GetElapsedTime(started) - queue;
            last.Summary = new GenerateSummary
            {
                Model = model.Descriptor.Name,
                ModelVersion = model.Descriptor.Version,
                Device = model.Device,
                InputTokens = (int)input,
                OutputTokens = (int)output,
                QueueMs = queue.TotalMilliseconds,
                ComputeMs = compute.TotalMilliseconds,
                MaxBatchSize = 1,
                Upstream = model.Upstream.ToString(),
            };
            var attributes = new Dictionary<string, string> { ["finish_reason"] = last.FinishReason, ["upstream"] = model.Upstream.ToString() };
            telemetry.Succeeded(GenerateHandler.Operation, model, priority, new CallMeasures(input, output, queue, compute, 1), activity, started, attributes);
            await stream.WriteAsync(last, cancellationToken);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            var status = ex is OperationCanceledException && cancellationToken.IsCancellationRequested ? ex : Status(model, ex);
            // What the upstream produced before it failed is billed as an estimate (it sent no usage block).
            var partial = new CallMeasures(input, output > 0 ? output : text.Length / 4, queue, time.GetElapsedTime(started) - queue, 1);
            telemetry.Failed(GenerateHandler.Operation, model, priority, status, activity, started, partial);
            if (ReferenceEquals(status, ex))
            {
                throw;
            }

            throw status;
        }
    }

    private static RpcException Status(HostedChatModel model, Exception ex)
    {
        var upstream = $"upstream {model.Upstream}";
        return ex switch
        {
            ClientResultException { Status: 400 or 422 } bad => MeshErrors.InvalidArgument("messages", $"{upstream} refused the request: {Detail(bad)}"),
            ClientResultException { Status: 401 or 403 } => MeshErrors.Unavailable($"{upstream} refused this server's API key (check the model's apiKeySetting)"),
            ClientResultException { Status: 404 } => MeshErrors.Unavailable($"{upstream} does not serve the model"),
            ClientResultException failed => MeshErrors.Unavailable($"{upstream} failed with HTTP {failed.Status} after {model.Upstream.MaxRetries} retries: {Detail(failed)}"),
            OperationCanceledException or TimeoutException => MeshErrors.DeadlineExceeded($"{upstream} did not answer within {model.Upstream.Timeout.TotalSeconds:0.#} s ({model.Upstream.MaxRetries} retries)"),
            _ => MeshErrors.Unavailable($"{upstream} could not be reached: {ex.Message}"),
        };
    }

    private static string Detail(ClientResultException ex) => ex.Message.Split('\n')[0];

    private static List<ChatMessage> Messages(GenerateRequest request)
    {
        if (request.Messages.Count == 0)
        {
            return [new UserChatMessage(request.Prompt)];
        }

        var messages = new List<ChatMessage>(request.Messages.Count);
        foreach (var m in request.Messages)
        {
            messages.Add(m.Role switch
            {
                "system" => new SystemChatMessage(m.Content),
                "assistant" when m.ToolCalls.Count > 0 => new AssistantChatMessage(
                    [.. m.ToolCalls.Select(c => ChatToolCall.CreateFunctionToolCall(c.Id, c.Name, BinaryData.FromString(c.ArgumentsJson)))]),
                "assistant" => new AssistantChatMessage(m.Content),
                "tool" => new ToolChatMessage(m.ToolCallId, m.Content),
                _ => new UserChatMessage(m.Content),
            });
        }

        return messages;
    }

    private static ChatCompletionOptions Options(GenerateRequest request)
    {
        var options = new ChatCompletionOptions { Temperature = request.Temperature };
        if (request.MaxTokens > 0)
        {
            options.MaxOutputTokenCount = request.MaxTokens;
        }

        if (request.TopP is > 0 and < 1)
        {
            options.TopP = request.TopP;
        }

        foreach (var stop in request.Stop)
        {
            options.StopSequences.Add(stop);
        }

#pragma warning disable OPENAI001 // Seed is marked experimental by the library; the API has it.
        if (request.HasSeed)
        {
            options.Seed = unchecked((long)request.Seed);
        }
#pragma warning restore OPENAI001

        if (request.JsonSchema.Length > 0)
        {
            options.ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("response", BinaryData.FromString(request.JsonSchema));
        }

        foreach (var tool in request.Tools)
        {
            options.Tools.Add(ChatTool.CreateFunctionTool(
                tool.Name, tool.Description, tool.ParametersJson.Length > 0 ? BinaryData.FromString(tool.ParametersJson) : null));
        }

        if (request.Tools.Count > 0 && request.ToolChoice.Length > 0)
        {
            options.ToolChoice = request.ToolChoice switch
            {
                "auto" => ChatToolChoice.CreateAutoChoice(),
                "none" => ChatToolChoice.CreateNoneChoice(),
                "required" => ChatToolChoice.CreateRequiredChoice(),
                var name => ChatToolChoice.CreateFunctionChoice(name),
            };
        }

        return options;
    }

    private static string Finish(ChatFinishReason reason) => reason switch
    {
        ChatFinishReason.Length => "length",
        ChatFinishReason.ToolCalls or ChatFinishReason.FunctionCall => "tool_calls",
        _ => "stop",
    };
}

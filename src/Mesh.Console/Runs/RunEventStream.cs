using Grpc.Core;
using Mesh.Agents.V1;
using Mesh.Console.Options;
using Microsoft.Extensions.Options;

namespace Mesh.Console.Runs;

/// <summary>
/// Server-sent events for a run's page while the run may still change: <c>changed</c> when the run
/// records its next event after the one the page showed (the page then reloads), <c>ended</c> when
/// the stream ends. Read through <c>WatchRun</c> with the signed-in credential, so another
/// tenant's run is a 404 here too.
/// </summary>
public static class RunEventStream
{
    public static async Task StreamAsync(string runId, int? after, HttpContext context, Agents.V1.Agents.AgentsClient agents, TimeProvider time, IOptions<ConsoleOptions> options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(agents);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(options);
        var aborted = context.RequestAborted;
        try
        {
            // GetRun first: a run the key may not see is a 404 here, before the stream starts.
            await agents.GetRunAsync(new GetRunRequest { RunId = runId }, cancellationToken: aborted);
            using var call = agents.WatchRun(
                new WatchRunRequest { RunId = runId, FromSequence = Math.Max(0, after ?? 0) },
                new CallOptions(deadline: time.GetUtcNow().UtcDateTime + options.Value.LiveStreamLimit, cancellationToken: aborted));
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync(": following the run\n\n", aborted);
            await context.Response.Body.FlushAsync(aborted);
            while (await call.ResponseStream.MoveNext(aborted))
            {
                if (!call.ResponseStream.Current.Live)
                {
                    await WriteAsync(context, "changed", call.ResponseStream.Current.Sequence, aborted);
                    return;
                }
            }

            await WriteAsync(context, "ended", 0, aborted);
        }
        catch (RpcException e) when (!context.Response.HasStarted)
        {
            context.Response.StatusCode = e.StatusCode switch
            {
                StatusCode.NotFound => StatusCodes.Status404NotFound,
                StatusCode.PermissionDenied => StatusCodes.Status403Forbidden,
                StatusCode.Unauthenticated => StatusCodes.Status401Unauthorized,
                StatusCode.InvalidArgument => StatusCodes.Status400BadRequest,
                _ => StatusCodes.Status503ServiceUnavailable,
            };
        }
        catch (RpcException e) when (aborted.IsCancellationRequested || e.StatusCode is StatusCode.DeadlineExceeded or StatusCode.Cancelled)
        {
            // the page went away, or followed the run as long as it may: the browser reconnects
        }
    }

    private static async Task WriteAsync(HttpContext context, string name, int sequence, CancellationToken cancellationToken)
    {
        await context.Response.WriteAsync($"event: {name}\ndata: {sequence}\n\n", cancellationToken);
        await context.Response.Body.FlushAsync(cancellationToken);
    }
}

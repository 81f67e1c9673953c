using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mesh.Agents.V1;

namespace Mesh.Agents.Runs;

/// <summary>The event stream of one run: numbers and timestamps each event before sending it.</summary>
public sealed class RunStream(IServerStreamWriter<RunEvent> writer, string runId, TimeProvider time)
{
    private int _sequence;
    private int _steps;

    public string RunId => runId;

    /// <summary>Step ids within the run: 1-embed, 2-retrieve, ...</summary>
    public string NextStepId(string kind) => $"{Interlocked.Increment(ref _steps)}-{kind}";

    public int Steps => _steps;

    public Task WriteAsync(RunEvent runEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runEvent);
        runEvent.RunId = runId;
        runEvent.Sequence = Interlocked.Increment(ref _sequence);
        runEvent.At = Timestamp.FromDateTimeOffset(time.GetUtcNow());
        return writer.WriteAsync(runEvent, cancellationToken);
    }
}

using Grpc.Core;
using Mesh.Agents.V1;

namespace Mesh.Agents.Reliability.Tests;

/// <summary>Calls the agents service while it may be down (killed, restarting): Unavailable is retried.</summary>
public static class Runs
{
    public static async Task<T> RetryAsync<T>(Func<Task<T>> call, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(call);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                return await call();
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    public static async Task<Run> UntilAsync(V1.Agents.AgentsClient client, string runId, Func<Run, bool> done, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(done);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var run = await RetryAsync(() => client.GetRunAsync(new GetRunRequest { RunId = runId }, MeshProcesses.Call()).ResponseAsync, timeout);
            if (done(run))
            {
                return run;
            }

            Assert.True(DateTime.UtcNow < deadline, $"run {runId} is still {run.Status}");
            await Task.Delay(100);
        }
    }

    public static bool Ended(Run run) => run.Status is RunStatus.Completed or RunStatus.Failed or RunStatus.Cancelled;
}

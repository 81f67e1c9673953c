using System.Collections.Concurrent;
using System.Globalization;
using Mesh.Metering;
using Mesh.Usage.V1;
using Microsoft.Extensions.Hosting;

namespace Mesh.Security.Authentication;

/// <summary>
/// Audits refused authentications without letting a flood of bad credentials flood the usage
/// pipeline: failures are counted per method and reason and written once a second as one audit
/// event each (tenant <c>system</c>: the caller's tenant is unknown), with the count.
/// </summary>
public sealed class AuthenticationFailures(UsageRecorder usage, TimeProvider time) : BackgroundService
{
    private const int MaxKeys = 1000;
    private const int MaxReason = 256;
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(1);
    private ConcurrentDictionary<(string Method, string Reason, string Credential), int> _counts = new();

    /// <summary>Counts one refused call; cheap enough to call on every refusal.</summary>
    public void Record(string method, string reason, string credentialKind)
    {
        var counts = _counts;
        if (counts.Count >= MaxKeys && !counts.ContainsKey((method, reason, credentialKind)))
        {
            reason = "other reasons";
        }

        counts.AddOrUpdate((Bounded(method), Bounded(reason), credentialKind), 1, (_, n) => n + 1);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Window, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            await FlushAsync();
        }
    }

    private async Task FlushAsync()
    {
        if (_counts.IsEmpty)
        {
            return;
        }

        var counts = Interlocked.Exchange(ref _counts, new());
        foreach (var ((method, reason, credential), count) in counts)
        {
            var audit = usage.Start(UsageKind.Audit, "authentication", "");
            audit.TenantId = ApiKeyAuthenticator.SystemTenant;
            audit.PrincipalId = "";
            audit.Status = UsageStatus.Denied;
            audit.Attributes["decision"] = "deny";
            audit.Attributes["denied_by"] = "authentication";
            audit.Attributes["reason"] = reason;
            audit.Attributes["method"] = method;
            audit.Attributes["credential"] = credential;
            audit.Attributes["count"] = count.ToString(CultureInfo.InvariantCulture);
            await usage.RecordAsync(audit, CancellationToken.None);
        }
    }

    private static string Bounded(string text) => text.Length <= MaxReason ? text : text[..MaxReason];
}

using System.Globalization;
using System.Net.Http.Json;

namespace Mesh.DevServers;

/// <summary>
/// The Mesh Kafka mock broker (<c>Mesh.KafkaBroker</c>) as a child process on free loopback
/// ports, with its fault-injection API. Killed on dispose.
/// </summary>
public sealed class LocalKafkaBroker : IDisposable
{
    private readonly ChildProcess _process;
    private readonly HttpClient _control;

    private LocalKafkaBroker(ChildProcess process, string bootstrap, Uri control)
    {
        _process = process;
        Bootstrap = bootstrap;
        _control = new HttpClient { BaseAddress = control, Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>The bootstrap servers, for <c>ConnectionStrings:kafka</c>.</summary>
    public string Bootstrap { get; }

    /// <summary>Starts a broker with these topics (<c>name:partitions</c>, comma-separated).</summary>
    public static async Task<LocalKafkaBroker> StartAsync(string topics, int brokers = 1)
    {
        var process = ChildProcess.StartDotnet(
            MeshBuild.ProjectAssembly("Mesh.KafkaBroker", typeof(LocalKafkaBroker).Assembly),
            ["--port", "0", "--control-port", "0", "--brokers", brokers.ToString(CultureInfo.InvariantCulture), "--topics", topics],
            new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Warning" });
        try
        {
            var ready = await process.WaitForLineAsync(line => line.StartsWith("mesh-kafka ready", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
            var fields = ready.Split(' ').Select(f => f.Split('=', 2)).Where(f => f.Length == 2).ToDictionary(f => f[0], f => f[1]);
            return new LocalKafkaBroker(process, fields["bootstrap"], new Uri(fields["control"]));
        }
        catch
        {
            process.Dispose();
            throw;
        }
    }

    public Task CreateTopicAsync(string name, int partitions) =>
        PostAsync(string.Create(CultureInfo.InvariantCulture, $"topics/{Uri.EscapeDataString(name)}?partitions={partitions}"));

    /// <summary>Broker <paramref name="id"/> drops its connections and refuses new ones.</summary>
    public Task SetDownAsync(int id = 1) => PostAsync($"brokers/{id}/down");

    public Task SetUpAsync(int id = 1) => PostAsync($"brokers/{id}/up");

    /// <summary>The next <paramref name="count"/> requests of <paramref name="api"/> (Produce, OffsetCommit, ...) fail with Kafka error <paramref name="errorCode"/>.</summary>
    public Task FailNextAsync(string api, int errorCode, int count) =>
        PostAsync(string.Create(CultureInfo.InvariantCulture, $"errors/{api}?code={errorCode}&count={count}"));

    /// <summary>Drops the failures <see cref="FailNextAsync"/> queued for <paramref name="api"/> that have not happened yet.</summary>
    public async Task ClearFailuresAsync(string api)
    {
        using var response = await _control.DeleteAsync(new Uri($"errors/{api}", UriKind.Relative));
        response.EnsureSuccessStatusCode();
    }

    public async Task<string> ClusterAsync() => await _control.GetStringAsync(new Uri("cluster", UriKind.Relative));

    public void Dispose()
    {
        _process.Dispose();
        _control.Dispose();
    }

    private async Task PostAsync(string path)
    {
        using var response = await _control.PostAsync(new Uri(path, UriKind.Relative), null);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"broker control {path}: {await response.Content.ReadFromJsonAsync<string>()}");
        }
    }
}

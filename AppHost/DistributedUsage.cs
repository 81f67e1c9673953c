using Mesh.DevServers;
using Microsoft.Extensions.Configuration;

namespace Aspire.Hosting;

/// <summary>
/// Distributed mode (<c>Mesh:Mode</c> = <c>distributed</c>): services produce usage to Kafka,
/// telemetry ingests it into ClickHouse. <c>ConnectionStrings:kafka</c> and
/// <c>ConnectionStrings:clickhouse</c> point at real servers; without them the AppHost runs
/// local ones: the Kafka mock broker on 127.0.0.1:19092 and the installed ClickHouse on
/// 127.0.0.1:18123 (ports and data folder under <c>Mesh:Distributed</c>). A migrator creates
/// the schema before telemetry starts. Every service runs with <c>Mesh:Mode=distributed</c>,
/// so none starts with development defaults: the bootstrap key must be explicit and long.
/// </summary>
internal sealed class DistributedUsage
{
    public const string SectionName = "Mesh:Distributed";
    public const int KafkaPort = 19092;
    public const int KafkaControlPort = 19192;
    public const int ClickHouseHttpPort = 18123;
    public const int ClickHouseTcpPort = 19000;

    // The services refuse the same keys (BootstrapKeyValidator); the AppHost says so before starting any.
    private const string DevelopmentKey = "mesh-dev-admin-key";
    private const int MinKeyLength = 32;

    private DistributedUsage(string kafka, string clickHouse, IReadOnlyList<IResourceBuilder<IResource>> servers, IResourceBuilder<ProjectResource> migrator)
    {
        Kafka = kafka;
        ClickHouse = clickHouse;
        Servers = servers;
        Migrator = migrator;
    }

    public string Kafka { get; }

    public string ClickHouse { get; }

    /// <summary>The local servers started for this mode (none when both are external).</summary>
    public IReadOnlyList<IResourceBuilder<IResource>> Servers { get; }

    public IResourceBuilder<ProjectResource> Migrator { get; }

    /// <summary>Adds the mode's resources when <c>Mesh:Mode</c> is <c>distributed</c>; null in embedded mode.</summary>
    public static DistributedUsage? AddIfEnabled(IDistributedApplicationBuilder builder)
    {
        if (!string.Equals(builder.Configuration["Mesh:Mode"], "distributed", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        CheckBootstrapKey(builder.Configuration["Parameters:bootstrap-api-key"]);
        var local = builder.Configuration.GetSection(SectionName);
        var servers = new List<IResourceBuilder<IResource>>();
        var kafka = builder.Configuration.GetConnectionString("kafka");
        if (string.IsNullOrWhiteSpace(kafka))
        {
            var kafkaPort = local.GetValue("KafkaPort", KafkaPort);
            var controlPort = local.GetValue("KafkaControlPort", KafkaControlPort);
            var broker = builder.AddProject<Projects.Mesh_KafkaBroker>("kafka", o => o.ExcludeLaunchProfile = true)
                .WithArgs("--port", $"{kafkaPort}", "--control-port", $"{controlPort}", "--topics", "mesh.usage.v1:64,mesh.usage.v1.dlq:4")
                .WithHttpEndpoint(port: controlPort, name: "control", isProxied: false)
                .WithHttpHealthCheck("/health", endpointName: "control");
            servers.Add(broker.AsResource());
            kafka = $"127.0.0.1:{kafkaPort}";
        }

        var clickHouse = builder.Configuration.GetConnectionString("clickhouse");
        if (string.IsNullOrWhiteSpace(clickHouse))
        {
            if (!File.Exists(ClickHouseConfig.DefaultServerPath))
            {
                throw new InvalidOperationException(
                    $"distributed mode needs ClickHouse: install it (apt-get install -y clickhouse-server) or set ConnectionStrings:clickhouse");
            }

            var httpPort = local.GetValue("ClickHouseHttpPort", ClickHouseHttpPort);
            var folder = Path.GetFullPath(local["ClickHouseFolder"] ?? Path.Combine(builder.AppHostDirectory, "..", ".mesh", "clickhouse"));
            var config = ClickHouseConfig.Write(folder, httpPort, local.GetValue("ClickHouseTcpPort", ClickHouseTcpPort));
            var server = builder.AddExecutable("clickhouse", ClickHouseConfig.DefaultServerPath, folder, $"--config-file={config}")
                .WithHttpEndpoint(port: httpPort, name: "http", isProxied: false)
                .WithHttpHealthCheck("/ping", endpointName: "http");
            servers.Add(server.AsResource());
            clickHouse = $"Host=127.0.0.1;Port={httpPort};Username=default";
        }

        var migrator = builder.AddProject<Projects.Mesh_Telemetry>("clickhouse-migrator", o =>
            {
                o.ExcludeLaunchProfile = true;
                o.ExcludeKestrelEndpoints = true;
            })
            .WithArgs("migrate")
            .WithEnvironment("ConnectionStrings__clickhouse", clickHouse);
        foreach (var server in servers)
        {
            migrator.WaitFor(server);
        }

        return new DistributedUsage(kafka, clickHouse, servers, migrator);
    }

    /// <summary>
    /// Puts a service in distributed mode and points its usage at Kafka; telemetry also stores
    /// into ClickHouse once it is migrated.
    /// </summary>
    public void Wire(IResourceBuilder<ProjectResource> service, bool isTelemetry)
    {
        service.WithEnvironment("Mesh__Mode", "distributed")
            .WithEnvironment("Mesh__Usage__Sink", "kafka")
            .WithEnvironment("ConnectionStrings__kafka", Kafka);
        foreach (var server in Servers)
        {
            service.WaitFor(server);
        }

        if (isTelemetry)
        {
            service.WithEnvironment("Mesh__Telemetry__Store", "clickhouse")
                .WithEnvironment("ConnectionStrings__clickhouse", ClickHouse)
                .WaitForCompletion(Migrator);
        }
    }

    /// <summary>Distributed mode has no development defaults: the key every service gets must be explicit and long.</summary>
    private static void CheckBootstrapKey(string? key)
    {
        var problem = string.IsNullOrEmpty(key) ? "none is set"
            : key == DevelopmentKey ? "the development key is set"
            : key.Length < MinKeyLength ? $"the key set has {key.Length} characters"
            : null;
        if (problem is not null)
        {
            throw new InvalidOperationException(
                $"distributed mode needs an explicit Parameters:bootstrap-api-key of at least {MinKeyLength} characters, not the development key ({problem}). "
                + "For example: Parameters__bootstrap-api-key=$(openssl rand -hex 24) dotnet run --project AppHost -- Mesh:Mode=distributed");
        }
    }
}

internal static class ResourceBuilderExtensions
{
    /// <summary>The builder typed as a plain resource, so servers of different kinds share a list.</summary>
    public static IResourceBuilder<IResource> AsResource<T>(this IResourceBuilder<T> builder)
        where T : IResource =>
        builder.ApplicationBuilder.CreateResourceBuilder<IResource>(builder.Resource);
}

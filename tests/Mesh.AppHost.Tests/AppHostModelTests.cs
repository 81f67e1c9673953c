using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.AppHost.Tests;

/// <summary>The AppHost's resource graph, read without starting anything.</summary>
public sealed class AppHostModelTests
{
    private const string KeyEncryptionVariable = "Mesh__Identity__Tokens__KeyEncryptionKey";

    [Fact]
    public async Task KeyEncryptionKeyParameter_ReachesIdentityAndNoOtherService()
    {
        var kek = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Mesh_AppHost>(
            ["Mesh:Demo=false", $"Parameters:key-encryption-key={kek}"]);

        var environments = await EnvironmentsAsync(builder);

        Assert.Equal(kek, environments["identity"][KeyEncryptionVariable]);
        Assert.All(environments.Where(e => e.Key != "identity"), e => Assert.False(e.Value.ContainsKey(KeyEncryptionVariable)));
    }

    [Fact]
    public async Task Inference_OpenAiEndpoint_ServedOnPort5110()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Mesh_AppHost>(["Mesh:Demo=false"]);

        var inference = builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "inference");
        var openAi = inference.Annotations.OfType<EndpointAnnotation>().Single(e => e.Name == "openai");

        Assert.Equal(5110, openAi.Port);
        Assert.Equal("http", openAi.UriScheme);
    }

    [Fact]
    public async Task Console_OnPort5300_KnowsIdentityTelemetryAndAgentsAndHoldsNoKey()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Mesh_AppHost>(["Mesh:Demo=false"]);

        var console = builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "console");
        var http = console.Annotations.OfType<EndpointAnnotation>().Single(e => e.Name == "http");
        var environment = (await EnvironmentsAsync(builder))["console"];

        Assert.Equal(5300, http.Port);
        Assert.All(["identity", "telemetry", "agents"], s => Assert.Contains($"services__{s}__http__0", environment.Keys));
        // The console acts only with the signed-in user's key: it is given none of its own.
        Assert.DoesNotContain(environment.Keys, k => k.Contains("Key", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Tools_RunsStdioMcpServersFromTheInstalledFolderOnly()
    {
        var installed = Directory.CreateTempSubdirectory("mesh-mcp-root-");
        Directory.CreateDirectory(Path.Combine(installed.FullName, "node_modules"));
        var missing = Path.Combine(installed.FullName, "not-installed");
        try
        {
            await using var configured = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Mesh_AppHost>(
                ["Mesh:Demo=false", $"Mesh:Tools:Mcp:ServerRoot={installed.FullName}"]);
            await using var absent = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Mesh_AppHost>(
                ["Mesh:Demo=false", $"Mesh:Tools:Mcp:ServerRoot={missing}"]);

            var environments = await EnvironmentsAsync(configured);

            Assert.Equal(installed.FullName, environments["tools"]["Mesh__Tools__Mcp__ServerRoots__0"]);
            Assert.All(environments.Where(e => e.Key != "tools"), e => Assert.False(e.Value.ContainsKey("Mesh__Tools__Mcp__ServerRoots__0")));
            // A folder with no servers installed is not handed to tools: `mesh mcp add` then names the setting to fix.
            Assert.False((await EnvironmentsAsync(absent))["tools"].ContainsKey("Mesh__Tools__Mcp__ServerRoots__0"));
        }
        finally
        {
            installed.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task NoKeyEncryptionKeyParameter_IdentityGetsNone()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Mesh_AppHost>(["Mesh:Demo=false"]);

        var environments = await EnvironmentsAsync(builder);

        Assert.False(environments["identity"].ContainsKey(KeyEncryptionVariable));
    }

    [Fact]
    public async Task ServiceKeys_EachServiceGetsItsOwnAndOnlyIdentityKnowsThemAll()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Mesh_AppHost>(["Mesh:Demo=false"]);

        var environments = await EnvironmentsAsync(builder);

        string[] services = ["inference", "tools", "agents", "telemetry"];
        var keys = services.Select(s => environments[s]["Mesh__Service__Key"]).ToList();
        Assert.Equal(services.Length, keys.Distinct(StringComparer.Ordinal).Count());
        Assert.All(keys, k => Assert.True(k.Length >= 32, "service keys are long random secrets"));
        Assert.All(services, s => Assert.Equal(environments[s]["Mesh__Service__Key"], environments["identity"][$"Mesh__Identity__Services__{s}__Key"]));
        Assert.All(services, s => Assert.DoesNotContain(environments[s].Keys, k => k.StartsWith("Mesh__Identity__Services__", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task DistributedModeWithIdentityDb_TwoIdentityAndTwoAgentsReplicasOnPostgresAndNoLocalServer()
    {
        const string Database = "Host=db.example;Username=mesh;Password=secret;Database=mesh";
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Mesh_AppHost>(
        [
            "Mesh:Demo=false", "Mesh:Mode=distributed", "Parameters:bootstrap-api-key=model-test-admin-key-5d1c0b7e2f9a4c83",
            "ConnectionStrings:kafka=broker:9092", "ConnectionStrings:clickhouse=Host=clickhouse;Port=8123;Username=default",
            $"ConnectionStrings:identity-db={Database}",
        ]);

        var environments = await EnvironmentsAsync(builder);
        var identity = builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "identity");

        Assert.Equal(("postgres", Database), (environments["identity"]["Mesh__Identity__Store"], environments["identity"]["ConnectionStrings__identity-db"]));
        Assert.Equal(2, identity.Annotations.OfType<ReplicaAnnotation>().Single().Replicas);
        Assert.DoesNotContain(builder.Resources, r => r.Name == "postgres");
        var agents = builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "agents");
        Assert.Equal(("postgres", Database), (environments["agents"]["Mesh__Agents__Runs__Store"], environments["agents"]["ConnectionStrings__agents-db"]));
        Assert.Equal(2, agents.Annotations.OfType<ReplicaAnnotation>().Single().Replicas);
        Assert.Equal(("postgres", Database), (environments["tools"]["Mesh__Tools__Store"], environments["tools"]["ConnectionStrings__tools-db"]));
        Assert.All(environments.Where(e => e.Key != "identity"), e => Assert.False(e.Value.ContainsKey("ConnectionStrings__identity-db")));
    }

    [Fact]
    public async Task DistributedModeWithToolsDb_ToolsKeepIdempotencyThereAndEmbeddedModeKeepsSqlite()
    {
        const string Identity = "Host=db.example;Username=mesh;Password=secret;Database=mesh";
        const string Tools = "Host=tools-db.example;Username=mesh;Password=secret;Database=tools";
        await using var distributed = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Mesh_AppHost>(
        [
            "Mesh:Demo=false", "Mesh:Mode=distributed", "Parameters:bootstrap-api-key=model-test-admin-key-5d1c0b7e2f9a4c83",
            "ConnectionStrings:kafka=broker:9092", "ConnectionStrings:clickhouse=Host=clickhouse;Port=8123;Username=default",
            $"ConnectionStrings:identity-db={Identity}", $"ConnectionStrings:tools-db={Tools}",
        ]);
        await using var embedded = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Mesh_AppHost>(["Mesh:Demo=false"]);

        var tools = (await EnvironmentsAsync(distributed))["tools"];
        var embeddedTools = (await EnvironmentsAsync(embedded))["tools"];

        Assert.Equal(("postgres", Tools), (tools["Mesh__Tools__Store"], tools["ConnectionStrings__tools-db"]));
        Assert.False(embeddedTools.ContainsKey("Mesh__Tools__Store"));
        Assert.False(embeddedTools.ContainsKey("ConnectionStrings__tools-db"));
    }

    /// <summary>Each service's environment as a run would resolve it; building the app starts nothing.</summary>
    private static async Task<Dictionary<string, Dictionary<string, string>>> EnvironmentsAsync(IDistributedApplicationTestingBuilder builder)
    {
        await using var app = await builder.BuildAsync();
        var environments = new Dictionary<string, Dictionary<string, string>>();
        foreach (var project in builder.Resources.OfType<ProjectResource>())
        {
            var configuration = await ExecutionConfigurationBuilder.Create(project)
                .WithEnvironmentVariablesConfig()
                .BuildAsync(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Run), NullLogger.Instance, CancellationToken.None);
            Assert.Null(configuration.Exception);
            environments[project.Name] = configuration.EnvironmentVariables.ToDictionary();
        }

        return environments;
    }
}

using Mesh.Testing;
using Mesh.Tools.Pricing;
using Mesh.Tools.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mesh.Tools.Tests;

/// <summary>The tools service in memory (its data in a scratch folder of its own, or a folder the test keeps).</summary>
public sealed class ToolsFactory : MeshServiceFactory<ToolsService>
{
    public ToolsFactory() => WithServices(s =>
    {
        s.Replace(ServiceDescriptor.Singleton<IToolPrices, FixedPrices>());
        // The MCP endpoint calls the service's own gRPC API: in memory, that is this server.
        s.AddHttpClient(nameof(Mesh.Tools.V1.Tools.ToolsClient)).ConfigurePrimaryHttpMessageHandler(() => new LazyHandler(() => Server.CreateHandler()));
    });

    /// <summary>A host on <paramref name="dataDirectory"/>, which outlives it (a restart opens it again).</summary>
    public static ToolsFactory On(string dataDirectory)
    {
        var factory = new ToolsFactory();
        factory.WithSetting("Mesh:Tools:DataDirectory", dataDirectory);
        return factory;
    }

    /// <summary>The service's data folder (database, workspaces, tool files).</summary>
    public string DataDirectory() =>
        Services.GetRequiredService<IOptions<ToolsStorageOptions>>().Value.FullPath(Services.GetRequiredService<IHostEnvironment>());

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }
}

public static class TestFolders
{
    public static string New(string prefix) => Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}")).FullName;

    /// <summary>Deletes a test's folder; what a closing host still holds is left to the OS's temp cleanup.</summary>
    public static void Delete(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

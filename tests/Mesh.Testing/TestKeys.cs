namespace Mesh.Testing;

/// <summary>API keys every in-memory test host accepts.</summary>
public static class TestKeys
{
    /// <summary>The bootstrap admin (tenant <c>system</c>, may act in any tenant).</summary>
    public const string Admin = "test-admin-key-0000000000000000";

    /// <summary>User <c>alice</c> of tenant <c>acme</c>.</summary>
    public const string Acme = "test-acme-key-11111111111111111";

    /// <summary>User <c>bob</c> of tenant <c>globex</c>.</summary>
    public const string Globex = "test-globex-key-2222222222222222";

    /// <summary>The key of Mesh service <paramref name="service"/> (inference, tools, agents, telemetry), which identity knows.</summary>
    public static string Service(string service) => $"test-service-key-{service}-000000000000000000000000";

    /// <summary>The configuration a test host needs for these keys.</summary>
    public static IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["Mesh:BootstrapApiKey"] = Admin,
        ["Mesh:ApiKeys:0:Key"] = Acme,
        ["Mesh:ApiKeys:0:Tenant"] = "acme",
        ["Mesh:ApiKeys:0:Principal"] = "alice",
        ["Mesh:ApiKeys:1:Key"] = Globex,
        ["Mesh:ApiKeys:1:Tenant"] = "globex",
        ["Mesh:ApiKeys:1:Principal"] = "bob",

        // Identity knows every service's key; each service host presents its own (MeshServiceFactory).
        ["Mesh:Identity:Services:inference:Key"] = Service("inference"),
        ["Mesh:Identity:Services:tools:Key"] = Service("tools"),
        ["Mesh:Identity:Services:agents:Key"] = Service("agents"),
        ["Mesh:Identity:Services:telemetry:Key"] = Service("telemetry"),

        // A service hosted alone has no identity service to ask: its credential decides.
        // Tests of relations and budgets set Mode to Identity and wire identity in.
        ["Mesh:Authorization:Mode"] = "Credentials",

        // In-memory hosts stop one after another: a host does not wait long for a sink already gone.
        ["Mesh:Usage:ShutdownFlushTimeout"] = "00:00:01",
    };
}

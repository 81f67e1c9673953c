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

        // A service hosted alone has no identity service to ask: its credential decides.
        // Tests of relations and budgets set Mode to Identity and wire identity in.
        ["Mesh:Authorization:Mode"] = "Credentials",
    };
}

using Mesh.ServiceDefaults.Calls;

namespace Mesh.Inference.Api;

/// <summary>The tenant whose fair share a call draws on.</summary>
public static class CallTenant
{
    public static string Current => CallScope.Current?.Caller.TenantId ?? "";
}

using Grpc.Core;

namespace Mesh.Testing;

public static class TestCalls
{
    /// <summary>Call options carrying <paramref name="apiKey"/>, with a deadline so no test hangs.</summary>
    public static CallOptions As(string apiKey, string? tenant = null, TimeSpan? timeout = null)
    {
        var headers = new Metadata { { "authorization", $"Bearer {apiKey}" } };
        if (tenant is not null)
        {
            headers.Add("x-mesh-tenant", tenant);
        }

        return new CallOptions(headers, DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30)));
    }
}

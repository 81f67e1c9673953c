using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Mesh.Console.Options;

namespace Mesh.Console.Sessions;

/// <summary>
/// Keeps sessions (and the credential in each) in the console's memory: the cookie carries only
/// a random session id, encrypted and signed by ASP.NET Core data protection. A session unused
/// for <see cref="ConsoleOptions.SessionIdleTimeout"/> is forgotten; signing out forgets it at
/// once; a restart of the console forgets them all (everyone signs in again).
/// </summary>
public sealed class MemoryTicketStore(IMemoryCache cache, IOptions<ConsoleOptions> options, TimeProvider time) : ITicketStore
{
    private const string Prefix = "mesh-console-session:";

    public Task<string> StoreAsync(AuthenticationTicket ticket)
    {
        var key = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        Put(key, ticket);
        return Task.FromResult(key);
    }

    public Task RenewAsync(string key, AuthenticationTicket ticket)
    {
        Put(key, ticket);
        return Task.CompletedTask;
    }

    public Task<AuthenticationTicket?> RetrieveAsync(string key) =>
        Task.FromResult(cache.TryGetValue(Prefix + key, out AuthenticationTicket? ticket) ? ticket : null);

    public Task RemoveAsync(string key)
    {
        cache.Remove(Prefix + key);
        return Task.CompletedTask;
    }

    private void Put(string key, AuthenticationTicket ticket)
    {
        var settings = options.Value;
        var ends = ticket.Properties.ExpiresUtc ?? time.GetUtcNow().Add(settings.SessionLifetime);
        cache.Set(Prefix + key, ticket, new MemoryCacheEntryOptions
        {
            AbsoluteExpiration = ends,
            SlidingExpiration = settings.SessionIdleTimeout,
        });
    }
}

/// <summary>Points the cookie handler at <see cref="MemoryTicketStore"/> (it is resolved from the container).</summary>
public sealed class SessionStoreSetup(ITicketStore store) : IPostConfigureOptions<CookieAuthenticationOptions>
{
    public void PostConfigure(string? name, CookieAuthenticationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.SessionStore = store;
    }
}

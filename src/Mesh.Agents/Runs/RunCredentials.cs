using Mesh.Identity.V1;
using Mesh.Security.Authorization;
using Mesh.ServiceDefaults.Calls;
using Microsoft.Extensions.Options;

namespace Mesh.Agents.Runs;

/// <summary>
/// Gives each run its own credential: a short-lived token that identity mints for the run's
/// caller (the agents service asks with its own service credential and the caller's, which
/// identity checks) with the agent as actor and a scope of the run and the tools and models the
/// agent uses. It is never wider than the caller's credential, never outlives it, and dies
/// when it is revoked. Every downstream call of the run carries it, so a run can do no more
/// than its agent is meant to, whatever the user behind it could.
/// </summary>
public sealed class RunCredentials(Tokens.TokensClient tokens, IServiceCredentials credentials, IOptions<AuthorizationOptions> authorization)
{
    /// <summary>Runs outlive no token: a run longer than this fails its next downstream call.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The call scope a run of <paramref name="agent"/> works in. Mesh admins keep their own
    /// credential (an admin is not a tenant member a token could stand for); so does a service
    /// run alone without identity.
    /// </summary>
    public async Task<CallScope> ForRunAsync(IAgent agent, string runId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var scope = CallScope.Current ?? throw new InvalidOperationException("No call is being served.");
        var caller = scope.Caller;
        if (authorization.Value.Mode != AuthorizationMode.Identity || caller.IsAdmin)
        {
            return scope;
        }

        var tools = Narrowed(caller.Scope?.Tools, agent.Tools);
        var models = Narrowed(caller.Scope?.Models, agent.Models);
        var request = new IssueTokenRequest
        {
            Actor = agent.Name,
            Scope = new CredentialScope { RunId = runId, Tools = { tools }, Models = { models } },
            Audiences = { "inference", "tools" },
            TtlSeconds = (long)Lifetime.TotalSeconds,
            OnBehalfOf = scope.Authorization,
        };
        var headers = await credentials.HeadersAsync(cancellationToken);
        var issued = await tokens.IssueTokenAsync(request, headers, cancellationToken: cancellationToken);
        var runScope = new AccessScope { RunId = runId, Tools = tools, Models = models };
        return scope with
        {
            Authorization = $"Bearer {issued.Token}",
            Caller = caller with { ActorId = agent.Name, Scope = runScope, CredentialId = $"token:{issued.TokenId}" },
            AgentId = agent.Name,
            RunId = runId,
        };
    }

    /// <summary>What the agent uses that the caller's credential allows (all of it when unrestricted; nothing when none).</summary>
    private static string[] Narrowed(IReadOnlyList<string>? allowed, IReadOnlyList<string> used)
    {
        string[] narrowed = allowed is not { Count: > 0 } || allowed.Contains("*")
            ? [.. used]
            : [.. used.Where(u => allowed.Contains(u, StringComparer.OrdinalIgnoreCase))];
        return narrowed.Length > 0 ? narrowed : [AccessScope.Nothing];
    }
}

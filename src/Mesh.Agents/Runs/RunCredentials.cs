using Mesh.Identity.V1;
using Mesh.Security.Authorization;
using Mesh.ServiceDefaults.Calls;
using Microsoft.Extensions.Options;

namespace Mesh.Agents.Runs;

/// <summary>
/// Gives each run its own credential: a short-lived token from identity whose subject is the
/// user, whose actor is the agent, and whose scope is the run and the tools and models the
/// agent uses. Every downstream call of the run carries it, so a run can do no more than its
/// agent is meant to, whatever the user behind it could.
/// </summary>
public sealed class RunCredentials(Tokens.TokensClient tokens, IOptions<AuthorizationOptions> authorization)
{
    /// <summary>Runs outlive no token: a run longer than this fails its next downstream call.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The call scope a run of <paramref name="agent"/> works in. Mesh admins, and callers whose
    /// credential is already scoped or already acting for an agent, keep their own credential:
    /// an admin is not a tenant member a token could stand for, and a scoped credential must
    /// not be widened or re-scoped.
    /// </summary>
    public async Task<CallScope> ForRunAsync(IAgent agent, string runId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var scope = CallScope.Current ?? throw new InvalidOperationException("No call is being served.");
        var caller = scope.Caller;
        if (authorization.Value.Mode != AuthorizationMode.Identity || caller.IsAdmin || caller.Scope is not null || caller.ActorId is not null)
        {
            return scope;
        }

        var request = new IssueTokenRequest
        {
            Actor = agent.Name,
            Scope = new CredentialScope { RunId = runId, Tools = { agent.Tools }, Models = { agent.Models } },
            Audiences = { "inference", "tools" },
            TtlSeconds = (long)Lifetime.TotalSeconds,
        };
        var issued = await tokens.IssueTokenAsync(request, cancellationToken: cancellationToken);
        var runScope = new AccessScope { RunId = runId, Tools = [.. agent.Tools], Models = [.. agent.Models] };
        return scope with
        {
            Authorization = $"Bearer {issued.Token}",
            Caller = caller with { ActorId = agent.Name, Scope = runScope, CredentialId = issued.TokenId },
        };
    }
}

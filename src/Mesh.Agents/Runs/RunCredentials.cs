using Mesh.Identity.V1;
using Mesh.Security.Authorization;
using Mesh.ServiceDefaults.Calls;
using Microsoft.Extensions.Options;

namespace Mesh.Agents.Runs;

/// <summary>
/// Gives each run its own credential: a short-lived token that identity mints for the run's
/// caller (the agents service asks with its own service credential and the caller's, which
/// identity checks) with the workflow as actor and a scope of the run and the tools and models
/// its definition uses. It is never wider than the caller's credential, never outlives it, and
/// dies when it is revoked. Every downstream call of the run carries it, so a run can do no
/// more than its workflow is meant to, whatever the user behind it could.
/// </summary>
public sealed class RunCredentials(Tokens.TokensClient tokens, IServiceCredentials credentials, IOptions<AuthorizationOptions> authorization)
{
    /// <summary>The longest a run token lives (identity's maximum token lifetime): a run longer than this fails its next downstream call.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromHours(1);

    /// <summary>
    /// The call scope a run of <paramref name="workflow"/> works in. Mesh admins keep their own
    /// credential (an admin is not a tenant member a token could stand for); so does a service
    /// run alone without identity.
    /// </summary>
    public async Task<CallScope> ForRunAsync(string workflow, IReadOnlyList<string> tools, IReadOnlyList<string> models, string runId, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        var scope = CallScope.Current ?? throw new InvalidOperationException("No call is being served.");
        var caller = scope.Caller;
        if (authorization.Value.Mode != AuthorizationMode.Identity || caller.IsAdmin)
        {
            return scope with { AgentId = workflow, RunId = runId };
        }

        var allowedTools = Narrowed(caller.Scope?.Tools, tools);
        var allowedModels = Narrowed(caller.Scope?.Models, models);
        var request = new IssueTokenRequest
        {
            Actor = workflow,
            Scope = new CredentialScope { RunId = runId, Tools = { allowedTools }, Models = { allowedModels } },
            Audiences = { "inference", "tools" },
            TtlSeconds = (long)Math.Clamp(lifetime.TotalSeconds, 60, MaxLifetime.TotalSeconds),
            OnBehalfOf = scope.Authorization,
        };
        var headers = await credentials.HeadersAsync(cancellationToken);
        var issued = await tokens.IssueTokenAsync(request, headers, cancellationToken: cancellationToken);
        var runScope = new AccessScope { RunId = runId, Tools = allowedTools, Models = allowedModels };
        return scope with
        {
            Authorization = $"Bearer {issued.Token}",
            Caller = caller with { ActorId = workflow, Scope = runScope, CredentialId = $"token:{issued.TokenId}" },
            AgentId = workflow,
            RunId = runId,
        };
    }

    /// <summary>What the workflow uses that the caller's credential allows (all of it when unrestricted; nothing when none).</summary>
    private static string[] Narrowed(IReadOnlyList<string>? allowed, IReadOnlyList<string> used)
    {
        string[] narrowed = allowed is not { Count: > 0 } || allowed.Contains("*")
            ? [.. used]
            : [.. used.Where(u => allowed.Contains(u, StringComparer.OrdinalIgnoreCase))];
        return narrowed.Length > 0 ? narrowed : [AccessScope.Nothing];
    }
}

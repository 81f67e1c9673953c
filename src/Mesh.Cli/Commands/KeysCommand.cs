using System.CommandLine;
using Mesh.Cli.Configuration;
using Mesh.Identity.V1;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh keys create|list|revoke</c>: API keys, shown once, stored hashed.</summary>
public static class KeysCommand
{
    public static Command Create(CommandRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var command = new Command("keys", "Create, list and revoke API keys");

        var principal = new Option<string?>("--principal") { Description = "Whose key; default: yours (others need a tenant admin)", HelpName = "id" };
        var name = new Option<string?>("--name") { Description = "A label for people" };
        var tools = new Option<string[]>("--tools") { Description = "Only these tools (comma-separated); default: any", AllowMultipleArgumentsPerToken = true };
        var models = new Option<string[]>("--models") { Description = "Only these models; default: any", AllowMultipleArgumentsPerToken = true };
        var agents = new Option<string[]>("--agents") { Description = "Only these agents; default: any", AllowMultipleArgumentsPerToken = true };
        var ttl = new Option<string?>("--ttl") { Description = $"Expire after this long ({DurationParser.Hint}); default: never", HelpName = "duration" };
        var create = new Command("create", "Create an API key; it is printed once") { principal, name, tools, models, agents, ttl };
        runner.SetAction(create, async (context, cancellationToken) =>
        {
            var scope = new CredentialScope();
            scope.Tools.AddRange(IdentityTables.List(context.Parse.GetValue(tools)));
            scope.Models.AddRange(IdentityTables.List(context.Parse.GetValue(models)));
            scope.Agents.AddRange(IdentityTables.List(context.Parse.GetValue(agents)));
            var lifetime = context.Parse.GetValue(ttl) is { } text ? DurationParser.Parse(text) : TimeSpan.Zero;
            var response = await context.Clients.Identity.CreateApiKeyAsync(new CreateApiKeyRequest
            {
                PrincipalId = context.Parse.GetValue(principal) ?? "",
                Name = context.Parse.GetValue(name) ?? "",
                Scope = scope,
                TtlSeconds = (long)lifetime.TotalSeconds,
            }, context.Clients.Options(cancellationToken));
            if (context.Output.Json)
            {
                context.Output.WriteJson(response);
                return ExitCodes.Success;
            }

            context.Output.WriteRawJson(response.ApiKey); // unwrapped, so it can be copied or piped whole
            context.Output.Warning($"key {response.Info.KeyId} for {response.Info.PrincipalId} in tenant {response.Info.TenantId}: store it now, it is not shown again");
            return ExitCodes.Success;
        });

        var of = new Option<string?>("--principal") { Description = "Only this principal's keys", HelpName = "id" };
        var list = new Command("list", "List API keys (ids and scopes, never the keys)") { of };
        runner.SetAction(list, async (context, cancellationToken) =>
        {
            var response = await context.Clients.Identity.ListApiKeysAsync(new ListApiKeysRequest { PrincipalId = context.Parse.GetValue(of) ?? "" },
                context.Clients.Options(cancellationToken));
            return IdentityTables.Print(context, response, ["Key id", "Principal", "Name", "Scope", "Created", "Expires", "Revoked"],
                response.Keys.Select(k => new[] { k.KeyId, k.PrincipalId, k.Name, Scope(k.Scope), IdentityTables.When(k.CreatedAt), IdentityTables.When(k.ExpiresAt), IdentityTables.When(k.RevokedAt) }));
        });

        var keyId = new Argument<string>("key-id") { Description = "The key id (mesh keys list)" };
        var revoke = new Command("revoke", "Revoke an API key; services refuse it within seconds") { keyId };
        runner.SetAction(revoke, async (context, cancellationToken) =>
        {
            var info = await context.Clients.Identity.RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = context.Parse.GetValue(keyId) ?? "" },
                context.Clients.Options(cancellationToken));
            return IdentityTables.Done(context, info, $"revoked key {info.KeyId} of {info.PrincipalId}");
        });

        command.Subcommands.Add(create);
        command.Subcommands.Add(list);
        command.Subcommands.Add(revoke);
        return command;
    }

    public static string Scope(CredentialScope? scope)
    {
        if (scope is null)
        {
            return "any";
        }

        var parts = new List<string>();
        if (scope.Tools.Count > 0)
        {
            parts.Add($"tools: {string.Join(",", scope.Tools)}");
        }

        if (scope.Models.Count > 0)
        {
            parts.Add($"models: {string.Join(",", scope.Models)}");
        }

        if (scope.Agents.Count > 0)
        {
            parts.Add($"agents: {string.Join(",", scope.Agents)}");
        }

        if (scope.RunId.Length > 0)
        {
            parts.Add($"run: {scope.RunId}");
        }

        return parts.Count == 0 ? "any" : string.Join("; ", parts);
    }
}

using System.CommandLine;
using Mesh.Cli.Configuration;
using Mesh.Identity.V1;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh token</c>: a short-lived signed token for you, optionally for an agent acting for you.</summary>
public static class TokenCommand
{
    public static Command Create(CommandRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var actor = new Option<string?>("--actor") { Description = "The agent acting for you (act claim)", HelpName = "agent" };
        var tools = new Option<string[]>("--tools") { Description = "Only these tools", AllowMultipleArgumentsPerToken = true };
        var models = new Option<string[]>("--models") { Description = "Only these models", AllowMultipleArgumentsPerToken = true };
        var agents = new Option<string[]>("--agents") { Description = "Only these agents", AllowMultipleArgumentsPerToken = true };
        var run = new Option<string?>("--run") { Description = "The agent run the token is for", HelpName = "id" };
        var audiences = new Option<string[]>("--audience") { Description = "Services that accept it (default: all)", AllowMultipleArgumentsPerToken = true };
        var ttl = new Option<string?>("--ttl") { Description = $"Lifetime ({DurationParser.Hint}); default 5m, at most 1h", HelpName = "duration" };
        var command = new Command("token", "Issue a short-lived token (ES256) for you or an agent acting for you; print it")
        {
            actor, tools, models, agents, run, audiences, ttl,
        };
        runner.SetAction(command, async (context, cancellationToken) =>
        {
            var scope = new CredentialScope { RunId = context.Parse.GetValue(run) ?? "" };
            scope.Tools.AddRange(IdentityTables.List(context.Parse.GetValue(tools)));
            scope.Models.AddRange(IdentityTables.List(context.Parse.GetValue(models)));
            scope.Agents.AddRange(IdentityTables.List(context.Parse.GetValue(agents)));
            var request = new IssueTokenRequest
            {
                Actor = context.Parse.GetValue(actor) ?? "",
                Scope = scope,
                TtlSeconds = context.Parse.GetValue(ttl) is { } text ? (long)DurationParser.Parse(text).TotalSeconds : 0,
            };
            request.Audiences.AddRange(IdentityTables.List(context.Parse.GetValue(audiences)));
            var response = await context.Clients.Tokens.IssueTokenAsync(request, context.Clients.Options(cancellationToken));
            if (context.Output.Json)
            {
                context.Output.WriteJson(response);
                return ExitCodes.Success;
            }

            context.Output.WriteRawJson(response.Token); // unwrapped, so it can be piped whole
            return ExitCodes.Success;
        });
        return command;
    }
}

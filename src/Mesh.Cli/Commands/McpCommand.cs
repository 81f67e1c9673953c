using System.CommandLine;
using Mesh.Cli.Configuration;
using Mesh.Tools.V1;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh mcp add|list|remove</c>: the tenant's MCP servers, whose tools join the registry as &lt;server&gt;/&lt;tool&gt;.</summary>
public static class McpCommand
{
    public static Command Create(CommandRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var command = new Command("mcp", "Add, list and remove the tenant's MCP servers (their tools become <server>/<tool>)");

        var name = new Argument<string>("name") { Description = "The server's name: the prefix of its tools" };
        var program = new Argument<string[]>("command")
        {
            Description = "A stdio server's command and arguments, run in Mesh's sandbox (e.g. mcp-server-filesystem /workspace); put -- before arguments that start with -",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var url = new Option<string?>("--url") { Description = "A Streamable HTTP server's URL instead (its host must be allowed: mesh egress allow)" };
        var headers = new Option<string[]>("--header") { Description = "Name=value sent to an HTTP server with every request", AllowMultipleArgumentsPerToken = true };
        var env = new Option<string[]>("--env") { Description = "NAME=value for a stdio server", AllowMultipleArgumentsPerToken = true };
        var connect = new Option<int>("--connect-timeout-ms") { Description = "How long starting, initializing and listing may take (0: 15000)" };
        var call = new Option<int>("--call-timeout-ms") { Description = "How long each tool call may take (0: 30000)" };
        var add = new Command("add", "Connect to an MCP server and register its tools (tenant admins)") { name, program, url, headers, env, connect, call };
        runner.SetAction(add, async (context, cancellationToken) =>
        {
            var request = new AddMcpServerRequest
            {
                Name = context.Parse.GetValue(name) ?? "",
                ConnectTimeoutMs = context.Parse.GetValue(connect),
                CallTimeoutMs = context.Parse.GetValue(call),
            };
            var commandLine = context.Parse.GetValue(program) ?? [];
            var target = context.Parse.GetValue(url);
            if (target is not null == commandLine.Length > 0)
            {
                throw new CliUsageException("give either the server's command (stdio) or --url (Streamable HTTP), not both or neither");
            }

            if (target is not null)
            {
                request.Http = new McpHttp { Url = target };
                foreach (var (key, value) in Pairs(context.Parse.GetValue(headers), "--header"))
                {
                    request.Http.Headers[key] = value;
                }
            }
            else
            {
                request.Stdio = new McpStdio { Command = { commandLine } };
                foreach (var (key, value) in Pairs(context.Parse.GetValue(env), "--env"))
                {
                    request.Stdio.Env[key] = value;
                }
            }

            var info = await context.Output.WithStatusAsync($"Connecting to {request.Name}…", async _ =>
                await context.Clients.McpServers.AddMcpServerAsync(request, context.Clients.Options(cancellationToken)));
            return Servers(context, new ListMcpServersResponse { Servers = { info } });
        });

        var list = new Command("list", "The tenant's MCP servers and their tools");
        runner.SetAction(list, async (context, cancellationToken) =>
            Servers(context, await context.Clients.McpServers.ListMcpServersAsync(new ListMcpServersRequest(), context.Clients.Options(cancellationToken))));

        var which = new Argument<string>("name") { Description = "The server to remove" };
        var remove = new Command("remove", "Disconnect an MCP server and remove its tools (tenant admins)") { which };
        runner.SetAction(remove, async (context, cancellationToken) =>
        {
            var removed = await context.Clients.McpServers.RemoveMcpServerAsync(new RemoveMcpServerRequest { Name = context.Parse.GetValue(which) ?? "" },
                context.Clients.Options(cancellationToken));
            return IdentityTables.Done(context, removed, $"removed {context.Parse.GetValue(which)} and its {removed.ToolsRemoved} tools");
        });

        command.Subcommands.Add(add);
        command.Subcommands.Add(list);
        command.Subcommands.Add(remove);
        return command;
    }

    private static int Servers(CommandContext context, ListMcpServersResponse response) =>
        IdentityTables.Print(context, response, ["Server", "Transport", "Target", "Tools"],
            response.Servers.Select(s => new[] { s.Name, s.Transport, s.Target, string.Join(", ", s.Tools.Select(t => t.Name)) }));

    private static IEnumerable<(string Key, string Value)> Pairs(string[]? values, string option)
    {
        foreach (var value in values ?? [])
        {
            var equals = value.IndexOf('=', StringComparison.Ordinal);
            yield return equals > 0 ? (value[..equals], value[(equals + 1)..]) : throw new CliUsageException($"{option} takes name=value, not '{value}'");
        }
    }
}

using System.CommandLine;
using Grpc.Core;
using Mesh.Cli.Clients;
using Mesh.Cli.Configuration;
using Mesh.Cli.Output;

namespace Mesh.Cli.Commands;

/// <summary>
/// Gives commands their action: resolves the global settings, opens the clients, and maps failures to
/// messages and exit codes (1 for failed calls, 2 for usage errors, 130 when interrupted).
/// </summary>
public sealed class CommandRunner(GlobalOptions globals, CliEnvironment environment)
{
    public GlobalOptions Globals => globals;

    public void SetAction(Command command, Func<CommandContext, CancellationToken, Task<int>> action)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(action);
        command.SetAction((parse, cancellationToken) => RunAsync(parse, action, cancellationToken));
    }

    private async Task<int> RunAsync(
        ParseResult parse,
        Func<CommandContext, CancellationToken, Task<int>> action,
        CancellationToken cancellationToken)
    {
        var output = CliOutput.Create(parse.GetValue(globals.Json), environment);
        CliSettings settings;
        try
        {
            settings = globals.Read(parse, environment.Variables);
        }
        catch (CliUsageException e)
        {
            output.Error(e.Message);
            return ExitCodes.Usage;
        }

        using var clients = new MeshClients(settings, environment.Time);
        try
        {
            return await action(new CommandContext(parse, settings, clients, output, environment.Time), cancellationToken);
        }
        catch (CliUsageException e)
        {
            output.Error(e.Message);
            return ExitCodes.Usage;
        }
        catch (ServiceUnreachableException e)
        {
            output.Error(e.Message, e.Hint);
            return ExitCodes.Failure;
        }
        catch (Exception e) when (cancellationToken.IsCancellationRequested
            && e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
        {
            output.Error("interrupted");
            return ExitCodes.Interrupted;
        }
        catch (RpcException e)
        {
            var (message, hint) = ErrorReporter.Describe(e, settings);
            output.Error(message, hint);
            return ExitCodes.Failure;
        }
    }
}

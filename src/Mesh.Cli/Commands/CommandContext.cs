using System.CommandLine;
using Mesh.Cli.Clients;
using Mesh.Cli.Configuration;
using Mesh.Cli.Output;

namespace Mesh.Cli.Commands;

/// <summary>What a command's action works with: its parsed arguments, settings, clients, output and clock.</summary>
public sealed record CommandContext(
    ParseResult Parse,
    CliSettings Settings,
    MeshClients Clients,
    CliOutput Output,
    TimeProvider Time);

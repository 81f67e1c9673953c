using Google.Protobuf;
using Spectre.Console;

namespace Mesh.Cli.Commands;

/// <summary>Prints identity responses: JSON with --json, else a table or a line.</summary>
public static class IdentityTables
{
    public static int Print(CommandContext context, IMessage response, string[] columns, IEnumerable<string[]> rows)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Output.Json)
        {
            context.Output.WriteJson(response);
            return ExitCodes.Success;
        }

        var table = new Table().Border(TableBorder.Rounded).AddColumns(columns);
        foreach (var row in rows)
        {
            table.AddRow(row.Select(cell => new Text(cell)).ToArray());
        }

        context.Output.Console.Write(table);
        return ExitCodes.Success;
    }

    public static int Done(CommandContext context, IMessage response, string line)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Output.Json)
        {
            context.Output.WriteJson(response);
        }
        else
        {
            context.Output.Console.WriteLine(line);
        }

        return ExitCodes.Success;
    }

    /// <summary>Splits <c>a,b c</c> lists as people type them.</summary>
    public static string[] List(string[]? values) =>
        values is null ? [] : [.. values.SelectMany(v => v.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];

    public static string When(Google.Protobuf.WellKnownTypes.Timestamp? at) =>
        at is null ? "" : at.ToDateTimeOffset().ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture);
}

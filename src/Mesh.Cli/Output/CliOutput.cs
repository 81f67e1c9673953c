using Google.Protobuf;
using Spectre.Console;

namespace Mesh.Cli.Output;

/// <summary>Where a command writes: tables and progress for people, or JSON for machines; errors to stderr.</summary>
public sealed class CliOutput(IAnsiConsole console, TextWriter standardOutput, IAnsiConsole errors, bool json)
{
    private static readonly JsonFormatter Compact = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));
    private static readonly JsonFormatter Indented = new(
        JsonFormatter.Settings.Default.WithFormatDefaultValues(true).WithIndentation());

    private const int RedirectedWidth = 160;
    private const int UnwrappedWidth = 4096;

    /// <summary>True when <c>--json</c> was given: write only JSON to stdout.</summary>
    public bool Json => json;

    /// <summary>The console for people; never used in JSON mode.</summary>
    public IAnsiConsole Console => console;

    public static CliOutput Create(bool json, CliEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var stdout = CreateConsole(environment.Out, environment.OutIsTerminal);
        if (!environment.OutIsTerminal)
        {
            // Piped tables need no terminal's width limit; 80 columns would squeeze them.
            stdout.Profile.Width = RedirectedWidth;
        }

        // Error lines are never wrapped here: the terminal (or log) wraps them.
        var stderr = CreateConsole(environment.Error, environment.ErrorIsTerminal);
        stderr.Profile.Width = UnwrappedWidth;
        return new CliOutput(stdout, environment.Out, stderr, json);
    }

    /// <summary>One JSON object on one line (JSON lines, for streams).</summary>
    public void WriteJsonLine(IMessage message)
    {
        standardOutput.WriteLine(Compact.Format(message));
        standardOutput.Flush();
    }

    /// <summary>One JSON document, indented.</summary>
    public void WriteJson(IMessage message)
    {
        standardOutput.WriteLine(Indented.Format(message));
        standardOutput.Flush();
    }

    /// <summary>Writes plain text (a Markdown or HTML document) as is, without console markup or wrapping.</summary>
    public void WriteText(string text)
    {
        standardOutput.WriteLine(text);
        standardOutput.Flush();
    }

    /// <summary>Writes raw JSON text produced elsewhere (e.g. a tool result) as is.</summary>
    public void WriteRawJson(string json)
    {
        standardOutput.WriteLine(json);
        standardOutput.Flush();
    }

    /// <summary>Runs work with a spinner for people; without one in JSON mode or when output is not a terminal.</summary>
    public async Task<T> WithStatusAsync<T>(string status, Func<Action<string>, Task<T>> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (json || !console.Profile.Capabilities.Interactive)
        {
            return await work(_ => { });
        }

        return await console.Status()
            .Spinner(Spinner.Known.Dots)
            .SpinnerStyle(Style.Parse("cyan"))
            .StartAsync(Markup.Escape(status), context => work(text => context.Status(Markup.Escape(text))));
    }

    public void Error(string message, string? hint = null)
    {
        errors.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");
        if (!string.IsNullOrEmpty(hint))
        {
            errors.MarkupLine($"[grey]hint:[/] {Markup.Escape(hint)}");
        }
    }

    public void Warning(string message) =>
        errors.MarkupLine($"[yellow]warning:[/] {Markup.Escape(message)}");

    private static IAnsiConsole CreateConsole(TextWriter writer, bool terminal) => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(writer),
        Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
        ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
    });
}

using Mesh.Console.Sessions;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Mesh.Console.Pages;

/// <summary>A page of a signed-in session.</summary>
public abstract class ConsolePage : PageModel
{
    public ConsoleSession Session => ConsoleSession.Of(HttpContext);

    /// <summary>A problem with what the query string asked for, shown instead of the report.</summary>
    public string? Problem { get; protected set; }
}

using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Mesh.Console.Pages;

/// <summary>The page a bare status code (an unknown address, a refused form) shows.</summary>
[AllowAnonymous]
public sealed class StatusModel : PageModel
{
    public string Title { get; private set; } = "";

    public string Detail { get; private set; } = "";

    public void OnGet(int code)
    {
        (Title, Detail) = code switch
        {
            404 => ("Not found", "There is nothing at this address."),
            403 => ("Not allowed", "Your key may not do that."),
            400 => ("Bad request", "The request was refused; if you submitted a form, reload the page and submit it again."),
            _ => ($"Error {code}", "The console could not answer this request."),
        };
    }
}

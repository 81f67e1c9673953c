using Mesh.Console.Sessions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;

namespace Mesh.Console.Pages;

/// <summary>Ends the session: the server forgets it and the key with it.</summary>
public sealed class SessionModel : ConsolePage
{
    public IActionResult OnGet() => RedirectToPage("/Cost");

    public async Task<IActionResult> OnPostSignOutAsync()
    {
        await HttpContext.SignOutAsync(ConsoleSession.AuthenticationScheme);
        return RedirectToPage("/SignIn");
    }
}

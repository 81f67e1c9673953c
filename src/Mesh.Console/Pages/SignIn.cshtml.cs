using Mesh.Console.Options;
using Mesh.Console.Sessions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace Mesh.Console.Pages;

/// <summary>Sign-in with an API key (a POST with the antiforgery token; the key never goes in a URL).</summary>
public sealed class SignInModel(SignIn signIn, IOptions<ConsoleOptions> options, TimeProvider time) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty(SupportsGet = true)]
    public bool Expired { get; set; }

    public string? Problem { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(string? apiKey)
    {
        var (session, problem) = await signIn.CheckAsync(apiKey, HttpContext.RequestAborted);
        if (session is null)
        {
            Problem = problem;
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Page();
        }

        await HttpContext.SignInAsync(ConsoleSession.AuthenticationScheme, session.ToPrincipal(), new AuthenticationProperties
        {
            IsPersistent = false,
            ExpiresUtc = time.GetUtcNow().Add(options.Value.SessionLifetime),
        });
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/cost");
    }
}

using Mesh.Console.Web;
using Mesh.Console.Options;
using Mesh.Console.Runs;
using Mesh.Console.Sessions;
using Mesh.Console.Vrio;
using Mesh.ServiceDefaults.Grpc;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Mesh.Console;

public static class ConsoleServiceCollectionExtensions
{
    /// <summary>The console: sessions, the services' gRPC clients called with the signed-in credential, the pages.</summary>
    public static WebApplicationBuilder AddMeshConsole(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<ConsoleOptions>().BindConfiguration(ConsoleOptions.SectionName).ValidateProblems(o => o.Problems()).ValidateOnStart();
        services.AddMemoryCache();
        services.AddHttpContextAccessor();

        // The signed-in credential goes on every call before the default deadline is considered.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IOutgoingCallEnricher, SignedInCredential>());
        services.AddMeshClient<Identity.V1.Identity.IdentityClient>("identity");
        services.AddMeshClient<Identity.V1.Budgets.BudgetsClient>("identity");
        services.AddMeshClient<Agents.V1.Agents.AgentsClient>("agents");
        services.AddMeshClient<Telemetry.V1.Analytics.AnalyticsClient>("telemetry");
        services.AddMeshClient<Telemetry.V1.Alerts.AlertsClient>("telemetry");
        services.AddMeshClient<Telemetry.V1.Vrio.VrioClient>("telemetry");
        services.AddTransient<SignIn>();
        services.TryAddScoped<IVrioReports, GrpcVrioReports>();

        services.TryAddSingleton<ITicketStore, MemoryTicketStore>();
        services.AddSingleton<IPostConfigureOptions<CookieAuthenticationOptions>, SessionStoreSetup>();
        services.AddAuthentication(ConsoleSession.AuthenticationScheme)
            .AddCookie(ConsoleSession.AuthenticationScheme, cookie =>
            {
                cookie.Cookie.Name = "mesh-console";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Strict;
                cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                cookie.LoginPath = "/signin";
                cookie.AccessDeniedPath = "/signin";
                cookie.ReturnUrlParameter = "returnUrl";
                cookie.SlidingExpiration = false;
                cookie.Events.OnRedirectToLogin = context =>
                {
                    // Live streams and downloads answer 401; pages go to the sign-in page.
                    if (context.Request.Headers.Accept.ToString().Contains("text/event-stream", StringComparison.Ordinal))
                    {
                        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                        return Task.CompletedTask;
                    }

                    context.Response.Redirect(context.RedirectUri);
                    return Task.CompletedTask;
                };
            });
        services.AddAuthorization();
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "mesh-console-csrf";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        services.AddRazorPages(o =>
            {
                o.Conventions.AuthorizeFolder("/");
                o.Conventions.AllowAnonymousToPage("/SignIn");
            })
            .AddMvcOptions(o => o.Filters.Add<ServiceProblemFilter>());
        return builder;
    }

    /// <summary>The pages, the live streams, static files and health.</summary>
    public static WebApplication MapMeshConsole(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use(SecurityHeaders.AddAsync);
        app.UseStatusCodePagesWithReExecute("/status/{0}");
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapStaticAssets();
        app.MapRazorPages().WithStaticAssets();
        app.MapGet("/runs/{runId}/events", RunEventStream.StreamAsync).RequireAuthorization();
        app.MapDefaultEndpoints();
        return app;
    }
}

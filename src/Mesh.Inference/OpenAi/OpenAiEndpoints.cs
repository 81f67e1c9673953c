using Mesh.Inference.OpenAi;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the OpenAI-compatible API under <c>/v1</c> on the port of <see cref="OpenAiOptions.Endpoint"/>.</summary>
public static class OpenAiEndpoints
{
    public static WebApplication MapOpenAi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var port = PortOf(app.Configuration, app.Services.GetRequiredService<IOptions<OpenAiOptions>>().Value.Endpoint);
        var v1 = app.MapGroup("/v1");
        if (port is not null)
        {
            v1.AddEndpointFilter(async (context, next) => IsOpenAi(context.HttpContext, port) ? await next(context) : Results.NotFound());
        }

        // A path or method the API does not have is answered in OpenAI's error shape too, as OpenAI does.
        app.UseStatusCodePages(context => IsOpenAi(context.HttpContext, port) && context.HttpContext.Response.StatusCode is 404 or 405
            ? OpenAiErrors.WriteUnknownRouteAsync(context.HttpContext)
            : Task.CompletedTask);

        v1.MapGet("/models", (HttpContext http, ModelsEndpoint models) => models.ListAsync(http));
        v1.MapGet("/models/{id}", (HttpContext http, string id, ModelsEndpoint models) => models.GetAsync(http, id));
        v1.MapPost("/embeddings", (HttpContext http, EmbeddingsEndpoint embeddings) => embeddings.HandleAsync(http));
        v1.MapPost("/completions", (HttpContext http, CompletionsEndpoint completions) => completions.TextAsync(http));
        v1.MapPost("/chat/completions", (HttpContext http, CompletionsEndpoint completions) => completions.ChatAsync(http));
        return app;
    }

    /// <summary>
    /// A request the OpenAI API answers: any on its own port, or one under /v1 where it has no port
    /// of its own or in memory (in-memory test hosts have no local port, 0, and serve /v1 as a real
    /// server serves it on its own port).
    /// </summary>
    private static bool IsOpenAi(HttpContext http, int? port) =>
        port is { } only && http.Connection.LocalPort == only
        || (port is null || http.Connection.LocalPort is 0) && http.Request.Path.StartsWithSegments("/v1", StringComparison.Ordinal);

    private static int? PortOf(IConfiguration configuration, string endpoint) =>
        endpoint.Length > 0 && configuration[$"Kestrel:Endpoints:{endpoint}:Url"] is { } url
            && Uri.TryCreate(url.Replace("*", "localhost", StringComparison.Ordinal).Replace("+", "localhost", StringComparison.Ordinal), UriKind.Absolute, out var address)
            && address.Port > 0
            ? address.Port
            : null;
}

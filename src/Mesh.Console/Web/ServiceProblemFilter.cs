using Grpc.Core;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Mesh.Console.Sessions;

namespace Mesh.Console.Web;

/// <summary>
/// Turns a service's refusal into a page that says what happened, with the status a browser
/// understands: another tenant's run is a 404 like a run that does not exist, a missing
/// permission a 403, a key revoked since sign-in ends the session.
/// </summary>
public sealed partial class ServiceProblemFilter(ILogger<ServiceProblemFilter> logger) : IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var executed = await next();
        if (executed.Exception is not RpcException refusal || executed.ExceptionHandled)
        {
            return;
        }

        executed.ExceptionHandled = true;
        if (refusal.StatusCode == StatusCode.Unauthenticated)
        {
            await context.HttpContext.SignOutAsync(ConsoleSession.AuthenticationScheme);
            executed.Result = new RedirectToPageResult("/SignIn", new { expired = true });
            return;
        }

        LogRefused(logger, context.HttpContext.Request.Path, refusal.StatusCode, refusal.Status.Detail);
        executed.Result = Page(context, refusal);
    }

    public static ViewResult Page(PageHandlerExecutingContext context, RpcException refusal)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(refusal);
        var problem = ServiceProblem.From(refusal);
        var view = new ViewResult
        {
            ViewName = "Problem",
            StatusCode = problem.HttpStatus,
            ViewData = new ViewDataDictionary<ServiceProblem>(new Microsoft.AspNetCore.Mvc.ModelBinding.EmptyModelMetadataProvider(), context.ModelState) { Model = problem },
        };
        return view;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "{Path}: the service answered {Status}: {Detail}")]
    private static partial void LogRefused(ILogger logger, PathString path, StatusCode status, string detail);
}

/// <summary>A service's refusal as a page shows it.</summary>
public sealed record ServiceProblem(int HttpStatus, string Title, string Detail)
{
    public static ServiceProblem From(RpcException refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        var detail = refusal.Status.Detail;
        return refusal.StatusCode switch
        {
            StatusCode.NotFound => new(StatusCodes.Status404NotFound, "Not found", detail),
            StatusCode.PermissionDenied => new(StatusCodes.Status403Forbidden, "Not allowed", detail),
            StatusCode.InvalidArgument or StatusCode.OutOfRange or StatusCode.FailedPrecondition => new(StatusCodes.Status400BadRequest, "That request cannot be answered", detail),
            StatusCode.ResourceExhausted => new(StatusCodes.Status429TooManyRequests, "Too many requests or budget used up", detail),
            StatusCode.DeadlineExceeded => new(StatusCodes.Status504GatewayTimeout, "The service took too long", detail),
            StatusCode.Unimplemented => new(StatusCodes.Status501NotImplemented, "This mesh does not serve that yet", detail),
            _ => new(StatusCodes.Status503ServiceUnavailable, "A service could not answer", $"{refusal.StatusCode}: {detail}"),
        };
    }
}

using Grpc.Core;
using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Errors;
using Mesh.Telemetry.Pricing.Replay;
using Mesh.Telemetry.V1;

namespace Mesh.Telemetry.Pricing;

/// <summary>The price lists telemetry bills by; identity prices budget reservations with the one in force now.</summary>
public sealed class PricesService(PriceBookProvider books, CostReplayer replayer, TimeProvider time) : Prices.PricesBase
{
    public override Task<V1.PriceList> GetPriceList(GetPriceListRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var book = books.Current;
        Mesh.Pricing.DatedPriceList? list;
        if (request.Version.Length > 0)
        {
            list = book.Find(request.Version)
                ?? throw MeshErrors.NotFound("price list", request.Version, $"the lists are {string.Join(", ", book.Lists.Select(l => l.Version))}");
        }
        else
        {
            var at = request.At is null ? time.GetUtcNow().UtcDateTime : Time(request.At, "at");
            list = book.InForce(at)
                ?? throw MeshErrors.NotFound("price list in force at", at.ToString("O", System.Globalization.CultureInfo.InvariantCulture), "no list was effective yet then; add one with mesh prices add");
        }

        return Task.FromResult(PriceListMessages.ToMessage(list, book));
    }

    public override Task<ListPriceListsResponse> ListPriceLists(ListPriceListsRequest request, ServerCallContext context)
    {
        var book = books.Current;
        var response = new ListPriceListsResponse();
        response.Lists.AddRange(book.Lists.Select(l => PriceListMessages.ToMessage(l, book)));
        return Task.FromResult(response);
    }

    public override async Task<V1.PriceList> AddPriceList(V1.PriceList request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var caller = CallScope.Current?.Caller ?? throw MeshErrors.Unauthenticated("not authenticated");
        if (!caller.IsAdmin)
        {
            throw MeshErrors.PermissionDenied($"only mesh admins may add price lists; {caller.Subject} is not one");
        }

        var problems = new List<string>();
        var list = PriceListMessages.FromMessage(request, problems, PriceBookProvider.TruncateToSecond(time.GetUtcNow().UtcDateTime), caller.Subject);
        if (problems.Count == 0)
        {
            problems.AddRange(await books.AddAsync(list, context.CancellationToken));
        }

        if (problems.Count > 0)
        {
            var field = problems[0].Split(':', 2)[0];
            throw MeshErrors.InvalidArgument(field, $"the price list was not added: {string.Join("; ", problems)}");
        }

        var book = books.Current;
        return PriceListMessages.ToMessage(book.Find(list.Version)!, book);
    }

    public override Task<ReplayReport> ReplayCost(ReplayRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var caller = CallScope.Current?.Caller ?? throw MeshErrors.Unauthenticated("not authenticated");
        return replayer.ReplayAsync(request, caller, context.CancellationToken);
    }

    private static DateTime Time(Google.Protobuf.WellKnownTypes.Timestamp timestamp, string field)
    {
        try
        {
            return timestamp.ToDateTime();
        }
        catch (InvalidOperationException)
        {
            throw MeshErrors.InvalidArgument(field, "is not a valid timestamp");
        }
    }
}

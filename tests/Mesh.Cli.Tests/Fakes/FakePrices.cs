using System.Collections.Concurrent;
using Grpc.Core;
using Mesh.Telemetry.V1;

namespace Mesh.Cli.Tests.Fakes;

/// <summary>A Prices service that keeps the lists it is sent and the replays it is asked for.</summary>
public sealed class FakePrices : Prices.PricesBase
{
    public ConcurrentQueue<PriceList> Added { get; } = new();

    public ConcurrentQueue<(ReplayRequest Request, string? TenantHeader)> Replays { get; } = new();

    public override Task<PriceList> AddPriceList(PriceList request, ServerCallContext context)
    {
        Added.Enqueue(request);
        return Task.FromResult(request);
    }

    public override Task<ReplayReport> ReplayCost(ReplayRequest request, ServerCallContext context)
    {
        Replays.Enqueue((request, context.RequestHeaders.GetValue("x-mesh-tenant")));
        var total = new ReplayRow { Events = 1, BilledUsd = "0.000002000", BaselineUsd = "0.000002000", ScenarioUsd = "0.000001000", DifferenceUsd = "-0.000001000" };
        return Task.FromResult(new ReplayReport { GroupBy = { request.GroupBy }, Total = total, Scenario = "price list " + request.PriceListVersion });
    }
}

using System.Globalization;
using Grpc.Core;
using Mesh.Pricing;
using Mesh.Telemetry.V1;

namespace Mesh.Telemetry.Pricing;

/// <summary>The price list telemetry bills by; identity prices budget reservations with it.</summary>
public sealed class PricesService(PriceCatalog catalog) : Prices.PricesBase
{
    public override Task<PriceList> GetPriceList(GetPriceListRequest request, ServerCallContext context)
    {
        var list = new PriceList { Version = catalog.Version };
        foreach (var (resource, price) in catalog.Resources.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            list.Prices.Add(new V1.ResourcePrice
            {
                Resource = resource,
                InputPerMillionTokens = Text(price.InputPerMillionTokens),
                OutputPerMillionTokens = Text(price.OutputPerMillionTokens),
                CachedPerMillionTokens = Text(price.CachedPerMillionTokens),
                PerCall = Text(price.PerCall),
                PerComputeSecond = Text(price.PerComputeSecond),
            });
        }

        return Task.FromResult(list);
    }

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}

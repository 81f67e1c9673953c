using Mesh.Tools.V1;

namespace Mesh.Tools.Pricing;

/// <summary>What tools cost, as telemetry's price list says (telemetry owns pricing).</summary>
public interface IToolPrices
{
    /// <summary>The price of <paramref name="priceClass"/>; null while the price list is out of reach.</summary>
    ValueTask<ToolPrice?> PriceOfAsync(string priceClass, CancellationToken cancellationToken);
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using Mesh.Telemetry.Analytics.Metrics;

namespace Mesh.Telemetry.Analytics.Focus;

/// <summary>
/// Usage and cost as FinOps FOCUS 1.2 cost-and-usage rows: one per charge period, tenant, service,
/// kind and resource. Mesh is provider, publisher and invoice issuer; a tenant is the billing
/// account. FOCUS 1.2 has no token columns of its own: the quantity is tokens for models and calls
/// for tools (ConsumedUnit, SkuMeter say which), and the token detail travels in x_ columns.
/// </summary>
public static class FocusCsv
{
    public static readonly IReadOnlyList<string> Columns =
    [
        "AvailabilityZone", "BilledCost", "BillingAccountId", "BillingAccountName", "BillingAccountType", "BillingCurrency",
        "BillingPeriodEnd", "BillingPeriodStart", "CapacityReservationId", "CapacityReservationStatus", "ChargeCategory", "ChargeClass",
        "ChargeDescription", "ChargeFrequency", "ChargePeriodEnd", "ChargePeriodStart", "CommitmentDiscountCategory", "CommitmentDiscountId",
        "CommitmentDiscountName", "CommitmentDiscountQuantity", "CommitmentDiscountStatus", "CommitmentDiscountType", "CommitmentDiscountUnit",
        "ConsumedQuantity", "ConsumedUnit", "ContractedCost", "ContractedUnitPrice", "EffectiveCost", "InvoiceId", "InvoiceIssuerName",
        "ListCost", "ListUnitPrice", "PricingCategory", "PricingCurrency", "PricingCurrencyContractedUnitPrice", "PricingCurrencyEffectiveCost",
        "PricingCurrencyListUnitPrice", "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName", "RegionId", "RegionName",
        "ResourceId", "ResourceName", "ResourceType", "ServiceCategory", "ServiceName", "ServiceSubcategory", "SkuId", "SkuMeter",
        "SkuPriceDetails", "SkuPriceId", "SubAccountId", "SubAccountName", "SubAccountType", "Tags",
        "x_InputTokens", "x_CachedInputTokens", "x_OutputTokens", "x_ReasoningTokens", "x_Calls", "x_ComputeSeconds", "x_Errors",
    ];

    /// <summary>The dimensions each row is grouped by, in order.</summary>
    public static readonly IReadOnlyList<string> GroupBy = ["tenant", "service", "kind", "resource", "resource_version"];

    public static string Header() => string.Join(',', Columns) + "\r\n";

    public static string Row(MetricsResultRow row, TimeBucket period)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(period);
        var (tenant, service, kind, resource, version) = (row.Keys[0], row.Keys[1], row.Keys[2], row.Keys[3], row.Keys[4]);
        var start = DateTime.UnixEpoch.AddSeconds(row.Bucket);
        var end = period.Next(start);
        var billingStart = new DateTime(start.Year, start.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        var model = kind is "model_call" or "embedding";
        var quantity = model ? row.InputTokens + row.OutputTokens : row.Events;
        var unit = model ? "Tokens" : "Calls";
        var cost = row.CostUsd.ToString("0.#########", CultureInfo.InvariantCulture);
        var tags = JsonSerializer.Serialize(new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["mesh.kind"] = kind,
            ["mesh.resource_version"] = version,
        });
        var values = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["BilledCost"] = cost,
            ["BillingAccountId"] = tenant,
            ["BillingAccountName"] = tenant,
            ["BillingAccountType"] = "Tenant",
            ["BillingCurrency"] = "USD",
            ["BillingPeriodEnd"] = Time(billingStart.AddMonths(1)),
            ["BillingPeriodStart"] = Time(billingStart),
            ["ChargeCategory"] = "Usage",
            ["ChargeDescription"] = $"{resource} {kind.Replace('_', ' ')} on Mesh",
            ["ChargeFrequency"] = "Usage-Based",
            ["ChargePeriodEnd"] = Time(end),
            ["ChargePeriodStart"] = Time(start),
            ["ConsumedQuantity"] = Number(quantity),
            ["ConsumedUnit"] = unit,
            ["ContractedCost"] = cost,
            ["EffectiveCost"] = cost,
            ["InvoiceIssuerName"] = "Mesh",
            ["ListCost"] = cost,
            ["PricingCategory"] = "Standard",
            ["PricingCurrency"] = "USD",
            ["PricingCurrencyEffectiveCost"] = cost,
            ["PricingQuantity"] = Number(quantity),
            ["PricingUnit"] = unit,
            ["ProviderName"] = "Mesh",
            ["PublisherName"] = "Mesh",
            ["ResourceId"] = version.Length == 0 ? resource : $"{resource}@{version}",
            ["ResourceName"] = resource,
            ["ResourceType"] = kind switch { "model_call" or "embedding" => "Model", "tool_call" => "Tool", "workflow_step" => "Agent Workflow", _ => "Other" },
            ["ServiceCategory"] = "AI and Machine Learning",
            ["ServiceName"] = service.Length == 0 ? "mesh" : $"mesh {service}",
            ["ServiceSubcategory"] = kind switch { "model_call" => "Generative AI", "embedding" => "Machine Learning", _ => "AI Platforms" },
            ["SkuId"] = resource,
            ["SkuMeter"] = unit,
            ["SubAccountId"] = tenant,
            ["SubAccountName"] = tenant,
            ["SubAccountType"] = "Tenant",
            ["Tags"] = tags,
            ["x_InputTokens"] = Number(row.InputTokens),
            ["x_CachedInputTokens"] = Number(row.CachedTokens),
            ["x_OutputTokens"] = Number(row.OutputTokens),
            ["x_ReasoningTokens"] = Number(row.ReasoningTokens),
            ["x_Calls"] = Number(row.Events),
            ["x_ComputeSeconds"] = (row.ComputeUs / 1_000_000m).ToString("0.######", CultureInfo.InvariantCulture),
            ["x_Errors"] = Number(row.Errors),
        };
        return string.Join(',', Columns.Select(c => Field(values.GetValueOrDefault(c)))) + "\r\n";
    }

    /// <summary>RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled; null is empty.</summary>
    public static string Field(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    private static string Time(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);
}

using Mesh.Pricing;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class PricingServiceCollectionExtensions
{
    /// <summary>
    /// The configured price lists (<c>Mesh:Pricing:Lists</c>), validated at start. A key the
    /// options do not know (such as the single-list <c>Mesh:Pricing:Version</c> of earlier
    /// releases) fails the start instead of being ignored, so no intended price goes missing.
    /// </summary>
    public static IServiceCollection AddPriceLists(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<PricingOptions>()
            .BindConfiguration(PricingOptions.SectionName, binder => binder.ErrorOnUnknownConfiguration = true)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PricingOptions>, PricingOptionsValidator>());
        return services;
    }

    /// <summary>
    /// Adds the default price lists shipped beside the binaries as the lowest-precedence
    /// configuration source, so appsettings, environment and arguments override it.
    /// </summary>
    public static IHostApplicationBuilder AddDefaultPrices(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var source = new JsonConfigurationSource
        {
            FileProvider = new PhysicalFileProvider(AppContext.BaseDirectory),
            Path = "mesh-prices.json",
            Optional = true,
        };
        builder.Configuration.Sources.Insert(0, source);
        return builder;
    }
}

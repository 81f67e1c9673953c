using Mesh.Pricing;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class PricingServiceCollectionExtensions
{
    /// <summary>The price catalog (<c>Mesh:Pricing</c>), validated at start.</summary>
    public static IServiceCollection AddPriceCatalog(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<PricingOptions>().BindConfiguration(PricingOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PricingOptions>, PricingOptionsValidator>());
        services.TryAddSingleton<PriceCatalog>();
        return services;
    }

    /// <summary>
    /// Adds the default price list shipped beside the binaries as the lowest-precedence
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

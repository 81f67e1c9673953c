namespace Mesh.Metering;

/// <summary>
/// Where usage goes (<c>Mesh:Usage:Sink</c>): <c>grpc</c> (default) publishes to telemetry,
/// <c>kafka</c> produces to the usage topic at <c>ConnectionStrings:kafka</c>.
/// </summary>
public sealed class UsageSinkOptions
{
    public const string SectionName = "Mesh:Usage";
    public const string Grpc = "grpc";
    public const string Kafka = "kafka";

    private string _sink = Grpc;

    /// <summary>The sink's name; blank (an empty setting or environment variable) means the default.</summary>
    public string Sink
    {
        get => _sink;
        set => _sink = string.IsNullOrWhiteSpace(value) ? Grpc : value.Trim().ToLowerInvariant();
    }

    public IEnumerable<string> Problems()
    {
        if (Sink is not (Grpc or Kafka))
        {
            yield return $"{SectionName}:Sink is '{Sink}'; use '{Grpc}' (telemetry over gRPC) or '{Kafka}' (ConnectionStrings:kafka)";
        }
    }
}

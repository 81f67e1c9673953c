using Mesh.KafkaBroker.Mock;

namespace Mesh.KafkaBroker.Control;

/// <summary>
/// The broker's HTTP control surface on loopback, for tests and operators: cluster layout,
/// topic creation and fault injection.
/// </summary>
public static class ControlApi
{
    public static WebApplication MapControlApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/health", () => "ok");
        app.MapGet("/cluster", (MockBroker broker) => new { bootstrap = broker.Bootstrap, topics = broker.Topics });
        app.MapPost("/topics/{name}", (MockBroker broker, string name, int partitions) =>
            Run(() => broker.CreateTopic(name, partitions)));
        app.MapPost("/brokers/{id:int}/down", (MockBroker broker, int id) => Run(() => broker.Cluster.SetDown(id)));
        app.MapPost("/brokers/{id:int}/up", (MockBroker broker, int id) => Run(() => broker.Cluster.SetUp(id)));
        app.MapPost("/brokers/{id:int}/rtt", (MockBroker broker, int id, int ms) => Run(() => broker.Cluster.SetRoundTrip(id, ms)));
        // The next `count` requests of an API fail with a Kafka error code, e.g. /errors/Produce?code=6&count=3.
        app.MapPost("/errors/{api}", (MockBroker broker, string api, int code, int? count) =>
            Enum.TryParse<KafkaApi>(api, ignoreCase: true, out var key) && code > 0 && count is null or (> 0 and <= 10_000)
                ? Run(() => broker.Cluster.PushRequestErrors(key, [.. Enumerable.Repeat(code, count ?? 1)]))
                : Results.BadRequest($"api must be one of {string.Join(", ", Enum.GetNames<KafkaApi>())}, code a positive Kafka error code, count 1-10000"));
        app.MapDelete("/errors/{api}", (MockBroker broker, string api) =>
            Enum.TryParse<KafkaApi>(api, ignoreCase: true, out var key)
                ? Run(() => broker.Cluster.ClearRequestErrors(key))
                : Results.BadRequest("unknown api"));
        return app;
    }

    private static IResult Run(Action action)
    {
        try
        {
            action();
            return Results.Ok("ok");
        }
        catch (InvalidOperationException ex)
        {
            return Results.BadRequest(ex.Message);
        }
    }
}

using Mesh.KafkaBroker;
using Mesh.KafkaBroker.Control;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

// A Kafka protocol broker for development and tests: librdkafka's mock cluster on fixed
// loopback ports, with an HTTP control API for topics and fault injection.
//   Mesh.KafkaBroker --port 9092 --control-port 9192 --brokers 1 --topics mesh.usage.v1:64
var builder = WebApplication.CreateSlimBuilder(args);
builder.Configuration.AddCommandLine(args, new Dictionary<string, string>
{
    ["--port"] = "Broker:Port",
    ["--control-port"] = "Broker:ControlPort",
    ["--brokers"] = "Broker:Brokers",
    ["--topics"] = "Broker:Topics",
});
builder.Services.AddOptions<BrokerOptions>().BindConfiguration(BrokerOptions.SectionName)
    .Validate(o => !o.Problems().Any(), "invalid Broker settings: ports 0-65535, 1-16 brokers, topics as name:partitions")
    .ValidateOnStart();
builder.Services.AddSingleton<MockBroker>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<MockBroker>());
var controlPort = builder.Configuration.GetValue("Broker:ControlPort", 9192);
builder.WebHost.UseUrls($"http://127.0.0.1:{controlPort}");

var app = builder.Build();
app.MapControlApi();
await app.StartAsync();
// One line other processes wait for: where to connect, where to steer.
var control = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
Console.WriteLine($"mesh-kafka ready bootstrap={app.Services.GetRequiredService<MockBroker>().Bootstrap} control={control}");
await app.WaitForShutdownAsync();

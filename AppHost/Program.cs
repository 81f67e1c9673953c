// The Mesh resource graph: five services, each waiting for what it calls, and a demo
// workload that runs a few agent requests once the mesh is healthy.
var builder = DistributedApplication.CreateBuilder(args);

var apiKey = builder.AddParameter("bootstrap-api-key", secret: true);
// Mesh:Mode=distributed: usage through Kafka into ClickHouse (see DistributedUsage).
var distributed = DistributedUsage.AddIfEnabled(builder);

var telemetry = builder.AddMeshService<Projects.Mesh_Telemetry>("telemetry", apiKey);
var identity = builder.AddMeshService<Projects.Mesh_Identity>("identity", apiKey)
    .WithReference(telemetry).WaitFor(telemetry);
// With Parameters:key-encryption-key (base64 of 32 bytes) identity stores its signing keys encrypted.
if (!string.IsNullOrEmpty(builder.Configuration["Parameters:key-encryption-key"]))
{
    identity.WithEnvironment("Mesh__Identity__Tokens__KeyEncryptionKey", builder.AddParameter("key-encryption-key", secret: true));
}

// Every service authenticates tokens with identity's key set and asks identity before acting.
// Telemetry cannot wait for identity (identity ships its usage to telemetry): it only refers to it.
telemetry.WithReference(identity);
var inference = builder.AddMeshService<Projects.Mesh_Inference>("inference", apiKey)
    .WithReference(telemetry).WaitFor(telemetry)
    .WithReference(identity).WaitFor(identity);
var tools = builder.AddMeshService<Projects.Mesh_Tools>("tools", apiKey)
    .WithReference(telemetry).WaitFor(telemetry)
    .WithReference(identity).WaitFor(identity);
var agents = builder.AddMeshService<Projects.Mesh_Agents>("agents", apiKey)
    .WithReference(telemetry).WaitFor(telemetry)
    .WithReference(inference).WaitFor(inference)
    .WithReference(tools).WaitFor(tools)
    .WithReference(identity).WaitFor(identity);

foreach (var service in new[] { telemetry, identity, inference, tools, agents })
{
    distributed?.Wire(service, isTelemetry: service == telemetry);
}

if (!string.Equals(builder.Configuration["Mesh:Demo"], "false", StringComparison.OrdinalIgnoreCase))
{
    builder.AddProject<Projects.Mesh_Cli>("demo")
        .WithArgs("demo")
        .WithEnvironment("MESH_API_KEY", apiKey)
        .WithReference(agents).WaitFor(agents)
        .WithReference(telemetry).WaitFor(telemetry);
}

builder.Build().Run();

// The Mesh resource graph: five services, each waiting for what it calls, and a demo
// workload that runs a few agent requests once the mesh is healthy.
var builder = DistributedApplication.CreateBuilder(args);

var apiKey = builder.AddParameter("bootstrap-api-key", secret: true);
// Mesh:Mode=distributed: usage through Kafka into ClickHouse (see DistributedUsage).
var distributed = DistributedUsage.AddIfEnabled(builder);

// Identity starts first and waits for nothing: its own usage waits in its spool until telemetry
// is up, and it reads telemetry's prices only when a reservation needs them.
var identity = builder.AddMeshService<Projects.Mesh_Identity>("identity", apiKey);
var telemetry = builder.AddMeshService<Projects.Mesh_Telemetry>("telemetry", apiKey)
    .WithReference(identity).WaitFor(identity);
identity.WithReference(telemetry);
// With Parameters:key-encryption-key (base64 of 32 bytes) identity stores its signing keys encrypted.
if (!string.IsNullOrEmpty(builder.Configuration["Parameters:key-encryption-key"]))
{
    identity.WithEnvironment("Mesh__Identity__Tokens__KeyEncryptionKey", builder.AddParameter("key-encryption-key", secret: true));
}

// Every service authenticates tokens with identity's key set and asks identity before acting.
// Inference's endpoints come from its Kestrel settings: gRPC (http), health, and the
// OpenAI-compatible API (openai, http://127.0.0.1:5110/v1).
var inference = builder.AddMeshService<Projects.Mesh_Inference>("inference", apiKey)
    .WithReference(telemetry).WaitFor(telemetry)
    .WithReference(identity).WaitFor(identity);
var tools = builder.AddMeshService<Projects.Mesh_Tools>("tools", apiKey)
    .WithReference(telemetry).WaitFor(telemetry)
    .WithReference(identity).WaitFor(identity);
// Stdio MCP servers run, in the sandbox, from folders of installed npm servers: by default the
// repository's mcp-servers/ (scripts/run installs it), or Mesh:Tools:Mcp:ServerRoot.
var mcpServers = builder.Configuration["Mesh:Tools:Mcp:ServerRoot"]
    ?? Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..", "mcp-servers"));
if (Directory.Exists(Path.Combine(mcpServers, "node_modules")))
{
    tools.WithEnvironment("Mesh__Tools__Mcp__ServerRoots__0", mcpServers);
}

var agents = builder.AddMeshService<Projects.Mesh_Agents>("agents", apiKey)
    .WithReference(telemetry).WaitFor(telemetry)
    .WithReference(inference).WaitFor(inference)
    .WithReference(tools).WaitFor(tools)
    .WithReference(identity).WaitFor(identity);

foreach (var service in new[] { telemetry, identity, inference, tools, agents })
{
    distributed?.Wire(service, isTelemetry: service == telemetry);
}

// Each service has a key of its own, known only to it and to identity, which it exchanges for
// short-lived service tokens: one compromised service is not the mesh admin anywhere.
foreach (var service in new[] { telemetry, inference, tools, agents })
{
    service.WithServiceKey(identity, builder);
}

// Distributed mode: identity and agent runs in PostgreSQL, two replicas of each (see DistributedIdentity, DistributedAgents);
// tools' idempotency records there too (DistributedTools).
if (distributed is not null)
{
    var identityDatabase = DistributedIdentity.Wire(builder, identity);
    DistributedAgents.Wire(builder, agents, identityDatabase);
    DistributedTools.Wire(builder, tools, identityDatabase);
}

// The web console (http://127.0.0.1:5300): cost, runs, budgets and alerts as pages, read through
// the services' gRPC APIs with the signed-in user's key, so the services authorize every page.
builder.AddProject<Projects.Mesh_Console>("console")
    .WithReference(identity).WaitFor(identity)
    .WithReference(telemetry).WaitFor(telemetry)
    .WithReference(agents).WaitFor(agents)
    .WithHttpHealthCheck("/health")
    .WithUrlForEndpoint("http", url => url.DisplayText = "Mesh console");

if (!string.Equals(builder.Configuration["Mesh:Demo"], "false", StringComparison.OrdinalIgnoreCase))
{
    builder.AddProject<Projects.Mesh_Cli>("demo")
        .WithArgs("demo")
        .WithEnvironment("MESH_API_KEY", apiKey)
        .WithReference(agents).WaitFor(agents)
        .WithReference(telemetry).WaitFor(telemetry);
}

builder.Build().Run();

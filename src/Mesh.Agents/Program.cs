using Mesh.Agents.Runs.Api;

var builder = WebApplication.CreateBuilder(args);
builder.AddMeshService("agents");
builder.Services.AddAgents();

var app = builder.Build();
app.MapMeshService();
app.MapGrpcService<AgentsService>();
app.Run();

using Mesh.Tools;

var builder = WebApplication.CreateBuilder(args);
builder.AddMeshService("tools");
builder.AddTools();

var app = builder.Build();
app.MapMeshService();
app.MapGrpcService<ToolsService>();
app.Run();

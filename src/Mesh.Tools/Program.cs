using Mesh.Tools;
using Mesh.Tools.Knowledge;
using Mesh.Tools.Mcp;

var builder = WebApplication.CreateBuilder(args);
builder.AddMeshService("tools");
builder.AddTools();

var app = builder.Build();
app.MapMeshService();
app.MapGrpcService<ToolsService>();
app.MapGrpcService<McpServersService>();
app.MapGrpcService<KnowledgeService>();
app.MapMeshMcpServer();
app.Run();

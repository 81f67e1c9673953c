using Mesh.Console;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddMeshConsole();

var app = builder.Build();
app.MapMeshConsole();
await app.RunAsync();

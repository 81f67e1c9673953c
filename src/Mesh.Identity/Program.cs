using Mesh.Identity;

var builder = WebApplication.CreateBuilder(args);
builder.AddMeshService("identity");

var app = builder.Build();
app.MapMeshService();
app.MapGrpcService<IdentityService>();
app.Run();

using Mesh.Identity;
using Mesh.Identity.Api;

var builder = WebApplication.CreateBuilder(args);
builder.AddMeshService("identity");
builder.AddIdentity();

var app = builder.Build();
app.MapMeshService();
app.MapGrpcService<IdentityService>();
app.MapGrpcService<TokensService>();
app.MapGrpcService<KeySetService>();
app.MapGrpcService<PermissionsService>();
app.MapGrpcService<BudgetsService>();
app.Run();

using Mesh.Identity;
using Mesh.Identity.Api;

var builder = WebApplication.CreateBuilder(args);
builder.AddIdentity(); // before the defaults: identity checks keys, tokens and permissions itself
builder.AddMeshService("identity");

var app = builder.Build();
app.MapMeshService();
app.MapGrpcService<IdentityService>();
app.MapGrpcService<TokensService>();
app.MapGrpcService<KeySetService>();
app.MapGrpcService<PermissionsService>();
app.MapGrpcService<BudgetsService>();
app.Run();

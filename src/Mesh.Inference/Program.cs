using Mesh.Inference;
using Mesh.Inference.Api;

var builder = WebApplication.CreateBuilder(args);
builder.AddMeshService("inference");
builder.AddInference();

var app = builder.Build();
app.MapMeshService();
app.MapGrpcService<InferenceService>();
app.MapOpenAi();
app.Run();

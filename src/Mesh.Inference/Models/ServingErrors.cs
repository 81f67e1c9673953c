using Grpc.Core;

namespace Mesh.Inference.Models;

/// <summary>Statuses of calls a model could not finish.</summary>
public static class ServingErrors
{
    public static RpcException Unloaded(string model) =>
        new(new Status(StatusCode.Unavailable, $"model '{model}' was unloaded or the server is stopping; retry, or load it again with LoadModel"));
}

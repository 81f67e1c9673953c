using Grpc.Core;

namespace Mesh.Inference.Models;

/// <summary>Statuses of calls a model could not finish.</summary>
public static class ServingErrors
{
    public static RpcException Unloaded(string model) =>
        new(new Status(StatusCode.Unavailable, $"model '{model}' was unloaded or the server is stopping; retry, or load it again with LoadModel"));

    /// <summary>A prompt larger than the whole key-value pool: it could never run.</summary>
    public static RpcException KvPoolTooSmall(string model, int needed, int blocks) =>
        new(new Status(StatusCode.ResourceExhausted,
            $"the prompt needs {needed} key-value blocks but model '{model}' has {blocks} in all; send a shorter prompt, or raise kvCacheMiB in its model.json"));

    /// <summary>A replica was drained away (moved to another device or scaled down) before a call it held could finish.</summary>
    public static RpcException Moved(string model) =>
        new(new Status(StatusCode.Unavailable, $"model '{model}' moved to another device while the call waited; retry"));
}

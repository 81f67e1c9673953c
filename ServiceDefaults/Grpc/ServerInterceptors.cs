using Grpc.AspNetCore.Server;
using Microsoft.Extensions.Options;

namespace Mesh.ServiceDefaults.Grpc;

/// <summary>Where a server interceptor sits: calls pass the stages in ascending order, whatever order they were registered in.</summary>
public enum ServerInterceptorStage
{
    /// <summary>Outermost: turns escaped exceptions into statuses.</summary>
    Errors = 0,

    /// <summary>Establishes who is calling.</summary>
    Authentication = 100,

    /// <summary>Opens the call's usage metering scope.</summary>
    Metering = 200,

    /// <summary>Decides whether the caller may act, and reserves its budget.</summary>
    Authorization = 300,
}

/// <summary>One server interceptor a library contributes.</summary>
public sealed record ServerInterceptorRegistration(Type InterceptorType, ServerInterceptorStage Stage);

/// <summary>Adds the registered interceptors to gRPC in stage order, and the request size limit.</summary>
internal sealed class MeshServerInterceptors(IEnumerable<ServerInterceptorRegistration> registrations, IOptions<MeshGrpcOptions> options)
    : IConfigureOptions<GrpcServiceOptions>
{
    public void Configure(GrpcServiceOptions grpc)
    {
        foreach (var registration in registrations.OrderBy(r => r.Stage))
        {
            grpc.Interceptors.Add(registration.InterceptorType);
        }

        grpc.MaxReceiveMessageSize = options.Value.MaxReceiveMessageBytes;
    }
}

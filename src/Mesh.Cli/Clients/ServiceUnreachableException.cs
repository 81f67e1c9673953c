using Grpc.Core;
using Mesh.Cli.Configuration;

namespace Mesh.Cli.Clients;

/// <summary>A call could not reach its service at all (nothing listening, wrong address, network down).</summary>
public sealed class ServiceUnreachableException : Exception
{
    public ServiceUnreachableException()
    {
    }

    public ServiceUnreachableException(string message)
        : base(message)
    {
    }

    public ServiceUnreachableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ServiceUnreachableException(MeshService service, Uri address, RpcException innerException)
        : base(Describe(service, address, innerException), innerException)
    {
        Service = service;
        Address = address;
    }

    public MeshService Service { get; }

    public Uri? Address { get; }

    /// <summary>What to do about it.</summary>
    public string Hint => $"start the mesh (dotnet run --project AppHost) or point --{MeshServices.Name(Service)}-url "
        + $"/ {MeshServices.UrlVariable(Service)} at where the {MeshServices.Name(Service)} service runs";

    private static string Describe(MeshService service, Uri address, RpcException exception)
    {
        var cause = exception.Status.DebugException;
        while (cause?.InnerException is not null)
        {
            cause = cause.InnerException;
        }

        var reason = cause is null ? string.Empty : $" ({cause.Message})";
        return $"{StatusCode.Unavailable}: cannot reach the {MeshServices.Name(service)} service at "
            + $"{address.ToString().TrimEnd('/')}{reason}";
    }

    /// <summary>True when the call failed to connect, as opposed to the server answering Unavailable itself.</summary>
    public static bool IsConnectionFailure(RpcException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception.StatusCode != StatusCode.Unavailable)
        {
            return false;
        }

        for (Exception? inner = exception.Status.DebugException; inner is not null; inner = inner.InnerException)
        {
            if (inner is HttpRequestException or System.Net.Sockets.SocketException or IOException)
            {
                return true;
            }
        }

        return false;
    }
}

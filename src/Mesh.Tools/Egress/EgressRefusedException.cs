namespace Mesh.Tools.Egress;

/// <summary>An outbound connection the tenant's allow-list does not permit; raised before any connection is made.</summary>
public sealed class EgressRefusedException : Exception
{
    public EgressRefusedException()
    {
    }

    public EgressRefusedException(string message)
        : base(message)
    {
    }

    public EgressRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The refusal inside <paramref name="exception"/> (an HttpRequestException wraps what a connect callback throws), or null.</summary>
    public static EgressRefusedException? Within(Exception? exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is EgressRefusedException refused)
            {
                return refused;
            }
        }

        return null;
    }
}
